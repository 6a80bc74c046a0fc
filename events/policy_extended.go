package events

import "time"

// TypePolicyExtended is the type of PolicyExtended events.
const TypePolicyExtended = "govpulse.policy.extended.v1"

// PolicyExtended says a policy's validity was extended to EffectiveTo by
// the document DocNumber.
type PolicyExtended struct {
	PolicyID    string `json:"policy_id"`
	Issuer      string `json:"issuer"`
	EffectiveTo string `json:"effective_to"`
	DocNumber   string `json:"doc_number"`
}

// EventType returns TypePolicyExtended.
func (PolicyExtended) EventType() string { return TypePolicyExtended }

// Department returns the issuer.
func (p PolicyExtended) Department() string { return p.Issuer }

// OccurredAt is zero: the envelope's time says when.
func (PolicyExtended) OccurredAt() time.Time { return time.Time{} }

// PolicyRef returns the extended policy.
func (p PolicyExtended) PolicyRef() (string, bool) { return p.PolicyID, false }

func decodePolicyExtended(r *fieldReader) Event {
	var p PolicyExtended
	p.PolicyID = r.PolicyID("policy_id", true)
	p.Issuer = r.Code("issuer", "department", r.catalog.HasDepartment)
	p.EffectiveTo = r.Date("effective_to", true)
	p.DocNumber = r.String("doc_number", maxDocNumberLen)
	return p
}
