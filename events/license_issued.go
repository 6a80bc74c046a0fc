package events

import (
	"fmt"
	"time"
)

// TypeLicenseIssued is the type of LicenseIssued events.
const TypeLicenseIssued = "govpulse.license.issued.v1"

// maxContractValueCNY bounds contract_value_cny (10 trillion yuan), far
// above any single project, so unit mistakes (fen for yuan) stand out.
const maxContractValueCNY = 1e13

// LicenseIssued says a licence or permit was issued: which type, to what
// kind of holder, by which department, how long and how many steps it took.
// ContractValueCNY is the project's contract value for construction permits,
// nil when not sent.
type LicenseIssued struct {
	LicenseID        string    `json:"license_id"`
	LicenseType      string    `json:"license_type"`
	HolderType       string    `json:"holder_type"`
	DepartmentCode   string    `json:"department"`
	District         string    `json:"district"`
	AppliedAt        time.Time `json:"applied_at"`
	IssuedAt         time.Time `json:"issued_at"`
	Steps            int       `json:"steps"`
	Electronic       bool      `json:"electronic"`
	ContractValueCNY *float64  `json:"contract_value_cny,omitempty"`
}

// EventType returns TypeLicenseIssued.
func (LicenseIssued) EventType() string { return TypeLicenseIssued }

// Department returns the issuing department's catalogue code.
func (l LicenseIssued) Department() string { return l.DepartmentCode }

// OccurredAt returns IssuedAt.
func (l LicenseIssued) OccurredAt() time.Time { return l.IssuedAt }

// decodeLicenseIssued reads and checks a LicenseIssued payload.
func decodeLicenseIssued(r *fieldReader) Event {
	var l LicenseIssued
	l.LicenseID = r.String("license_id", maxStringLen)
	l.LicenseType = r.Code("license_type", "licence type", r.catalog.HasLicenseType)
	l.HolderType = r.Enum(HolderType)
	l.DepartmentCode = r.Code("department", "department", r.catalog.HasDepartment)
	l.District = r.Code("district", "district", r.catalog.HasDistrict)
	applied, appliedRaw, okApplied := r.Time("applied_at")
	issued, issuedRaw, okIssued := r.Time("issued_at")
	l.AppliedAt, l.IssuedAt = applied, issued
	l.Steps = r.Int("steps", 1, 50)
	l.Electronic = r.Bool("electronic")
	l.ContractValueCNY = r.OptionalNumber("contract_value_cny", 0, maxContractValueCNY)

	if okApplied && okIssued && issued.Before(applied) {
		r.fail("issued_at", fmt.Sprintf("issued_at (%s) is before applied_at (%s)", issuedRaw, appliedRaw))
	}
	return l
}
