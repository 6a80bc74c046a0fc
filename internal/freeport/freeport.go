package freeport

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
)

// floor is the lowest port handed out: below it sit well-known services.
const floor = 10000

var (
	mu    sync.Mutex
	given = map[int]bool{}
)

// Port returns a port on 127.0.0.1 that nothing listens on now and that
// this process has not handed out before.
func Port() (int, error) {
	mu.Lock()
	defer mu.Unlock()
	low := ephemeralLow()
	if low-floor < 1000 {
		return 0, fmt.Errorf("freeport: the ephemeral port range starts at %d: no room below it for listeners", low)
	}
	for range 1000 {
		port := floor + rand.IntN(low-floor)
		if given[port] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		l.Close()
		given[port] = true
		return port, nil
	}
	return 0, errors.New("freeport: no free port below the ephemeral range after 1000 tries")
}

// Addr is Port as a host:port address on 127.0.0.1.
func Addr() (string, error) {
	port, err := Port()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil
}

// ephemeralLow is the first port of the kernel's ephemeral range, or
// 32768 (Linux's default) where it cannot be read.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	var low, high int
	if _, err := fmt.Sscan(string(b), &low, &high); err != nil || low <= floor {
		return 32768
	}
	return low
}
