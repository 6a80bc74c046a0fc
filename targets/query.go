package targets

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/projections"
)

// readAggregates returns, per department, the read models' sums for the
// target's scope over the days from..to (inclusive).
func readAggregates(ctx context.Context, pool *pgxpool.Pool, t *Target, from, to time.Time) (map[string]Aggregate, error) {
	s := t.Scope
	var (
		sums  string
		hists []histogram
		args  = []any{from.Format(time.DateOnly), to.Format(time.DateOnly)}
		where string
	)
	// filter adds "column = ANY($n)" for a non-empty scope list.
	filter := func(column string, codes []string) {
		if len(codes) > 0 {
			args = append(args, codes)
			where += fmt.Sprintf(" AND %s = ANY($%d)", column, len(args))
		}
	}
	switch s.EventType {
	case events.TypeCaseFinished:
		filter("department", s.Departments)
		filter("district", s.Districts)
		filter("item", s.Items)
		filter("mode", s.Modes)
		filter("channel", s.Channels)
		sums = `SELECT department, sum(finished)::bigint, sum(finished - elapsed_unknown)::bigint, sum(elapsed_wd_sum)::bigint,
			sum(promised_cases)::bigint, sum(promised_elapsed_sum)::bigint, sum(promised_limit_sum)::bigint, sum(overdue)::bigint, sum(instant)::bigint, 0::bigint
			FROM case_stats WHERE day BETWEEN $1::date AND $2::date` + where + ` GROUP BY department`
		hists = []histogram{
			histogramOf("case_stats", "department", where, "elapsed_wd_hist", len(projections.WorkingDayBounds())+1, func(a *Aggregate, h []int64) { a.Hist = h }),
			histogramOf("case_stats", "department", where, "instant_seconds_hist", len(projections.InstantSecondsBounds())+1, func(a *Aggregate, h []int64) { a.InstantHist = h }),
		}
	case events.TypeLicenseIssued:
		filter("department", s.Departments)
		filter("district", s.Districts)
		filter("license_type", s.LicenseTypes)
		filter("holder_type", s.HolderTypes)
		sums = `SELECT department, sum(issued)::bigint, sum(issued - elapsed_unknown)::bigint, sum(elapsed_wd_sum)::bigint,
			0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint
			FROM license_stats WHERE day BETWEEN $1::date AND $2::date` + where + ` GROUP BY department`
		hists = []histogram{
			histogramOf("license_stats", "department", where, "elapsed_wd_hist", len(projections.WorkingDayBounds())+1, func(a *Aggregate, h []int64) { a.Hist = h }),
		}
	case events.TypeLawsuitAppearance:
		filter("agency", s.Departments)
		filter("court", s.Courts)
		sums = `SELECT agency, sum(hearings)::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, sum(head_appearances)::bigint
			FROM lawsuit_stats WHERE day BETWEEN $1::date AND $2::date` + where + ` GROUP BY agency`
	default:
		return nil, fmt.Errorf("target %s: unknown event type %q", t.ID, s.EventType)
	}
	out := map[string]Aggregate{}
	rows, err := pool.Query(ctx, sums, args...)
	if err != nil {
		return nil, fmt.Errorf("target %s: read aggregates: %w", t.ID, err)
	}
	for rows.Next() {
		var dept string
		var a Aggregate
		if err := rows.Scan(&dept, &a.Count, &a.Known, &a.ElapsedSum, &a.PromisedCases, &a.PromisedElapsedSum,
			&a.PromisedLimitSum, &a.Overdue, &a.Instant, &a.Appearances); err != nil {
			rows.Close()
			return nil, fmt.Errorf("target %s: read aggregates: %w", t.ID, err)
		}
		out[dept] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("target %s: read aggregates: %w", t.ID, err)
	}
	for _, h := range hists {
		if err := readHist(ctx, pool, h, args, out); err != nil {
			return nil, fmt.Errorf("target %s: read histograms: %w", t.ID, err)
		}
	}
	return out, nil
}

// histogram names a histogram column and where its sums go.
type histogram struct {
	query string
	set   func(a *Aggregate, h []int64)
}

// histogramOf sums a per-bucket histogram column element-wise per
// department, bucket by bucket (one pass; unnest-ing was much slower).
func histogramOf(table, dept, where, column string, buckets int, set func(a *Aggregate, h []int64)) histogram {
	sums := make([]string, buckets)
	for i := range sums {
		sums[i] = fmt.Sprintf("sum(%s[%d])::bigint", column, i+1)
	}
	return histogram{
		query: fmt.Sprintf(`SELECT %s, ARRAY[%s] FROM %s WHERE day BETWEEN $1::date AND $2::date%s GROUP BY %s`,
			dept, strings.Join(sums, ", "), table, where, dept),
		set: set,
	}
}

func readHist(ctx context.Context, pool *pgxpool.Pool, h histogram, args []any, out map[string]Aggregate) error {
	rows, err := pool.Query(ctx, h.query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var dept string
		var hist []int64
		if err := rows.Scan(&dept, &hist); err != nil {
			return err
		}
		a := out[dept]
		h.set(&a, hist)
		out[dept] = a
	}
	return rows.Err()
}
