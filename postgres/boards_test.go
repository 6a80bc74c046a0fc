package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
)

// boardsMigration is the migration that creates the boards' schema, views
// and role.
const boardsMigration = "040_boards.sql"

// asBoardsRole opens a connection to url that acts as the boards' role
// (SET ROLE: the server checks every privilege as that role), closed when
// the test ends.
func asBoardsRole(t *testing.T, url, role string) *pgx.Conn {
	t.Helper()
	conn := pgtest.Connect(t, url)
	if _, err := conn.Exec(context.Background(), "SET ROLE "+pgx.Identifier{role}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	return conn
}

func isInsufficientPrivilege(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42501"
}

// The boards' role reads every view of the boards schema, including one a
// later migration adds, and no table of the public schema: not the event
// log, not the outbox or poison queue, not the read models themselves.
func TestBoardsRoleReadsOnlyTheBoardsViews(t *testing.T) {
	url := pgtest.NewDatabase(t)
	pool, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := postgres.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	var canLogin, super bool
	if err := pool.QueryRow(context.Background(), `SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = $1`, postgres.BoardsRole).Scan(&canLogin, &super); err != nil {
		t.Fatalf("role %s: %v", postgres.BoardsRole, err)
	}
	if super {
		t.Fatalf("%s is a superuser", postgres.BoardsRole)
	}
	views := pgtest.Strings(t, pool, `SELECT table_name FROM information_schema.views WHERE table_schema = $1 ORDER BY 1`, postgres.BoardsSchema)
	for _, want := range []string{"case_stats", "lawsuit_stats", "license_stats", "target_status", "target_status_history"} {
		if !slices.Contains(views, want) {
			t.Errorf("no view %s.%s (views: %v)", postgres.BoardsSchema, want, views)
		}
	}
	// A view a later migration adds is readable without a grant of its own.
	if _, err := pool.Exec(context.Background(), `CREATE VIEW boards.later_view AS SELECT department, events FROM ingest_department_last`); err != nil {
		t.Fatal(err)
	}
	views = append(views, "later_view")
	tables := pgtest.Strings(t, pool, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
	for _, want := range []string{"events", "consumer_batches", "poison_messages", "case_stats", "schema_migrations"} {
		if !slices.Contains(tables, want) {
			t.Fatalf("no table %s among %v: the check below would prove nothing", want, tables)
		}
	}

	conn := asBoardsRole(t, url, postgres.BoardsRole)
	ctx := context.Background()
	for _, v := range views {
		var n int64
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{postgres.BoardsSchema, v}.Sanitize()).Scan(&n); err != nil {
			t.Errorf("%s cannot read %s.%s: %v", postgres.BoardsRole, postgres.BoardsSchema, v, err)
		}
	}
	for _, table := range tables {
		_, err := conn.Exec(ctx, `SELECT 1 FROM `+pgx.Identifier{"public", table}.Sanitize()+` LIMIT 1`)
		if !isInsufficientPrivilege(err) {
			t.Errorf("%s reading public.%s: err = %v, want permission denied", postgres.BoardsRole, table, err)
		}
	}
	// Nor may it change anything, even through the views.
	if _, err := conn.Exec(ctx, `DELETE FROM boards.target_status`); !isInsufficientPrivilege(err) {
		t.Errorf("%s deleting through boards.target_status: err = %v, want permission denied", postgres.BoardsRole, err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE boards.mine (x int)`); !isInsufficientPrivilege(err) {
		t.Errorf("%s creating a table in boards: err = %v, want permission denied", postgres.BoardsRole, err)
	}
}

// The migration runs again without error (the role and views exist), and
// many databases of one cluster can run it at the same time although the
// role they create is shared. The test uses a role of its own, so as not
// to depend on whether govpulse_boards exists already.
func TestBoardsMigrationIsIdempotentAcrossDatabases(t *testing.T) {
	sql, err := os.ReadFile(filepath.Join("migrations", boardsMigration))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sql), postgres.BoardsRole) || !strings.Contains(string(sql), postgres.BoardsSchema+".case_stats") {
		t.Fatalf("%s does not name %s and %s.case_stats", boardsMigration, postgres.BoardsRole, postgres.BoardsSchema)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	role := "govpulse_boards_test_" + hex.EncodeToString(b)
	migration := strings.ReplaceAll(string(sql), postgres.BoardsRole, role)

	// Registered first, so it runs after the databases are dropped (a role
	// with grants in a database cannot be dropped).
	pgtest.DropRoleAtEnd(t, role)

	const databases = 4
	pools := make([]*pgx.Conn, databases)
	for i := range pools {
		url := pgtest.NewDatabase(t)
		pool, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		// The migrations before 040, which create the read-model tables.
		if _, err := postgres.Migrate(context.Background(), pool); err != nil {
			t.Fatal(err)
		}
		pool.Close()
		if pools[i], err = pgx.Connect(context.Background(), url); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pools[i].Close(context.Background()) })
	}
	// All at once, each in a transaction as Migrate runs it.
	var wg sync.WaitGroup
	errs := make([]error, databases)
	start := make(chan struct{})
	for i, c := range pools {
		wg.Go(func() {
			<-start
			errs[i] = pgx.BeginFunc(context.Background(), c, func(tx pgx.Tx) error {
				_, err := tx.Exec(context.Background(), migration)
				return err
			})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("database %d: %s with a role created concurrently: %v", i, boardsMigration, err)
		}
	}
	// Once more on the first: nothing to create, nothing fails.
	if _, err := pools[0].Exec(context.Background(), migration); err != nil {
		t.Errorf("%s applied twice: %v", boardsMigration, err)
	}
	var n int
	if err := pools[0].QueryRow(context.Background(), `SELECT count(*) FROM pg_roles WHERE rolname = $1`, role).Scan(&n); err != nil || n != 1 {
		t.Fatalf("role %s: %d rows (%v), want 1", role, n, err)
	}
	for i, c := range pools {
		var ok bool
		if err := c.QueryRow(context.Background(), `SELECT has_table_privilege($1, 'boards.case_stats', 'SELECT') AND NOT has_table_privilege($1, 'public.events', 'SELECT')`, role).Scan(&ok); err != nil || !ok {
			t.Errorf("database %d: %s may not read boards.case_stats, or may read events (%v)", i, role, err)
		}
	}
}
