package calendar

import (
	"encoding/json"
	"errors"
	"fmt"
)

// YearData is one year's departures from the Monday–Friday week, in the
// shape of a holiday-cn YEAR.json file.
type YearData struct {
	// Year is the year the file describes.
	Year int
	// Papers are the State Council notices the days were taken from.
	Papers []string
	// Days are the holidays and make-up working days. A file may list a few
	// dates of the neighbouring year (2019.json lists 2018-12-30).
	Days []SpecialDay
}

// SpecialDay is one date whose status differs from what its weekday says,
// or that a notice names explicitly.
type SpecialDay struct {
	// Date is the day.
	Date Date
	// Name is the festival it belongs to, such as 春节.
	Name string
	// OffDay is true for a public holiday and false for a make-up working
	// day (调休上班).
	OffDay bool
}

// Published reports whether y holds a real arrangement. holiday-cn ships an
// empty file for a year whose notice is not out yet; every year has at least
// New Year's Day, so no days means no data.
func (y YearData) Published() bool {
	return len(y.Days) > 0
}

// yearFile mirrors holiday-cn's schema.json; pointers tell missing fields
// from zero values.
type yearFile struct {
	Year   *int       `json:"year"`
	Papers []string   `json:"papers"`
	Days   *[]dayFile `json:"days"`
}

type dayFile struct {
	Name     *string `json:"name"`
	Date     *string `json:"date"`
	IsOffDay *bool   `json:"isOffDay"`
}

// ParseYear parses one year file in the holiday-cn JSON shape
// ({"year": 2024, "papers": [...], "days": [{"name", "date", "isOffDay"}]}).
// Every listed date must be in the file's year or a neighbouring one, and
// appear once.
func ParseYear(data []byte) (YearData, error) {
	var f yearFile
	if err := json.Unmarshal(data, &f); err != nil {
		return YearData{}, fmt.Errorf("not a holiday-cn year file: %w", err)
	}
	if f.Year == nil {
		return YearData{}, errors.New(`not a holiday-cn year file: missing "year"`)
	}
	if f.Days == nil {
		return YearData{}, errors.New(`not a holiday-cn year file: missing "days"`)
	}
	y := YearData{Year: *f.Year, Papers: f.Papers}
	if y.Year < 1 || y.Year > 9998 {
		return YearData{}, fmt.Errorf("year %d out of range", y.Year)
	}
	seen := make(map[Date]bool, len(*f.Days))
	for i, df := range *f.Days {
		day, err := df.special(y.Year)
		if err != nil {
			return YearData{}, fmt.Errorf("days[%d]: %w", i, err)
		}
		if seen[day.Date] {
			return YearData{}, fmt.Errorf("days[%d]: %s listed twice", i, day.Date)
		}
		seen[day.Date] = true
		y.Days = append(y.Days, day)
	}
	return y, nil
}

func (df dayFile) special(year int) (SpecialDay, error) {
	switch {
	case df.Date == nil:
		return SpecialDay{}, errors.New(`missing "date"`)
	case df.Name == nil:
		return SpecialDay{}, fmt.Errorf(`%s: missing "name"`, *df.Date)
	case df.IsOffDay == nil:
		return SpecialDay{}, fmt.Errorf(`%s: missing "isOffDay"`, *df.Date)
	}
	d, err := ParseDate(*df.Date)
	if err != nil {
		return SpecialDay{}, err
	}
	if d.Year < year-1 || d.Year > year+1 {
		return SpecialDay{}, fmt.Errorf("%s is not in or next to %d", d, year)
	}
	return SpecialDay{Date: d, Name: *df.Name, OffDay: *df.IsOffDay}, nil
}
