package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/config"
	"github.com/govpulse/govpulse/demo"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/sources"
)

// demoTokens are the tokens of the demo's five sending systems, keyed by
// their GOVPULSE_TOKEN_* variables.
func demoTokens() map[string]string {
	env := map[string]string{}
	for _, s := range demo.Systems() {
		env[s.TokenEnv] = "e2e-demo-" + strings.ToLower(s.TokenEnv)
	}
	return env
}

// useDemoSources makes the server know the demo's five sending systems, as
// examples/sources.yaml declares them, with demoTokens as hashes.
func useDemoSources(t *testing.T) func(*config.Config) {
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "sources.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	yaml := string(b)
	for env, token := range demoTokens() {
		yaml = strings.ReplaceAll(yaml, "token_env: "+env, "token_sha256: "+sources.HashToken(token))
	}
	for _, line := range strings.Split(yaml, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "token_env:") {
			t.Fatalf("examples/sources.yaml names a token variable the demo does not know: %s", line)
		}
	}
	path := filepath.Join(t.TempDir(), "demo-sources.yaml")
	writeTestFile(t, path, yaml)
	return func(c *config.Config) { c.SourcesFile = path }
}

// demoEvents generates what govpulse demo sends at scale.
func demoEvents(t *testing.T, scale float64) []demo.Event {
	t.Helper()
	cat := catalogtest.Default(t)
	cal, err := calendar.Default()
	if err != nil {
		t.Fatal(err)
	}
	o := demo.DefaultOptions()
	o.Scale = scale
	evs, err := demo.Generate(cat, cal, o)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestDemoCommandStoresEveryEventOnce runs govpulse demo twice against a
// real server: the first run stores every generated event, the second
// only duplicates.
func TestDemoCommandStoresEveryEventOnce(t *testing.T) {
	srv := startServer(t, useDemoSources(t))
	env := demoTokens()
	env["GOVPULSE_DEMO_URL"] = srv.URL
	getenv := func(k string) string { return env[k] }
	args := []string{"demo", "--scale", "0.02", "--batch", "250", "--sources-env", ""}
	want := demoEvents(t, 0.02)

	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, getenv, &stdout, &stderr); err != nil {
		t.Fatalf("demo: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	n := withCommas(len(want))
	for _, line := range []string{
		fmt.Sprintf("%s events in", n),
		fmt.Sprintf(": %s accepted, 0 duplicates", n),
		"running the demo again with the same settings stores nothing new",
	} {
		if !strings.Contains(stdout.String(), line) {
			t.Errorf("first run's output lacks %q:\n%s", line, &stdout)
		}
	}
	if !hasCheckLine(stdout.String(), "construction permits", "38", "38", "ok") {
		t.Errorf("first run's output does not show 38 of 38 construction permits:\n%s", &stdout)
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr is not a terminal, yet got %q", &stderr)
	}

	log := srv.readLog(5000)
	if len(log) != len(want) {
		t.Fatalf("the log holds %d events, want %d", len(log), len(want))
	}
	stored := map[string]bool{}
	for _, e := range log {
		stored[e.Source+"/"+e.ID] = true
	}
	tally := map[tallyKey]int64{}
	for _, e := range want {
		if !stored[e.Source+"/"+e.ID] {
			t.Fatalf("event %s of %s is not in the log", e.ID, e.Source)
		}
		tally[tallyKey{e.Source, e.Data.EventType()}]++
	}
	srv.waitTally(adminToken, tally)
	checkDemoStats(t, srv, want)

	stdout.Reset()
	if err := run(context.Background(), args, getenv, &stdout, &stderr); err != nil {
		t.Fatalf("second demo: %v\n%s", err, &stdout)
	}
	if line := fmt.Sprintf(": 0 accepted, %s duplicates", n); !strings.Contains(stdout.String(), line) {
		t.Errorf("second run's output lacks %q:\n%s", line, &stdout)
	}
	if got := len(srv.readLog(5000)); got != len(want) {
		t.Errorf("after the second run the log holds %d events, want %d", got, len(want))
	}
}

// TestDemoSenderWaitsOutTheRateLimit sends to a server allowing each
// source 2 requests a second: the sender is told to retry after a while,
// and in the end every event is stored once.
func TestDemoSenderWaitsOutTheRateLimit(t *testing.T) {
	demoSources := useDemoSources(t)
	srv := startServer(t, demoSources, func(c *config.Config) { c.RatePerSource, c.RateBurst = 2, 1 })
	// The departments' events: the portal's would be one source's many
	// batches, whose retries would outlast the sender's attempts at 2/s.
	var evs []demo.Event
	for _, e := range demoEvents(t, 0.01) {
		if e.Source != demo.Portal {
			evs = append(evs, e)
		}
	}
	s := &demo.Sender{URL: srv.URL, Tokens: demo.Tokens(func(k string) string { return demoTokens()[k] }), Batch: 200, Concurrency: 4}
	res, err := s.Send(context.Background(), evs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Retries == 0 {
		t.Errorf("no retries at 2 requests/s for %d requests; was the rate limit applied?", res.Batches)
	}
	if res.Accepted != len(evs) || res.Duplicates != 0 {
		t.Errorf("result %+v, want %d accepted and no duplicates", res, len(evs))
	}
	if got := len(srv.readLog(5000)); got != len(evs) {
		t.Errorf("the log holds %d events, want %d", got, len(evs))
	}
}

// TestDemoSenderStopsAtRefusals checks that an invalid event (422) and an
// event its system may not send (403) stop the sender with the server's
// problems, and that nothing of the refused batch is stored.
func TestDemoSenderStopsAtRefusals(t *testing.T) {
	srv := startServer(t, useDemoSources(t))
	tokens := demo.Tokens(func(k string) string { return demoTokens()[k] })
	var approval []demo.Event
	for _, e := range demoEvents(t, 0.01) {
		if e.Source == "qd-approval-bureau" && e.Data.EventType() == events.TypeCaseFinished {
			approval = append(approval, e)
		}
		if len(approval) == 10 {
			break
		}
	}
	invalid := append([]demo.Event(nil), approval...)
	c := invalid[3].Data.(events.CaseFinished)
	c.District = "atlantis"
	invalid[3].Data = c
	forbidden := append([]demo.Event(nil), approval...)
	c = forbidden[5].Data.(events.CaseFinished)
	c.DepartmentCode, c.ItemCode = "qd-rsj", "pension_transfer"
	forbidden[5].Data = c

	for name, tc := range map[string]struct {
		evs    []demo.Event
		status int
		field  string
		index  int
	}{
		"invalid":   {invalid, 422, "data.district", 3},
		"forbidden": {forbidden, 403, "data.department", 5},
	} {
		s := &demo.Sender{URL: srv.URL, Tokens: tokens, Concurrency: 1}
		res, err := s.Send(context.Background(), tc.evs)
		var rej *demo.RejectedError
		if !errors.As(err, &rej) {
			t.Fatalf("%s: error %v, want a *demo.RejectedError", name, err)
		}
		if rej.Status != tc.status || len(rej.Problems) == 0 || rej.Problems[0].Field != tc.field || rej.Problems[0].Index != tc.index {
			t.Errorf("%s: refusal %+v, want HTTP %d with a problem on %s of event %d", name, rej, tc.status, tc.field, tc.index)
		}
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: message does not show the problem: %v", name, err)
		}
		if res.Events != 0 {
			t.Errorf("%s: %d events reported stored", name, res.Events)
		}
	}
	if got := len(srv.readLog(100)); got != 0 {
		t.Errorf("the log holds %d events after two refused batches", got)
	}
}

// hasCheckLine reports whether out has a line starting with figure whose
// remaining fields end with want.
func hasCheckLine(out, figure string, want ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, figure+" "); ok {
			fields := strings.Fields(rest)
			return slices.Equal(fields[max(0, len(fields)-len(want)):], want)
		}
	}
	return false
}

