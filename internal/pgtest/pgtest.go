package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/postgres"
)

// DefaultURL is the server tests use unless GOVPULSE_TEST_DATABASE_URL is set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// ServerURL is the URL of the test server's maintenance database.
func ServerURL() string {
	if u := os.Getenv("GOVPULSE_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// NewDatabase creates an empty database for t and returns its URL. It fails
// the test, saying how to get PostgreSQL, when the server cannot be reached.
func NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(ServerURL())
	if err != nil {
		t.Fatalf("GOVPULSE_TEST_DATABASE_URL: %v", err)
	}
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("tests need PostgreSQL at %s (set GOVPULSE_TEST_DATABASE_URL to another server, or start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start): %v", ServerURL(), err)
	}
	defer admin.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "govpulse_test_" + strings.ToLower(hex.EncodeToString(b))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	DropDatabaseAtEnd(t, name)
	return replaceDB(ServerURL(), name)
}

// DropDatabaseAtEnd drops the database name from the test server when t
// ends, connections and all; a failure is logged.
func DropDatabaseAtEnd(t testing.TB, name string) {
	atEnd(t, "database "+name, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)", t.Logf)
}

// DropRoleAtEnd drops role from the test server when t ends; a failure
// fails the test, since the role would be left behind. Register it before
// the databases the role has grants in, so that it runs after they are
// dropped.
func DropRoleAtEnd(t testing.TB, role string) {
	atEnd(t, "role "+role, "DROP ROLE IF EXISTS "+role, t.Errorf)
}

// atEnd runs sql on the test server's maintenance database when t ends,
// reporting a failure to drop what with report.
func atEnd(t testing.TB, what, sql string, report func(string, ...any)) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, ServerURL())
		if err != nil {
			t.Logf("drop %s: %v", what, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, sql); err != nil {
			report("drop %s: %v", what, err)
		}
	})
}

// replaceDB swaps the database name in a postgres URL.
func replaceDB(url, name string) string {
	base, query, _ := strings.Cut(url, "?")
	i := strings.LastIndex(base, "/")
	if i < len("postgres://") {
		base += "/"
		i = len(base) - 1
	}
	out := base[:i+1] + name
	if query != "" {
		out += "?" + query
	}
	return out
}

// NewPool creates a fresh, migrated database and returns a pool on it,
// closed when the test ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	url := NewDatabase(t)
	ctx := context.Background()
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	return pool
}

// Connect opens a connection to url, closed when the test ends.
func Connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// Strings runs a query returning one text column and returns its values,
// failing the test on an error.
func Strings(t testing.TB, db interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, sql string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}
