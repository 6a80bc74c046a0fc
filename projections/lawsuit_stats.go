package projections

import (
	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
)

// LawsuitStats is the lawsuit_stats read model: administrative lawsuit
// hearings per day (of hearing_at in the calendar's zone) × agency ×
// court, with how often the agency's head or a deputy head (负责人)
// appeared, and appearances by role. It needs no holiday data: only the
// calendar's time zone.
var LawsuitStats = Declare("lawsuit_stats", 7_001_103, foldLawsuit)

// LawsuitKey is the key of a lawsuit_stats row.
type LawsuitKey struct {
	Day    calendar.Date `col:"day"`
	Agency string        `col:"agency" codes:"agency"`
	Court  string        `col:"court" codes:"court"`
}

// LawsuitSums are the measures of a lawsuit_stats row.
type LawsuitSums struct {
	Hearings int64 `col:"hearings"`
	// HeadAppearances are hearings where the head or a deputy head appeared.
	HeadAppearances int64 `col:"head_appearances"`
	RoleHead        int64 `col:"role_head"`
	RoleDeputyHead  int64 `col:"role_deputy_head"`
	RoleStaff       int64 `col:"role_staff"`
}

func foldLawsuit(f *Folding, l events.LawsuitAppearance, row func(LawsuitKey) *LawsuitSums) error {
	s := row(LawsuitKey{f.Day(l.HearingAt), l.Agency, l.Court})
	s.Hearings++
	if l.HeadAppeared {
		s.HeadAppearances++
	}
	switch l.AppearedRole {
	case events.RoleHead:
		s.RoleHead++
	case events.RoleDeputyHead:
		s.RoleDeputyHead++
	case events.RoleStaff:
		s.RoleStaff++
	}
	return nil
}
