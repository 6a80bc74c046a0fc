package read

import (
	"context"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// LawsuitGroup is one group of the lawsuit statistics.
type LawsuitGroup struct {
	Key             map[string]string `json:"key"`
	Hearings        int64             `json:"hearings"`
	HeadAppearances int64             `json:"head_appearances"`
	// AppearanceRate is head appearances per hearing, null without hearings.
	AppearanceRate *float64 `json:"appearance_rate"`
	// ByRole counts who appeared: head, deputy_head, staff.
	ByRole map[string]int64 `json:"by_role"`
}

// LawsuitStats answers the lawsuit statistics for q.
func LawsuitStats(ctx context.Context, db postgres.Querier, q Query) ([]LawsuitGroup, error) {
	gs, err := Sums(ctx, db, projections.LawsuitStats, q)
	if err != nil {
		return nil, err
	}
	out := make([]LawsuitGroup, len(gs))
	for i, g := range gs {
		s := g.Sums
		out[i] = LawsuitGroup{
			Key: g.Key, Hearings: s.Hearings, HeadAppearances: s.HeadAppearances,
			AppearanceRate: ratio(float64(s.HeadAppearances), float64(s.Hearings)),
			ByRole:         map[string]int64{events.RoleHead: s.RoleHead, events.RoleDeputyHead: s.RoleDeputyHead, events.RoleStaff: s.RoleStaff},
		}
	}
	return out, nil
}
