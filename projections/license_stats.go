package projections

import (
	"fmt"
	"log/slog"
	"math"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
)

// NewLicenseStats is the license_stats read model: licences issued per day
// (of issued_at in the calendar's zone) × licence type × department ×
// district × holder type, with how many took at most 1 working day from
// application, working days (sum and histogram), steps, electronic
// licences and contract value. Contract values are summed in fen (rounded
// per licence) so that sums are exact in any order. A licence whose dates
// fall in a year cal has no data for counts in elapsed_unknown instead of
// the working-day measures.
func NewLicenseStats(cal *calendar.Calendar, log *slog.Logger) *Projection {
	return &Projection{
		name:  "license_stats",
		types: []string{events.TypeLicenseIssued},
		spec: tableSpec{columns: []column{
			{name: "day", kind: keyDate},
			{name: "license_type", kind: keyText, codes: listLicenseTypes},
			{name: "department", kind: keyText, codes: listDepartments},
			{name: "district", kind: keyText, codes: listDistricts},
			{name: "holder_type", kind: keyText},
			{name: "issued", kind: sumInt},
			{name: "elapsed_unknown", kind: sumInt},
			{name: "within_1wd", kind: sumInt},
			{name: "elapsed_wd_sum", kind: sumInt},
			{name: "elapsed_wd_hist", kind: sumHist, buckets: workingDayBuckets},
			{name: "steps_sum", kind: sumInt},
			{name: "electronic", kind: sumInt},
			{name: "contracts", kind: sumInt},
			{name: "contract_value_fen", kind: sumInt},
		}},
		newFold:     func() fold { return &licenseFold{cal: cal, m: map[licenseKey]*licenseSums{}} },
		swapLock:    7_001_102,
		rebuildLock: 7_001_202,
		log:         log,
	}
}

type licenseKey struct {
	day                                          calendar.Date
	licenseType, department, district, holderTyp string
}

type licenseSums struct {
	issued, elapsedUnknown, within1, elapsedSum int64
	hist                                        [workingDayBuckets]int64
	steps, electronic, contracts, valueFen      int64
}

func (s *licenseSums) addSums(o *licenseSums) {
	s.issued += o.issued
	s.elapsedUnknown += o.elapsedUnknown
	s.within1 += o.within1
	s.elapsedSum += o.elapsedSum
	for i := range s.hist {
		s.hist[i] += o.hist[i]
	}
	s.steps += o.steps
	s.electronic += o.electronic
	s.contracts += o.contracts
	s.valueFen += o.valueFen
}

type licenseFold struct {
	cal     *calendar.Calendar
	m       map[licenseKey]*licenseSums
	unknown map[int]int64
}

func (f *licenseFold) add(e events.Recorded) error {
	ev, err := events.DecodeStored(e.Type, e.Envelope)
	if err != nil {
		return err
	}
	l, ok := ev.(events.LicenseIssued)
	if !ok {
		return fmt.Errorf("decoded %T, want a LicenseIssued", ev)
	}
	k := licenseKey{f.cal.DateOf(l.IssuedAt), l.LicenseType, l.DepartmentCode, l.District, l.HolderType}
	s := f.m[k]
	if s == nil {
		s = &licenseSums{}
		f.m[k] = s
	}
	s.issued++
	s.steps += int64(l.Steps)
	if l.Electronic {
		s.electronic++
	}
	if l.ContractValueCNY != nil {
		s.contracts++
		s.valueFen += int64(math.Round(*l.ContractValueCNY * 100))
	}
	days, known, missing, err := elapsedWorkingDays(f.cal, l.AppliedAt, l.IssuedAt)
	if err != nil {
		return err
	}
	if !known {
		s.elapsedUnknown++
		if f.unknown == nil {
			f.unknown = map[int]int64{}
		}
		f.unknown[missing]++
		return nil
	}
	s.elapsedSum += int64(days)
	s.hist[bucketOf(float64(days), workingDayBounds[:])]++
	if days <= 1 {
		s.within1++
	}
	return nil
}

func (f *licenseFold) merge(other fold) {
	o := other.(*licenseFold)
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

func (f *licenseFold) rows() [][]any {
	rows := make([][]any, 0, len(f.m))
	for k, s := range f.m {
		rows = append(rows, []any{
			dayValue(k.day), k.licenseType, k.department, k.district, k.holderTyp,
			s.issued, s.elapsedUnknown, s.within1, s.elapsedSum, s.hist[:],
			s.steps, s.electronic, s.contracts, s.valueFen,
		})
	}
	return rows
}

func (f *licenseFold) unknownYears() map[int]int64 { return f.unknown }
