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

var caseMeasures = append(append(sums("finished", "approved", "rejected", "withdrawn", "assisted",
	"elapsed_unknown", "overdue", "elapsed_wd_sum", "promised_wd_sum", "promised_cases",
	"promised_elapsed_sum", "promised_limit_sum", "instant", "instant_ms_sum"),
	histSums("elapsed_wd_hist", len(projections.WorkingDayBounds())+1)...),
	histSums("instant_seconds_hist", len(projections.InstantSecondsBounds())+1)...)

// CaseStats answers the case statistics for q.
func CaseStats(ctx context.Context, db postgres.Querier, q Query) ([]CaseGroup, error) {
	keys, vals, err := queryGroups(ctx, db, "case_stats", caseDimensions, q, caseMeasures)
	if err != nil {
		return nil, err
	}
	out := make([]CaseGroup, len(keys))
	for i, v := range vals {
		finished, elapsedUnknown := v[0], v[5]
		timed := float64(finished - elapsedUnknown)
		hist := v[14 : 14+len(projections.WorkingDayBounds())+1]
		ihist := v[14+len(projections.WorkingDayBounds())+1:]
		instant := v[12]
		out[i] = CaseGroup{
			Key: keys[i], Finished: finished, Approved: v[1], Rejected: v[2], Withdrawn: v[3], Assisted: v[4],
			ElapsedUnknown: elapsedUnknown,
			Overdue:        v[6], OverdueShare: ratio(float64(v[6]), timed),
			AvgWorkingDays: ratio(float64(v[7]), timed),
			P50WorkingDays: quantile(0.5, hist), P90WorkingDays: quantile(0.9, hist),
			PromisedAvg: ratio(float64(v[8]), float64(finished)),
			Instant:     instant, InstantAvgSeconds: ratio(float64(v[13])/1000, float64(instant)),
			InstantP50Seconds: quantileSeconds(0.5, ihist), InstantP90Seconds: quantileSeconds(0.9, ihist),
		}
		if v[11] > 0 {
			out[i].Speedup = round4(1 - float64(v[10])/float64(v[11]))
		}
	}
	return out, nil
}
