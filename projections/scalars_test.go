package projections_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/projections"
)

// Scalars reads every int64 measure by its column, wherever its field is
// declared, and no histogram: a measure added to a read model is there
// without a line of code naming it.
func TestScalarsReadEverySumByName(t *testing.T) {
	type key struct {
		Day calendar.Date `col:"day"`
	}
	type sums struct {
		First int64    `col:"first"`
		Hist  [3]int64 `col:"some_hist"`
		Added int64    `col:"added_later"`
	}
	m := projections.Declare("scalars_test", 7_999_001, func(*projections.Folding, events.CaseFinished, func(key) *sums) error { return nil })
	s := sums{First: 4, Hist: [3]int64{1, 2, 3}, Added: 9}
	if got, want := m.Scalars(&s), map[string]int64{"first": 4, "added_later": 9}; !maps.Equal(got, want) {
		t.Errorf("Scalars = %v, want %v", got, want)
	}
	if got, want := m.Table().Scalars(), []string{"first", "added_later"}; !slices.Equal(got, want) {
		t.Errorf("Table().Scalars() = %v, want %v", got, want)
	}

	c := projections.CaseSums{Finished: 12, Assisted: 5, Rejected: 2, InstantMs: 1234}
	c.ElapsedHist[3] = 7
	got := projections.CaseStats.Scalars(&c)
	if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, slices.Sorted(slices.Values(projections.CaseStats.Table().Scalars()))) {
		t.Errorf("case_stats Scalars has %v, want the table's scalar measures %v", names, projections.CaseStats.Table().Scalars())
	}
	for name, want := range map[string]int64{"finished": 12, "assisted": 5, "rejected": 2, "instant_ms_sum": 1234, "overdue": 0} {
		if got[name] != want {
			t.Errorf("case_stats Scalars[%s] = %d, want %d", name, got[name], want)
		}
	}
}
