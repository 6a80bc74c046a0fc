package projections

import (
	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
)

// CaseStats is the case_stats read model: finished cases per day (of
// finished_at in the calendar's zone) × department × district × channel ×
// mode × item, with results, overdue cases, working days elapsed and
// promised, and histograms of working days and, for instant (秒批) mode,
// seconds. A case whose dates fall in a year the calendar has no data for
// counts in elapsed_unknown instead of the working-day measures (it is
// still finished, with its result and promise).
var CaseStats = Declare("case_stats", 7_001_101, foldCase).WithTotals("department", "district", "channel", "mode")

// CaseKey is the key of a case_stats row.
type CaseKey struct {
	Day        calendar.Date `col:"day"`
	Department string        `col:"department" codes:"department"`
	District   string        `col:"district" codes:"district"`
	Channel    string        `col:"channel" codes:"channel"`
	Mode       string        `col:"mode" codes:"mode"`
	Item       string        `col:"item" codes:"item"`
}

// CaseSums are the measures of a case_stats row. Working-day measures
// count only cases whose working days are known.
type CaseSums struct {
	Finished  int64 `col:"finished"`
	Approved  int64 `col:"approved"`
	Rejected  int64 `col:"rejected"`
	Withdrawn int64 `col:"withdrawn"`
	Assisted  int64 `col:"assisted"`
	// ElapsedUnknown cases fell in a year without holiday data.
	ElapsedUnknown int64 `col:"elapsed_unknown"`
	// Overdue cases took more working days than promised.
	Overdue     int64 `col:"overdue"`
	ElapsedSum  int64 `col:"elapsed_wd_sum"`
	PromisedSum int64 `col:"promised_wd_sum"` // over every finished case
	// PromisedCases have a promise > 0 and known working days;
	// PromisedElapsed and PromisedLimit sum their elapsed and promised
	// working days.
	PromisedCases   int64                    `col:"promised_cases"`
	PromisedElapsed int64                    `col:"promised_elapsed_sum"`
	PromisedLimit   int64                    `col:"promised_limit_sum"`
	ElapsedHist     [WorkingDayBuckets]int64 `col:"elapsed_wd_hist"`
	// Instant counts instant-mode cases, InstantMs their milliseconds
	// from acceptance to finish.
	Instant     int64                        `col:"instant"`
	InstantMs   int64                        `col:"instant_ms_sum"`
	InstantHist [InstantSecondsBuckets]int64 `col:"instant_seconds_hist"`
}

func foldCase(f *Folding, c events.CaseFinished, row func(CaseKey) *CaseSums) error {
	s := row(CaseKey{f.Day(c.FinishedAt), c.DepartmentCode, c.District, c.Channel, c.Mode, c.ItemCode})
	s.Finished++
	switch c.Result {
	case events.ResultApproved:
		s.Approved++
	case events.ResultRejected:
		s.Rejected++
	case events.ResultWithdrawn:
		s.Withdrawn++
	}
	if c.Assisted {
		s.Assisted++
	}
	promised := int64(c.PromisedWorkingDays)
	s.PromisedSum += promised
	elapsed, known, err := f.WorkingDays(c.AcceptedAt, c.FinishedAt)
	if err != nil {
		return err
	}
	if known {
		s.ElapsedSum += elapsed
		s.ElapsedHist[bucketOf(float64(elapsed), workingDayBounds[:])]++
		if elapsed > promised {
			s.Overdue++
		}
		if promised > 0 {
			s.PromisedCases++
			s.PromisedElapsed += elapsed
			s.PromisedLimit += promised
		}
	} else {
		s.ElapsedUnknown++
	}
	if c.Mode == events.ModeInstant {
		d := c.FinishedAt.Sub(c.AcceptedAt)
		s.Instant++
		s.InstantMs += d.Milliseconds()
		s.InstantHist[bucketOf(d.Seconds(), instantSecondsBounds[:])]++
	}
	return nil
}
