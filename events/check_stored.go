package events

import (
	"fmt"
	"time"
)

// CheckStored lists every reason the strict reading would now refuse an
// event stored in the log, or nil when it would accept it: the envelope
// as the reading reads it, every attribute and field validated by v
// (whose clock should stand at the event's recording time, so a
// timestamp is judged as it was when the event arrived), and the log's
// own columns (source, id, type, department, time) against the envelope,
// so a row that says one thing while its envelope says another is found.
// It changes nothing.
func CheckStored(v *Validator, rec Recorded) []Problem {
	env, err := ReadStoredEnvelope(rec.Envelope)
	if err != nil {
		if se, ok := err.(*StoredEventError); ok {
			return se.Problems
		}
		return []Problem{{Reason: err.Error()}}
	}
	ev, problems := v.Validate(0, &env)
	for i := range problems {
		problems[i].Index = 0
	}
	column := func(name, got, want string) {
		if got != want {
			problems = append(problems, Problem{ID: env.ID, Field: name,
				Reason: fmt.Sprintf("the log's %s column says %q, the envelope %q", name, clip(want, maxAttrLen), clip(got, maxAttrLen))})
		}
	}
	column("source", env.Source, rec.Source)
	column("id", env.ID, rec.ID)
	column("type", env.Type, rec.Type)
	if ev != nil {
		column("department", ev.Department(), rec.Department)
	}
	// The column keeps microseconds.
	if d := env.Time.Sub(rec.OccurredAt); !env.Time.IsZero() && (d >= time.Microsecond || d <= -time.Microsecond) {
		problems = append(problems, Problem{ID: env.ID, Field: "time",
			Reason: fmt.Sprintf("the log's occurred_at column says %s, the envelope %s", rec.OccurredAt.Format(time.RFC3339Nano), env.Time.Format(time.RFC3339Nano))})
	}
	return problems
}
