package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal"
)

// searchValues writes a search back as the parameters /search reads.
func searchValues(q portal.SearchQuery) url.Values {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	add := func(name string, vals []string) {
		for _, x := range vals {
			v.Add(name, x)
		}
	}
	add(portal.FilterIssuer, q.Issuers)
	add(portal.FilterCategory, q.Categories)
	add(portal.FilterIndustry, q.Industries)
	add(portal.FilterSize, q.EnterpriseSizes)
	add(portal.FilterDistrict, q.Districts)
	add(portal.FilterDocumentType, q.DocumentTypes)
	for _, x := range q.Validities {
		v.Add(portal.FilterValidity, string(x))
	}
	if !q.PublishedFrom.IsZero() {
		v.Set("published_from", q.PublishedFrom.String())
	}
	if !q.PublishedTo.IsZero() {
		v.Set("published_to", q.PublishedTo.String())
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	return v
}

// withQuery is path with v as its query string.
func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

type hitCard struct {
	portal.Hit
	From string
}

// facetOption is one checkbox of the filter form.
type facetOption struct {
	portal.FacetValue
	ID string // the input's id
}

type facetBox struct {
	Filter, Label string
	Options       []facetOption
}

// activeFilter is a chosen filter value with the link that drops it.
type activeFilter struct {
	Label, Name, DropURL string
}

type pageLink struct {
	N       int
	URL     string
	Current bool
}

type searchData struct {
	base
	Query    portal.SearchQuery
	Result   portal.SearchResult
	Hits     []hitCard
	Facets   []facetBox
	Active   []activeFilter
	Pages    []pageLink
	Prev     string
	Next     string
	Similar  []card
	DropURLs map[string]string // filter=value -> the search without it
	Empty    bool              // neither a query nor a filter
	Today    portal.Date
}

func (s *Server) search(ctx context.Context, r *http.Request) (string, any, error) {
	params, perr := readParams(r.URL.RawQuery, searchParams)
	if perr != nil {
		return "", nil, perr
	}
	sq, err := s.searchQuery(params)
	if err != nil {
		return "", nil, err
	}
	res, err := s.Reader.Search(ctx, sq)
	if err != nil {
		return "", nil, err
	}
	if sq.Page <= 1 {
		s.Usage.Search(sq.Q, res.Page.Total)
	}
	feedQuery := searchValues(sq)
	feedQuery.Del("page")
	title := "搜索"
	if sq.Q != "" {
		title = "搜索：" + sq.Q
	}
	d := searchData{
		base: base{Title: title, Q: sq.Q, Feeds: []feedLink{
			{"这次搜索的政策更新（Atom）", withQuery("/feeds/changes.atom", feedQuery), atomType},
			{"这次搜索的申报截止日历（iCalendar）", withQuery("/feeds/deadlines.ics", feedQuery), icsType},
		}},
		Query:  sq,
		Result: res,
		Empty:  len(params) == 0,
		Today:  sq.On,
	}
	for _, h := range res.Hits {
		d.Hits = append(d.Hits, hitCard{h, events.OriginSearch})
	}
	for _, f := range res.Facets {
		box := facetBox{Filter: f.Filter, Label: f.Label}
		for i, v := range f.Values {
			box.Options = append(box.Options, facetOption{v, f.Filter + "-" + strconv.Itoa(i)})
			if v.Selected {
				d.Active = append(d.Active, activeFilter{f.Label, v.Name, dropFilter(sq, f.Filter, v.Code)})
			}
		}
		d.Facets = append(d.Facets, box)
	}
	if res.Help != nil {
		d.DropURLs = map[string]string{}
		for _, f := range res.Help.DropFilters {
			d.DropURLs[f.Filter+"="+f.Value] = dropFilter(sq, f.Filter, f.Value)
		}
		d.Similar = cards(res.Help.SimilarTitles, events.OriginSearch)
	}
	d.Pages, d.Prev, d.Next = pagination(sq, res.Page)
	return "search", d, nil
}

// dropFilter is the search URL without one filter value (and on page 1).
func dropFilter(q portal.SearchQuery, filter, value string) string {
	v := searchValues(q)
	v.Del("page")
	kept := slices.DeleteFunc(slices.Clone(v[filter]), func(x string) bool { return x == value })
	if len(kept) == 0 {
		v.Del(filter)
	} else {
		v[filter] = kept
	}
	return withQuery("/search", v)
}

// pagination links at most nine pages around the current one.
func pagination(q portal.SearchQuery, p portal.Page) ([]pageLink, string, string) {
	if p.Pages <= 1 {
		return nil, "", ""
	}
	cur := max(p.Number, 1)
	at := func(n int) string {
		qq := q
		qq.Page = n
		return withQuery("/search", searchValues(qq))
	}
	lo, hi := max(1, cur-4), min(p.Pages, cur+4)
	var links []pageLink
	for n := lo; n <= hi; n++ {
		links = append(links, pageLink{n, at(n), n == cur})
	}
	var prev, next string
	if cur > 1 {
		prev = at(cur - 1)
	}
	if cur < p.Pages {
		next = at(cur + 1)
	}
	return links, prev, next
}
