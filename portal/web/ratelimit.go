package web

import (
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// clientLimiter is a per-client token bucket for the portal's costly
// answers (search, match and feeds). A client is the connection's IP
// address (an IPv6 address by its /64), which is kept in memory only, as
// long as its bucket is not full again, and never logged or stored.
type clientLimiter struct {
	rate  rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	clients map[string]*rate.Limiter
}

// maxTrackedClients bounds the limiter's memory: past it, clients whose
// bucket has refilled are forgotten (they lose nothing by it).
const maxTrackedClients = 10_000

func newClientLimiter(perSecond float64, burst int, now func() time.Time) *clientLimiter {
	return &clientLimiter{rate: rate.Limit(perSecond), burst: burst, now: now, clients: map[string]*rate.Limiter{}}
}

// allow takes a token for the client of r; when there is none it returns
// how long until there is.
func (l *clientLimiter) allow(r *http.Request) (bool, time.Duration) {
	key := clientKey(r)
	now := l.now()
	l.mu.Lock()
	lim, ok := l.clients[key]
	if !ok {
		if len(l.clients) >= maxTrackedClients {
			l.forgetIdle(now)
		}
		lim = rate.NewLimiter(l.rate, l.burst)
		l.clients[key] = lim
	}
	l.mu.Unlock()
	res := lim.ReserveN(now, 1)
	if !res.OK() {
		return false, time.Second
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// forgetIdle drops the clients whose bucket is full; l.mu is held.
func (l *clientLimiter) forgetIdle(now time.Time) {
	for k, lim := range l.clients {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.clients, k)
		}
	}
}

// clientKey is the client's address, IPv6 cut to its /64 (one household
// or office gets a /64, and rotating within it must not escape the limit).
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	if ip == nil {
		return host
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String()
	}
	return ip.String()
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
