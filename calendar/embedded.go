package calendar

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"
)

// DefaultZone is the zone Chinese administrative dates are counted in.
const DefaultZone = "Asia/Shanghai"

// embedded holds the holiday-cn year files shipped with govpulse.
//
//go:embed data/*.json
var embedded embed.FS

// Default is the calendar of the embedded data in Asia/Shanghai. It parses
// the data on every call: call it once at start-up and share the result.
func Default() (*Calendar, error) {
	loc, err := time.LoadLocation(DefaultZone)
	if err != nil {
		return nil, fmt.Errorf("default calendar: %w", err)
	}
	years, err := embeddedYears()
	if err != nil {
		return nil, fmt.Errorf("default calendar: %w", err)
	}
	return New(loc, mapValues(years)...)
}

// embeddedYears parses every embedded year file, keyed by year.
func embeddedYears() (map[int]YearData, error) {
	names, err := fs.Glob(embedded, "data/*.json")
	if err != nil {
		return nil, err
	}
	years := make(map[int]YearData, len(names))
	for _, name := range names {
		b, err := embedded.ReadFile(name)
		if err != nil {
			return nil, err
		}
		y, err := parseYearFile(path.Base(name), b)
		if err != nil {
			return nil, fmt.Errorf("embedded %s: %w", name, err)
		}
		years[y.Year] = y
	}
	return years, nil
}

// parseYearFile is ParseYear plus a check that a file named like a year
// (2024.json) holds that year, which catches a mis-copied file.
func parseYearFile(base string, b []byte) (YearData, error) {
	y, err := ParseYear(b)
	if err != nil {
		return YearData{}, err
	}
	stem := strings.TrimSuffix(base, ".json")
	if n, err := strconv.Atoi(stem); err == nil && n != y.Year {
		return YearData{}, fmt.Errorf("file is named for %d but holds year %d", n, y.Year)
	}
	return y, nil
}

func mapValues(years map[int]YearData) []YearData {
	out := make([]YearData, 0, len(years))
	for _, y := range years {
		out = append(out, y)
	}
	return out
}
