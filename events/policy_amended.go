package events

import (
	"strings"
	"time"
)

// TypePolicyAmended is the type of PolicyAmended events.
const TypePolicyAmended = "govpulse.policy.amended.v1"

// PolicyAmended says a policy was amended by another document: the fields
// it changes (Fields, in contract order) with their new values in New;
// the earlier version stays readable.
type PolicyAmended struct {
	PolicyChange
	DocNumber string        `json:"doc_number"` // of the amending document
	Reason    string        `json:"reason"`
	Fields    []string      `json:"-"` // the content fields sent
	New       PolicyContent `json:"-"`
}

// EventType returns TypePolicyAmended.
func (PolicyAmended) EventType() string { return TypePolicyAmended }

// OccurredAt is zero: the envelope's time says when the amendment was made.
func (PolicyAmended) OccurredAt() time.Time { return time.Time{} }

func decodePolicyAmended(r *fieldReader) Event {
	p := PolicyAmended{PolicyChange: readPolicyChange(r)}
	p.DocNumber = r.String("doc_number", maxDocNumberLen)
	p.Reason = r.Text("reason", maxPolicyTextLen)
	for _, f := range PolicyContentFields {
		if r.has(f) {
			p.Fields = append(p.Fields, f)
		}
	}
	p.New = readPolicyContent(r, false)
	if len(p.Fields) == 0 {
		r.problems = append(r.problems, fieldProblem{"data", "an amendment must change at least one of: " + strings.Join(PolicyContentFields, ", ")})
	}
	return p
}
