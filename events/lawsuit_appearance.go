package events

import (
	"fmt"
	"time"
)

// TypeLawsuitAppearance is the type of LawsuitAppearance events.
const TypeLawsuitAppearance = "govpulse.lawsuit.appearance.v1"

// LawsuitAppearance says a hearing of an administrative lawsuit against an
// agency took place, and who appeared in court for the agency.
//
// HeadAppeared means the agency's responsible person (负责人) appeared, and
// that includes deputy heads, so it must be true exactly when AppearedRole
// is "head" or "deputy_head"; any other combination is rejected as a
// contradiction.
type LawsuitAppearance struct {
	CaseNumber   string    `json:"case_number"`
	Agency       string    `json:"agency"`
	Court        string    `json:"court"`
	HearingAt    time.Time `json:"hearing_at"`
	HeadAppeared bool      `json:"head_appeared"`
	AppearedRole string    `json:"appeared_role"`
}

// EventType returns TypeLawsuitAppearance.
func (LawsuitAppearance) EventType() string { return TypeLawsuitAppearance }

// Department returns the sued agency's code, which is a department code.
func (l LawsuitAppearance) Department() string { return l.Agency }

// OccurredAt returns HearingAt.
func (l LawsuitAppearance) OccurredAt() time.Time { return l.HearingAt }

// decodeLawsuitAppearance reads and checks a LawsuitAppearance payload.
func decodeLawsuitAppearance(r *fieldReader) Event {
	var l LawsuitAppearance
	l.CaseNumber = r.String("case_number", 100)
	l.Agency = r.Code("agency", "agency", r.catalog.HasAgency)
	l.Court = r.Code("court", "court", r.catalog.HasCourt)
	l.HearingAt, _, _ = r.Time("hearing_at")
	l.HeadAppeared = r.Bool("head_appeared")
	l.AppearedRole = r.Enum(AppearedRole)

	if l.AppearedRole != "" && !r.failed("head_appeared") {
		headRole := l.AppearedRole == RoleHead || l.AppearedRole == RoleDeputyHead
		if l.HeadAppeared != headRole {
			r.fail("appeared_role", fmt.Sprintf("is %q but head_appeared is %t; head_appeared is true exactly when the head or a deputy head (负责人) appeared, i.e. appeared_role is head or deputy_head",
				l.AppearedRole, l.HeadAppeared))
		}
	}
	return l
}
