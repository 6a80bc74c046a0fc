package faults

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// testSeed is the seed of a test's random choices (events, kill moments):
// GOVPULSE_FAULTS_SEED when set, to repeat a run, else the clock. It is
// logged so a failure can be repeated.
func testSeed(t testing.TB) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("GOVPULSE_FAULTS_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("GOVPULSE_FAULTS_SEED=%q: not a whole number", s)
		}
		seed = v
	}
	t.Logf("seed %d (GOVPULSE_FAULTS_SEED=%d repeats this run's choices)", seed, seed)
	return seed
}
