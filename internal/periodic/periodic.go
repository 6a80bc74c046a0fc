package periodic

import (
	"context"
	"time"
)

// Run calls f every interval until ctx ends, the first time one interval
// after Run starts, and never once ctx has ended (a tick and the end may
// come together). A call of f that outlasts the interval delays the next
// instead of overlapping it: the ticks missed meanwhile are dropped.
func Run(ctx context.Context, interval time.Duration, f func()) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if ctx.Err() != nil {
			return
		}
		f()
	}
}
