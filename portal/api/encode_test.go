package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/portal"
	"github.com/govpulse/govpulse/portal/store/storetest"
)

// encodingJSON is what jsonhttp.Write wrote before appendMatch: the
// Encoder's output with HTML escaping.
func encodingJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sameAsEncodingJSON(t *testing.T, what string, m portal.MatchResult) {
	t.Helper()
	sameBytes(t, what+": appendMatch", append(appendMatch(nil, &m), '\n'), encodingJSON(t, m))
}

// sameBytes fails with where got and want part, when they do.
func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s differs from encoding/json at byte %d:\n got %q\nwant %q", what, i, got[max(0, i-40):min(len(got), i+80)], want[max(0, i-40):min(len(want), i+80)])
	}
}

// randomJSON draws the values that encoders get wrong: markup, control
// characters, U+2028/U+2029, invalid UTF-8, nil and empty lists, zero
// dates.
type randomJSON struct {
	rng *rand.Rand
	day portal.Date
}

func newRandomJSON(t *testing.T, seed uint64) *randomJSON {
	d, err := portal.ParseDate("2023-06-01")
	if err != nil {
		t.Fatal(err)
	}
	return &randomJSON{rng: rand.New(rand.NewPCG(seed, seed)), day: d}
}

var jsonTexts = []string{"", "<script>alert(1)</script> & co", "a\"b\\c\n\t\r\b\f\x00\x1f\x7f", "\u2028\u2029 行", "bad \xff\xfe utf-8 \xe4\xb8", "社保补贴"}

func (r *randomJSON) text() string {
	if r.rng.IntN(4) == 0 {
		b := make([]byte, r.rng.IntN(12))
		for i := range b {
			b[i] = byte(r.rng.UintN(256))
		}
		return string(b)
	}
	return jsonTexts[r.rng.IntN(len(jsonTexts))]
}

func (r *randomJSON) date() portal.Date {
	switch r.rng.IntN(12) {
	case 0, 1, 2, 3:
		return portal.Date{}
	case 4: // years of other than four digits, and the ends of four
		return portal.NewDate(pickOne(r.rng, -12, 0, 7, 999, 1000, 9999, 10000, 123456), time.Month(1+r.rng.IntN(12)), 1+r.rng.IntN(28))
	}
	return r.day.AddDays(r.rng.IntN(4000) - 2000)
}

