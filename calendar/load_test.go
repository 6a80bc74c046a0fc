package calendar

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeFiles writes name → content into a fresh directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadOverride(t *testing.T) {
	// Test fixtures, not real arrangements: 2024 reduced to New Year's Day
	// plus an invented holiday, and a 2027 with only New Year's Day.
	dir := writeFiles(t, map[string]string{
		"2024.json": `{"year":2024,"papers":[],"days":[
			{"name":"元旦","date":"2024-01-01","isOffDay":true},
			{"name":"test","date":"2024-03-08","isOffDay":true}]}`,
		"2027.json": `{"year":2027,"papers":[],"days":[
			{"name":"元旦","date":"2027-01-01","isOffDay":true}]}`,
		"README.txt": "not read",
	})
	c, err := Load(shanghaiZone(t), dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if first, last := c.Years(); first != 2019 || last != 2027 {
		t.Errorf("Years() = %d, %d, want 2019, 2027", first, last)
	}
	// The override replaced 2024 as a whole: its Spring Festival is gone.
	assertWorking(t, c, false, "2024-03-08", "2024-01-01", "2027-01-01")
	assertWorking(t, c, true, "2024-02-12", "2024-03-07", "2027-01-04")
	assertWorking(t, c, false, "2024-02-04") // a plain Sunday again
	// Other years still come from the embedded data.
	assertWorking(t, c, true, "2025-01-26")
	// Thu 2026-12-31 → Mon 2027-01-04: Fri 1 Jan is off, so 1.
	if got, want := between(t, c, "2026-12-31", "2027-01-04"), 1; got != want {
		t.Errorf("working days 2026-12-31..2027-01-04 = %d, want %d", got, want)
	}
	var missing *MissingYearError
	if _, err := c.IsWorkingDay(Date{2028, time.January, 3}); !errors.As(err, &missing) || missing.Year != 2028 {
		t.Errorf("2028: err = %v, want MissingYearError for 2028", err)
	}
}

func TestLoadWithoutDir(t *testing.T) {
	c, err := Load(time.UTC, "")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if first, last := c.Years(); first != 2019 || last != 2026 {
		t.Errorf("Years() = %d, %d, want 2019, 2026", first, last)
	}
	if c.Location() != time.UTC {
		t.Errorf("Location() = %s, want UTC", c.Location())
	}
}

func TestLoadErrors(t *testing.T) {
	const ok2028 = `{"year":2028,"papers":[],"days":[{"name":"元旦","date":"2028-01-01","isOffDay":true}]}`
	tests := []struct {
		name    string
		files   map[string]string
		wantErr []string
	}{
		{"broken file", map[string]string{"2027.json": `{"year":2027,"days":[{"date":"2027-13-01"}]}`},
			[]string{"2027.json", "days[0]"}},
		{"file named for another year", map[string]string{"2027.json": ok2028},
			[]string{"2027.json", "named for 2027 but holds year 2028"}},
		{"same year twice", map[string]string{"2028.json": ok2028, "extra.json": ok2028},
			[]string{"2028.json", "extra.json", "year 2028"}},
		{"gap left by unpublished 2027", map[string]string{"2028.json": ok2028},
			[]string{"no data for 2027 between 2026 and 2028", "2027.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(time.UTC, writeFiles(t, tt.files))
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %q, want it to contain %q", err, want)
				}
			}
		})
	}
	if _, err := Load(time.UTC, filepath.Join(t.TempDir(), "absent")); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("missing dir: err = %v, want one naming the dir", err)
	}
}
