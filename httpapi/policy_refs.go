package httpapi

import (
	"context"
	"fmt"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
)

// PolicyLog finds the publications of policies in the log:
// *postgres.EventStore. Ingest needs it of its EventLog when a request
// holds policy events.
type PolicyLog interface {
	PublishedPolicies(ctx context.Context, ids []string) (map[string]postgres.PublishedPolicy, error)
}

// checkPolicyRefs lists the policy events of a validated request that
// refer to a policy the log does not hold: an amendment, extension,
// interpretation or repeal of a policy_id (or a superseded_by) that is
// neither in the log nor published earlier in the request, a policy
// published twice, or a follow-up sent for another issuer than the
// policy's.
func checkPolicyRefs(ctx context.Context, log EventLog, envs []events.Envelope, evs []events.Event) ([]events.Problem, error) {
	var ids []string
	for _, ev := range evs {
		if pe, ok := ev.(events.PolicyEvent); ok {
			id, _ := pe.PolicyRef()
			ids = append(ids, id)
			if r, ok := ev.(events.PolicyRepealed); ok && r.SupersededBy != "" {
				ids = append(ids, r.SupersededBy)
			}
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	store, ok := log.(PolicyLog)
	if !ok {
		return nil, fmt.Errorf("ingest: the event log %T cannot look up policies", log)
	}
	logged, err := store.PublishedPolicies(ctx, ids)
	if err != nil {
		return nil, err
	}
	type published struct {
		issuer string
		index  int
	}
	inRequest := map[string]published{}
	var ps []events.Problem
	fail := func(i int, field, reason string) {
		ps = append(ps, events.Problem{Index: i, ID: envs[i].ID, Field: field, Reason: reason})
	}
	issuerOf := func(id string) (string, bool) {
		if p, ok := logged[id]; ok {
			return p.Issuer, true
		}
		p, ok := inRequest[id]
		return p.issuer, ok
	}
	for i, ev := range evs {
		pe, ok := ev.(events.PolicyEvent)
		if !ok {
			continue
		}
		id, publishes := pe.PolicyRef()
		if publishes {
			if p, ok := logged[id]; ok && (p.Source != envs[i].Source || p.ID != envs[i].ID) {
				fail(i, "data.policy_id", fmt.Sprintf("policy %q is already published (event %s of source %s); send %s to change it", id, p.ID, p.Source, events.TypePolicyAmended))
				continue
			}
			if p, ok := inRequest[id]; ok {
				fail(i, "data.policy_id", fmt.Sprintf("policy %q is published by event %d of this request already", id, p.index))
				continue
			}
			inRequest[id] = published{pe.Department(), i}
			continue
		}
		issuer, known := issuerOf(id)
		switch {
		case !known:
			fail(i, "data.policy_id", fmt.Sprintf("no policy %q in the log nor published earlier in this request; send its %s first", id, events.TypePolicyPublished))
		case issuer != pe.Department():
			fail(i, "data.issuer", fmt.Sprintf("policy %q was issued by %q; only its issuer may send %s for it", id, issuer, envs[i].Type))
		}
		if r, ok := ev.(events.PolicyRepealed); ok && r.SupersededBy != "" {
			if _, known := issuerOf(r.SupersededBy); !known {
				fail(i, "data.superseded_by", fmt.Sprintf("no policy %q in the log nor published earlier in this request", r.SupersededBy))
			}
		}
	}
	return ps, nil
}
