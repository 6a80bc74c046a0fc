package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestServeGracefulShutdown: a request in flight when shutdown begins is
// finished and stored (with its outbox message, so the consumers apply it
// on the next start if they stopped first), Close returns cleanly, and the
// server then refuses new connections.
func TestServeGracefulShutdown(t *testing.T) {
	s := startServer(t)
	body, err := json.Marshal([]testEvent{caseFinished(t, approvalSource, "in-flight-1"), caseFinished(t, approvalSource, "in-flight-2")})
	if err != nil {
		t.Fatal(err)
	}
	// Send half the body, start the shutdown, then send the rest.
	pr, pw := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/v1/events", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+approvalToken)
	req.Header.Set("Content-Type", ctBatch)
	type result struct {
		status int
		body   []byte
		err    error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{status: resp.StatusCode, body: b}
	}()
	if _, err := pw.Write(body[:len(body)/2]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the request is being read
	closed := make(chan error, 1)
	go func() { closed <- s.Main.Close() }()
	time.Sleep(200 * time.Millisecond) // shutdown has begun and waits for it
	if _, err := pw.Write(body[len(body)/2:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-done
	if r.err != nil || r.status != http.StatusOK || !bytes.Contains(r.body, []byte(`"accepted":2`)) {
		t.Fatalf("in-flight request: %d %s %v", r.status, r.body, r.err)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := http.Get(s.URL + "/healthz"); err == nil {
		t.Error("the server still answers after Close")
	}
	conn, err := pgx.Connect(context.Background(), s.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var stored int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE id LIKE 'in-flight-%'`).Scan(&stored); err != nil || stored != 2 {
		t.Errorf("stored %d in-flight events (%v), want 2", stored, err)
	}
}
