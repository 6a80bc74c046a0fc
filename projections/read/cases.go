package read

import (
	"context"

	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// CaseGroup is one group of the case statistics. Shares and averages are
// null when their denominator is 0. Working-day measures count only cases
// whose working days are known (see ElapsedUnknown).
type CaseGroup struct {
	Key       map[string]string `json:"key"`
	Finished  int64             `json:"finished"`
	Approved  int64             `json:"approved"`
	Rejected  int64             `json:"rejected"`
	Withdrawn int64             `json:"withdrawn"`
	Assisted  int64             `json:"assisted"`
	// Overdue cases took more working days than promised; OverdueShare is
	// their share of the cases with known working days.
	Overdue      int64    `json:"overdue"`
	OverdueShare *float64 `json:"overdue_share"`
	// ElapsedUnknown cases fell in a year without holiday data.
	ElapsedUnknown int64    `json:"elapsed_unknown"`
	AvgWorkingDays *float64 `json:"avg_working_days"`
	// P50/P90 are estimated from the working-day histogram.
	P50WorkingDays *float64 `json:"p50_working_days"`
	P90WorkingDays *float64 `json:"p90_working_days"`
	PromisedAvg    *float64 `json:"promised_avg"`
	// Speedup is 1 − Σelapsed / Σpromised over cases with a promise > 0
	// and known working days: 0.7 means 70% faster than promised.
	Speedup *float64 `json:"speedup"`
	// Instant (秒批) mode cases and their durations in seconds.
	Instant           int64    `json:"instant"`
	InstantAvgSeconds *float64 `json:"instant_avg_seconds"`
	InstantP50Seconds *float64 `json:"instant_p50_seconds"`
	InstantP90Seconds *float64 `json:"instant_p90_seconds"`
}

// CaseStats answers the case statistics for q.
func CaseStats(ctx context.Context, db postgres.Querier, q Query) ([]CaseGroup, error) {
	return answer(ctx, db, projections.CaseStats, q, func(key map[string]string, s projections.CaseSums) CaseGroup {
		timed := float64(s.Finished - s.ElapsedUnknown)
		g := CaseGroup{
			Key: key, Finished: s.Finished, Approved: s.Approved, Rejected: s.Rejected, Withdrawn: s.Withdrawn,
			Assisted: s.Assisted, ElapsedUnknown: s.ElapsedUnknown,
			Overdue: s.Overdue, OverdueShare: ratio(float64(s.Overdue), timed),
			AvgWorkingDays: ratio(float64(s.ElapsedSum), timed),
			P50WorkingDays: quantile(0.5, s.ElapsedHist[:]), P90WorkingDays: quantile(0.9, s.ElapsedHist[:]),
			PromisedAvg: ratio(float64(s.PromisedSum), float64(s.Finished)),
			Instant:     s.Instant, InstantAvgSeconds: ratio(float64(s.InstantMs)/1000, float64(s.Instant)),
			InstantP50Seconds: quantileSeconds(0.5, s.InstantHist[:]), InstantP90Seconds: quantileSeconds(0.9, s.InstantHist[:]),
		}
		if s.PromisedLimit > 0 {
			g.Speedup = round4(1 - float64(s.PromisedElapsed)/float64(s.PromisedLimit))
		}
		return g
	})
}
