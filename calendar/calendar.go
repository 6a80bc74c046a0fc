package calendar

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Calendar knows which dates are working days in one time zone. It covers a
// contiguous run of years and is immutable after construction, so one
// Calendar may be shared by any number of goroutines.
type Calendar struct {
	loc        *time.Location
	first      int   // first covered year
	last       int   // last covered year
	firstDay   int64 // day number (days since 1970-01-01) of first's Jan 1
	days       int64 // covered days
	prefix     []int32
	workingDay []int32
}

// prefix[i] is the number of working days among day indexes [0, i), so a
// count over any range is one subtraction. workingDay[k] is the day index of
// the (k+1)-th working day, so a deadline is one lookup.

// New builds a calendar for loc from year data. Years must be distinct and,
// once unpublished placeholders (see YearData.Published) are left out,
// contiguous: a gap would silently count the missing year as ordinary weeks.
// A listed date outside the covered years is ignored; where two files list
// the same date, the file for that date's year wins.
func New(loc *time.Location, years ...YearData) (*Calendar, error) {
	if loc == nil {
		return nil, errors.New("new calendar: nil location")
	}
	byYear := make(map[int]YearData, len(years))
	var covered []int
	for _, y := range years {
		if _, dup := byYear[y.Year]; dup {
			return nil, fmt.Errorf("new calendar: year %d given twice", y.Year)
		}
		byYear[y.Year] = y
		if y.Published() {
			covered = append(covered, y.Year)
		}
	}
	if len(covered) == 0 {
		return nil, errors.New("new calendar: no published year data")
	}
	slices.Sort(covered)
	for i := 1; i < len(covered); i++ {
		if covered[i] != covered[i-1]+1 {
			return nil, fmt.Errorf("new calendar: no data for %d between %d and %d: add %d.json (holiday-cn format)",
				covered[i-1]+1, covered[i-1], covered[i], covered[i-1]+1)
		}
	}
	c := &Calendar{loc: loc, first: covered[0], last: covered[len(covered)-1]}
	c.firstDay = Date{c.first, time.January, 1}.dayNumber()
	c.days = Date{c.last + 1, time.January, 1}.dayNumber() - c.firstDay
	c.build(byYear)
	return c, nil
}

func (c *Calendar) build(byYear map[int]YearData) {
	working := make([]bool, c.days)
	for i := range working {
		wd := time.Weekday((4 + c.firstDay + int64(i)) % 7) // 1970-01-01 was a Thursday
		working[i] = wd != time.Saturday && wd != time.Sunday
	}
	// Neighbours' entries first, so the date's own year overrides them.
	for _, own := range []bool{false, true} {
		for year := c.first - 1; year <= c.last+1; year++ {
			y, ok := byYear[year]
			if !ok || !y.Published() {
				continue
			}
			for _, sd := range y.Days {
				if (sd.Date.Year == y.Year) != own {
					continue
				}
				if i := sd.Date.dayNumber() - c.firstDay; i >= 0 && i < c.days {
					working[i] = !sd.OffDay
				}
			}
		}
	}
	c.prefix = make([]int32, c.days+1)
	for i, w := range working {
		c.prefix[i+1] = c.prefix[i]
		if w {
			c.prefix[i+1]++
			c.workingDay = append(c.workingDay, int32(i))
		}
	}
}

// Location is the time zone in which instants are turned into dates.
func (c *Calendar) Location() *time.Location {
	return c.loc
}

// Years is the first and last year the calendar has data for; every year in
// between is covered too.
func (c *Calendar) Years() (first, last int) {
	return c.first, c.last
}

// DateOf is the date of instant t in the calendar's zone.
func (c *Calendar) DateOf(t time.Time) Date {
	return dateOf(t.In(c.loc))
}

// IsWorkingDay reports whether d is a working day: Monday to Friday and not
// a public holiday, or a make-up working day on a weekend. It returns a
// *MissingYearError if d's year has no data.
func (c *Calendar) IsWorkingDay(d Date) (bool, error) {
	if !d.valid() {
		return false, fmt.Errorf("is working day: %s is not a valid date", d)
	}
	i, err := c.index(d.dayNumber())
	if err != nil {
		return false, err
	}
	return c.prefix[i+1] != c.prefix[i], nil
}

// index turns a day number into an index into prefix.
func (c *Calendar) index(dayNumber int64) (int64, error) {
	i := dayNumber - c.firstDay
	if i < 0 || i >= c.days {
		return 0, &MissingYearError{Year: dateFromDayNumber(dayNumber).Year}
	}
	return i, nil
}

// instantIndex is index for the date of t in the calendar's zone. It avoids
// t.Date(): the zone offset and one division give the day directly.
func (c *Calendar) instantIndex(t time.Time) (int64, error) {
	_, offset := t.In(c.loc).Zone()
	return c.index(floorDiv(t.Unix()+int64(offset), secondsPerDay))
}
