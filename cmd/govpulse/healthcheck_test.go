package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// healthcheck answers 0 for a real, ready server, on the address it
// listens on, and says why not for a server that is not ready, one that
// is not there, and a bad address.
func TestHealthcheck(t *testing.T) {
	srv := startServer(t)
	for _, args := range [][]string{{"healthcheck"}, {"healthcheck", "--live"}} {
		var stdout, stderr bytes.Buffer
		env := map[string]string{"GOVPULSE_HTTP_ADDR": srv.Main.Addr()}
		if err := run(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr); err != nil {
			t.Errorf("%v against a ready server: %v", args, err)
		}
		if !strings.Contains(stdout.String(), srv.Main.Addr()) {
			t.Errorf("%v output %q does not name the server", args, stdout.String())
		}
	}

	notReady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"code":"unavailable","error":"database unreachable"}`))
	}))
	defer notReady.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	for _, tc := range []struct {
		addr, want string
	}{
		{strings.TrimPrefix(notReady.URL, "http://"), "503 Service Unavailable: {\"code\":\"unavailable\",\"error\":\"database unreachable\"}"},
		{closedAddr, "is not reachable"},
		{"nonsense", `--http-addr "nonsense"`},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"healthcheck", "--http-addr", tc.addr}, func(string) string { return "" }, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("healthcheck of %s: err = %v, want one containing %q", tc.addr, err, tc.want)
		}
	}
}

func TestHealthURL(t *testing.T) {
	for _, tc := range []struct {
		addr string
		live bool
		want string
	}{
		{"0.0.0.0:8080", false, "http://127.0.0.1:8080/readyz"},
		{":9000", true, "http://127.0.0.1:9000/healthz"},
		{"10.0.0.5:8080", false, "http://10.0.0.5:8080/readyz"},
		{"[::]:8080", false, "http://[::1]:8080/readyz"},
	} {
		got, err := healthURL(tc.addr, tc.live)
		if err != nil || got != tc.want {
			t.Errorf("healthURL(%q, %v) = %q, %v; want %q", tc.addr, tc.live, got, err, tc.want)
		}
	}
}
