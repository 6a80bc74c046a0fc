package read

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// PortalViews reads the portal's view counts (the portal_views read model).
type PortalViews struct {
	Pool *pgxpool.Pool
}

// PolicyViews returns the views of the most viewed policies, at most
// limit of them, over the whole log.
func (v PortalViews) PolicyViews(ctx context.Context, limit int) (map[string]int64, error) {
	rows, err := v.Pool.Query(ctx, `SELECT policy_id, sum(views)::bigint FROM portal_views
		GROUP BY policy_id ORDER BY sum(views) DESC, policy_id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("read portal views: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("read portal views: %w", err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read portal views: %w", err)
	}
	return out, nil
}
