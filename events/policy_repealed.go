package events

import "time"

// TypePolicyRepealed is the type of PolicyRepealed events.
const TypePolicyRepealed = "govpulse.policy.repealed.v1"

// PolicyRepealed says a policy was repealed (废止) on RepealedAt, possibly
// superseded by another policy.
type PolicyRepealed struct {
	PolicyID     string `json:"policy_id"`
	Issuer       string `json:"issuer"`
	RepealedAt   string `json:"repealed_at"` // YYYY-MM-DD, no longer in force from that day
	Reason       string `json:"reason"`
	SupersededBy string `json:"superseded_by,omitempty"`
}

// EventType returns TypePolicyRepealed.
func (PolicyRepealed) EventType() string { return TypePolicyRepealed }

// Department returns the issuer.
func (p PolicyRepealed) Department() string { return p.Issuer }

// OccurredAt returns the start of RepealedAt in China time.
func (p PolicyRepealed) OccurredAt() time.Time { return dayStart(p.RepealedAt) }

// PolicyRef returns the repealed policy.
func (p PolicyRepealed) PolicyRef() (string, bool) { return p.PolicyID, false }

// SupersededRef returns the successor policy, "" when none.
func (p PolicyRepealed) SupersededRef() string { return p.SupersededBy }

func decodePolicyRepealed(r *fieldReader) Event {
	var p PolicyRepealed
	p.PolicyID = r.PolicyID("policy_id", true)
	p.Issuer = r.Code("issuer", "department", r.catalog.HasDepartment)
	p.RepealedAt = r.Date("repealed_at", true)
	p.Reason = r.Text("reason", maxPolicyTextLen)
	p.SupersededBy = r.PolicyID("superseded_by", false)
	if p.SupersededBy != "" && p.SupersededBy == p.PolicyID {
		r.fail("superseded_by", "names the repealed policy itself")
	}
	return p
}
