package periodic

import (
	"context"
	"testing"
	"time"
)

// runUntilReturns runs Run in a goroutine and fails the test when it has
// not returned within a minute.
func runUntilReturns(t *testing.T, ctx context.Context, interval time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, interval, f)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Run did not return within a minute of its context ending")
	}
}

func TestRunCallsUntilTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	runUntilReturns(t, ctx, time.Millisecond, func() {
		calls++
		if calls == 3 {
			cancel()
		}
	})
	if calls != 3 {
		t.Errorf("f was called %d times, want 3 (the context ended in the third)", calls)
	}
}

func TestRunWaitsAnIntervalFirst(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	runUntilReturns(t, ctx, time.Hour, func() { calls++ })
	if calls != 0 {
		t.Errorf("f was called %d times before the first interval passed, want 0", calls)
	}
}
