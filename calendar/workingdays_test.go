package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkWorkingDaysBetween measures one duration query, the per-event
// cost of a projection rebuild.
func BenchmarkWorkingDaysBetween(b *testing.B) {
	c := defaultCalendar(b)
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2019, 1, 1, 0, 0, 0, 0, c.Location()).Unix()
	span := time.Date(2026, 10, 1, 0, 0, 0, 0, c.Location()).Unix() - start
	type period struct{ from, to time.Time }
	periods := make([]period, 1024)
	for i := range periods {
		from := time.Unix(start+rng.Int64N(span), 0).UTC() // events arrive in UTC
		periods[i] = period{from, from.Add(time.Duration(rng.Int64N(90*24)) * time.Hour)}
	}
	b.ReportAllocs()
	sum := 0
	for i := 0; b.Loop(); i++ {
		p := periods[i&1023]
		n, err := c.WorkingDaysBetween(p.from, p.to)
		if err != nil {
			b.Fatal(err)
		}
		sum += n
	}
	if sum < 0 {
		b.Fatal(sum)
	}
}

// BenchmarkAddWorkingDays measures one deadline computation.
func BenchmarkAddWorkingDays(b *testing.B) {
	c := defaultCalendar(b)
	from := time.Date(2024, 9, 2, 9, 30, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.AddWorkingDays(from, 85); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDefault measures building the embedded calendar, done once at
// start-up.
func BenchmarkDefault(b *testing.B) {
	for b.Loop() {
		if _, err := Default(); err != nil {
			b.Fatal(err)
		}
	}
}
