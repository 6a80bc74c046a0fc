package api

import (
	"strconv"
	"time"

	"github.com/govpulse/govpulse/portal"
)

// The policy page is the API's most asked answer: a whole policy with
// its body, versions, interpretations and related cards. appendPolicyView
// writes it without reflection, byte for byte as encoding/json writes a
// portal.PolicyView (TestAppendPolicyViewIsEncodingJSON holds it to
// that, as for appendMatch); a field added to those structs must be
// added here too.

// policyViewAppendable reports whether appendPolicyView writes v as
// encoding/json does: its times are ones that time.Time.MarshalJSON
// encodes (it refuses years outside 0..9999, and then so does the
// answer, which jsonhttp.Write gives).
func policyViewAppendable(v *portal.PolicyView) bool {
	for i := range v.Versions {
		if !jsonTime(v.Versions[i].At) {
			return false
		}
	}
	for i := range v.Interpretations {
		if !jsonTime(v.Interpretations[i].At) {
			return false
		}
	}
	return true
}

func jsonTime(t time.Time) bool {
	_, off := t.Zone()
	return t.Year() >= 0 && t.Year() <= 9999 && off > -24*3600 && off < 24*3600
}

// appendTime writes t as its MarshalJSON does (for jsonTime's times).
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

func appendPolicyView(b []byte, v *portal.PolicyView) []byte {
	b = append(b, `{"policy":`...)
	b = appendPolicy(b, &v.Policy)
	b = append(b, `,"names":`...)
	b = appendNames(b, &v.Names)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(v.Version), 10)
	b = append(b, `,"current":`...)
	b = strconv.AppendInt(b, int64(v.Current), 10)
	b = append(b, `,"on":`...)
	b = appendDate(b, v.On)
	b = append(b, `,"validity":`...)
	b = str(b, string(v.Validity))
	b = append(b, `,"validity_label":`...)
	b = str(b, v.ValidityLabel)
	if v.Repeal != nil {
		b = append(b, `,"repeal":`...)
		b = appendRepeal(b, v.Repeal)
	}
	b = append(b, `,"versions":`...)
	b = appendList(b, v.Versions, appendVersion)
	b = append(b, `,"interpretations":`...)
	b = appendList(b, v.Interpretations, appendInterpretation)
	b = append(b, `,"related":`...)
	b = appendList(b, v.Related, func(b []byte, s *portal.PolicySummary) []byte {
		b = append(b, '{')
		b = appendSummaryFields(b, s)
		return append(b, '}')
	})
	return append(b, '}')
}

func appendPolicy(b []byte, p *portal.Policy) []byte {
	b = append(b, `{"policy_id":`...)
	b = str(b, p.ID)
	b = append(b, `,"doc_number":`...)
	b = str(b, p.DocNumber)
	b = append(b, `,"title":`...)
	b = str(b, p.Title)
	b = append(b, `,"issuer":`...)
	b = str(b, p.Issuer)
	b = append(b, `,"document_type":`...)
	b = str(b, p.DocumentType)
	b = append(b, `,"categories":`...)
	b = appendStrings(b, p.Categories)
	b = append(b, `,"industries":`...)
	b = appendStrings(b, p.Industries)
	b = append(b, `,"enterprise_sizes":`...)
	b = appendStrings(b, p.EnterpriseSizes)
	b = append(b, `,"districts":`...)
	b = appendStrings(b, p.Districts)
	b = append(b, `,"written_at":`...)
	b = appendDate(b, p.WrittenAt)
	b = append(b, `,"published_at":`...)
	b = appendDate(b, p.PublishedAt)
	b = append(b, `,"effective_from":`...)
	b = appendDate(b, p.EffectiveFrom)
	b = append(b, `,"effective_to":`...)
	b = appendDate(b, p.EffectiveTo)
	b = append(b, `,"body":`...)
	b = str(b, p.Body)
	b = append(b, `,"criteria":`...)
	b = appendPolicyCriteria(b, &p.Criteria)
	b = append(b, `,"conditions":`...)
	b = str(b, p.Conditions)
	b = append(b, `,"materials":`...)
	b = appendStrings(b, p.Materials)
	b = append(b, `,"support":`...)
	b = str(b, p.Support)
	b = append(b, `,"application_from":`...)
	b = appendDate(b, p.ApplicationFrom)
	b = append(b, `,"application_to":`...)
	b = appendDate(b, p.ApplicationTo)
	b = append(b, `,"how_to_apply":`...)
	b = str(b, p.HowToApply)
	b = append(b, `,"contact":`...)
	b = str(b, p.Contact)
	return append(b, '}')
}

