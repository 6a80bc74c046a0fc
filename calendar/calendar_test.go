package calendar

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// TestHolidayPeriods checks holiday periods day by day against the State
// Council's notices, make-up working days included, and the working days
// counted across each.
func TestHolidayPeriods(t *testing.T) {
	c := defaultCalendar(t)
	for _, p := range []struct {
		name                string
		working, nonWorking []string
		from, to            string
		want                int
	}{
		// The State Council extended the holiday through Sunday 2020-02-02
		// (notice of 2020-01-27); 2020-02-01 lost its make-up status.
		// Fri 2020-01-17 to Fri 2020-02-07: 19 (Sun, make-up), 20–23, 3–7 Feb.
		{"spring festival 2020, extended",
			[]string{"2020-01-19", "2020-01-23", "2020-02-03"},
			[]string{"2020-01-24", "2020-01-25", "2020-01-26", "2020-01-27", "2020-01-28",
				"2020-01-29", "2020-01-30", "2020-01-31", "2020-02-01", "2020-02-02"},
			"2020-01-17", "2020-02-07", 10},
		// Sun 29 Sep (make-up), Mon 30 Sep (ordinary) and Tue 8 Oct count.
		{"national day 2019",
			[]string{"2019-09-29", "2019-10-12", "2019-09-30", "2019-10-08"},
			[]string{"2019-10-01", "2019-10-02", "2019-10-03", "2019-10-04", "2019-10-05", "2019-10-06", "2019-10-07", "2019-09-28"},
			"2019-09-27", "2019-10-08", 3},
		// Fri 2 Feb .. Fri 23 Feb: 4 (Sun), 5–9, 18 (Sun), 19–23.
		{"spring festival 2024",
			[]string{"2024-02-04", "2024-02-18", "2024-02-09", "2024-02-19"},
			[]string{"2024-02-10", "2024-02-11", "2024-02-12", "2024-02-13", "2024-02-14", "2024-02-15", "2024-02-16", "2024-02-17"},
			"2024-02-02", "2024-02-23", 12},
		// Fri 24 Jan .. Mon 10 Feb: 26 (Sun), 27, 5–7 Feb, 8 (Sat), 10.
		{"spring festival 2025",
			[]string{"2025-01-26", "2025-02-08", "2025-01-27", "2025-02-05"},
			[]string{"2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01", "2025-02-02", "2025-02-03", "2025-02-04"},
			"2025-01-24", "2025-02-10", 7},
	} {
		t.Run(p.name, func(t *testing.T) {
			assertWorking(t, c, true, p.working...)
			assertWorking(t, c, false, p.nonWorking...)
			if got := between(t, c, p.from, p.to); got != p.want {
				t.Errorf("working days %s..%s = %d, want %d", p.from, p.to, got, p.want)
			}
		})
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := defaultCalendar(t)
	tests := []struct {
		name     string
		from, to string
		want     int
	}{
		{"same day", "2024-03-06", "2024-03-06", 0},
		{"same holiday", "2024-10-03", "2024-10-03", 0},
		{"Friday to Monday", "2024-03-08", "2024-03-11", 1},
		{"Friday to Saturday", "2024-03-08", "2024-03-09", 0},
		{"ordinary week", "2024-03-04", "2024-03-11", 5},
		{"2023 into 2024 over New Year", "2023-12-29", "2024-01-02", 1},
		{"2019 into 2020 over New Year", "2019-12-27", "2020-01-03", 4},
		{"2019-12-31 to 2020-01-02", "2019-12-31", "2020-01-02", 1},
		{"2025 into 2026 over New Year and 4 Jan make-up", "2025-12-31", "2026-01-05", 2},
		{"whole covered range", "2019-01-01", "2026-12-31", 1994},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := between(t, c, tt.from, tt.to); got != tt.want {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestWorkingDaysPerYear(t *testing.T) {
	c := defaultCalendar(t)
	// 2020's 249 matches the data README's check against the notices.
	want := map[int]int{2019: 250, 2020: 249, 2021: 250, 2022: 249, 2023: 249, 2024: 251, 2025: 248, 2026: 248}
	for year := 2020; year <= 2026; year++ {
		got := between(t, c, fmt.Sprintf("%d-12-31", year-1), fmt.Sprintf("%d-12-31", year))
		if got != want[year] {
			t.Errorf("working days in %d = %d, want %d", year, got, want[year])
		}
	}
	// 2019 has no 31 Dec 2018 to start from: count from 1 Jan, a holiday.
	if got := between(t, c, "2019-01-01", "2019-12-31"); got != want[2019] {
		t.Errorf("working days in 2019 = %d, want %d", got, want[2019])
	}
}

func TestWorkingDaysBetweenReversed(t *testing.T) {
	c := defaultCalendar(t)
	_, err := c.WorkingDaysBetween(shanghai(t, "2024-03-11"), shanghai(t, "2024-03-08"))
	if !errors.Is(err, ErrEndBeforeStart) {
		t.Fatalf("err = %v, want ErrEndBeforeStart", err)
	}
	if !strings.Contains(err.Error(), "2024-03-11") || !strings.Contains(err.Error(), "2024-03-08") {
		t.Errorf("error %q does not name both dates", err)
	}
	// Earlier instant but the same Shanghai date is not reversed.
	got, err := c.WorkingDaysBetween(shanghai(t, "2024-03-11").Add(time.Hour), shanghai(t, "2024-03-11"))
	if err != nil || got != 0 {
		t.Errorf("same date, later from: got %d, %v; want 0, nil", got, err)
	}
}

func TestDateInCalendarZone(t *testing.T) {
	c := defaultCalendar(t)
	// 17:30 UTC on Friday 1 March is 01:30 on Saturday 2 March in Shanghai.
	late := time.Date(2024, 3, 1, 17, 30, 0, 0, time.UTC)
	if got, want := c.DateOf(late), (Date{2024, time.March, 2}); got != want {
		t.Errorf("DateOf(%s) = %s, want %s", late, got, want)
	}
	friday := shanghai(t, "2024-03-01")
	if got, err := c.WorkingDaysBetween(friday, late); err != nil || got != 0 {
		t.Errorf("Friday to Saturday 01:30: got %d, %v; want 0, nil", got, err)
	}
	// 16:30 UTC on Sunday 3 March is 00:30 on Monday 4 March in Shanghai.
	monday := time.Date(2024, 3, 3, 16, 30, 0, 0, time.UTC)
	if got, err := c.WorkingDaysBetween(friday, monday); err != nil || got != 1 {
		t.Errorf("Friday to Monday 00:30: got %d, %v; want 1, nil", got, err)
	}
	// 23:59:59 Shanghai is still the same date.
	loc := c.Location()
	if got, want := c.DateOf(time.Date(2024, 3, 1, 23, 59, 59, 0, loc)), (Date{2024, time.March, 1}); got != want {
		t.Errorf("DateOf(23:59:59) = %s, want %s", got, want)
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := defaultCalendar(t)
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"zero is the date itself", "2024-03-06", 0, "2024-03-06"},
		{"zero on a holiday", "2024-10-01", 0, "2024-10-01"},
		{"Friday before National Day lands on make-up Sunday", "2024-09-27", 1, "2024-09-29"},
		{"Friday before Spring Festival lands on make-up Sunday", "2025-01-24", 1, "2025-01-26"},
		{"Spring Festival eve 2024 to the make-up Sunday", "2024-02-09", 1, "2024-02-18"},
		{"Friday before Mid-Autumn 2022", "2022-09-09", 1, "2022-09-13"},
		{"Thursday before the 2020 extended holiday", "2020-01-23", 1, "2020-02-03"},
		{"85 working days over National Day 2024", "2024-09-02", 85, "2025-01-06"},
		{"85 working days over National Day 2019", "2019-09-02", 85, "2020-01-06"},
		{"85 working days over Spring Festival 2026", "2025-12-01", 85, "2026-04-07"},
		{"last covered working day", "2026-12-01", 22, "2026-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.AddWorkingDays(shanghai(t, tt.from), tt.n)
			if err != nil {
				t.Fatalf("AddWorkingDays(%s, %d): %v", tt.from, tt.n, err)
			}
			if got.String() != tt.want {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
		})
	}
	if _, err := c.AddWorkingDays(shanghai(t, "2024-03-06"), -1); err == nil {
		t.Error("AddWorkingDays(n = -1) succeeded, want an error")
	}
	var missing *MissingYearError
	if _, err := c.AddWorkingDays(shanghai(t, "2026-12-01"), 23); !errors.As(err, &missing) || missing.Year != 2027 {
		t.Errorf("deadline past 2026: err = %v, want MissingYearError for 2027", err)
	}
}

// TestAddAndBetweenAgree checks the two queries against each other and
// against a day-by-day walk, for many random dates and counts.
func TestAddAndBetweenAgree(t *testing.T) {
	c := defaultCalendar(t)
	rng := rand.New(rand.NewPCG(2019, 2026))
	first := date(t, "2019-01-01").dayNumber()
	last := date(t, "2026-12-31").dayNumber()
	for range 5000 {
		from := dateFromDayNumber(first + rng.Int64N(last-first+1))
		n := rng.IntN(120)
		start := shanghai(t, from.String())
		deadline, err := c.AddWorkingDays(start, n)
		var missing *MissingYearError
		if errors.As(err, &missing) {
			continue // ran past 2026
		}
		if err != nil {
			t.Fatalf("AddWorkingDays(%s, %d): %v", from, n, err)
		}
		got, err := c.WorkingDaysBetween(start, shanghai(t, deadline.String()))
		if err != nil || got != n {
			t.Fatalf("WorkingDaysBetween(%s, AddWorkingDays(%s, %d) = %s) = %d, %v; want %d",
				from, from, n, deadline, got, err, n)
		}
		walked := 0
		for dn := from.dayNumber() + 1; dn <= deadline.dayNumber(); dn++ {
			if w, _ := c.IsWorkingDay(dateFromDayNumber(dn)); w {
				walked++
			}
		}
		if walked != n {
			t.Fatalf("walk %s..%s counts %d working days, want %d", from, deadline, walked, n)
		}
		if n > 0 {
			if w, _ := c.IsWorkingDay(deadline); !w {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day", from, n, deadline)
			}
		}
	}
}

func TestMissingYear(t *testing.T) {
	c := defaultCalendar(t)
	tests := []struct {
		name string
		call func() error
		year int
	}{
		{"IsWorkingDay 2031", func() error { _, err := c.IsWorkingDay(Date{2031, time.May, 6}); return err }, 2031},
		{"IsWorkingDay 2018", func() error { _, err := c.IsWorkingDay(Date{2018, time.December, 31}); return err }, 2018},
		{"between to 2031", func() error {
			_, err := c.WorkingDaysBetween(shanghai(t, "2026-06-01"), shanghai(t, "2031-06-02"))
			return err
		}, 2031},
		{"between from 2018", func() error {
			_, err := c.WorkingDaysBetween(shanghai(t, "2018-12-28"), shanghai(t, "2019-01-02"))
			return err
		}, 2018},
		{"between 2026 into unpublished 2027", func() error {
			_, err := c.WorkingDaysBetween(shanghai(t, "2026-12-31"), shanghai(t, "2027-01-04"))
			return err
		}, 2027},
		{"add from 2031", func() error { _, err := c.AddWorkingDays(shanghai(t, "2031-01-06"), 3); return err }, 2031},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var missing *MissingYearError
			if !errors.As(err, &missing) {
				t.Fatalf("err = %v, want *MissingYearError", err)
			}
			if missing.Year != tt.year {
				t.Errorf("missing year = %d, want %d", missing.Year, tt.year)
			}
		})
	}
	want := "no holiday data for 2031: add 2031.json (holiday-cn format) to GOVPULSE_CALENDAR_DIR"
	if got := (&MissingYearError{Year: 2031}).Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestEveryDataYear exercises each shipped file on National Day and one
// make-up working day of that year.
func TestEveryDataYear(t *testing.T) {
	c := defaultCalendar(t)
	makeUp := map[int]string{
		2019: "2019-10-12", // Sat
		2020: "2020-10-10", // Sat
		2021: "2021-09-26", // Sun
		2022: "2022-10-09", // Sun
		2023: "2023-10-08", // Sun
		2024: "2024-10-12", // Sat
		2025: "2025-09-28", // Sun
		2026: "2026-01-04", // Sun
	}
	for year := 2019; year <= 2026; year++ {
		t.Run(fmt.Sprint(year), func(t *testing.T) {
			assertWorking(t, c, false, fmt.Sprintf("%d-10-01", year))
			assertWorking(t, c, true, makeUp[year])
			if wd := date(t, makeUp[year]).Weekday(); wd != time.Saturday && wd != time.Sunday {
				t.Errorf("%s is a %s, not a weekend make-up day", makeUp[year], wd)
			}
		})
	}
	// holiday-cn's 2027.json is an empty placeholder (notice not yet out),
	// so 2027 is not covered rather than a year of plain weeks.
	t.Run("2027", func(t *testing.T) {
		_, err := c.IsWorkingDay(Date{2027, time.October, 1})
		var missing *MissingYearError
		if !errors.As(err, &missing) || missing.Year != 2027 {
			t.Errorf("IsWorkingDay(2027-10-01) err = %v, want MissingYearError for 2027", err)
		}
	})
	if first, last := c.Years(); first != 2019 || last != 2026 {
		t.Errorf("Years() = %d, %d, want 2019, 2026", first, last)
	}
	if got := c.Location().String(); got != DefaultZone {
		t.Errorf("Location() = %s, want %s", got, DefaultZone)
	}
}

// TestMatchesRawData compares every covered day with a reading of the JSON
// files that shares no code with the calendar.
func TestMatchesRawData(t *testing.T) {
	c := defaultCalendar(t)
	type entry struct {
		fileYear int
		off      bool
	}
	listed := map[string][]entry{}
	for year := 2019; year <= 2027; year++ {
		b, err := os.ReadFile(fmt.Sprintf("data/%d.json", year))
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Days []struct {
				Date     string
				IsOffDay bool
			}
		}
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Days {
			listed[d.Date] = append(listed[d.Date], entry{year, d.IsOffDay})
		}
	}
	for day := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() < 2027; day = day.AddDate(0, 0, 1) {
		s := day.Format(time.DateOnly)
		want := day.Weekday() != time.Saturday && day.Weekday() != time.Sunday
		for _, e := range listed[s] {
			if e.fileYear == day.Year() || len(listed[s]) == 1 {
				want = !e.off
			}
		}
		got, err := c.IsWorkingDay(date(t, s))
		if err != nil || got != want {
			t.Errorf("IsWorkingDay(%s) = %v, %v; want %v", s, got, err, want)
		}
	}
}

func TestIsWorkingDayInvalidDate(t *testing.T) {
	c := defaultCalendar(t)
	if _, err := c.IsWorkingDay(Date{2023, time.February, 29}); err == nil {
		t.Error("IsWorkingDay(2023-02-29) succeeded, want an error")
	}
}

func TestNew(t *testing.T) {
	year := func(y int, days ...SpecialDay) YearData { return YearData{Year: y, Days: days} }
	newYear := func(y int) SpecialDay {
		return SpecialDay{Date: Date{y, time.January, 1}, Name: "元旦", OffDay: true}
	}
	tests := []struct {
		name    string
		loc     *time.Location
		years   []YearData
		wantErr string
	}{
		{"nil location", nil, []YearData{year(2024, newYear(2024))}, "nil location"},
		{"no years", time.UTC, nil, "no published year data"},
		{"only a placeholder", time.UTC, []YearData{year(2027)}, "no published year data"},
		{"same year twice", time.UTC, []YearData{year(2024, newYear(2024)), year(2024, newYear(2024))}, "2024 given twice"},
		{"gap", time.UTC, []YearData{year(2024, newYear(2024)), year(2026, newYear(2026))}, "no data for 2025 between 2024 and 2026"},
		{"placeholder at the end", time.UTC, []YearData{year(2024, newYear(2024)), year(2025)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.loc, tt.years...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if first, last := c.Years(); first != 2024 || last != 2024 {
					t.Errorf("Years() = %d, %d, want 2024, 2024", first, last)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New: err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestNeighbourYearEntries checks that a date listed in the next year's
// file (2019.json lists 2018-12-29..31) applies when that year is covered,
// and that the date's own file wins a conflict.
func TestNeighbourYearEntries(t *testing.T) {
	d := func(s string) Date { return date(t, s) }
	y2018 := YearData{Year: 2018, Days: []SpecialDay{
		{Date: d("2018-01-01"), Name: "元旦", OffDay: true},
		{Date: d("2018-12-31"), Name: "元旦", OffDay: false}, // own file: wins
	}}
	y2019 := YearData{Year: 2019, Days: []SpecialDay{
		{Date: d("2018-12-29"), Name: "元旦", OffDay: false}, // Saturday make-up
		{Date: d("2018-12-31"), Name: "元旦", OffDay: true},
		{Date: d("2019-01-01"), Name: "元旦", OffDay: true},
	}}
	c, err := New(time.UTC, y2018, y2019)
	if err != nil {
		t.Fatal(err)
	}
	assertWorking(t, c, true, "2018-12-29", "2018-12-31", "2018-12-28")
	assertWorking(t, c, false, "2018-01-01", "2019-01-01", "2018-12-30")
}
