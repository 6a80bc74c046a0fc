package targets

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// paceDays is how many recent days set the pace a calendar window is
// projected at.
const paceDays = 14

// Result is a target's evaluation for one department (or CityWide).
type Result struct {
	Target     string       `json:"target"`
	Title      string       `json:"title"`
	TitleEN    string       `json:"title_en"`
	Department string       `json:"department"`
	Window     ResultWindow `json:"window"`
	Measure    Measure      `json:"measure"`
	// Value is nil when there was nothing to measure.
	Value      *float64 `json:"value"`
	Comparator string   `json:"comparator"`
	Threshold  float64  `json:"threshold"`
	Samples    int64    `json:"samples"`
	MinSamples int64    `json:"min_samples"`
	Status     string   `json:"status"`
	// Projected is the value expected at the end of a calendar or
	// campaign window if the last days' pace holds; nil for rolling
	// windows and finished periods.
	Projected *float64 `json:"projected,omitempty"`
	// Alerting says whether this result feeds the missed-target alerts.
	Alerting bool   `json:"alerting"`
	Severity string `json:"severity"`
}

// ResultWindow is the resolved window of a result.
type ResultWindow struct {
	Kind    string `json:"kind"`
	From    string `json:"from"`
	To      string `json:"to"`
	Through string `json:"through"`
}

// Evaluate computes every target for the evaluation date at (in loc) from
// the read models: one result per department with data and one city-wide.
// department, when not empty, keeps only that department's results (and
// the city-wide ones when it is CityWide).
func Evaluate(ctx context.Context, pool *pgxpool.Pool, ts []Target, at time.Time, department string) ([]Result, error) {
	var out []Result
	for i := range ts {
		rs, err := evaluateTarget(ctx, pool, &ts[i], at)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if department == "" || r.Department == department {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

func evaluateTarget(ctx context.Context, pool *pgxpool.Pool, t *Target, at time.Time) ([]Result, error) {
	span, ok := t.Window.Resolve(at)
	if !ok {
		return nil, nil // the campaign has not begun
	}
	aggs, err := readAggregates(ctx, pool, t, span.From, span.Through)
	if err != nil {
		return nil, err
	}
	// The pace: the last paceDays days measured (fewer early in a period).
	var pace map[string]Aggregate
	paceFrom := span.Through.AddDate(0, 0, -(paceDays - 1))
	if paceFrom.Before(span.From) {
		paceFrom = span.From
	}
	remaining := span.DaysTotal() - span.DaysElapsed()
	projecting := t.Window.Projects() && remaining > 0
	if projecting {
		if pace, err = readAggregates(ctx, pool, t, paceFrom, span.Through); err != nil {
			return nil, err
		}
	}
	paceLen := int(span.Through.Sub(paceFrom).Hours()/24) + 1
	factor := float64(remaining) / float64(paceLen)

	city, cityPace := Aggregate{}, Aggregate{}
	depts := make([]string, 0, len(aggs))
	for d, a := range aggs {
		depts = append(depts, d)
		city.Add(a)
		cityPace.Add(pace[d])
	}
	slices.Sort(depts)
	w := ResultWindow{Kind: t.Window.Kind, From: span.From.Format(time.DateOnly), To: span.To.Format(time.DateOnly), Through: span.Through.Format(time.DateOnly)}
	var out []Result
	result := func(dept string, a, p Aggregate, alerting bool) Result {
		r := Result{Target: t.ID, Title: t.Title, TitleEN: t.TitleEN, Department: dept, Window: w, Measure: t.Measure,
			Comparator: t.Comparator, Threshold: t.Threshold, MinSamples: t.MinSamples, Alerting: alerting, Severity: t.Severity}
		v, samples, ok := t.Value(a)
		r.Samples = samples
		if ok {
			r.Value = &v
		}
		var projected *float64
		if projecting {
			total := a
			total.Add(p.Scaled(factor))
			if pv, _, ok := t.Value(total); ok {
				projected = &pv
				r.Projected = projected
			}
		}
		r.Status = t.status(r.Value, samples, projected, projecting)
		return r
	}
	for _, d := range depts {
		out = append(out, result(d, aggs[d], pace[d], t.PerDepartment))
	}
	out = append(out, result(CityWide, city, cityPace, true))
	return out, nil
}

// status decides met, missed, at_risk or insufficient_data.
func (t *Target) status(value *float64, samples int64, projected *float64, periodOpen bool) string {
	if value == nil || samples < t.MinSamples {
		return StatusInsufficientData
	}
	// A count towards a lower bound is judged by where it is heading
	// until the period ends: being short mid-month is not a miss.
	if t.Measure.Kind == MeasureCount && (t.Comparator == ">=" || t.Comparator == ">") && periodOpen && projected != nil {
		if t.Meets(*projected) {
			return StatusMet
		}
		return StatusAtRisk
	}
	if !t.Meets(*value) {
		return StatusMissed
	}
	if projected != nil && !t.Meets(*projected) {
		return StatusAtRisk
	}
	return StatusMet
}

// Find returns the target with id.
func Find(ts []Target, id string) (*Target, error) {
	for i := range ts {
		if ts[i].ID == id {
			return &ts[i], nil
		}
	}
	return nil, fmt.Errorf("no target %q", id)
}
