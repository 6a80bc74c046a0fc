package events

import "time"

// TypePolicyRepealed is the type of PolicyRepealed events.
const TypePolicyRepealed = "govpulse.policy.repealed.v1"

// PolicyRepealed says a policy was repealed (废止) on RepealedAt, possibly
// superseded by another policy.
type PolicyRepealed struct {
	PolicyChange
	RepealedAt   string `json:"repealed_at"` // YYYY-MM-DD, no longer in force from that day
	Reason       string `json:"reason"`
	SupersededBy string `json:"superseded_by,omitempty"`
}

// EventType returns TypePolicyRepealed.
func (PolicyRepealed) EventType() string { return TypePolicyRepealed }

// OccurredAt returns the start of RepealedAt in China time.
func (p PolicyRepealed) OccurredAt() time.Time { return dayStart(p.RepealedAt) }

// SupersededRef returns the successor policy, "" when none.
func (p PolicyRepealed) SupersededRef() string { return p.SupersededBy }

func decodePolicyRepealed(r *fieldReader) Event {
	p := PolicyRepealed{PolicyChange: readPolicyChange(r)}
	p.RepealedAt = r.Date("repealed_at", true)
	p.Reason = r.Text("reason", maxPolicyTextLen)
	p.SupersededBy = r.PolicyID("superseded_by", false)
	if p.SupersededBy != "" && p.SupersededBy == p.PolicyID {
		r.fail("superseded_by", "names the repealed policy itself")
	}
	return p
}
