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
	got := append(appendMatch(nil, &m), '\n')
	if want := encodingJSON(t, m); !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: appendMatch differs from encoding/json at byte %d:\n got %q\nwant %q", what, i, got[max(0, i-40):min(len(got), i+80)], want[max(0, i-40):min(len(want), i+80)])
	}
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
	d, err := portal.ParseDate("2023-06-01")
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"", "<script>alert(1)</script> & co", "a\"b\\c\n\t\r\b\f\x00\x1f\x7f", "\u2028\u2029 行", "bad \xff\xfe utf-8 \xe4\xb8", "社保补贴"}
	rng := rand.New(rand.NewPCG(9, 9))
	text := func() string {
		if rng.IntN(4) == 0 {
			b := make([]byte, rng.IntN(12))
			for i := range b {
				b[i] = byte(rng.UintN(256))
			}
			return string(b)
		}
		return texts[rng.IntN(len(texts))]
	}
	date := func() portal.Date {
		if rng.IntN(3) == 0 {
			return portal.Date{}
		}
		return d.AddDays(rng.IntN(4000) - 2000)
	}
	strs := func() []string {
		switch rng.IntN(3) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		return []string{text(), text()}
	}
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
