package calendar

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// shippedYear parses the shipped data/YEAR.json.
func shippedYear(t *testing.T, year int) YearData {
	t.Helper()
	name := fmt.Sprintf("%d.json", year)
	b, err := os.ReadFile(filepath.Join("data", name))
	if err != nil {
		t.Fatal(err)
	}
	y, err := ParseYear(b)
	if err != nil {
		t.Fatalf("ParseYear(%s): %v", name, err)
	}
	return y
}

func TestParseYear(t *testing.T) {
	y := shippedYear(t, 2020)
	if got, want := y.Year, 2020; got != want {
		t.Errorf("Year = %d, want %d", got, want)
	}
	if got, want := len(y.Papers), 2; got != want {
		t.Errorf("len(Papers) = %d, want %d (original notice and the extension)", got, want)
	}
	if got, want := len(y.Days), 37; got != want {
		t.Errorf("len(Days) = %d, want %d", got, want)
	}
	want := SpecialDay{Date: Date{2020, time.January, 19}, Name: "春节", OffDay: false}
	if got := y.Days[1]; got != want {
		t.Errorf("Days[1] = %+v, want %+v", got, want)
	}
	if !y.Published() {
		t.Error("2020 Published() = false, want true")
	}
}

func TestParseYearPlaceholder(t *testing.T) {
	y := shippedYear(t, 2027)
	if y.Year != 2027 || len(y.Days) != 0 || y.Published() {
		t.Errorf("2027 = %+v, Published %v; want an unpublished placeholder", y, y.Published())
	}
}

func TestParseYearErrors(t *testing.T) {
	tests := []struct {
		name, json, wantErr string
	}{
		{"not JSON", `{"year":`, "not a holiday-cn year file"},
		{"missing year", `{"papers":[],"days":[]}`, `missing "year"`},
		{"missing days", `{"year":2024,"papers":[]}`, `missing "days"`},
		{"year as string", `{"year":"2024","days":[]}`, "not a holiday-cn year file"},
		{"bad date", `{"year":2024,"days":[{"name":"元旦","date":"2024-1-1","isOffDay":true}]}`, "days[0]"},
		{"missing isOffDay", `{"year":2024,"days":[{"name":"元旦","date":"2024-01-01"}]}`, `2024-01-01: missing "isOffDay"`},
		{"missing date", `{"year":2024,"days":[{"name":"元旦","isOffDay":true}]}`, `missing "date"`},
		{"date far from year", `{"year":2024,"days":[{"name":"元旦","date":"2026-01-01","isOffDay":true}]}`, "not in or next to 2024"},
		{"duplicate date", `{"year":2024,"days":[
			{"name":"元旦","date":"2024-01-01","isOffDay":true},
			{"name":"元旦","date":"2024-01-01","isOffDay":false}]}`, "days[1]: 2024-01-01 listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseYear([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseYear: err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