func pickOne[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

func (r *randomJSON) strs() []string {
	switch r.rng.IntN(3) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	return []string{r.text(), r.text()}
}

// TestAppendMatchIsEncodingJSON holds appendMatch to encoding/json's
// output on the match answers of many profiles over the test corpus,
// through the handler too, and the search and policy answers (still
// encoding/json, through the pooled buffer) likewise.
func TestAppendMatchIsEncodingJSON(t *testing.T) {
	st := storetest.Store(t)
	h := (&Handler{Reader: st, Now: st.Now}).Routes()
	body := func(path string) []byte {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d %s", path, rec.Code, rec.Body)
		}
		b, _ := io.ReadAll(rec.Body)
		return b
	}
	matches, near := 0, 0
	for _, ind := range []string{"", "a", "c", "e", "g", "i", "m"} {
		for _, size := range []string{"", "large", "medium", "small", "micro"} {
			for _, founded := range []string{"", "2005", "2021", "2023"} {
				for _, extra := range []url.Values{{}, {"district": {"laoshan"}}, {"qualifications": {"specialized", "high-tech"}}, {"district": {"shinan"}, "qualifications": {"tech-sme"}}} {
					q := url.Values{}
					for k, v := range extra {
						q[k] = v
					}
					for k, v := range map[string]string{"industry": ind, "size": size, "founded": founded} {
						if v != "" {
							q.Set(k, v)
						}
					}
					p, err := portal.ParseProfile(q, st.Now())
					if err != nil {
						t.Fatal(err)
					}
					m, err := st.Match(t.Context(), p)
					if err != nil {
						t.Fatal(err)
					}
					matches += len(m.Matches)
					near += len(m.NearMisses)
					sameAsEncodingJSON(t, q.Encode(), m)
					if got, want := body("/api/v1/match?"+q.Encode()), encodingJSON(t, m); !bytes.Equal(got, want) {
						t.Fatalf("GET /api/v1/match?%s:\n got %s\nwant %s", q.Encode(), got, want)
					}
				}
			}
		}
	}
	if matches == 0 || near == 0 {
		t.Fatalf("the profiles matched %d policies and nearly %d: the comparison saw no lists", matches, near)
	}
	for _, q := range []portal.SearchQuery{{Q: "社保"}, {Q: "企业"}, {Q: "补贴", Page: 2, PageSize: 3}, {}, {Q: "青政办发[2020]12号"}, {Q: "没有这样的政策"}} {
		res, err := st.Search(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/search?" + url.Values{"q": {q.Q}, "page": {fmt.Sprint(max(q.Page, 1))}}.Encode()
		if q.PageSize > 0 {
			path += "&page_size=" + fmt.Sprint(q.PageSize)
		}
		if got, want := body(path), encodingJSON(t, res); !bytes.Equal(got, want) {
			t.Fatalf("GET %s:\n got %s\nwant %s", path, got, want)
		}
	}
}

// TestAppendMatchEscapes covers what the corpus lacks: markup, control
// characters, U+2028/U+2029 and invalid UTF-8 in every text field,
// reasons present and absent, nil and empty lists, zero dates.
func TestAppendMatchEscapes(t *testing.T) {
	r := newRandomJSON(t, 9)
	rng, text, date, strs := r.rng, r.text, r.date, r.strs
	pm := func() portal.PolicyMatch {
		m := portal.PolicyMatch{PolicySummary: portal.PolicySummary{ID: text(), DocNumber: text(), Title: text(), Issuer: text(), IssuerName: text(),
			DocumentType: text(), DocumentName: text(), Categories: strs(), PublishedAt: date(), EffectiveFrom: date(), EffectiveTo: date(),
			ApplicationFrom: date(), ApplicationTo: date(), Validity: portal.Validity(text()), ValidityLabel: text(), Versions: rng.IntN(5), Views: rng.Int64() - 1<<62},
			Met: rng.IntN(5), NotMet: -rng.IntN(5), Unknown: rng.IntN(5)}
		if rng.IntN(3) > 0 {
			m.Criteria = []portal.CriterionResult{}
			for range rng.IntN(4) {
				m.Criteria = append(m.Criteria, portal.CriterionResult{Criterion: text(), Label: text(), Required: text(), Outcome: portal.Outcome(text()), Reason: text()})
			}
		}
		return m
	}
	for i := range 500 {
		m := portal.MatchResult{Profile: portal.Profile{Industry: text(), Size: text(), District: text(), Founded: rng.IntN(3) * 2000, Qualifications: strs(), On: date()},
			Total: rng.IntN(100)}
		if rng.IntN(4) > 0 {
			m.Matches = []portal.PolicyMatch{}
			for range rng.IntN(4) {
				m.Matches = append(m.Matches, pm())
			}
		}
		if rng.IntN(4) > 0 {
			m.NearMisses = []portal.PolicyMatch{}
			for range rng.IntN(3) {
				m.NearMisses = append(m.NearMisses, pm())
			}
		}
		sameAsEncodingJSON(t, fmt.Sprint("random answer ", i), m)
	}
}

func sameViewAsEncodingJSON(t *testing.T, what string, v portal.PolicyView) {
	t.Helper()
	sameBytes(t, what+": appendPolicyView", append(appendPolicyView(nil, &v), '\n'), encodingJSON(t, v))
}

// TestAppendPolicyViewIsEncodingJSON holds appendPolicyView to
// encoding/json's output on every corpus policy's page, current, as in
// force on several days and each version, directly and through the
// handler.
func TestAppendPolicyViewIsEncodingJSON(t *testing.T) {
	st := storetest.Store(t)
	h := (&Handler{Reader: st, Now: st.Now}).Routes()
	rows, err := st.Pool.Query(t.Context(), `SELECT policy_id FROM policies ORDER BY policy_id`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var repealed, amended, interpreted int
	for _, id := range ids {
		cur, err := st.Policy(t.Context(), id, nil)
		if err != nil {
			t.Fatal(err)
		}
		views := map[string]portal.PolicyView{"/api/v1/policies/" + id: cur}
		for _, day := range []string{"2019-01-01", "2021-06-30", "2030-01-01"} {
			at, _ := portal.ParseDate(day)
			v, err := st.Policy(t.Context(), id, &at)
			if err != nil {
				t.Fatal(err)
			}
			views["/api/v1/policies/"+id+"?at="+day] = v
		}
		for n := 1; n <= cur.Current; n++ {
			v, err := st.Version(t.Context(), id, n)
			if err != nil {
				t.Fatal(err)
			}
			views[fmt.Sprintf("/api/v1/policies/%s/versions/%d", id, n)] = v
		}
		for path, v := range views {
			if v.Repeal != nil {
				repealed++
			}
			if len(v.Versions) > 1 {
				amended++
			}
			if len(v.Interpretations) > 0 {
				interpreted++
			}
			sameViewAsEncodingJSON(t, path, v)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil))
			if got, want := rec.Body.Bytes(), encodingJSON(t, v); rec.Code != http.StatusOK || !bytes.Equal(got, want) {
				t.Fatalf("GET %s = %d:\n got %s\nwant %s", path, rec.Code, got, want)
			}
		}
	}
	if repealed == 0 || amended == 0 || interpreted == 0 {
		t.Fatalf("pages with a repeal %d, several versions %d, interpretations %d: the comparison missed some", repealed, amended, interpreted)
	}
}

