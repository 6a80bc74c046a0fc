package postgres

import (
	"context"
	"fmt"

	"github.com/govpulse/govpulse/events"
)

// PublishedPolicy is the event that published a policy: who issued it and
// which event (source, id) it was.
type PublishedPolicy struct {
	Issuer string
	Source string
	ID     string
}

// PublishedPolicies finds the published events of the policies ids in the
// log (through the events_policy_id index), the first one of each.
func (s *EventStore) PublishedPolicies(ctx context.Context, ids []string) (map[string]PublishedPolicy, error) {
	out := make(map[string]PublishedPolicy, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.Pool.Query(ctx, `SELECT DISTINCT ON (1) ((envelope -> 'data') ->> 'policy_id'), department, source, id
		FROM events WHERE type = $1 AND ((envelope -> 'data') ->> 'policy_id') = ANY($2) ORDER BY 1, seq`,
		events.TypePolicyPublished, ids)
	if err != nil {
		return nil, fmt.Errorf("look up policies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var p PublishedPolicy
		if err := rows.Scan(&id, &p.Issuer, &p.Source, &p.ID); err != nil {
			return nil, fmt.Errorf("look up policies: %w", err)
		}
		out[id] = p
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look up policies: %w", err)
	}
	return out, nil
}
