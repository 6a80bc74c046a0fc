package freeport

import (
	"net"
	"strconv"
	"testing"
)

// TestPortsAreBelowTheEphemeralRangeAndFree: each port is below the
// kernel's ephemeral range, bindable, and handed out once.
func TestPortsAreBelowTheEphemeralRangeAndFree(t *testing.T) {
	low := ephemeralLow()
	seen := map[int]bool{}
	for range 200 {
		p, err := Port()
		if err != nil {
			t.Fatal(err)
		}
		if p < floor || p >= low {
			t.Fatalf("port %d is outside [%d, %d)", p, floor, low)
		}
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Fatalf("port %d is not free: %v", p, err)
		}
		l.Close()
	}
}

// TestAPortInUseIsNotHandedOut: a port something listens on is skipped.
func TestAPortInUseIsNotHandedOut(t *testing.T) {
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	// Hold a run of ports below the range, then ask for many: none of
	// them may be one that is held.
	busy := map[int]bool{}
	for p := floor; p < floor+2000; p++ {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue
		}
		held = append(held, l)
		busy[p] = true
	}
	for range 300 {
		a, err := Addr()
		if err != nil {
			t.Fatal(err)
		}
		_, ps, _ := net.SplitHostPort(a)
		p, _ := strconv.Atoi(ps)
		if busy[p] {
			t.Fatalf("Addr handed out %s, which a listener holds", a)
		}
	}
}
