package projections

import (
	"math"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
)

// LicenseStats is the license_stats read model: licences issued per day
// (of issued_at in the calendar's zone) × licence type × department ×
// district × holder type, with how many took at most 1 working day from
// application, working days (sum and histogram), steps, electronic
// licences and contract value. Contract values are summed in fen (rounded
// per licence) so that sums are exact in any order. A licence whose dates
// fall in a year the calendar has no data for counts in elapsed_unknown
// instead of the working-day measures.
var LicenseStats = Declare("license_stats", 7_001_102, foldLicense).WithTotals("license_type", "department")

// LicenseKey is the key of a license_stats row.
type LicenseKey struct {
	Day         calendar.Date `col:"day"`
	LicenseType string        `col:"license_type" codes:"license_type"`
	Department  string        `col:"department" codes:"department"`
	District    string        `col:"district" codes:"district"`
	HolderType  string        `col:"holder_type" codes:"holder_type"`
}

// LicenseSums are the measures of a license_stats row.
type LicenseSums struct {
	Issued         int64 `col:"issued"`
	ElapsedUnknown int64 `col:"elapsed_unknown"`
	// Within1 licences were issued at most 1 working day after applying.
	Within1     int64                    `col:"within_1wd"`
	ElapsedSum  int64                    `col:"elapsed_wd_sum"`
	ElapsedHist [WorkingDayBuckets]int64 `col:"elapsed_wd_hist"`
	Steps       int64                    `col:"steps_sum"`
	Electronic  int64                    `col:"electronic"`
	// Contracts licences gave a contract value; ContractValueFen sums it.
	Contracts        int64 `col:"contracts"`
	ContractValueFen int64 `col:"contract_value_fen"`
}

func foldLicense(f *Folding, l events.LicenseIssued, row func(LicenseKey) *LicenseSums) error {
	s := row(LicenseKey{f.Day(l.IssuedAt), l.LicenseType, l.DepartmentCode, l.District, l.HolderType})
	s.Issued++
	s.Steps += int64(l.Steps)
	if l.Electronic {
		s.Electronic++
	}
	if l.ContractValueCNY != nil {
		s.Contracts++
		s.ContractValueFen += int64(math.Round(*l.ContractValueCNY * 100))
	}
	days, known, err := f.WorkingDays(l.AppliedAt, l.IssuedAt)
	if err != nil {
		return err
	}
	if !known {
		s.ElapsedUnknown++
		return nil
	}
	s.ElapsedSum += days
	s.ElapsedHist[bucketOf(float64(days), workingDayBounds[:])]++
	if days <= 1 {
		s.Within1++
	}
	return nil
}
