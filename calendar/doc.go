// Package calendar knows which dates are working days in mainland China:
// Monday to Friday, minus the public holidays, plus the make-up working days
// (调休上班) that the State Council moves onto weekends each year.
//
// Administrative deadlines ("within 85 working days") count these days, so
// every duration and deadline in govpulse goes through a Calendar. The facts
// for 2019–2026 ship embedded (holiday-cn data, see data/NOTICE.md); an
// operator adds or corrects a year with a file in GOVPULSE_CALENDAR_DIR.
// A date in a year without data is an error, never a guess.
package calendar
