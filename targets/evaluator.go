package targets

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Evaluator evaluates every target on start and then periodically, keeps
// the latest results for /metrics, and records each change of status in
// Postgres (target_status, target_status_history).
type Evaluator struct {
	Pool     *pgxpool.Pool
	Targets  []Target
	Location *time.Location
	Logger   *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	mu          sync.RWMutex
	latest      []Result
	evaluatedAt time.Time
}

// Today is the evaluation date: today in the evaluator's zone.
func (e *Evaluator) Today() time.Time {
	now := time.Now()
	if e.Now != nil {
		now = e.Now()
	}
	y, m, d := now.In(e.Location).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, e.Location)
}

// Run evaluates now and every interval until ctx ends.
func (e *Evaluator) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := e.EvaluateNow(ctx); err != nil && ctx.Err() == nil {
			e.Logger.Error("evaluate targets", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// EvaluateNow evaluates every target for today, keeps the results for the
// gauges and records status changes.
func (e *Evaluator) EvaluateNow(ctx context.Context) ([]Result, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	rs, err := Evaluate(ctx, e.Pool, e.Targets, e.Today(), "")
	if err != nil {
		return nil, err
	}
	if err := e.record(ctx, rs); err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.latest, e.evaluatedAt = rs, time.Now()
	e.mu.Unlock()
	return rs, nil
}

// Latest returns the last periodic evaluation and when it ran.
func (e *Evaluator) Latest() ([]Result, time.Time) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.latest, e.evaluatedAt
}

// recordLock serialises the recording of target statuses: every instance
// evaluates the targets, and two reading the same previous status at once
// would both record the change.
const recordLock = 7_001_301

// record upserts the current status and appends a history row for every
// status that changed, in one transaction.
func (e *Evaluator) record(ctx context.Context, rs []Result) error {
	return pgx.BeginFunc(ctx, e.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, recordLock); err != nil {
			return fmt.Errorf("record target status: lock: %w", err)
		}
		for _, r := range rs {
			var previous *string
			err := tx.QueryRow(ctx, `SELECT status FROM target_status WHERE target = $1 AND department = $2`, r.Target, r.Department).Scan(&previous)
			if err != nil && err != pgx.ErrNoRows {
				return fmt.Errorf("record target status: %w", err)
			}
			changed := previous == nil || *previous != r.Status
			if _, err := tx.Exec(ctx, `INSERT INTO target_status (target, department, status, value, threshold, samples, window_from, window_to, since, evaluated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), now())
				ON CONFLICT (target, department) DO UPDATE SET status = excluded.status, value = excluded.value,
					threshold = excluded.threshold, samples = excluded.samples, window_from = excluded.window_from,
					window_to = excluded.window_to, evaluated_at = excluded.evaluated_at,
					since = CASE WHEN target_status.status = excluded.status THEN target_status.since ELSE excluded.since END`,
				r.Target, r.Department, r.Status, r.Value, r.Threshold, r.Samples, r.Window.From, r.Window.To); err != nil {
				return fmt.Errorf("record target status: %w", err)
			}
			if changed {
				if _, err := tx.Exec(ctx, `INSERT INTO target_status_history (target, department, previous_status, status, value, threshold, samples, window_from, window_to)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
					r.Target, r.Department, previous, r.Status, r.Value, r.Threshold, r.Samples, r.Window.From, r.Window.To); err != nil {
					return fmt.Errorf("record target history: %w", err)
				}
			}
		}
		return nil
	})
}

// HistoryEntry is one change of a target's status.
type HistoryEntry struct {
	Target         string    `json:"target"`
	Department     string    `json:"department"`
	PreviousStatus *string   `json:"previous_status"`
	Status         string    `json:"status"`
	Value          *float64  `json:"value"`
	Threshold      float64   `json:"threshold"`
	Samples        int64     `json:"samples"`
	WindowFrom     string    `json:"window_from"`
	WindowTo       string    `json:"window_to"`
	ChangedAt      time.Time `json:"changed_at"`
}

// History returns the status changes of a target (all when target is
// empty), newest first.
func History(ctx context.Context, pool *pgxpool.Pool, target, department string, limit int) ([]HistoryEntry, error) {
	rows, err := pool.Query(ctx, `SELECT target, department, previous_status, status, value, threshold, samples,
			window_from::text, window_to::text, changed_at
		FROM target_status_history WHERE ($1 = '' OR target = $1) AND ($2 = '' OR department = $2)
		ORDER BY id DESC LIMIT $3`, target, department, limit)
	if err != nil {
		return nil, fmt.Errorf("read target history: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[HistoryEntry])
}

// desc is a per-target gauge's descriptor: one value per target and
// department, the labels Collect gives as lv.
func desc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, []string{"target", "department"}, nil)
}

var (
	descValue = desc("govpulse_target_value",
		"The target's measure for the department over its window so far (share, rate, working days or count).")
	descThreshold = desc("govpulse_target_threshold", "The value the target's measure is compared with.")
	descMet       = desc("govpulse_target_met",
		"1 when the department meets the target (at risk included), 0 when it misses it; absent with insufficient data.")
	descAtRisk = desc("govpulse_target_at_risk",
		"1 when the target is met so far but the projection to the end of its period misses it.")
	descSamples   = desc("govpulse_target_samples", "How many cases, licences or hearings the target's value rests on.")
	descEvaluated = prometheus.NewDesc("govpulse_target_last_evaluation_timestamp_seconds",
		"When the targets were last evaluated (Unix time).", nil, nil)
)

// Describe implements prometheus.Collector.
func (e *Evaluator) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descValue, descThreshold, descMet, descAtRisk, descSamples, descEvaluated} {
		ch <- d
	}
}

// Collect implements prometheus.Collector from the last evaluation.
func (e *Evaluator) Collect(ch chan<- prometheus.Metric) {
	rs, at := e.Latest()
	if at.IsZero() {
		return
	}
	ch <- prometheus.MustNewConstMetric(descEvaluated, prometheus.GaugeValue, float64(at.UnixMilli())/1000)
	for _, r := range rs {
		lv := []string{r.Target, r.Department}
		ch <- prometheus.MustNewConstMetric(descThreshold, prometheus.GaugeValue, r.Threshold, lv...)
		ch <- prometheus.MustNewConstMetric(descSamples, prometheus.GaugeValue, float64(r.Samples), lv...)
		if r.Value != nil {
			ch <- prometheus.MustNewConstMetric(descValue, prometheus.GaugeValue, *r.Value, lv...)
		}
		switch r.Status {
		case StatusMet, StatusAtRisk:
			ch <- prometheus.MustNewConstMetric(descMet, prometheus.GaugeValue, 1, lv...)
		case StatusMissed:
			ch <- prometheus.MustNewConstMetric(descMet, prometheus.GaugeValue, 0, lv...)
		}
		atRisk := 0.0
		if r.Status == StatusAtRisk {
			atRisk = 1
		}
		ch <- prometheus.MustNewConstMetric(descAtRisk, prometheus.GaugeValue, atRisk, lv...)
	}
}
