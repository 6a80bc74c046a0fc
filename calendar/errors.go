package calendar

import (
	"errors"
	"fmt"
)

// DirEnvVar is the environment variable naming the operator's directory of
// extra or corrected year files (see Load).
const DirEnvVar = "GOVPULSE_CALENDAR_DIR"

// MissingYearError says a date fell in a year the calendar has no holiday
// data for. The calendar never guesses a year's holidays: the State Council
// publishes each year's arrangement late in the year before.
type MissingYearError struct {
	Year int
}

// Error names the year and how an operator adds it.
func (e *MissingYearError) Error() string {
	return fmt.Sprintf("no holiday data for %d: add %d.json (holiday-cn format) to %s", e.Year, e.Year, DirEnvVar)
}

// ErrEndBeforeStart is returned (wrapped) when a working-day count is asked
// for a period that ends before it starts.
var ErrEndBeforeStart = errors.New("end date is before start date")