// appendPolicyCriteria writes a policy's criteria; every field is
// omitempty.
func appendPolicyCriteria(b []byte, c *portal.Criteria) []byte {
	b = append(b, '{')
	first := true
	field := func(name string) { b = appendField(b, &first, name) }
	list := func(name string, ss []string) {
		if len(ss) > 0 {
			field(name)
			b = appendStrings(b, ss)
		}
	}
	list(`"industries":`, c.Industries)
	list(`"enterprise_sizes":`, c.EnterpriseSizes)
	list(`"districts":`, c.Districts)
	if c.MinYearsFounded != nil {
		field(`"min_years_founded":`)
		b = strconv.AppendInt(b, int64(*c.MinYearsFounded), 10)
	}
	if c.MaxYearsFounded != nil {
		field(`"max_years_founded":`)
		b = strconv.AppendInt(b, int64(*c.MaxYearsFounded), 10)
	}
	list(`"qualifications":`, c.Qualifications)
	return append(b, '}')
}

func appendNames(b []byte, n *portal.Names) []byte {
	b = append(b, `{"issuer":`...)
	b = str(b, n.Issuer)
	b = append(b, `,"document_type":`...)
	b = str(b, n.DocumentType)
	b = append(b, `,"categories":`...)
	b = appendStrings(b, n.Categories)
	b = append(b, `,"industries":`...)
	b = appendStrings(b, n.Industries)
	b = append(b, `,"enterprise_sizes":`...)
	b = appendStrings(b, n.EnterpriseSizes)
	b = append(b, `,"districts":`...)
	b = appendStrings(b, n.Districts)
	return append(b, '}')
}

func appendRepeal(b []byte, r *portal.Repeal) []byte {
	b = append(b, `{"repealed_at":`...)
	b = appendDate(b, r.At)
	b = append(b, `,"reason":`...)
	b = str(b, r.Reason)
	if r.SupersededBy != "" {
		b = append(b, `,"superseded_by":`...)
		b = str(b, r.SupersededBy)
	}
	if r.SupersededByTitle != "" {
		b = append(b, `,"superseded_by_title":`...)
		b = str(b, r.SupersededByTitle)
	}
	return append(b, '}')
}

func appendVersion(b []byte, v *portal.Version) []byte {
	b = append(b, `{"n":`...)
	b = strconv.AppendInt(b, int64(v.N), 10)
	b = append(b, `,"kind":`...)
	b = str(b, string(v.Kind))
	b = append(b, `,"at":`...)
	b = appendTime(b, v.At)
	b = append(b, `,"doc_number":`...)
	b = str(b, v.DocNumber)
	if v.Reason != "" {
		b = append(b, `,"reason":`...)
		b = str(b, v.Reason)
	}
	if len(v.Changes) > 0 {
		b = append(b, `,"changes":`...)
		b = appendList(b, v.Changes, appendChange)
	}
	return append(b, '}')
}

func appendChange(b []byte, c *portal.Change) []byte {
	b = append(b, `{"field":`...)
	b = str(b, c.Field)
	b = append(b, `,"label":`...)
	b = str(b, c.Label)
	b = append(b, `,"old":`...)
	b = str(b, c.Old)
	b = append(b, `,"new":`...)
	b = str(b, c.New)
	if len(c.Paragraphs) > 0 {
		b = append(b, `,"paragraphs":`...)
		b = appendList(b, c.Paragraphs, func(b []byte, p *portal.ParagraphDiff) []byte {
			b = append(b, `{"op":`...)
			b = str(b, string(p.Op))
			b = append(b, `,"text":`...)
			b = str(b, p.Text)
			return append(b, '}')
		})
	}
	return append(b, '}')
}

func appendInterpretation(b []byte, in *portal.Interpretation) []byte {
	b = append(b, `{"interpretation_id":`...)
	b = str(b, in.ID)
	b = append(b, `,"kind":`...)
	b = str(b, in.Kind)
	b = append(b, `,"kind_label":`...)
	b = str(b, in.KindLabel)
	b = append(b, `,"title":`...)
	b = str(b, in.Title)
	b = append(b, `,"body":`...)
	b = str(b, in.Body)
	if len(in.QA) > 0 {
		b = append(b, `,"qa":`...)
		b = appendList(b, in.QA, func(b []byte, q *portal.QA) []byte {
			b = append(b, `{"q":`...)
			b = str(b, q.Q)
			b = append(b, `,"a":`...)
			b = str(b, q.A)
			return append(b, '}')
		})
	}
	b = append(b, `,"by":`...)
	b = str(b, in.By)
	b = append(b, `,"at":`...)
	b = appendTime(b, in.At)
	return append(b, '}')
}
