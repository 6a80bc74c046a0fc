package events

import "time"

// TypePolicyExtended is the type of PolicyExtended events.
const TypePolicyExtended = "govpulse.policy.extended.v1"

// PolicyExtended says a policy's validity was extended to EffectiveTo by
// the document DocNumber.
type PolicyExtended struct {
	PolicyChange
	EffectiveTo string `json:"effective_to"`
	DocNumber   string `json:"doc_number"`
}

// EventType returns TypePolicyExtended.
func (PolicyExtended) EventType() string { return TypePolicyExtended }

// OccurredAt is zero: the envelope's time says when.
func (PolicyExtended) OccurredAt() time.Time { return time.Time{} }

func decodePolicyExtended(r *fieldReader) Event {
	p := PolicyExtended{PolicyChange: readPolicyChange(r)}
	p.EffectiveTo = r.Date("effective_to", true)
	p.DocNumber = r.String("doc_number", maxDocNumberLen)
	return p
}
