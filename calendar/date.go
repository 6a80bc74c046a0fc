package calendar

import (
	"fmt"
	"time"
)

// Date is a calendar date with no time of day and no zone, such as a
// holiday or a deadline.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a date written as "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: want YYYY-MM-DD", s)
	}
	return dateOf(t), nil
}

// String formats d as "2006-01-02".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Weekday is the day of the week d falls on.
func (d Date) Weekday() time.Weekday {
	return d.midnightUTC().Weekday()
}

// Compare returns -1 if d is before u, 0 if they are the same date and +1 if
// d is after u.
func (d Date) Compare(u Date) int {
	switch a, b := d.dayNumber(), u.dayNumber(); {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// valid reports whether d names a real date (not 2023-02-29 or month 13).
func (d Date) valid() bool {
	return dateOf(d.midnightUTC()) == d
}

func (d Date) midnightUTC() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// dayNumber counts days since 1970-01-01; it is exact because UTC midnight
// is a whole number of days from the epoch.
func (d Date) dayNumber() int64 {
	return floorDiv(d.midnightUTC().Unix(), secondsPerDay)
}

const secondsPerDay = 24 * 60 * 60

func dateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

func dateFromDayNumber(n int64) Date {
	return dateOf(time.Unix(n*secondsPerDay, 0).UTC())
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
