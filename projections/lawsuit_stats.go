package projections

import (
	"fmt"
	"log/slog"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
)

// NewLawsuitStats is the lawsuit_stats read model: administrative lawsuit
// hearings per day (of hearing_at in the calendar's zone) × agency × court,
// with how often the agency's head or a deputy head (负责人) appeared, and
// appearances by role. It needs no holiday data: only cal's time zone.
func NewLawsuitStats(cal *calendar.Calendar, log *slog.Logger) *Projection {
	return &Projection{
		name:  "lawsuit_stats",
		types: []string{events.TypeLawsuitAppearance},
		spec: tableSpec{columns: []column{
			{name: "day", kind: keyDate},
			{name: "agency", kind: keyText, codes: listAgencies},
			{name: "court", kind: keyText, codes: listCourts},
			{name: "hearings", kind: sumInt},
			{name: "head_appearances", kind: sumInt},
			{name: "role_head", kind: sumInt},
			{name: "role_deputy_head", kind: sumInt},
			{name: "role_staff", kind: sumInt},
		}},
		newFold:     func() fold { return &lawsuitFold{cal: cal, m: map[lawsuitKey]*lawsuitSums{}} },
		swapLock:    7_001_103,
		rebuildLock: 7_001_203,
		log:         log,
	}
}

type lawsuitKey struct {
	day           calendar.Date
	agency, court string
}

type lawsuitSums struct {
	hearings, headAppearances, head, deputy, staff int64
}

type lawsuitFold struct {
	cal *calendar.Calendar
	m   map[lawsuitKey]*lawsuitSums
}

func (f *lawsuitFold) add(e events.Recorded) error {
	ev, err := events.DecodeStored(e.Type, e.Envelope)
	if err != nil {
		return err
	}
	l, ok := ev.(events.LawsuitAppearance)
	if !ok {
		return fmt.Errorf("decoded %T, want a LawsuitAppearance", ev)
	}
	k := lawsuitKey{f.cal.DateOf(l.HearingAt), l.Agency, l.Court}
	s := f.m[k]
	if s == nil {
		s = &lawsuitSums{}
		f.m[k] = s
	}
	s.hearings++
	if l.HeadAppeared {
		s.headAppearances++
	}
	switch l.AppearedRole {
	case "head":
		s.head++
	case "deputy_head":
		s.deputy++
	case "staff":
		s.staff++
	}
	return nil
}

func (f *lawsuitFold) merge(other fold) {
	for k, os := range other.(*lawsuitFold).m {
		s := f.m[k]
		if s == nil {
			f.m[k] = os
			continue
		}
		s.hearings += os.hearings
		s.headAppearances += os.headAppearances
		s.head += os.head
		s.deputy += os.deputy
		s.staff += os.staff
	}
}

func (f *lawsuitFold) rows() [][]any {
	rows := make([][]any, 0, len(f.m))
	for k, s := range f.m {
		rows = append(rows, []any{dayValue(k.day), k.agency, k.court,
			s.hearings, s.headAppearances, s.head, s.deputy, s.staff})
	}
	return rows
}

func (f *lawsuitFold) unknownYears() map[int]int64 { return nil }
