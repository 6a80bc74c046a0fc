package events

import (
	"slices"
	"strings"
)

// Enum is the closed list of values an event field takes: part of the
// contract with the departments' systems, declared once here and used by
// validation, the read models, the stats API and the targets.
type Enum struct {
	field  string
	values []string
}

// The values the code compares with.
const (
	ModeInstant = "instant"

	ResultApproved  = "approved"
	ResultRejected  = "rejected"
	ResultWithdrawn = "withdrawn"

	RoleHead       = "head"
	RoleDeputyHead = "deputy_head"
	RoleStaff      = "staff"
)

// The enums of the event types' fields.
var (
	// Channel is CaseFinished.Channel: where the case was handled.
	Channel = Enum{"channel", []string{"window", "self_service", "online", "mobile"}}
	// Mode is CaseFinished.Mode (and a catalogue item's mode).
	Mode = Enum{"mode", []string{ModeInstant, "standard", "commitment"}}
	// Result is CaseFinished.Result.
	Result = Enum{"result", []string{ResultApproved, ResultRejected, ResultWithdrawn}}
	// HolderType is LicenseIssued.HolderType.
	HolderType = Enum{"holder_type", []string{"enterprise", "individual_business", "institution", "individual"}}
	// AppearedRole is LawsuitAppearance.AppearedRole.
	AppearedRole = Enum{"appeared_role", []string{RoleHead, RoleDeputyHead, RoleStaff}}
)

// Field is the data field the enum is the type of.
func (e Enum) Field() string { return e.field }

// Values returns the enum's values in order.
func (e Enum) Values() []string { return slices.Clone(e.values) }

// Has reports whether v is one of the enum's values.
func (e Enum) Has(v string) bool { return slices.Contains(e.values, v) }

// Phrase lists the values for a message: "window, self_service, online
// or mobile".
func (e Enum) Phrase() string {
	n := len(e.values)
	if n < 2 {
		return strings.Join(e.values, "")
	}
	return strings.Join(e.values[:n-1], ", ") + " or " + e.values[n-1]
}
