package projections

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal"
	"github.com/govpulse/govpulse/portal/search"
)

// policyTypes are the event types the policies read model folds.
var policyTypes = []string{events.TypePolicyPublished, events.TypePolicyInterpreted,
	events.TypePolicyAmended, events.TypePolicyExtended, events.TypePolicyRepealed}

// policyVersion is one version with the policy as it read then.
type policyVersion struct {
	portal.Version
	policy portal.Policy
}

// policyState is one policy folded from all its events.
type policyState struct {
	id       string
	issuer   string
	versions []policyVersion
	interps  []portal.Interpretation
	repeal   *portal.Repeal
	docKeys  []string
	lastSeq  int64
}

func (s *policyState) current() portal.Policy { return s.versions[len(s.versions)-1].policy }

// decodedPolicyEvent is a stored policy event read with the strict reading.
type decodedPolicyEvent struct {
	seq int64
	at  time.Time
	ev  events.PolicyEvent
}

// decodePolicyEvent reads a stored policy event (events.DecodeRecorded:
// a row this version's strict reading accepted is not checked again); a
// *events.StoredEventError when the strict reading refuses it.
func decodePolicyEvent(e events.Recorded) (decodedPolicyEvent, error) {
	ev, err := events.DecodeRecorded(e.Type, e.Reading, e.Envelope)
	if err != nil {
		return decodedPolicyEvent{}, err
	}
	pe, ok := ev.(events.PolicyEvent)
	if !ok {
		return decodedPolicyEvent{}, fmt.Errorf("event %d: %s is not a policy event", e.Seq, e.Type)
	}
	return decodedPolicyEvent{seq: e.Seq, at: e.OccurredAt, ev: pe}, nil
}

// foldPolicy folds the events of one policy, in any order: the first
// published event (by log position) makes version 1, the others follow
// by their time, then log position, so a late upload lands where it
// belongs. It returns nil when the policy was never published (its
// events wait for it; ingest refuses that, but a log is a log).
func foldPolicy(evs []decodedPolicyEvent) *policyState {
	slices.SortFunc(evs, func(a, b decodedPolicyEvent) int { return cmp.Compare(a.seq, b.seq) })
	pub := slices.IndexFunc(evs, func(e decodedPolicyEvent) bool { _, p := e.ev.PolicyRef(); return p })
	if pub < 0 {
		return nil
	}
	first := evs[pub].ev.(events.PolicyPublished)
	rest := make([]decodedPolicyEvent, 0, len(evs)-1)
	for i, e := range evs {
		if i == pub {
			continue
		}
		if _, p := e.ev.PolicyRef(); p {
			continue // published again (a race at ingest): the first one counts
		}
		rest = append(rest, e)
	}
	slices.SortStableFunc(rest, func(a, b decodedPolicyEvent) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	s := &policyState{id: first.PolicyID, issuer: first.Issuer, lastSeq: evs[len(evs)-1].seq}
	p := portal.Policy{ID: first.PolicyID, DocNumber: first.DocNumber, Issuer: first.Issuer,
		PublishedAt: portal.DateOf(evs[pub].at)}
	applyContent(&p, first.PolicyContent, events.PolicyContentFields)
	s.versions = []policyVersion{{portal.Version{N: 1, Kind: portal.KindPublished, At: evs[pub].at, DocNumber: first.DocNumber}, p}}
	s.docKeys = []string{search.DocKey(first.DocNumber)}

	for _, e := range rest {
		prev := s.current()
		next := prev
		v := portal.Version{N: len(s.versions) + 1, At: e.at}
		switch x := e.ev.(type) {
		case events.PolicyAmended:
			applyContent(&next, x.New, x.Fields)
			v.Kind, v.DocNumber, v.Reason = portal.KindAmended, x.DocNumber, x.Reason
		case events.PolicyExtended:
			next.EffectiveTo = date(x.EffectiveTo)
			v.Kind, v.DocNumber = portal.KindExtended, x.DocNumber
		case events.PolicyRepealed:
			s.repeal = &portal.Repeal{At: date(x.RepealedAt), Reason: x.Reason, SupersededBy: x.SupersededBy}
			v.Kind, v.Reason = portal.KindRepealed, x.Reason
		case events.PolicyInterpreted:
			in := portal.Interpretation{ID: x.InterpretationID, Kind: x.Kind, KindLabel: interpretationLabel(x.Kind),
				Title: x.Title, Body: x.Body, By: x.By, At: e.at}
			for _, q := range x.QA {
				in.QA = append(in.QA, portal.QA{Q: q.Q, A: q.A})
			}
			if i := slices.IndexFunc(s.interps, func(o portal.Interpretation) bool { return o.ID == in.ID }); i >= 0 {
				s.interps[i] = in // sent again: replaced
			} else {
				s.interps = append(s.interps, in)
			}
			continue
		}
		v.Changes = portal.Diff(prev, next)
		s.versions = append(s.versions, policyVersion{v, next})
		if v.DocNumber != "" {
			if k := search.DocKey(v.DocNumber); !slices.Contains(s.docKeys, k) {
				s.docKeys = append(s.docKeys, k)
			}
		}
	}
	return s
}

func interpretationLabel(kind string) string {
	for _, k := range events.InterpretationKinds {
		if k.Code == kind {
			return k.Name
		}
	}
	return kind
}

// date reads a validated YYYY-MM-DD ("" is the zero Date).
func date(s string) portal.Date {
	d, _ := portal.ParseDate(s)
	return d
}

// applyContent copies the named content fields of c into p.
func applyContent(p *portal.Policy, c events.PolicyContent, fields []string) {
	for _, f := range fields {
		switch f {
		case "title":
			p.Title = c.Title
		case "document_type":
			p.DocumentType = c.DocumentType
		case "categories":
			p.Categories = slices.Clone(c.Categories)
		case "industries":
			p.Industries = slices.Clone(c.Industries)
		case "enterprise_sizes":
			p.EnterpriseSizes = slices.Clone(c.EnterpriseSizes)
		case "districts":
			p.Districts = slices.Clone(c.Districts)
		case "written_at":
			p.WrittenAt = date(c.WrittenAt)
		case "effective_from":
			p.EffectiveFrom = date(c.EffectiveFrom)
		case "effective_to":
			p.EffectiveTo = date(c.EffectiveTo)
		case "body":
			p.Body = c.Body
		case "criteria":
			p.Criteria = portal.Criteria{Industries: slices.Clone(c.Criteria.Industries), EnterpriseSizes: slices.Clone(c.Criteria.EnterpriseSizes),
				Districts: slices.Clone(c.Criteria.Districts), MinYearsFounded: c.Criteria.MinYearsFounded,
				MaxYearsFounded: c.Criteria.MaxYearsFounded, Qualifications: slices.Clone(c.Criteria.Qualifications)}
		case "conditions":
			p.Conditions = c.Conditions
		case "materials":
			p.Materials = slices.Clone(c.Materials)
		case "support":
			p.Support = c.Support
		case "application_from":
			p.ApplicationFrom = date(c.ApplicationFrom)
		case "application_to":
			p.ApplicationTo = date(c.ApplicationTo)
		case "how_to_apply":
			p.HowToApply = c.HowToApply
		case "contact":
			p.Contact = c.Contact
		default:
			panic("applyContent: unknown field " + f) // PolicyContentFields and this switch disagree
		}
	}
}

// isRefused reports whether err is the strict reading refusing a stored event.
func isRefused(err error) bool {
	var refused *events.StoredEventError
	return errors.As(err, &refused)
}
