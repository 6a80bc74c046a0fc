package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal"
	"github.com/govpulse/govpulse/portal/search"
)

// snippetWidth is a snippet's length in characters.
const snippetWidth = 80

// filter is one filter of a search: which docs it keeps and the values a
// doc has for its facet.
type filter struct {
	name, label string
	selected    []string
	values      func(d *doc, day portal.Date) []string
	name_       func(code string) string
	all         []string // every code, for facets shown with zero counts
}

func (s *Store) filters(q portal.SearchQuery) []filter {
	n := s.names
	codes := func(l []events.CodeName) []string {
		out := make([]string, len(l))
		for i, e := range l {
			out[i] = e.Code
		}
		return out
	}
	var validities []string
	for _, v := range q.Validities {
		validities = append(validities, string(v))
	}
	var allValidities []string
	for _, v := range portal.Validities {
		allValidities = append(allValidities, string(v.Code))
	}
	cat := s.Catalog
	if cat == nil {
		cat = &events.Catalog{}
	}
	var depts []string
	for _, d := range cat.Departments {
		depts = append(depts, d.Code)
	}
	return []filter{
		{portal.FilterIssuer, "发文机关", q.Issuers, func(d *doc, _ portal.Date) []string { return []string{d.policy.Issuer} }, n.department, depts},
		{portal.FilterCategory, "政策类别", q.Categories, func(d *doc, _ portal.Date) []string { return d.policy.Categories },
			func(c string) string { return n.of(events.ListPolicyCategories, c) }, codes(cat.PolicyCategories)},
		{portal.FilterIndustry, "适用行业", q.Industries, func(d *doc, _ portal.Date) []string { return d.policy.Industries },
			func(c string) string { return n.of(events.ListIndustries, c) }, codes(cat.Industries)},
		{portal.FilterSize, "企业规模", q.EnterpriseSizes, func(d *doc, _ portal.Date) []string { return d.policy.EnterpriseSizes },
			func(c string) string { return n.of(events.ListEnterpriseSizes, c) }, codes(cat.EnterpriseSizes)},
		{portal.FilterDistrict, "适用区域", q.Districts, func(d *doc, _ portal.Date) []string {
			if len(d.policy.Districts) == 0 {
				return []string{"citywide"}
			}
			return d.policy.Districts
		}, n.district, codes(cat.Districts)},
		{portal.FilterDocumentType, "文件类型", q.DocumentTypes, func(d *doc, _ portal.Date) []string { return []string{d.policy.DocumentType} },
			func(c string) string { return n.of(events.ListDocumentTypes, c) }, codes(cat.DocumentTypes)},
		{portal.FilterValidity, "有效性", validities, func(d *doc, day portal.Date) []string { return []string{string(d.validity(day))} },
			func(c string) string { return portal.Validity(c).Label() }, allValidities},
	}
}

// checkQuery refuses unknown codes and fills the defaults.
func (s *Store) checkQuery(q *portal.SearchQuery, fs []filter) error {
	for _, f := range fs {
		for _, v := range f.selected {
			if !slices.Contains(f.all, v) {
				return portal.Invalid(f.name, "unknown code %q; see GET /v1/catalog", v)
			}
		}
	}
	if q.Page == 0 {
		q.Page = 1
	}
	if q.PageSize == 0 {
		q.PageSize = portal.DefaultPageSize
	}
	if q.Page < 1 || q.Page > portal.MaxPage {
		return portal.Invalid("page", "must be from 1 to %d", portal.MaxPage)
	}
	if q.PageSize < 1 || q.PageSize > portal.MaxPageSize {
		return portal.Invalid("page_size", "must be from 1 to %d", portal.MaxPageSize)
	}
	if len([]rune(q.Q)) > portal.MaxQueryLen {
		return portal.Invalid("q", "is longer than %d characters", portal.MaxQueryLen)
	}
	if q.On.IsZero() {
		q.On = s.today()
	}
	return nil
}

