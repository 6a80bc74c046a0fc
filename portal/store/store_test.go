package store_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/portal"
	"github.com/govpulse/govpulse/portal/portaltest"
	"github.com/govpulse/govpulse/portal/store"
	"github.com/govpulse/govpulse/portal/store/storetest"
	"github.com/govpulse/govpulse/postgres"
)

// newStore is a Store over a fresh database holding the corpus.
func newStore(t *testing.T) *store.Store {
	t.Helper()
	return storetest.Store(t)
}

type relevanceCase struct {
	Q     string   `yaml:"q"`
	Top5  []string `yaml:"top5"`
	Never []string `yaml:"never"`
	// Filters are the case's other keys, each a parameter of the search
	// URL (issuer, category, ...): ParseSearchQuery reads and checks them,
	// so the set can use any filter /search has and no misspelt one.
	Filters map[string]string `yaml:",inline"`
}

func (c relevanceCase) query(t *testing.T) portal.SearchQuery {
	v := url.Values{}
	if c.Q != "" {
		v.Set("q", c.Q)
	}
	for k, s := range c.Filters {
		v.Set(k, s)
	}
	q, err := portal.ParseSearchQuery(v)
	if err != nil {
		t.Fatalf("%+v: %v", c, err)
	}
	q.PageSize = portal.MaxPageSize
	return q
}

