package projections_test

import (
	"context"
	"strings"
	"testing"

	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// TestDeclarationsMatchTheMigrations: every read model's declaration
// agrees with the table the migrations make, and a table that drifted
// from its declaration is named with the column.
func TestDeclarationsMatchTheMigrations(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	models := projections.ReadModels(testCalendar(t), quietLogger())
	if err := projections.CheckTables(ctx, pool, models); err != nil {
		t.Fatal(err)
	}
	// The boards' view of the table would keep its columns from changing.
	if _, err := pool.Exec(ctx, `DROP VIEW `+postgres.BoardsSchema+`.case_stats`); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct{ sql, want string }{
		{`ALTER TABLE case_stats ADD COLUMN extra bigint NOT NULL DEFAULT 0`, "column extra is not declared"},
		{`ALTER TABLE case_stats DROP COLUMN extra, DROP COLUMN overdue`, "column overdue (bigint) is declared but missing"},
		{`ALTER TABLE case_stats ADD COLUMN overdue text NOT NULL DEFAULT ''`, "column overdue is text, declared bigint"},
		{`ALTER TABLE case_stats DROP COLUMN overdue, ADD COLUMN overdue bigint`, "column overdue must be NOT NULL"},
		{`ALTER TABLE case_stats ALTER COLUMN overdue SET NOT NULL, DROP CONSTRAINT case_stats_pkey, ADD PRIMARY KEY (day, department)`,
			"primary key is (day, department), declared (day, department, district, channel, mode, item)"},
	} {
		if _, err := pool.Exec(ctx, step.sql); err != nil {
			t.Fatal(err)
		}
		err := projections.CheckTables(ctx, pool, models)
		if err == nil || !strings.Contains(err.Error(), "read model case_stats") || !strings.Contains(err.Error(), step.want) {
			t.Errorf("after %s: got %v, want an error on case_stats saying %q", step.sql, err, step.want)
		}
	}
}