// Search implements portal.Reader.
func (s *Store) Search(ctx context.Context, q portal.SearchQuery) (portal.SearchResult, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	s.init()
	fs := s.filters(q)
	if err := s.checkQuery(&q, fs); err != nil {
		return portal.SearchResult{}, err
	}
	idx, err := s.snapshot(ctx)
	if err != nil {
		return portal.SearchResult{}, err
	}
	out, err := s.searchAll(ctx, idx, q, fs)
	if err != nil {
		return portal.SearchResult{}, err
	}
	res := portal.SearchResult{Query: q, Facets: out.facets, Synonyms: out.synonyms, DocNumber: out.docNumber, Help: out.help}
	total := len(out.hits)
	res.Page = portal.Page{Number: q.Page, Size: q.PageSize, Total: total, Pages: (total + q.PageSize - 1) / q.PageSize}
	from := min((q.Page-1)*q.PageSize, total)
	to := min(from+q.PageSize, total)
	res.Hits = out.page(from, to, func() []portal.Hit {
		hits := make([]portal.Hit, 0, to-from)
		for _, d := range out.hits[from:to] {
			hits = append(hits, s.hit(d, q.On, out.needles))
		}
		return hits
	})
	return res, nil
}

// pagesKept bounds the pages of hits a search outcome keeps.
const pagesKept = 8

// page returns the hits out.hits[from:to] as build makes them, kept for
// the next request of the same page: a cached search then allocates next
// to nothing (snippets copy and fold whole bodies), so that 8 clients do
// not bring on the collector, whose mark assists made the p99 200 times
// the p50. The hits are shared, read-only, as the facets are.
func (out *searchOutcome) page(from, to int, build func() []portal.Hit) []portal.Hit {
	k := [2]int{from, to}
	out.mu.Lock()
	hits, ok := out.pages[k]
	out.mu.Unlock()
	if ok {
		return hits
	}
	hits = build()
	out.mu.Lock()
	if out.pages == nil {
		out.pages = map[[2]int][]portal.Hit{}
	}
	if len(out.pages) < pagesKept {
		out.pages[k] = hits
	}
	out.mu.Unlock()
	return hits
}

// searchOutcome is a search's every result, ranked, with its facets: what
// the result cache keeps (read-only once built).
type searchOutcome struct {
	hits      []*doc
	facets    portal.Facets
	synonyms  []portal.SynonymUsed
	docNumber bool
	help      *portal.ZeroResultHelp
	needles   []string

	mu    sync.Mutex
	pages map[[2]int][]portal.Hit // (from, to) -> hits, at most pagesKept
}

// resultKey identifies a search's outcome (every parameter but the page).
func resultKey(gen int64, q portal.SearchQuery) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d|%s|%s|%s|%s", gen, q.On, q.PublishedFrom, q.PublishedTo, q.Q)
	for _, l := range [][]string{q.Issuers, q.Categories, q.Industries, q.EnterpriseSizes, q.Districts, q.DocumentTypes} {
		b.WriteString("|" + strings.Join(l, ","))
	}
	for _, v := range q.Validities {
		b.WriteString("|" + string(v))
	}
	return b.String()
}

