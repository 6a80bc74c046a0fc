package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

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
	res := portal.SearchResult{Query: q}
	parsed := search.ParseQuery(q.Q, s.Synonyms)
	var found []*doc
	switch {
	case parsed.Empty():
		found = idx.docs
	default:
		if dn, ok := search.ParseDocNumber(q.Q); ok {
			found = idx.byDocKey[dn.Key()]
			res.DocNumber = len(found) > 0
		}
		if !res.DocNumber {
			found, err = s.candidates(ctx, idx, parsed)
			if err != nil {
				return res, err
			}
			if len(found) == 0 {
				if relaxed, ok := parsed.Relaxed(s.Synonyms); ok {
					if found, err = s.candidates(ctx, idx, relaxed); err != nil {
						return res, err
					}
					parsed = relaxed
				}
			}
		}
	}
	for _, u := range parsed.Synonyms {
		res.Synonyms = append(res.Synonyms, portal.SynonymUsed{From: u[0], To: u[1]})
	}

	day := q.On
	inRange := func(d *doc) bool {
		p := d.policy.PublishedAt
		return (q.PublishedFrom.IsZero() || !p.Before(q.PublishedFrom)) && (q.PublishedTo.IsZero() || !p.After(q.PublishedTo))
	}
	// pass[i] has bit f set when found[i] passes filter f.
	full := uint32(1)<<len(fs) - 1
	counts := make([]map[string]int, len(fs))
	for i := range counts {
		counts[i] = map[string]int{}
	}
	without := make([]int, len(fs)) // results without filter f
	var hits []*doc
	for _, d := range found {
		if !inRange(d) {
			continue
		}
		var mask uint32
		vals := make([][]string, len(fs))
		for i, f := range fs {
			vals[i] = f.values(d, day)
			if len(f.selected) == 0 || anyIn(vals[i], f.selected) {
				mask |= 1 << i
			}
		}
		if mask == full {
			hits = append(hits, d)
		}
		for i := range fs {
			if mask|1<<i == full {
				without[i]++
				for _, v := range vals[i] {
					counts[i][v]++
				}
			}
		}
	}
	for i, f := range fs {
		facet := portal.Facet{Filter: f.name, Label: f.label}
		for _, code := range f.all {
			c := counts[i][code]
			sel := slices.Contains(f.selected, code)
			if c == 0 && !sel {
				continue
			}
			facet.Values = append(facet.Values, portal.FacetValue{Code: code, Name: f.name_(code), Count: c, Selected: sel})
		}
		slices.SortStableFunc(facet.Values, func(a, b portal.FacetValue) int { return cmp.Compare(b.Count, a.Count) })
		res.Facets = append(res.Facets, facet)
	}

	s.rank(hits, parsed, day)
	total := len(hits)
	res.Page = portal.Page{Number: q.Page, Size: q.PageSize, Total: total, Pages: (total + q.PageSize - 1) / q.PageSize}
	from := min((q.Page-1)*q.PageSize, total)
	to := min(from+q.PageSize, total)
	needles := parsed.Needles()
	res.Hits = make([]portal.Hit, 0, to-from)
	for _, d := range hits[from:to] {
		res.Hits = append(res.Hits, s.hit(d, day, needles))
	}
	if total == 0 {
		res.Help = s.help(idx, q, parsed, fs, without, day)
	}
	return res, nil
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
	type key struct {
		tier, validity int
		published      int64
		id             string
	}
	keys := make(map[*doc]key, len(docs))
	for _, d := range docs {
		tier := 0
		if !q.Empty() {
			switch {
			case q.Matches(d.title):
				tier = 2
			case q.Matches(d.title, d.meta):
				tier = 1
			}
		}
		keys[d] = key{tier, validityRank(d.validity(day)), d.policy.PublishedAt.Time().Unix(), d.policy.ID}
	}
	slices.SortFunc(docs, func(a, b *doc) int {
		ka, kb := keys[a], keys[b]
		if c := cmp.Compare(kb.tier, ka.tier); c != 0 {
			return c
		}
		if c := cmp.Compare(ka.validity, kb.validity); c != 0 {
			return c
		}
		if c := cmp.Compare(kb.published, ka.published); c != 0 {
			return c
		}
		return cmp.Compare(ka.id, kb.id)
	})
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