// TestAppendPolicyViewEscapes covers what the corpus lacks, as
// TestAppendMatchEscapes does, and times in odd zones; a time that
// encoding/json refuses makes the view not appendable (the handler then
// answers as encoding/json does).
func TestAppendPolicyViewEscapes(t *testing.T) {
	r := newRandomJSON(t, 7)
	rng, text, date, strs := r.rng, r.text, r.date, r.strs
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("odd", -(9*3600 + 30*60 + 15)), time.FixedZone("edge", 23*3600+59*60)}
	when := func() time.Time {
		return time.Unix(rng.Int64N(4e9), rng.Int64N(3)*rng.Int64N(1e9)).In(zones[rng.IntN(len(zones))])
	}
	num := func() *int {
		if rng.IntN(2) == 0 {
			return nil
		}
		n := rng.IntN(20) - 5
		return &n
	}
	list := func(max int) int { return rng.IntN(max+2) - 1 } // -1: nil
	pol := func() portal.Policy {
		return portal.Policy{ID: text(), DocNumber: text(), Title: text(), Issuer: text(), DocumentType: text(), Categories: strs(),
			Industries: strs(), EnterpriseSizes: strs(), Districts: strs(), WrittenAt: date(), PublishedAt: date(), EffectiveFrom: date(),
			EffectiveTo: date(), Body: text(), Criteria: portal.Criteria{Industries: strs(), EnterpriseSizes: strs(), Districts: strs(),
				MinYearsFounded: num(), MaxYearsFounded: num(), Qualifications: strs()}, Conditions: text(), Materials: strs(), Support: text(),
			ApplicationFrom: date(), ApplicationTo: date(), HowToApply: text(), Contact: text()}
	}
	for i := range 500 {
		v := portal.PolicyView{Policy: pol(), Names: portal.Names{Issuer: text(), DocumentType: text(), Categories: strs(), Industries: strs(),
			EnterpriseSizes: strs(), Districts: strs()}, Version: rng.IntN(4), Current: rng.IntN(4), On: date(),
			Validity: portal.Validity(text()), ValidityLabel: text()}
		if rng.IntN(2) == 0 {
			v.Repeal = &portal.Repeal{At: date(), Reason: text(), SupersededBy: text(), SupersededByTitle: text()}
		}
		if n := list(3); n >= 0 {
			v.Versions = []portal.Version{}
			for range n {
				ver := portal.Version{N: rng.IntN(5), Kind: portal.VersionKind(text()), At: when(), DocNumber: text(), Reason: text()}
				if m := list(2); m >= 0 {
					ver.Changes = []portal.Change{}
					for range m {
						c := portal.Change{Field: text(), Label: text(), Old: text(), New: text()}
						if k := list(3); k >= 0 {
							c.Paragraphs = []portal.ParagraphDiff{}
							for range k {
								c.Paragraphs = append(c.Paragraphs, portal.ParagraphDiff{Op: portal.ParagraphOp(text()), Text: text()})
							}
						}
						ver.Changes = append(ver.Changes, c)
					}
				}
				v.Versions = append(v.Versions, ver)
			}
		}
		if n := list(2); n >= 0 {
			v.Interpretations = []portal.Interpretation{}
			for range n {
				in := portal.Interpretation{ID: text(), Kind: text(), KindLabel: text(), Title: text(), Body: text(), By: text(), At: when()}
				if k := list(2); k >= 0 {
					in.QA = []portal.QA{}
					for range k {
						in.QA = append(in.QA, portal.QA{Q: text(), A: text()})
					}
				}
				v.Interpretations = append(v.Interpretations, in)
			}
		}
		if n := list(3); n >= 0 {
			v.Related = []portal.PolicySummary{}
			for range n {
				v.Related = append(v.Related, portal.PolicySummary{ID: text(), Title: text(), Categories: strs(), PublishedAt: date(),
					Validity: portal.Validity(text()), Versions: rng.IntN(3), Views: rng.Int64N(100)})
			}
		}
		if !policyViewAppendable(&v) {
			t.Fatalf("random view %d: not appendable", i)
		}
		sameViewAsEncodingJSON(t, fmt.Sprint("random view ", i), v)
	}
	for _, at := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2023, 1, 1, 0, 0, 0, 0, time.FixedZone("far", 24*3600))} {
		for _, v := range []portal.PolicyView{{Versions: []portal.Version{{At: at}}}, {Interpretations: []portal.Interpretation{{At: at}}}} {
			if _, err := json.Marshal(v); err == nil || policyViewAppendable(&v) {
				t.Errorf("time %v: encoding/json error %v, appendable %v; want an error and false", at, err, policyViewAppendable(&v))
			}
		}
	}
}
