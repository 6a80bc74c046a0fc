package faults

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govpulse/govpulse/internal/pgtest"
)

// newDatabaseName returns a URL for a database on the test server that does
// not exist yet, and drops it when the test ends.
func newDatabaseName(t testing.TB) string {
	t.Helper()
	u, err := url.Parse(pgtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("govpulse_faults_%d", time.Now().UnixNano())
	u.Path = "/" + name
	pgtest.DropDatabaseAtEnd(t, name)
	return u.String()
}

// TestInstancesStartingAtOnceMigrateOnce starts five instances at the same
// moment on a database that does not exist yet, three times over: every
// instance becomes ready, the database is created, and the migrations are
// applied once in all (the instances' "applied migrations" counts add up
// to the number of migrations, and schema_migrations lists each once).
func TestInstancesStartingAtOnceMigrateOnce(t *testing.T) {
	files, err := filepath.Glob("../postgres/migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	const instances = 5
	for round := range 3 {
		dbURL := newDatabaseName(t)
		d := newDeployment(t, dbURL)
		d.env["GOVPULSE_LOG_LEVEL"] = "info"
		var gs []*instance
		for i := range instances {
			gs = append(gs, d.newInstance(fmt.Sprintf("govpulse-%d-%d", round, i), nil))
		}
		var wg sync.WaitGroup
		errs := make([]error, instances)
		for i, g := range gs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = g.start()
			}()
		}
		wg.Wait()
		applied := 0
		for i, g := range gs {
			if errs[i] != nil {
				t.Errorf("round %d: %v", round, errs[i])
			}
			n, problems := startupLog(g.Log())
			applied += n
			for _, p := range problems {
				t.Errorf("round %d: %s logged at start: %s", round, g.name, p)
			}
			g.Stop()
		}
		if applied != len(files) {
			t.Errorf("round %d: the instances applied %d migrations in all, want %d (each once)", round, applied, len(files))
		}
		rows := queryRows(t, dbURL, `SELECT version::text, count(*)::text FROM schema_migrations GROUP BY version`)
		if len(rows) != len(files) {
			t.Errorf("round %d: schema_migrations lists %d versions, want %d", round, len(rows), len(files))
		}
		for v, n := range rows {
			if n != "1" {
				t.Errorf("round %d: migration %s recorded %s times", round, v, n)
			}
		}
	}
}

// startupLog reads a JSON log: the migrations it says it applied, and any
// warning or error.
func startupLog(log string) (applied int, problems []string) {
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		var line struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Count int    `json:"count"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			if !strings.HasPrefix(sc.Text(), "=====") {
				problems = append(problems, sc.Text())
			}
			continue
		}
		if line.Msg == "applied migrations" {
			applied += line.Count
		}
		if line.Level == "WARN" || line.Level == "ERROR" {
			problems = append(problems, sc.Text())
		}
	}
	return applied, problems
}