// withCommas writes n with thousands separators, as the demo prints it.
func withCommas(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func TestDemoCommandRejectsBadSettings(t *testing.T) {
	getenv := func(k string) string { return map[string]string{"GOVPULSE_DEMO_SCALE": "lots"}[k] }
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"demo", "--dry-run"}, getenv, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "GOVPULSE_DEMO_SCALE") {
		t.Errorf("error %v, want one naming GOVPULSE_DEMO_SCALE", err)
	}
	none := func(string) string { return "" }
	for _, args := range [][]string{
		{"demo", "--dry-run", "--to", "2999-12-31"},
		{"demo", "--dry-run", "--from", "2025-13-01"},
		{"demo", "--dry-run", "--scale", "0"},
		{"demo", "--dry-run", "--batch", "0"},
	} {
		if err := run(context.Background(), args, none, &stdout, &stderr); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
}

// checkDemoStats compares what the server's stats API says about the demo
// data with the figures the generator computed from the same events.
func checkDemoStats(t *testing.T, srv *testServer, evs []demo.Event) {
	t.Helper()
	cal, err := calendar.Default()
	if err != nil {
		t.Fatal(err)
	}
	f, err := demo.Measure(cal, evs)
	if err != nil {
		t.Fatal(err)
	}
	srv.waitProjections()
	type group struct {
		Finished         int64    `json:"finished"`
		AvgWorkingDays   *float64 `json:"avg_working_days"`
		Issued           int64    `json:"issued"`
		ContractValueCNY float64  `json:"contract_value_cny"`
		Hearings         int64    `json:"hearings"`
		HeadAppearances  int64    `json:"head_appearances"`
	}
	one := func(path string) group {
		t.Helper()
		var body struct {
			Groups []group `json:"groups"`
		}
		decodeInto(t, srv.get(path, ""), &body)
		if len(body.Groups) != 1 {
			t.Fatalf("%s: %d groups, want 1", path, len(body.Groups))
		}
		return body.Groups[0]
	}
	w := one("/v1/stats/cases?channel=window")
	if w.Finished != int64(f.WindowCases) || w.AvgWorkingDays == nil ||
		math.Abs(*w.AvgWorkingDays-float64(f.WindowElapsed)/float64(f.WindowCases)) > 0.0001 {
		t.Errorf("window cases: server %d, avg %v; generator %d, avg %.4f", w.Finished, w.AvgWorkingDays, f.WindowCases,
			float64(f.WindowElapsed)/float64(f.WindowCases))
	}
	p := one("/v1/stats/licenses?license_type=construction_permit")
	if p.Issued != int64(f.Permits) || math.Abs(p.ContractValueCNY-f.PermitValueCNY) > 1 {
		t.Errorf("construction permits: server %d worth %.2f; generator %d worth %.2f", p.Issued, p.ContractValueCNY, f.Permits, f.PermitValueCNY)
	}
	h := one("/v1/stats/lawsuits")
	if h.Hearings != int64(f.Hearings) || h.HeadAppearances != int64(f.HeadAppearances) {
		t.Errorf("hearings: server %d with %d heads; generator %d with %d", h.Hearings, h.HeadAppearances, f.Hearings, f.HeadAppearances)
	}
}
