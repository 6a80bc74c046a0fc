package calendar

import (
	"errors"
	"fmt"
	"time"
)

// WorkingDaysBetween counts the working days d with date(from) < d <=
// date(to), dates taken in the calendar's zone: a case accepted on a Friday
// and finished the next Monday took 1 working day, one finished the day it
// was accepted took 0. It is O(1). It returns an error wrapping
// ErrEndBeforeStart if to's date is before from's, and a *MissingYearError
// if either date's year has no data.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) (int, error) {
	f, err := c.instantIndex(from)
	if err != nil {
		return 0, err
	}
	t, err := c.instantIndex(to)
	if err != nil {
		return 0, err
	}
	if t < f {
		return 0, fmt.Errorf("working days from %s to %s: %w",
			c.dateAt(f), c.dateAt(t), ErrEndBeforeStart)
	}
	return int(c.prefix[t+1] - c.prefix[f+1]), nil
}

// AddWorkingDays is the deadline n working days after from: the n-th
// working day after from's date in the calendar's zone (n = 0 gives that
// date itself, even if it is not a working day). It is O(1). It returns a
// *MissingYearError if from's year, or the year the deadline would fall in,
// has no data.
func (c *Calendar) AddWorkingDays(from time.Time, n int) (Date, error) {
	if n < 0 {
		return Date{}, errors.New("add working days: n must not be negative")
	}
	f, err := c.instantIndex(from)
	if err != nil {
		return Date{}, err
	}
	if n == 0 {
		return c.dateAt(f), nil
	}
	k := int64(c.prefix[f+1]) + int64(n) - 1
	if k >= int64(len(c.workingDay)) {
		return Date{}, &MissingYearError{Year: c.last + 1}
	}
	return c.dateAt(int64(c.workingDay[k])), nil
}

func (c *Calendar) dateAt(index int64) Date {
	return dateFromDayNumber(c.firstDay + index)
}
