package calendar

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Load is the embedded calendar with an operator's year files on top: every
// *.json file in dir (holiday-cn shape) replaces the embedded data for its
// year or adds a year. An empty dir means no overrides. Errors name the
// offending file.
func Load(loc *time.Location, dir string) (*Calendar, error) {
	years, err := embeddedYears()
	if err != nil {
		return nil, fmt.Errorf("load calendar: %w", err)
	}
	if dir != "" {
		if err := overrideYears(years, dir); err != nil {
			return nil, fmt.Errorf("load calendar: %w", err)
		}
	}
	c, err := New(loc, mapValues(years)...)
	if err != nil {
		return nil, fmt.Errorf("load calendar (embedded data and %q): %w", dir, err)
	}
	return c, nil
}

// overrideYears replaces entries of years with the files in dir.
func overrideYears(years map[int]YearData, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	fromFile := make(map[int]string)
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".json" {
			continue
		}
		name := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		y, err := parseYearFile(e.Name(), b)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if other, dup := fromFile[y.Year]; dup {
			return fmt.Errorf("%s: year %d is also in %s", name, y.Year, other)
		}
		fromFile[y.Year] = name
		years[y.Year] = y
	}
	return nil
}
