package calendar

import (
	"testing"
	"time"
)

// defaultCalendar is Default or a failed test.
func defaultCalendar(t testing.TB) *Calendar {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return c
}

// date parses "2006-01-02" or fails the test.
func date(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// shanghaiZone is the location of DefaultZone or a failed test.
func shanghaiZone(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// shanghai is 10:00 in Shanghai on the day s ("2006-01-02").
func shanghai(t testing.TB, s string) time.Time {
	t.Helper()
	d := date(t, s)
	return time.Date(d.Year, d.Month, d.Day, 10, 0, 0, 0, shanghaiZone(t))
}

// assertWorking checks IsWorkingDay for each date.
func assertWorking(t *testing.T, c *Calendar, want bool, dates ...string) {
	t.Helper()
	for _, s := range dates {
		got, err := c.IsWorkingDay(date(t, s))
		if err != nil {
			t.Errorf("IsWorkingDay(%s): %v", s, err)
			continue
		}
		if got != want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", s, got, want)
		}
	}
}

// between is WorkingDaysBetween on Shanghai dates, failing the test on error.
func between(t *testing.T, c *Calendar, from, to string) int {
	t.Helper()
	got, err := c.WorkingDaysBetween(shanghai(t, from), shanghai(t, to))
	if err != nil {
		t.Fatalf("WorkingDaysBetween(%s, %s): %v", from, to, err)
	}
	return got
}
