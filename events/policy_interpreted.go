package events

import "time"

// TypePolicyInterpreted is the type of PolicyInterpreted events.
const TypePolicyInterpreted = "govpulse.policy.interpreted.v1"

// PolicyQA is one question of a Q&A interpretation.
type PolicyQA struct {
	Q string `json:"q"`
	A string `json:"a"`
}

// PolicyInterpreted is an official interpretation of a policy: a 政策解读
// (official), a 图解 (graphic) or a 问答 (qa). Sending the same
// interpretation_id again replaces it.
type PolicyInterpreted struct {
	PolicyChange
	InterpretationID string     `json:"interpretation_id"`
	Kind             string     `json:"kind"`
	Title            string     `json:"title"`
	Body             string     `json:"body,omitempty"`
	QA               []PolicyQA `json:"qa,omitempty"`
	By               string     `json:"by"`
}

// InterpretationKinds are the kinds of interpretation with their labels;
// InterpretationKind, the field's Enum, derives from it.
var InterpretationKinds = []CodeName{{Code: "official", Name: "政策解读"}, {Code: "graphic", Name: "图解"}, {Code: "qa", Name: "问答"}}

// InterpretationKind is PolicyInterpreted.Kind.
var InterpretationKind = Enum{"kind", func() []string {
	var codes []string
	for _, k := range InterpretationKinds {
		codes = append(codes, k.Code)
	}
	return codes
}()}

// EventType returns TypePolicyInterpreted.
func (PolicyInterpreted) EventType() string { return TypePolicyInterpreted }

// OccurredAt is zero: the envelope's time says when.
func (PolicyInterpreted) OccurredAt() time.Time { return time.Time{} }

func decodePolicyInterpreted(r *fieldReader) Event {
	p := PolicyInterpreted{PolicyChange: readPolicyChange(r)}
	p.InterpretationID = r.PolicyID("interpretation_id", true)
	p.Kind = r.Enum(InterpretationKind)
	p.Title = r.String("title", maxTitleLen)
	p.Body = r.OptionalText("body", maxPolicyBodyLen)
	for _, q := range r.Objects("qa", false, 200) {
		p.QA = append(p.QA, PolicyQA{Q: q.Text("q", maxPolicyTextLen), A: q.Text("a", maxPolicyTextLen)})
		q.finish()
	}
	p.By = r.String("by", maxStringLen)
	if p.Kind == "qa" && len(p.QA) == 0 && !r.failed("qa") {
		r.fail("qa", "is required for kind qa: a list of {\"q\": ..., \"a\": ...}")
	}
	if p.Kind != "qa" && p.Body == "" && !r.failed("body") {
		r.fail("body", "is required for kind "+p.Kind)
	}
	return p
}