// searchAll runs q over idx, or returns its cached outcome.
func (s *Store) searchAll(ctx context.Context, idx *index, q portal.SearchQuery, fs []filter) (*searchOutcome, error) {
	key := resultKey(idx.gen, q)
	if out, ok := s.results.Get(key); ok {
		return out, nil
	}
	out := &searchOutcome{}
	parsed := search.ParseQuery(q.Q, s.Synonyms)
	var found []*doc
	var err error
	switch {
	case parsed.Empty():
		found = idx.docs
	default:
		if dn, ok := search.ParseDocNumber(q.Q); ok {
			found = idx.byDocKey[dn.Key()]
			out.docNumber = len(found) > 0
		}
		if !out.docNumber {
			found, err = s.candidates(ctx, idx, parsed)
			if err != nil {
				return nil, err
			}
			if len(found) == 0 {
				if relaxed, ok := parsed.Relaxed(s.Synonyms); ok {
					if found, err = s.candidates(ctx, idx, relaxed); err != nil {
						return nil, err
					}
					parsed = relaxed
				}
			}
		}
	}
	for _, u := range parsed.Synonyms {
		out.synonyms = append(out.synonyms, portal.SynonymUsed{From: u[0], To: u[1]})
	}

	day := q.On
	inRange := func(d *doc) bool {
		p := d.policy.PublishedAt
		return (q.PublishedFrom.IsZero() || !p.Before(q.PublishedFrom)) && (q.PublishedTo.IsZero() || !p.After(q.PublishedTo))
	}
	// mask has bit f set when a doc passes filter f.
	full := uint32(1)<<len(fs) - 1
	counts := make([]map[string]int, len(fs))
	for i := range counts {
		counts[i] = map[string]int{}
	}
	without := make([]int, len(fs)) // results without filter f
	var hits []*doc
	validity := make([]string, 1)
	for _, d := range found {
		if !inRange(d) {
			continue
		}
		var mask uint32
		validity[0] = string(d.validity(day))
		for i, f := range fs {
			vals := d.facets[i]
			if vals == nil {
				vals = validity
			}
			if len(f.selected) == 0 || anyIn(vals, f.selected) {
				mask |= 1 << i
			}
		}
		if mask == full {
			hits = append(hits, d)
		}
		for i := range fs {
			if mask|1<<i == full {
				without[i]++
				vals := d.facets[i]
				if vals == nil {
					vals = validity
				}
				for _, v := range vals {
					counts[i][v]++
				}
			}
		}
	}
	for i, f := range fs {
		facet := portal.Facet{Filter: f.name, Label: f.label, Values: []portal.FacetValue{}}
		for _, code := range f.all {
			c := counts[i][code]
			sel := slices.Contains(f.selected, code)
			if c == 0 && !sel {
				continue
			}
			facet.Values = append(facet.Values, portal.FacetValue{Code: code, Name: f.name_(code), Count: c, Selected: sel})
		}
		slices.SortStableFunc(facet.Values, func(a, b portal.FacetValue) int { return cmp.Compare(b.Count, a.Count) })
		out.facets = append(out.facets, facet)
	}
	s.rank(hits, parsed, day)
	out.hits = hits
	out.needles = parsed.Needles()
	if len(hits) == 0 {
		out.help = s.help(idx, q, parsed, fs, without, day)
	}
	s.results.Add(key, out)
	return out, nil
}

func anyIn(have, want []string) bool {
	for _, h := range have {
		if slices.Contains(want, h) {
			return true
		}
	}
	return false
}

// candidates are the docs whose search vectors match q (the GIN index),
// cached per generation.
func (s *Store) candidates(ctx context.Context, idx *index, q search.Query) ([]*doc, error) {
	tsq := q.TSQuery()
	key := strconv.FormatInt(idx.gen, 10) + "|" + tsq
	if pos, ok := s.matches.Get(key); ok {
		out := make([]*doc, len(pos))
		for i, p := range pos {
			out[i] = idx.docs[p]
		}
		return out, nil
	}
	rows, err := s.Pool.Query(ctx, `SELECT DISTINCT policy_id FROM policy_search WHERE tsv @@ $1::tsquery`, tsq)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", tsq, err)
	}
	defer rows.Close()
	var out []*doc
	var pos []int32
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		if d := idx.byID[id]; d != nil {
			out = append(out, d)
			pos = append(pos, d.pos)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	s.matches.Add(key, pos)
	return out, nil
}

// validityRank orders results: in force, not yet in force, expired, repealed.
func validityRank(v portal.Validity) int {
	for i, x := range portal.Validities {
		if x.Code == v {
			return i
		}
	}
	return len(portal.Validities)
}

