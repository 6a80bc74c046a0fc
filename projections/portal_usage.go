package projections

import (
	"fmt"
	"log/slog"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
)

// NewPortalViews is the portal_views read model: policy pages shown per
// day (of the view's time in cal's zone) × policy × origin (where the
// visitor came from). The policy id is a key of the table, never a metric
// label: the collector exports views by document type and category.
func NewPortalViews(cal *calendar.Calendar, log *slog.Logger) *Projection {
	return &Projection{
		name:  "portal_views",
		types: []string{events.TypePolicyViewed},
		spec: tableSpec{columns: []column{
			{name: "day", kind: keyDate},
			{name: "policy_id", kind: keyText},
			{name: "origin", kind: keyText},
			{name: "views", kind: sumInt},
		}},
		newFold:     func() fold { return &viewsFold{cal: cal, m: map[viewsKey]int64{}} },
		swapLock:    7_001_110,
		rebuildLock: 7_001_210,
		log:         log,
	}
}

type viewsKey struct {
	day              calendar.Date
	policyID, origin string
}

type viewsFold struct {
	cal *calendar.Calendar
	m   map[viewsKey]int64
}

func (f *viewsFold) add(e events.Recorded) error {
	ev, err := events.DecodeStored(e.Type, e.Envelope)
	if err != nil {
		return err
	}
	v, ok := ev.(events.PolicyViewed)
	if !ok {
		return fmt.Errorf("decoded %T, want a PolicyViewed", ev)
	}
	f.m[viewsKey{f.cal.DateOf(e.OccurredAt), v.PolicyID, v.Origin}]++
	return nil
}

func (f *viewsFold) merge(other fold) {
	for k, n := range other.(*viewsFold).m {
		f.m[k] += n
	}
}

func (f *viewsFold) rows() [][]any {
	rows := make([][]any, 0, len(f.m))
	for k, n := range f.m {
		rows = append(rows, []any{dayValue(k.day), k.policyID, k.origin, n})
	}
	return rows
}

func (f *viewsFold) unknownYears() map[int]int64 { return nil }

// NewPortalSearches is the portal_searches read model: searches per day
// (of the search's time in cal's zone) × query text (as recorded, at most
// 64 characters), with how many found nothing and the sum of their result
// counts.
func NewPortalSearches(cal *calendar.Calendar, log *slog.Logger) *Projection {
	return &Projection{
		name:  "portal_searches",
		types: []string{events.TypePortalSearched},
		spec: tableSpec{columns: []column{
			{name: "day", kind: keyDate},
			{name: "query", kind: keyText},
			{name: "searches", kind: sumInt},
			{name: "zero_results", kind: sumInt},
			{name: "results_sum", kind: sumInt},
		}},
		newFold:     func() fold { return &searchesFold{cal: cal, m: map[searchesKey]*searchSums{}} },
		swapLock:    7_001_111,
		rebuildLock: 7_001_211,
		log:         log,
	}
}

type searchesKey struct {
	day   calendar.Date
	query string
}

type searchSums struct{ searches, zero, results int64 }

type searchesFold struct {
	cal *calendar.Calendar
	m   map[searchesKey]*searchSums
}

func (f *searchesFold) add(e events.Recorded) error {
	ev, err := events.DecodeStored(e.Type, e.Envelope)
	if err != nil {
		return err
	}
	s, ok := ev.(events.PortalSearched)
	if !ok {
		return fmt.Errorf("decoded %T, want a PortalSearched", ev)
	}
	k := searchesKey{f.cal.DateOf(e.OccurredAt), s.Query}
	sums := f.m[k]
	if sums == nil {
		sums = &searchSums{}
		f.m[k] = sums
	}
	sums.searches++
	if s.Results == 0 {
		sums.zero++
	}
	sums.results += int64(s.Results)
	return nil
}

func (f *searchesFold) merge(other fold) {
	for k, o := range other.(*searchesFold).m {
		s := f.m[k]
		if s == nil {
			f.m[k] = o
			continue
		}
		s.searches += o.searches
		s.zero += o.zero
		s.results += o.results
	}
}

func (f *searchesFold) rows() [][]any {
	rows := make([][]any, 0, len(f.m))
	for k, s := range f.m {
		rows = append(rows, []any{dayValue(k.day), k.query, s.searches, s.zero, s.results})
	}
	return rows
}

func (f *searchesFold) unknownYears() map[int]int64 { return nil }
