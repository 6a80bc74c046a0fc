package projections_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// TestApplyRefusesCodesTheCatalogueLacks: a read model with a catalogue
// refuses a batch holding a code the catalogue does not list, naming the
// code and the event, and writes nothing of it; a rebuild of a log with
// such an event fails the same way; without the code the batch applies.
func TestApplyRefusesCodesTheCatalogueLacks(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	cat := catalogtest.Default(t)
	cases, licenses, lawsuits := readModels(t)
	for _, p := range []*projections.Projection{cases, licenses, lawsuits} {
		p.Catalog = cat
	}
	store := &postgres.EventStore{Pool: pool}
	for _, tc := range []struct {
		p     *projections.Projection
		ev    postgres.NewEvent
		field string
	}{
		{cases, caseEvent(t, "c-gone", "2024-03-01T09:00:00+08:00", "2024-03-01T16:30:00+08:00", func(d map[string]any) { d["item_code"] = "gone_item" }), `item "gone_item"`},
		{cases, caseEvent(t, "c-zone", "2024-03-01T09:00:00+08:00", "2024-03-01T16:30:00+08:00", func(d map[string]any) { d["district"] = "gone-zone" }), `district "gone-zone"`},
		{licenses, licenseEvent(t, "l-gone", "2024-03-01T09:00:00+08:00", "2024-03-01T16:30:00+08:00", func(d map[string]any) { d["license_type"] = "gone_permit" }), `licence type "gone_permit"`},
		{lawsuits, hearingEvent(t, "h-gone", "2024-03-01T09:00:00+08:00", func(d map[string]any) { d["court"] = "gone-court" }), `court "gone-court"`},
	} {
		ok := caseEvent(t, "ok-"+tc.ev.Envelope.ID, "2024-03-01T09:00:00+08:00", "2024-03-01T16:30:00+08:00", nil)
		res, err := store.Append(ctx, testSource, []postgres.NewEvent{ok, tc.ev})
		if err != nil {
			t.Fatal(err)
		}
		_, err = store.ApplyOnce(ctx, tc.p.Name(), res.Batch, tc.p.Apply)
		var uc *projections.UnknownCodeError
		if !errors.As(err, &uc) || !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), "id "+tc.ev.Envelope.ID) {
			t.Errorf("%s: Apply = %v; want an UnknownCodeError naming %s and the event", tc.p.Name(), err, tc.field)
		}
	}
	if rows := tableRows(t, pool, "case_stats"); len(rows) != 0 {
		t.Errorf("a refused batch wrote %d rows", len(rows))
	}

	// A batch applied before the code left the catalogue makes a rebuild
	// fail, naming the code, instead of silently dropping it.
	cases.Catalog = nil
	applyBatches(t, pool, []*projections.Projection{cases}, []postgres.NewEvent{
		caseEvent(t, "c-old", "2024-03-01T09:00:00+08:00", "2024-03-01T16:30:00+08:00", func(d map[string]any) { d["item_code"] = "old_item" }),
	})
	cases.Catalog = cat
	if _, err := cases.Rebuild(ctx, pool, projections.RebuildOptions{}); err == nil || !strings.Contains(err.Error(), `item "old_item"`) {
		t.Errorf("rebuild over an unknown code: %v", err)
	}
	applyBatches(t, pool, []*projections.Projection{cases}, []postgres.NewEvent{
		caseEvent(t, "c-new", "2024-03-01T09:00:00+08:00", "2024-03-01T16:30:00+08:00", nil),
	})
}
