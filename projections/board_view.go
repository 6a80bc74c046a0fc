package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/postgres"
)

// repointBoardView is the rebuild swap's step for Grafana's boards: the
// view boards.<live> (migration 040) reads the live table by its identity,
// not its name, so before the live table is dropped and fresh renamed in
// its place the view is pointed at fresh. After the rename it reads the
// new live table under the live name, with its grants unchanged. A read
// model without a boards view is left alone. Runs inside the swap's
// transaction: a reader sees the old table or the new one, never neither.
func repointBoardView(ctx context.Context, tx pgx.Tx, live, fresh string) error {
	view := pgx.Identifier{postgres.BoardsSchema, live}.Sanitize()
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, view).Scan(&exists); err != nil {
		return fmt.Errorf("look up view %s: %w", view, err)
	}
	if !exists {
		return nil
	}
	if _, err := tx.Exec(ctx, fmt.Sprintf(`CREATE OR REPLACE VIEW %s AS SELECT * FROM %s`, view, pgx.Identifier{fresh}.Sanitize())); err != nil {
		return fmt.Errorf("point view %s at %s: %w", view, fresh, err)
	}
	return nil
}
