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

// LicenseStats answers the licence statistics for q.
func LicenseStats(ctx context.Context, db postgres.Querier, q Query) ([]LicenseGroup, error) {
	return answer(ctx, db, projections.LicenseStats, q, func(key map[string]string, s projections.LicenseSums) LicenseGroup {
		issued, timed := float64(s.Issued), float64(s.Issued-s.ElapsedUnknown)
		return LicenseGroup{
			Key: key, Issued: s.Issued, ElapsedUnknown: s.ElapsedUnknown,
			Within1WorkingDayShare: ratio(float64(s.Within1), timed),
			AvgWorkingDays:         ratio(float64(s.ElapsedSum), timed),
			P50WorkingDays:         quantile(0.5, s.ElapsedHist[:]), P90WorkingDays: quantile(0.9, s.ElapsedHist[:]),
			AvgSteps: ratio(float64(s.Steps), issued), ElectronicShare: ratio(float64(s.Electronic), issued),
			Contracts: s.Contracts, ContractValueCNY: float64(s.ContractValueFen) / 100,
		}
	})
}
