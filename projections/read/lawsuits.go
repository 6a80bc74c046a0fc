package read

import (
	"context"

	"github.com/govpulse/govpulse/postgres"
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

var lawsuitMeasures = sums("hearings", "head_appearances", "role_head", "role_deputy_head", "role_staff")

// LawsuitStats answers the lawsuit statistics for q.
func LawsuitStats(ctx context.Context, db postgres.Querier, q Query) ([]LawsuitGroup, error) {
	keys, vals, err := queryGroups(ctx, db, "lawsuit_stats", lawsuitDimensions, q, lawsuitMeasures)
	if err != nil {
		return nil, err
	}
	out := make([]LawsuitGroup, len(keys))
	for i, v := range vals {
		out[i] = LawsuitGroup{
			Key: keys[i], Hearings: v[0], HeadAppearances: v[1],
			AppearanceRate: ratio(float64(v[1]), float64(v[0])),
			ByRole:         map[string]int64{"head": v[2], "deputy_head": v[3], "staff": v[4]},
		}
	}
	return out, nil
}
