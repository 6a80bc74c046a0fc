package projections

import (
	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
)

// PortalViews is the portal_views read model: policy pages shown per day
// (of the view's time in the calendar's zone) × policy × origin (where
// the visitor came from). The policy id is a key of the table, never a
// metric label: the collector exports views by document type and
// category.
var PortalViews = Declare("portal_views", 7_001_110, foldPortalView).WithTotals("policy_id", "origin")

// PortalViewKey is the key of a portal_views row.
type PortalViewKey struct {
	Day      calendar.Date `col:"day"`
	PolicyID string        `col:"policy_id"`
	Origin   string        `col:"origin"`
}

// PortalViewSums are the measures of a portal_views row.
type PortalViewSums struct {
	Views int64 `col:"views"`
}

func foldPortalView(f *Folding, v events.PolicyViewed, row func(PortalViewKey) *PortalViewSums) error {
	row(PortalViewKey{f.Day(f.EventTime()), v.PolicyID, v.Origin}).Views++
	return nil
}

// PortalSearches is the portal_searches read model: searches per day (of
// the search's time in the calendar's zone) × query text (as recorded,
// at most 64 characters), with how many found nothing and the sum of
// their result counts.
var PortalSearches = Declare("portal_searches", 7_001_111, foldPortalSearch)

// PortalSearchKey is the key of a portal_searches row.
type PortalSearchKey struct {
	Day   calendar.Date `col:"day"`
	Query string        `col:"query"`
}

// PortalSearchSums are the measures of a portal_searches row.
type PortalSearchSums struct {
	Searches int64 `col:"searches"`
	// ZeroResults are the searches that found no policy.
	ZeroResults int64 `col:"zero_results"`
	ResultsSum  int64 `col:"results_sum"`
}

func foldPortalSearch(f *Folding, s events.PortalSearched, row func(PortalSearchKey) *PortalSearchSums) error {
	sums := row(PortalSearchKey{f.Day(f.EventTime()), s.Query})
	sums.Searches++
	if s.Results == 0 {
		sums.ZeroResults++
	}
	sums.ResultsSum += int64(s.Results)
	return nil
}
