package read

import (
	"context"

	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// LicenseGroup is one group of the licence statistics. Shares and averages
// are null when their denominator is 0; working-day measures count only
// licences whose working days are known.
type LicenseGroup struct {
	Key    map[string]string `json:"key"`
	Issued int64             `json:"issued"`
	// Within1WorkingDayShare is the share issued at most 1 working day
	// after the application.
	Within1WorkingDayShare *float64 `json:"within_1_working_day_share"`
	ElapsedUnknown         int64    `json:"elapsed_unknown"`
	AvgWorkingDays         *float64 `json:"avg_working_days"`
	P50WorkingDays         *float64 `json:"p50_working_days"`
	P90WorkingDays         *float64 `json:"p90_working_days"`
	AvgSteps               *float64 `json:"avg_steps"`
	ElectronicShare        *float64 `json:"electronic_share"`
	// ContractValueCNY sums contract_value_cny of the Contracts licences
	// that gave one.
	ContractValueCNY float64 `json:"contract_value_cny"`
	Contracts        int64   `json:"contracts"`
}

var licenseMeasures = append(sums("issued", "elapsed_unknown", "within_1wd", "elapsed_wd_sum",
	"steps_sum", "electronic", "contracts", "contract_value_fen"),
	histSums("elapsed_wd_hist", len(projections.WorkingDayBounds())+1)...)

// LicenseStats answers the licence statistics for q.
func LicenseStats(ctx context.Context, db postgres.Querier, q Query) ([]LicenseGroup, error) {
	keys, vals, err := queryGroups(ctx, db, "license_stats", licenseDimensions, q, licenseMeasures)
	if err != nil {
		return nil, err
	}
	out := make([]LicenseGroup, len(keys))
	for i, v := range vals {
		issued := float64(v[0])
		timed := float64(v[0] - v[1])
		hist := v[8:]
		out[i] = LicenseGroup{
			Key: keys[i], Issued: v[0], ElapsedUnknown: v[1],
			Within1WorkingDayShare: ratio(float64(v[2]), timed),
			AvgWorkingDays:         ratio(float64(v[3]), timed),
			P50WorkingDays:         quantile(0.5, hist), P90WorkingDays: quantile(0.9, hist),
			AvgSteps: ratio(float64(v[4]), issued), ElectronicShare: ratio(float64(v[5]), issued),
			Contracts: v[6], ContractValueCNY: float64(v[7]) / 100,
		}
	}
	return out, nil
}
