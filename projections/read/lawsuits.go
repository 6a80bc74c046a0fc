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
	return answer(ctx, db, projections.LawsuitStats, q, func(key map[string]string, s projections.LawsuitSums) LawsuitGroup {
		return LawsuitGroup{
			Key: key, Hearings: s.Hearings, HeadAppearances: s.HeadAppearances,
			AppearanceRate: ratio(float64(s.HeadAppearances), float64(s.Hearings)),
			ByRole:         map[string]int64{events.RoleHead: s.RoleHead, events.RoleDeputyHead: s.RoleDeputyHead, events.RoleStaff: s.RoleStaff},
		}
	})
}