// rank sorts docs: title matches first, then 文号 or issuer matches, then
// the rest; within each, in force before not (yet), then newest first.
// Frequent bigrams (企业, 发展) would skew a term-frequency rank, so
// there is none.
func (s *Store) rank(docs []*doc, q search.Query, day portal.Date) {
	type keyed struct {
		tier, validity int
		published      int64
		d              *doc
	}
	keys := make([]keyed, len(docs))
	for i, d := range docs {
		tier := 0
		if !q.Empty() {
			switch {
			case q.Matches(d.title):
				tier = 2
			case q.Matches(d.title, d.meta):
				tier = 1
			}
		}
		keys[i] = keyed{tier, validityRank(d.validity(day)), d.policy.PublishedAt.Time().Unix(), d}
	}
	slices.SortFunc(keys, func(ka, kb keyed) int {
		if c := cmp.Compare(kb.tier, ka.tier); c != 0 {
			return c
		}
		if c := cmp.Compare(ka.validity, kb.validity); c != 0 {
			return c
		}
		if c := cmp.Compare(kb.published, ka.published); c != 0 {
			return c
		}
		return strings.Compare(ka.d.policy.ID, kb.d.policy.ID)
	})
	for i, k := range keys {
		docs[i] = k.d
	}
}

// hit is a result with its highlighted title and snippet.
func (s *Store) hit(d *doc, day portal.Date, needles []string) portal.Hit {
	h := portal.Hit{PolicySummary: s.summary(d, day), TitleParts: search.Highlight(d.policy.Title, needles)}
	texts := []struct{ from, text string }{{"body", d.policy.Body}}
	for _, in := range d.interps {
		texts = append(texts, struct{ from, text string }{"interpretation", interpText(in)})
	}
	texts = append(texts, struct{ from, text string }{"support", d.policy.Support}, struct{ from, text string }{"conditions", d.policy.Conditions})
	for _, t := range texts {
		if t.text == "" {
			continue
		}
		if parts, ok := search.Snippet(t.text, needles, snippetWidth); ok {
			h.Snippet, h.SnippetFrom = parts, t.from
			return h
		}
	}
	h.Snippet, _ = search.Snippet(d.policy.Body, nil, snippetWidth)
	h.SnippetFrom = "body"
	return h
}

// help is what a search without results offers: filters to drop (with
// the results each would give) and titles that share words with q.
func (s *Store) help(idx *index, q portal.SearchQuery, parsed search.Query, fs []filter, without []int, day portal.Date) *portal.ZeroResultHelp {
	h := &portal.ZeroResultHelp{}
	for i, f := range fs {
		if len(f.selected) > 0 && without[i] > 0 {
			for _, v := range f.selected {
				h.DropFilters = append(h.DropFilters, portal.FilterSuggestion{Filter: f.name, Value: v, Name: f.name_(v), Total: without[i]})
			}
		}
	}
	// Similar titles: most bigrams in common with the query.
	var grams []string
	for _, r := range search.Runs(q.Q) {
		grams = append(grams, r.Terms()...)
	}
	if len(grams) > 0 {
		type scored struct {
			d     *doc
			score int
		}
		var best []scored
		for _, d := range idx.docs {
			n := 0
			for _, g := range grams {
				if len([]rune(g)) > 1 && containsStr(d.title, g) {
					n++
				}
			}
			if n > 0 {
				best = append(best, scored{d, n})
			}
		}
		slices.SortFunc(best, func(a, b scored) int {
			if c := cmp.Compare(b.score, a.score); c != 0 {
				return c
			}
			return cmp.Compare(a.d.policy.ID, b.d.policy.ID)
		})
		for _, b := range best[:min(5, len(best))] {
			h.SimilarTitles = append(h.SimilarTitles, s.summary(b.d, day))
		}
	}
	if len(h.DropFilters) == 0 && len(h.SimilarTitles) == 0 {
		return h
	}
	return h
}
