package calendar

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	got, err := ParseDate("2020-02-03")
	if want := (Date{2020, time.February, 3}); err != nil || got != want {
		t.Errorf("ParseDate(2020-02-03) = %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"", "2020-2-3", "2023-02-29", "2020-02-03T00:00:00Z", "03/02/2020"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) succeeded, want an error", bad)
		}
	}
}

func TestDateString(t *testing.T) {
	tests := []struct {
		d    Date
		want string
	}{
		{Date{2020, time.February, 3}, "2020-02-03"},
		{Date{2026, time.December, 31}, "2026-12-31"},
		{Date{999, time.January, 1}, "0999-01-01"},
	}
	for _, tt := range tests {
		if got := tt.d.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestDateWeekdayAndCompare(t *testing.T) {
	if got, want := (Date{2020, time.January, 19}).Weekday(), time.Sunday; got != want {
		t.Errorf("2020-01-19 Weekday() = %s, want %s", got, want)
	}
	a, b := Date{2019, time.December, 31}, Date{2020, time.January, 1}
	if got := a.Compare(b); got != -1 {
		t.Errorf("Compare = %d, want -1", got)
	}
	if got := b.Compare(a); got != 1 {
		t.Errorf("Compare = %d, want 1", got)
	}
	if got := a.Compare(a); got != 0 {
		t.Errorf("Compare = %d, want 0", got)
	}
}

func TestDayNumber(t *testing.T) {
	tests := []struct {
		d    Date
		want int64
	}{
		{Date{1970, time.January, 1}, 0},
		{Date{1969, time.December, 31}, -1},
		{Date{2019, time.January, 1}, 17897},
	}
	for _, tt := range tests {
		if got := tt.d.dayNumber(); got != tt.want {
			t.Errorf("%s dayNumber() = %d, want %d", tt.d, got, tt.want)
		}
		if got := dateFromDayNumber(tt.want); got != tt.d {
			t.Errorf("dateFromDayNumber(%d) = %s, want %s", tt.want, got, tt.d)
		}
	}
}
