package httpapi

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawExchange sends req over a fresh TCP connection and reads the answer.
func rawExchange(t *testing.T, addr, req string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read response to %.60q: %v", req, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// TestJSONErrorListener: what net/http answers by itself carries the API's
// error shape, tried over raw TCP; handlers' answers pass unchanged.
func TestJSONErrorListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Connection", "close")
			io.WriteString(w, "handler text")
		}),
		MaxHeaderBytes:    1024,
		ReadHeaderTimeout: 5 * time.Second,
	}
	go srv.Serve(JSONErrorListener(ln, 1024))
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()

	tests := []struct {
		name       string
		req        string
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{"header too large", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 8000) + "\r\n\r\n", 431, EHeaderTooLarge, "larger than 1024 bytes"},
		{"garbage request line", "HELLO\r\n\r\n", 400, EMalformed, "malformed"},
		{"no Host", "GET / HTTP/1.1\r\n\r\n", 400, EMalformed, "Host"},
		{"bad header name", "GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n", 400, EMalformed, "malformed"},
		{"unknown transfer coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, ENotImplemented, "Transfer-Encoding"},
		{"HTTP/2 preface on HTTP/1", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, EVersionNotServed, "HTTP/1.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := rawExchange(t, addr, tc.req)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tc.wantStatus, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			var e struct{ Code, Error string }
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if e.Code != tc.wantCode || !strings.Contains(e.Error, tc.wantMsg) {
				t.Errorf("error = %+v, want code %s and %q", e, tc.wantCode, tc.wantMsg)
			}
		})
	}
	resp, body := rawExchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp.StatusCode != 200 || string(body) != "handler text" {
		t.Errorf("handler answer changed: %d %q", resp.StatusCode, body)
	}
}
