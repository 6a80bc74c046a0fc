package projections

import (
	"context"
	"errors"
	"testing"

	"github.com/govpulse/govpulse/internal/pgtest"
)

// TestAdvisoryLocksAreDistinct: every read model's swap and rebuild locks
// and the policies' locks are keys of their own, so that one model's
// rebuild never holds up another's live consumer or rebuild.
func TestAdvisoryLocksAreDistinct(t *testing.T) {
	owner := map[int64]string{}
	claim := func(key int64, what string) {
		if prev, ok := owner[key]; ok {
			t.Errorf("advisory lock %d is both %s and %s", key, prev, what)
		}
		owner[key] = what
	}
	for _, p := range ReadModels(nil, nil) {
		claim(p.swapLock, p.Name()+" swap")
		claim(p.rebuildLock, p.Name()+" rebuild")
	}
	claim(policiesLock, "policies apply")
	claim(policiesRebuildLock, "policies rebuild")
	if len(owner) != 2*len(ReadModels(nil, nil))+2 {
		t.Errorf("%d locks claimed: %v", len(owner), owner)
	}
}

// TestPoliciesRebuildRunsOnce: while another rebuild of the policies holds
// its lock, Rebuild fails with ErrRebuildRunning and changes nothing;
// once it is released, Rebuild runs.
func TestPoliciesRebuildRunsOnce(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, policiesRebuildLock); err != nil {
		t.Fatal(err)
	}
	var gen int64
	if err := pool.QueryRow(ctx, `SELECT generation FROM policy_model`).Scan(&gen); err != nil {
		t.Fatal(err)
	}
	p := &Policies{}
	if _, err := p.Rebuild(ctx, pool); !errors.Is(err, ErrRebuildRunning) {
		t.Errorf("rebuild beside a running one: %v, want ErrRebuildRunning", err)
	}
	var after int64
	if err := pool.QueryRow(ctx, `SELECT generation FROM policy_model`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != gen {
		t.Errorf("generation %d -> %d: the refused rebuild changed the model", gen, after)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, policiesRebuildLock); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Rebuild(ctx, pool); err != nil {
		t.Errorf("rebuild once the other finished: %v", err)
	}
}
