package demo

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"

	"github.com/govpulse/govpulse/calendar"
)

// Options choose what Generate produces. The same Options always give the
// same events.
type Options struct {
	// Seed selects the random stream; the same seed gives the same events.
	Seed uint64
	// Scale multiplies every volume: 1 is about 190,000 departmental
	// events with the report's 1,914 construction permits worth 200.7
	// billion CNY, and the portal's 289,400 views; the report's 3 million
	// instant-approval cases would be scale 33. The portal's policies are
	// the same at every scale.
	Scale float64
	// From and To bound the period, inclusive: every event happens
	// (finished_at, issued_at, hearing_at) on a date between them, in the
	// calendar's zone, and every case is accepted within them too.
	From, To calendar.Date
	// Sources names the sending systems available (see Systems); an event
	// whose own system is missing goes through qd-service-hub, which may
	// speak for every department. Nil means all of Systems.
	Sources []string
}

// DefaultOptions is the demo's reproducible default: seed 1, scale 1, the
// year 2025.
func DefaultOptions() Options {
	return Options{
		Seed:  1,
		Scale: 1,
		From:  calendar.Date{Year: 2025, Month: 1, Day: 1},
		To:    calendar.Date{Year: 2025, Month: 12, Day: 31},
	}
}

// MaxScale bounds Scale. Generate holds every event in memory, about 500
// bytes each for the departments' (a portal view or search about 150):
// scale 40 is some 7.6 million departmental events and 14 million portal
// ones, 6 GB; the report's own volume (3 million instant cases) is scale
// 33.
const MaxScale = 40

// minWorkingDays is the shortest period Generate accepts: a construction
// project's full approval may take 85 working days and must fit inside it.
const minWorkingDays = 100

// Validate checks the options against the calendar's covered years,
// naming the option at fault.
func (o Options) Validate(cal *calendar.Calendar) error {
	var errs []error
	if !(o.Scale > 0 && o.Scale <= MaxScale) || math.IsNaN(o.Scale) {
		errs = append(errs, fmt.Errorf("scale: must be above 0 and at most %d, got %g", MaxScale, o.Scale))
	}
	first, last := cal.Years()
	for _, d := range []struct {
		name string
		date calendar.Date
	}{{"from", o.From}, {"to", o.To}} {
		if d.date.Year < first || d.date.Year > last {
			errs = append(errs, fmt.Errorf("%s: %s is outside the working-day calendar's years %d–%d", d.name, d.date, first, last))
		}
	}
	if o.To.Compare(o.From) < 0 {
		errs = append(errs, fmt.Errorf("to: %s is before from %s", o.To, o.From))
	}
	for _, s := range o.Sources {
		if !slices.ContainsFunc(Systems(), func(sys System) bool { return sys.Name == s }) {
			errs = append(errs, fmt.Errorf("sources: unknown sending system %q", s))
		}
	}
	if o.Sources != nil && !slices.Contains(o.Sources, ServiceHub) {
		errs = append(errs, fmt.Errorf("sources: must include %s, which sends for departments without a system of their own", ServiceHub))
	}
	return errors.Join(errs...)
}

// runTag is a short fingerprint of the options that shape the events; it
// is part of every event id, so a demo with other settings makes new
// events instead of colliding with the old ones, and the same settings
// make only duplicates.
func (o Options) runTag() string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%d|%g|%s|%s", o.Seed, o.Scale, o.From, o.To)
	return fmt.Sprintf("%08x", h.Sum32())
}

// count scales a yearly volume at scale 1, rounding to the nearest event.
func (o Options) count(base int) int {
	return int(math.Round(float64(base) * o.Scale))
}
