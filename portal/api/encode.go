package api

import (
	"strconv"
	"time"

	"github.com/govpulse/govpulse/internal/jsonhttp"
	"github.com/govpulse/govpulse/portal"
)

// The match answer is the API's hottest: 70 policies with their
// criteria, encoded afresh for every profile. appendMatch writes it
// without reflection, byte for byte as encoding/json writes a
// portal.MatchResult (TestAppendMatchIsEncodingJSON holds it to that);
// a field added to those structs must be added here too, which that
// test catches by comparing with encoding/json.

var str = jsonhttp.AppendString

func appendMatch(b []byte, m *portal.MatchResult) []byte {
	b = append(b, `{"profile":`...)
	b = appendProfile(b, &m.Profile)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, int64(m.Total), 10)
	b = append(b, `,"matches":`...)
	b = appendPolicyMatches(b, m.Matches)
	b = append(b, `,"near_misses":`...)
	b = appendPolicyMatches(b, m.NearMisses)
	return append(b, '}')
}

func appendProfile(b []byte, p *portal.Profile) []byte {
	b = append(b, '{')
	// Every field but on is omitempty.
	first := true
	field := func(name string) { b = appendField(b, &first, name) }
	if p.Industry != "" {
		field(`"industry":`)
		b = str(b, p.Industry)
	}
	if p.Size != "" {
		field(`"size":`)
		b = str(b, p.Size)
	}
	if p.District != "" {
		field(`"district":`)
		b = str(b, p.District)
	}
	if p.Founded != 0 {
		field(`"founded":`)
		b = strconv.AppendInt(b, int64(p.Founded), 10)
	}
	if len(p.Qualifications) > 0 {
		field(`"qualifications":`)
		b = appendStrings(b, p.Qualifications)
	}
	field(`"on":`)
	b = appendDate(b, p.On)
	return append(b, '}')
}

// appendField writes an omitempty field's name: a comma goes before it
// when a field came before (*first false).
func appendField(b []byte, first *bool, name string) []byte {
	if !*first {
		b = append(b, ',')
	}
	*first = false
	return append(b, name...)
}

// appendList writes a slice as encoding/json does: null when nil, else
// the elements that each appends between brackets.
func appendList[T any](b []byte, xs []T, each func([]byte, *T) []byte) []byte {
	if xs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = each(b, &xs[i])
	}
	return append(b, ']')
}

func appendPolicyMatches(b []byte, ms []portal.PolicyMatch) []byte {
	return appendList(b, ms, appendPolicyMatch)
}

func appendPolicyMatch(b []byte, m *portal.PolicyMatch) []byte {
	b = append(b, '{')
	b = appendSummaryFields(b, &m.PolicySummary)
	b = append(b, `,"criteria":`...)
	b = appendCriteria(b, m.Criteria)
	b = append(b, `,"met":`...)
	b = strconv.AppendInt(b, int64(m.Met), 10)
	b = append(b, `,"not_met":`...)
	b = strconv.AppendInt(b, int64(m.NotMet), 10)
	b = append(b, `,"unknown":`...)
	b = strconv.AppendInt(b, int64(m.Unknown), 10)
	return append(b, '}')
}

// appendSummaryFields writes the fields of a PolicySummary, embedded
// (no braces).
func appendSummaryFields(b []byte, s *portal.PolicySummary) []byte {
	b = append(b, `"policy_id":`...)
	b = str(b, s.ID)
	b = append(b, `,"doc_number":`...)
	b = str(b, s.DocNumber)
	b = append(b, `,"title":`...)
	b = str(b, s.Title)
	b = append(b, `,"issuer":`...)
	b = str(b, s.Issuer)
	b = append(b, `,"issuer_name":`...)
	b = str(b, s.IssuerName)
	b = append(b, `,"document_type":`...)
	b = str(b, s.DocumentType)
	b = append(b, `,"document_type_name":`...)
	b = str(b, s.DocumentName)
	b = append(b, `,"categories":`...)
	b = appendStrings(b, s.Categories)
	b = append(b, `,"published_at":`...)
	b = appendDate(b, s.PublishedAt)
	b = append(b, `,"effective_from":`...)
	b = appendDate(b, s.EffectiveFrom)
	b = append(b, `,"effective_to":`...)
	b = appendDate(b, s.EffectiveTo)
	b = append(b, `,"application_from":`...)
	b = appendDate(b, s.ApplicationFrom)
	b = append(b, `,"application_to":`...)
	b = appendDate(b, s.ApplicationTo)
	b = append(b, `,"validity":`...)
	b = str(b, string(s.Validity))
	b = append(b, `,"validity_label":`...)
	b = str(b, s.ValidityLabel)
	b = append(b, `,"versions":`...)
	b = strconv.AppendInt(b, int64(s.Versions), 10)
	b = append(b, `,"views":`...)
	return strconv.AppendInt(b, s.Views, 10)
}

func appendCriteria(b []byte, cs []portal.CriterionResult) []byte {
	return appendList(b, cs, appendCriterion)
}

func appendCriterion(b []byte, c *portal.CriterionResult) []byte {
	b = append(b, `{"criterion":`...)
	b = str(b, c.Criterion)
	b = append(b, `,"label":`...)
	b = str(b, c.Label)
	b = append(b, `,"required":`...)
	b = str(b, c.Required)
	b = append(b, `,"outcome":`...)
	b = str(b, string(c.Outcome))
	if c.Reason != "" {
		b = append(b, `,"reason":`...)
		b = str(b, c.Reason)
	}
	return append(b, '}')
}

func appendStrings(b []byte, ss []string) []byte {
	return appendList(b, ss, func(b []byte, s *string) []byte { return str(b, *s) })
}

// appendDate writes a portal.Date as its MarshalJSON does (digits by
// hand for the years of four digits, the others by AppendFormat).
func appendDate(b []byte, d portal.Date) []byte {
	if d.IsZero() {
		return append(b, "null"...)
	}
	t := d.Time()
	y, m, day := t.Date()
	if y < 1000 || y > 9999 {
		b = append(b, '"')
		b = t.AppendFormat(b, time.DateOnly)
		return append(b, '"')
	}
	return append(b, '"', byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10),
		'-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+day/10), byte('0'+day%10), '"')
}
