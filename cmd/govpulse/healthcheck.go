package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

const healthcheckUsage = `usage: govpulse healthcheck [flags]

Asks the govpulse serving on this machine whether it is ready (GET /readyz:
database reachable, migrations applied, bus connected), or with --live only
whether it is alive (GET /healthz). Exits 0 when it is, and otherwise prints
why not and exits non-zero. The container image has no shell or curl; its
health check runs this. The address is --http-addr (GOVPULSE_HTTP_ADDR),
with 0.0.0.0 or an empty host asked on 127.0.0.1.

flags:
`

func runHealthcheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, fs, err := commandFlags("healthcheck", getenv, stderr, "http-addr")
	if err != nil {
		return err
	}
	fs.Usage = func() {
		fmt.Fprint(stderr, healthcheckUsage)
		fs.PrintDefaults()
	}
	live := fs.Bool("live", false, "ask /healthz (alive) instead of /readyz (ready)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("healthcheck: unexpected argument %q", fs.Arg(0))
	}
	url, err := healthURL(cfg.HTTPAddr, *live)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("healthcheck: %s did not answer within %s", url, *timeout)
		}
		return fmt.Errorf("healthcheck: %s is not reachable: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(stdout, "%s: %s\n", url, strings.TrimSpace(string(body)))
	return nil
}

// healthURL is the health endpoint of a server listening on addr, asked
// on the loopback address when addr listens on every address.
func healthURL(addr string, live bool) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("healthcheck: --http-addr %q: %w", addr, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	path := "/readyz"
	if live {
		path = "/healthz"
	}
	return "http://" + net.JoinHostPort(host, port) + path, nil
}