// TestRelevance runs the relevance set and reports recall at 5 (the share
// of must-find policies in the top 5) and the false hits (must-not
// policies anywhere in the results). It fails below 90% recall or with
// any false hit.
func TestRelevance(t *testing.T) {
	b, err := os.ReadFile("testdata/relevance.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cases []relevanceCase
	if err := yaml.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 40 {
		t.Fatalf("the relevance set has %d queries; it needs at least 40", len(cases))
	}
	s := newStore(t)
	ctx := context.Background()
	want, found, falseHits := 0, 0, 0
	for _, c := range cases {
		res, err := s.Search(ctx, c.query(t))
		if err != nil {
			t.Fatalf("search %q: %v", c.Q, err)
		}
		var ids []string
		for page := 1; ; page++ {
			for _, h := range res.Hits {
				ids = append(ids, h.ID)
			}
			if page >= res.Page.Pages {
				break
			}
			q := c.query(t)
			q.Page = page + 1
			if res, err = s.Search(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		top := ids[:min(5, len(ids))]
		for _, id := range c.Top5 {
			want++
			if slices.Contains(top, id) {
				found++
			} else {
				t.Logf("miss: %q (filters %+v): %s not in top 5 %v", c.Q, c, id, top)
			}
		}
		for _, id := range c.Never {
			if slices.Contains(ids, id) {
				falseHits++
				t.Logf("false hit: %q: %s in results %v", c.Q, id, ids)
			}
		}
	}
	recall := float64(found) / float64(want)
	t.Logf("relevance set: %d queries, recall@5 %.1f%% (%d of %d), false hits %d", len(cases), 100*recall, found, want, falseHits)
	if recall < 0.9 || falseHits > 0 {
		t.Errorf("recall@5 %.1f%% (want >= 90%%), false hits %d (want 0)", 100*recall, falseHits)
	}
}

func TestSearchFacetsPagesAndSnippets(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	res, err := s.Search(ctx, portal.SearchQuery{Q: "补贴", PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Page.Total < 5 || len(res.Hits) != 2 || res.Page.Pages != (res.Page.Total+1)/2 {
		t.Fatalf("page = %+v, hits %d", res.Page, len(res.Hits))
	}
	h := res.Hits[0]
	if !slices.ContainsFunc(h.TitleParts, func(p portal.SnippetPart) bool { return p.Hit && p.Text == "补贴" }) {
		t.Errorf("title parts of the first hit = %+v, want 补贴 highlighted", h.TitleParts)
	}
	var joined strings.Builder
	for _, p := range h.TitleParts {
		joined.WriteString(p.Text)
	}
	if joined.String() != h.Title {
		t.Errorf("title parts %q do not rebuild the title %q", joined.String(), h.Title)
	}
	var issuers portal.Facet
	for _, f := range res.Facets {
		if f.Filter == portal.FilterIssuer {
			issuers = f
		}
	}
	sum := 0
	for _, v := range issuers.Values {
		sum += v.Count
	}
	if sum != res.Page.Total || len(issuers.Values) < 2 {
		t.Errorf("issuer facet %+v sums to %d, want the total %d", issuers, sum, res.Page.Total)
	}
	// Selecting a value keeps the other values' counts (the facet ignores its own filter).
	sel, err := s.Search(ctx, portal.SearchQuery{Q: "补贴", Issuers: []string{"qd-rsj"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range sel.Facets {
		if f.Filter == portal.FilterIssuer && len(f.Values) != len(issuers.Values) {
			t.Errorf("with issuer selected, the issuer facet has %d values, want %d", len(f.Values), len(issuers.Values))
		}
	}
	for _, h := range sel.Hits {
		if h.Issuer != "qd-rsj" {
			t.Errorf("hit %s from %s despite the issuer filter", h.ID, h.Issuer)
		}
	}
	// A body match gets a snippet with the word highlighted.
	body, err := s.Search(ctx, portal.SearchQuery{Q: "海外仓"})
	if err != nil {
		t.Fatal(err)
	}
	if len(body.Hits) != 1 || body.Hits[0].SnippetFrom != "body" || !slices.ContainsFunc(body.Hits[0].Snippet, func(p portal.SnippetPart) bool { return p.Hit && p.Text == "海外仓" }) {
		t.Errorf("海外仓 = %+v", body.Hits)
	}
}

func TestSearchZeroResultsHelp(t *testing.T) {
	s := newStore(t)
	res, err := s.Search(context.Background(), portal.SearchQuery{Q: "补贴", Districts: []string{"pingdu"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Page.Total != 0 || res.Help == nil || len(res.Help.DropFilters) != 1 || res.Help.DropFilters[0].Filter != "district" || res.Help.DropFilters[0].Total == 0 {
		t.Errorf("help = %+v", res.Help)
	}
	res, err = s.Search(context.Background(), portal.SearchQuery{Q: "企业开办火箭"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Page.Total != 0 || res.Help == nil || len(res.Help.SimilarTitles) == 0 {
		t.Fatalf("help = %+v", res.Help)
	}
	if !strings.Contains(res.Help.SimilarTitles[0].Title, "企业开办") {
		t.Errorf("similar titles = %+v", res.Help.SimilarTitles)
	}
	syn, err := s.Search(context.Background(), portal.SearchQuery{Q: "社保"})
	if err != nil {
		t.Fatal(err)
	}
	if len(syn.Synonyms) == 0 || syn.Synonyms[0].To != "社会保险" {
		t.Errorf("synonyms used = %+v", syn.Synonyms)
	}
}

func TestSearchRefusesBadInput(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for _, tc := range []struct {
		q     portal.SearchQuery
		param string
	}{
		{portal.SearchQuery{Categories: []string{"nope"}}, "category"},
		{portal.SearchQuery{Issuers: []string{"qd-nowhere"}}, "issuer"},
		{portal.SearchQuery{PageSize: 500}, "page_size"},
		{portal.SearchQuery{Page: 1000}, "page"},
		{portal.SearchQuery{Q: strings.Repeat("税", 101)}, "q"},
	} {
		_, err := s.Search(ctx, tc.q)
		var pe *portal.Error
		if !asPortalError(err, &pe) || pe.Code != portal.EInvalid || pe.Param != tc.param {
			t.Errorf("Search(%+v) = %v, want invalid %s", tc.q, err, tc.param)
		}
	}
}

func asPortalError(err error, pe **portal.Error) bool {
	e, ok := err.(*portal.Error)
	if ok {
		*pe = e
	}
	return ok
}

func TestPolicyViews(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	v, err := s.Policy(ctx, "start-3", nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != 2 || v.Current != 2 || len(v.Versions) != 2 || v.Policy.Support != "首套5枚印章免费，并免费邮寄。" || v.Validity != portal.InForce {
		t.Errorf("current view = version %d of %d, support %q, %s", v.Version, v.Current, v.Policy.Support, v.Validity)
	}
	if ch := v.Versions[1].Changes; len(ch) != 1 || ch[0].Field != "support" || ch[0].Old != "首套4枚印章免费。" {
		t.Errorf("changes = %+v", ch)
	}
	at := portal.NewDate(2020, 12, 1)
	old, err := s.Policy(ctx, "start-3", &at)
	if err != nil {
		t.Fatal(err)
	}
	if old.Version != 1 || old.Policy.Support != "首套4枚印章免费。" || old.On != at {
		t.Errorf("as of 2020-12-01: version %d, %q", old.Version, old.Policy.Support)
	}
	v1, err := s.Version(ctx, "start-3", 1)
	if err != nil || v1.Policy.Support != "首套4枚印章免费。" {
		t.Errorf("version 1: %v %q", err, v1.Policy.Support)
	}
	rep, err := s.Policy(ctx, "repealed-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Validity != portal.Repealed || rep.Repeal == nil || rep.Repeal.SupersededBy != "start-1" || rep.Repeal.SupersededByTitle == "" || rep.ValidityLabel != "已废止" {
		t.Errorf("repealed view: %s %+v", rep.Validity, rep.Repeal)
	}
	if len(rep.Related) == 0 || rep.Related[0].ID != "start-1" {
		t.Errorf("related of the repealed = %+v, want its successor first", rep.Related)
	}
	before := portal.NewDate(2019, 1, 1)
	inForce, err := s.Policy(ctx, "repealed-1", &before)
	if err != nil || inForce.Validity != portal.InForce || inForce.Repeal != nil {
		t.Errorf("repealed-1 in 2019: %v %s %+v", err, inForce.Validity, inForce.Repeal)
	}
	exp, _ := s.Policy(ctx, "expired-1", nil)
	fut, _ := s.Policy(ctx, "future-1", nil)
	if exp.Validity != portal.Expired || fut.Validity != portal.NotYetInForce {
		t.Errorf("expired-1 %s, future-1 %s", exp.Validity, fut.Validity)
	}
	qa, _ := s.Policy(ctx, "start-1", nil)
	if len(qa.Interpretations) != 1 || len(qa.Interpretations[0].QA) != 1 || qa.Interpretations[0].KindLabel != "问答" {
		t.Errorf("interpretations = %+v", qa.Interpretations)
	}
	if _, err := s.Policy(ctx, "nope", nil); portal.ErrorCode(err) != portal.ENotFound {
		t.Errorf("unknown policy: %v", err)
	}
	if _, err := s.Version(ctx, "start-3", 3); portal.ErrorCode(err) != portal.ENotFound {
		t.Errorf("version 3 of 2: %v", err)
	}
}

func TestMatch(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	res, err := s.Match(ctx, portal.Profile{Industry: "c", Size: "small", District: "shinan", Founded: 2020, Qualifications: []string{"specialized"}})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(ms []portal.PolicyMatch) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	got := ids(res.Matches)
	for _, want := range []string{"inno-2", "ss-2", "credit-1"} {
		if !slices.Contains(got, want) {
			t.Errorf("matches %v lack %s", got, want)
		}
	}
	for _, not := range []string{"inno-1", "transport-1", "district-1", "repealed-1", "expired-1", "future-1"} {
		if slices.Contains(got, not) {
			t.Errorf("matches %v include %s", got, not)
		}
	}
	if res.Matches[0].ID != "inno-2" {
		t.Errorf("best match %s, want inno-2 (most criteria met)", res.Matches[0].ID)
	}
	near := ids(res.NearMisses)
	if !slices.Contains(near, "inno-1") {
		t.Errorf("near misses %v lack inno-1 (not a 高新技术企业)", near)
	}
	for _, m := range res.NearMisses {
		if m.ID == "inno-1" && (m.NotMet != 1 || m.Criteria[0].Outcome != portal.NotMet || m.Criteria[0].Reason == "") {
			t.Errorf("inno-1 criteria = %+v", m.Criteria)
		}
	}
	// An empty profile meets nothing for sure: criteria are unknown, not met.
	open, err := s.Match(ctx, portal.Profile{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range open.Matches {
		if m.NotMet != 0 || (len(m.Criteria) > 0 && m.Unknown == 0) {
			t.Errorf("empty profile: %s %+v", m.ID, m.Criteria)
		}
	}
	if _, err := s.Match(ctx, portal.Profile{Industry: "zz"}); portal.ErrorCode(err) != portal.EInvalid {
		t.Errorf("unknown industry: %v", err)
	}
}

func TestHomeChangesDeadlines(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	h, err := s.Home(ctx, portal.DateOf(portaltest.Today))
	if err != nil {
		t.Fatal(err)
	}
	if h.Total != 37 || len(h.Newest) != 10 || len(h.Categories) == 0 {
		t.Errorf("home: total %d, newest %d, categories %d", h.Total, len(h.Newest), len(h.Categories))
	}
	if len(h.ClosingSoon) != 2 || h.ClosingSoon[0].PolicyID != "ss-2" || h.ClosingSoon[1].PolicyID != "talent-1" {
		t.Errorf("closing soon = %+v", h.ClosingSoon)
	}
	ch, err := s.Changes(ctx, time.Date(2020, 11, 1, 0, 0, 0, 0, time.UTC), nil, nil, "start-3", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 1 || ch[0].Kind != portal.KindAmended || !strings.Contains(ch[0].Summary, "扶持标准") {
		t.Errorf("changes of start-3 = %+v", ch)
	}
	all, err := s.Changes(ctx, time.Time{}, nil, nil, "", 500)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 40+3 { // publications, one amendment, one repeal, one interpretation
		t.Errorf("all changes = %d", len(all))
	}
	ds, err := s.Deadlines(ctx, &portal.SearchQuery{Q: "补贴"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].PolicyID != "ss-2" {
		t.Errorf("deadlines for 补贴 = %+v", ds)
	}
}

// listening runs s.Listen until the test ends, and waits until it
// listens.
func listening(t *testing.T, s *store.Store) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Listen(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	for deadline := time.Now().Add(10 * time.Second); !s.Listening(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("not listening after 10s")
		}
	}
}

// TestListenSeesChanges: with Listen running, a change to the read model
// reaches searches without anyone asking for a refresh.
func TestListenSeesChanges(t *testing.T) {
	s := newStore(t)
	listening(t, s)
	// From here on only a notification makes the store look again.
	if _, err := s.Search(context.Background(), portal.SearchQuery{Q: "无人机"}); err != nil {
		t.Fatal(err)
	}
	cat, _ := catalog.Default()
	ev := portaltest.Event(t, "govpulse.policy.published.v1", "pub-uav", "2023-05-01T09:00:00+08:00", map[string]any{
		"policy_id": "uav-1", "doc_number": "青科发〔2023〕1号", "title": "无人机产业扶持办法", "issuer": "qd-fgw",
		"document_type": "measures", "categories": []string{"innovation"}, "written_at": "2023-04-20",
		"effective_from": "2023-05-01", "body": "支持无人机企业发展。"})
	if err := portaltest.Apply(context.Background(), s.Pool, cat, []postgres.NewEvent{ev}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := s.Search(context.Background(), portal.SearchQuery{Q: "无人机"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Page.Total == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new policy is not found 10s after it was applied")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPolicyViewsAgreeWithVersions: a page shows the index's policy for
// the last version and the index's version list; both agree with the
// policy_versions rows, which the earlier versions are read from.
func TestPolicyViewsAgreeWithVersions(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	rows, err := s.Pool.Query(ctx, `SELECT policy_id, n, kind, at, doc_number, reason, policy::text, changes::text FROM policy_versions ORDER BY policy_id, n`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		v   portal.Version
		pol portal.Policy
	}
	byID := map[string][]row{}
	for rows.Next() {
		var id, kind, pol, changes string
		var r row
		if err := rows.Scan(&id, &r.v.N, &kind, &r.v.At, &r.v.DocNumber, &r.v.Reason, &pol, &changes); err != nil {
			t.Fatal(err)
		}
		r.v.Kind = portal.VersionKind(kind)
		if err := json.Unmarshal([]byte(pol), &r.pol); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(changes), &r.v.Changes); err != nil {
			t.Fatal(err)
		}
		byID[id] = append(byID[id], r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(byID) < 40 {
		t.Fatalf("%d policies with versions: the corpus is not loaded", len(byID))
	}
	several := 0
	for id, want := range byID {
		if len(want) > 1 {
			several++
		}
		cur, err := s.Policy(ctx, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Current != len(want) || cur.Version != len(want) || !reflect.DeepEqual(cur.Policy, want[len(want)-1].pol) {
			t.Errorf("%s: version %d of %d, policy %+v; want the last of %d rows, %+v", id, cur.Version, cur.Current, cur.Policy, len(want), want[len(want)-1].pol)
		}
		seen := map[string]bool{id: true}
		for _, r := range cur.Related {
			if seen[r.ID] || len(cur.Related) > 5 {
				t.Errorf("%s: related %+v: itself, one twice or more than 5", id, cur.Related)
			}
			seen[r.ID] = true
		}
		var vs []portal.Version
		for _, r := range want {
			vs = append(vs, r.v)
		}
		if !reflect.DeepEqual(cur.Versions, vs) {
			t.Errorf("%s: versions %+v, want %+v", id, cur.Versions, vs)
		}
		for _, r := range want {
			v, err := s.Version(ctx, id, r.v.N)
			if err != nil {
				t.Fatal(err)
			}
			if v.Version != r.v.N || !reflect.DeepEqual(v.Policy, r.pol) {
				t.Errorf("%s version %d: shows version %d, policy %+v; want %+v", id, r.v.N, v.Version, v.Policy, r.pol)
			}
		}
	}
	if several == 0 {
		t.Fatal("no policy with several versions in the corpus")
	}
}

// TestListenSeesAmendments: with Listen running, an amendment and then a
// repeal show on the policy's page once the read model's notification
// arrives, and the version before stays readable.
func TestListenSeesAmendments(t *testing.T) {
	s := newStore(t)
	listening(t, s)
	before, err := s.Policy(context.Background(), "start-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	n := before.Current
	cat, _ := catalog.Default()
	// waitFor waits until the page shows version want, and returns it.
	waitFor := func(want int) portal.PolicyView {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			v, err := s.Policy(context.Background(), "start-1", nil)
			if err != nil {
				t.Fatal(err)
			}
			if v.Current == want {
				return v
			}
			if time.Now().After(deadline) {
				t.Fatalf("start-1 shows version %d of %d 10s after the change, want %d", v.Version, v.Current, want)
			}
		}
	}
	amend := portaltest.Event(t, "govpulse.policy.amended.v1", "am-start-1", "2023-05-01T09:00:00+08:00", map[string]any{
		"policy_id": "start-1", "issuer": before.Policy.Issuer, "doc_number": "青政办发〔2023〕99号", "reason": "调整标准",
		"support": "新的扶持标准。"})
	if err := portaltest.Apply(context.Background(), s.Pool, cat, []postgres.NewEvent{amend}); err != nil {
		t.Fatal(err)
	}
	v := waitFor(n + 1)
	last := v.Versions[len(v.Versions)-1]
	if v.Version != n+1 || v.Policy.Support != "新的扶持标准。" || last.Kind != portal.KindAmended || last.DocNumber != "青政办发〔2023〕99号" ||
		len(last.Changes) != 1 || last.Changes[0].Field != "support" {
		t.Errorf("after the amendment: version %d, support %q, last version %+v", v.Version, v.Policy.Support, last)
	}
	old, err := s.Version(context.Background(), "start-1", n)
	if err != nil || !reflect.DeepEqual(old.Policy, before.Policy) || old.Current != n+1 {
		t.Errorf("version %d after the amendment: %v, %d of %d, policy changed: %v", n, err, old.Version, old.Current, !reflect.DeepEqual(old.Policy, before.Policy))
	}
	repeal := portaltest.Event(t, "govpulse.policy.repealed.v1", "rp-start-1", "2023-05-20T09:00:00+08:00", map[string]any{
		"policy_id": "start-1", "issuer": before.Policy.Issuer, "repealed_at": "2023-05-20", "reason": "政策清理"})
	if err := portaltest.Apply(context.Background(), s.Pool, cat, []postgres.NewEvent{repeal}); err != nil {
		t.Fatal(err)
	}
	v = waitFor(n + 2)
	if v.Validity != portal.Repealed || v.Repeal == nil || v.Policy.Support != "新的扶持标准。" || v.Versions[n+1].Kind != portal.KindRepealed {
		t.Errorf("after the repeal: %s %+v, support %q, versions %+v", v.Validity, v.Repeal, v.Policy.Support, v.Versions)
	}
}
