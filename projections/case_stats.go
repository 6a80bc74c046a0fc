package projections

import (
	"fmt"
	"log/slog"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
)

// NewCaseStats is the case_stats read model: finished cases per day (of
// finished_at in the calendar's zone) × department × district × channel ×
// mode × item, with results, overdue cases, working days elapsed and
// promised, and histograms of working days and, for instant (秒批) mode,
// seconds. Working days come from cal; a case whose dates fall in a year
// cal has no data for counts in elapsed_unknown instead of the working-day
// measures (it is still finished, with its result and promise).
func NewCaseStats(cal *calendar.Calendar, log *slog.Logger) *Projection {
	return &Projection{
		name:  "case_stats",
		types: []string{events.TypeCaseFinished},
		spec: tableSpec{columns: []column{
			{name: "day", kind: keyDate},
			{name: "department", kind: keyText, codes: listDepartments},
			{name: "district", kind: keyText, codes: listDistricts},
			{name: "channel", kind: keyText},
			{name: "mode", kind: keyText},
			{name: "item", kind: keyText, codes: listItems},
			{name: "finished", kind: sumInt},
			{name: "approved", kind: sumInt},
			{name: "rejected", kind: sumInt},
			{name: "withdrawn", kind: sumInt},
			{name: "assisted", kind: sumInt},
			{name: "elapsed_unknown", kind: sumInt},
			{name: "overdue", kind: sumInt},
			{name: "elapsed_wd_sum", kind: sumInt},
			{name: "promised_wd_sum", kind: sumInt},
			{name: "promised_cases", kind: sumInt},
			{name: "promised_elapsed_sum", kind: sumInt},
			{name: "promised_limit_sum", kind: sumInt},
			{name: "elapsed_wd_hist", kind: sumHist, buckets: workingDayBuckets},
			{name: "instant", kind: sumInt},
			{name: "instant_ms_sum", kind: sumInt},
			{name: "instant_seconds_hist", kind: sumHist, buckets: instantSecondsBuckets},
		}},
		newFold:     func() fold { return &caseFold{cal: cal, m: map[caseKey]*caseSums{}} },
		swapLock:    7_001_101,
		rebuildLock: 7_001_201,
		log:         log,
	}
}

type caseKey struct {
	day                                       calendar.Date
	department, district, channel, mode, item string
}

type caseSums struct {
	finished, approved, rejected, withdrawn, assisted int64
	elapsedUnknown, overdue                           int64
	elapsedSum, promisedSum                           int64
	promisedCases, promisedElapsed, promisedLimit     int64
	hist                                              [workingDayBuckets]int64
	instant, instantMs                                int64
	instantHist                                       [instantSecondsBuckets]int64
}

func (s *caseSums) addSums(o *caseSums) {
	s.finished += o.finished
	s.approved += o.approved
	s.rejected += o.rejected
	s.withdrawn += o.withdrawn
	s.assisted += o.assisted
	s.elapsedUnknown += o.elapsedUnknown
	s.overdue += o.overdue
	s.elapsedSum += o.elapsedSum
	s.promisedSum += o.promisedSum
	s.promisedCases += o.promisedCases
	s.promisedElapsed += o.promisedElapsed
	s.promisedLimit += o.promisedLimit
	for i := range s.hist {
		s.hist[i] += o.hist[i]
	}
	s.instant += o.instant
	s.instantMs += o.instantMs
	for i := range s.instantHist {
		s.instantHist[i] += o.instantHist[i]
	}
}

type caseFold struct {
	cal     *calendar.Calendar
	m       map[caseKey]*caseSums
	unknown map[int]int64
}

func (f *caseFold) add(e events.Recorded) error {
	ev, err := events.DecodeStored(e.Type, e.Envelope)
	if err != nil {
		return err
	}
	c, ok := ev.(events.CaseFinished)
	if !ok {
		return fmt.Errorf("decoded %T, want a CaseFinished", ev)
	}
	k := caseKey{f.cal.DateOf(c.FinishedAt), c.DepartmentCode, c.District, c.Channel, c.Mode, c.ItemCode}
	s := f.m[k]
	if s == nil {
		s = &caseSums{}
		f.m[k] = s
	}
	s.finished++
	switch c.Result {
	case "approved":
		s.approved++
	case "rejected":
		s.rejected++
	case "withdrawn":
		s.withdrawn++
	}
	if c.Assisted {
		s.assisted++
	}
	promised := int64(c.PromisedWorkingDays)
	s.promisedSum += promised
	days, known, missing, err := elapsedWorkingDays(f.cal, c.AcceptedAt, c.FinishedAt)
	if err != nil {
		return err
	}
	if known {
		elapsed := int64(days)
		s.elapsedSum += elapsed
		s.hist[bucketOf(float64(elapsed), workingDayBounds[:])]++
		if elapsed > promised {
			s.overdue++
		}
		if promised > 0 {
			s.promisedCases++
			s.promisedElapsed += elapsed
			s.promisedLimit += promised
		}
	} else {
		s.elapsedUnknown++
		if f.unknown == nil {
			f.unknown = map[int]int64{}
		}
		f.unknown[missing]++
	}
	if c.Mode == "instant" {
		d := c.FinishedAt.Sub(c.AcceptedAt)
		s.instant++
		s.instantMs += d.Milliseconds()
		s.instantHist[bucketOf(d.Seconds(), instantSecondsBounds[:])]++
	}
	return nil
}

func (f *caseFold) merge(other fold) {
	o := other.(*caseFold)
	for k, os := range o.m {
		if s := f.m[k]; s != nil {
			s.addSums(os)
		} else {
			f.m[k] = os
		}
	}
	for y, n := range o.unknown {
		if f.unknown == nil {
			f.unknown = map[int]int64{}
		}
		f.unknown[y] += n
	}
}

func (f *caseFold) rows() [][]any {
	rows := make([][]any, 0, len(f.m))
	for k, s := range f.m {
		rows = append(rows, []any{
			dayValue(k.day), k.department, k.district, k.channel, k.mode, k.item,
			s.finished, s.approved, s.rejected, s.withdrawn, s.assisted,
			s.elapsedUnknown, s.overdue, s.elapsedSum, s.promisedSum,
			s.promisedCases, s.promisedElapsed, s.promisedLimit,
			s.hist[:], s.instant, s.instantMs, s.instantHist[:],
		})
	}
	return rows
}

func (f *caseFold) unknownYears() map[int]int64 { return f.unknown }
