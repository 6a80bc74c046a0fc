package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/benchmark"
	"github.com/govpulse/govpulse/demo"
	"github.com/govpulse/govpulse/postgres"
)

// benchSource is the sending system of the benchmark's own events.
const benchSource = "bench"

// benchTokens are the tokens of one bench invocation: the bench source's
// and each demo system's, random each time.
type benchTokens struct {
	bench string
	demo  map[string]string // system name → token
	env   map[string]string // token_env → token
}

func newBenchTokens() benchTokens {
	t := benchTokens{bench: randomToken(), demo: map[string]string{}, env: map[string]string{}}
	t.env["GOVPULSE_BENCH_TOKEN"] = t.bench
	for _, s := range demo.Systems() {
		tok := randomToken()
		t.demo[s.Name] = tok
		t.env[s.TokenEnv] = tok
	}
	return t
}

// writeBenchSources writes the sources file the servers read: the bench
// source, which may send anything, and the demo's systems.
func writeBenchSources(dir string) (string, error) {
	var b strings.Builder
	b.WriteString("sources:\n  - name: " + benchSource + "\n    token_env: GOVPULSE_BENCH_TOKEN\n    departments: [\"*\"]\n    event_types: [\"*\"]\n")
	for _, s := range demo.Systems() {
		fmt.Fprintf(&b, "  - name: %s\n    token_env: %s\n    departments: %s\n    event_types: %s\n",
			s.Name, s.TokenEnv, yamlList(s.Departments), yamlList(s.EventTypes))
	}
	path := filepath.Join(dir, "sources.yaml")
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
}

func yamlList(xs []string) string {
	if xs == nil {
		return `["*"]`
	}
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// startBenchServer starts govpulse serve on the database at url with the
// consumers named, no rate limit, and the bench's sources.
func startBenchServer(ctx context.Context, o *benchOptions, tokens benchTokens, url, consumers string, extra map[string]string) (*benchmark.Server, error) {
	sources := filepath.Join(o.tmp, "sources.yaml")
	if _, err := os.Stat(sources); err != nil {
		if sources, err = writeBenchSources(o.tmp); err != nil {
			return nil, err
		}
	}
	env := map[string]string{
		"GOVPULSE_DATABASE_URL":    url,
		"GOVPULSE_SOURCES_FILE":    sources,
		"GOVPULSE_RATE_PER_SOURCE": "1000000",
		"GOVPULSE_RATE_BURST":      "1000000",
		"GOVPULSE_CONSUMERS":       consumers,
		"GOVPULSE_BUS":             "postgres",
	}
	for k, v := range tokens.env {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	return benchmark.StartServer(ctx, o.exe, o.tmp, env)
}

// stopBenchServer stops s and records its peak RSS under what.
func stopBenchServer(run *benchmark.Run, s *benchmark.Server, what string) error {
	peak, err := s.Stop()
	if peak > 0 {
		run.Peak("govpulse serve, "+what, peak)
	}
	return err
}

// scratchDB is a database of the bench's own, dropped by drop.
type scratchDB struct {
	url, name string
	server    string
}

// createScratchDB creates a new, empty database on the server of o.
func createScratchDB(ctx context.Context, o *benchOptions) (scratchDB, error) {
	name := o.dbPrefix + strings.ToLower(randomToken()[:12])
	conn, err := pgx.Connect(ctx, o.serverURL)
	if err != nil {
		return scratchDB{}, fmt.Errorf("bench: connect to %s: %w", redactURL(o.serverURL), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return scratchDB{}, fmt.Errorf("bench: create scratch database: %w", err)
	}
	return scratchDB{url: replaceDatabase(o.serverURL, name), name: name, server: o.serverURL}, nil
}

func (d scratchDB) drop(ctx context.Context) {
	conn, err := pgx.Connect(ctx, d.server)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{d.name}.Sanitize()+" WITH (FORCE)")
}

// withScratchDB runs f on a new database and drops it afterwards.
func withScratchDB(ctx context.Context, o *benchOptions, f func(db scratchDB) error) error {
	db, err := createScratchDB(ctx, o)
	if err != nil {
		return err
	}
	defer db.drop(context.WithoutCancel(ctx))
	return f(db)
}

// withScratchPool runs f on a pool that open makes on a new database
// (pgxpool.New, or openMigrated for govpulse's tables), then closes the
// pool and drops the database.
func withScratchPool(ctx context.Context, o *benchOptions, open func(context.Context, string) (*pgxpool.Pool, error), f func(pool *pgxpool.Pool) error) error {
	return withScratchDB(ctx, o, func(db scratchDB) error {
		pool, err := open(ctx, db.url)
		if err != nil {
			return err
		}
		defer pool.Close()
		return f(pool)
	})
}

// openMigrated opens a pool on url and applies the migrations.
func openMigrated(ctx context.Context, url string) (*pgxpool.Pool, error) {
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// dropShared drops the databases steps left for later steps.
func dropShared(ctx context.Context, o benchOptions, run *benchmark.Run) {
	for _, v := range run.Shared {
		if db, ok := v.(scratchDB); ok {
			db.drop(ctx)
		}
	}
}

// replaceDatabase swaps the database name in a postgres URL.
func replaceDatabase(url, name string) string {
	base, query, _ := strings.Cut(url, "?")
	scheme := strings.Index(base, "://") + 3
	if i := strings.LastIndex(base, "/"); i >= scheme {
		base = base[:i]
	}
	out := base + "/" + name
	if query != "" {
		out += "?" + query
	}
	return out
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
