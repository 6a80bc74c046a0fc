package targets

import (
	"context"
	"time"
)

// Definitions are the targets as loaded.
func (e *Evaluator) Definitions() []Target { return e.Targets }

// Zone is the calendar's time zone, in which dates are read.
func (e *Evaluator) Zone() *time.Location { return e.Location }

// Evaluate evaluates every target for the date at on the evaluator's
// database, of one department, or all when department is "".
func (e *Evaluator) Evaluate(ctx context.Context, at time.Time, department string) ([]Result, error) {
	return Evaluate(ctx, e.Pool, e.Targets, at, department)
}

// History returns status changes from the evaluator's database, newest
// first.
func (e *Evaluator) History(ctx context.Context, target, department string, limit int) ([]HistoryEntry, error) {
	return History(ctx, e.Pool, target, department, limit)
}
