package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/govpulse/govpulse/benchmark"
	"github.com/govpulse/govpulse/internal/pgtest"
)

var (
	benchBinOnce sync.Once
	benchBin     string
	benchBinErr  error
)

// govpulseBinary builds this command once per test process: govpulse
// bench measures govpulse serve as a process of its own.
func govpulseBinary(tb testing.TB) string {
	tb.Helper()
	benchBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "govpulse-bench-bin")
		if err != nil {
			benchBinErr = err
			return
		}
		benchBin = filepath.Join(dir, "govpulse")
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		out, err := exec.Command(goTool, "build", "-o", benchBin, ".").CombinedOutput()
		if err != nil {
			benchBinErr = err
			tb.Logf("go build: %s", out)
		}
	})
	if benchBinErr != nil {
		tb.Fatalf("build govpulse: %v", benchBinErr)
	}
	return benchBin
}

// TestBenchReport runs govpulse bench end to end at a tiny size and checks
// that the report holds every step's figures, the bars and the machine.
func TestBenchReport(t *testing.T) {
	exe := govpulseBinary(t)
	report := filepath.Join(t.TempDir(), "PERFORMANCE.md")
	var stderr bytes.Buffer
	args := []string{"--database-url", pgtest.ServerURL(), "--exe", exe, "--db-prefix", "govpulse_benchtest_",
		"--runs", "1", "--events", "2000", "--per-event-messages", "200", "--lag-rate", "2000", "--lag-for", "1s",
		"--lag-batch", "200", "--demo-scale", "0.02", "--portal-policies", "500", "--portal-requests", "20", "--portal-baseline", "1",
		"--report", report}
	if err := run(context.Background(), append([]string{"bench"}, args...), func(string) string { return "" }, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatalf("govpulse bench: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{
		"# Performance", "bin/govpulse bench", "## Machine", "load average", "## Bars",
		"`copy`", "`ingest_tally`", "`e2e`", "`per_event`", "`strict_batch`", "`lag_p99`", "`lag_p99_low`",
		"`demo_load`", "`raw_read`", "`rebuild`", "`table_rewrite`", "What the cold scrapes spent", "`metrics_cold`", "`metrics_warm`", "`metrics_expired`", "`peak_rss`",
		"(2)/(1)", "CPU profile of govpulse serve", "CPU profile of this process during one more rebuild", "| flat | cum | function |",
		"portal search p99 < 20 ms", "`portal_search_p99`", "`portal_page_p99`", "`portal_match_p99`", "`portal_ilike_p50`",
		"## Peak RSS of every process",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Failed") {
		t.Errorf("a step failed:\n%s", got)
	}
	for _, line := range []string{"[1/8] ingest", "[6/8] metrics", "[7/8] portal", "[8/8] peak-rss", "run 1/1"} {
		if !strings.Contains(stderr.String(), line) {
			t.Errorf("progress lacks %q:\n%s", line, stderr.String())
		}
	}
}

// The three ingest paths, each reporting events/s; run them together so
// they share the machine's state:
//
//	go test -run '^$' -bench Ingest -count 5 ./cmd/govpulse/
//
// Each iteration is one event, sent in 1,000-event batches (COPY, HTTP) or
// one message per event (watermill-sql).
func BenchmarkIngestCopyCeiling(b *testing.B)        { benchPath(b, "copy") }
func BenchmarkIngestHTTPBatches(b *testing.B)        { benchPath(b, "http") }
func BenchmarkIngestHTTPEveryReadModel(b *testing.B) { benchPath(b, "http-all") }
func BenchmarkIngestWatermillPerEvent(b *testing.B)  { benchPath(b, "per-event") }

func benchPath(b *testing.B, path string) {
	ctx := context.Background()
	n := max(b.N, 1000)
	o := &benchOptions{serverURL: pgtest.ServerURL(), exe: govpulseBinary(b), dbPrefix: "govpulse_bench_", tmp: b.TempDir(),
		events: n, batch: 1000, clients: 4, runs: 1, perEvent: n, publishers: 1}
	evs := benchmark.CaseEvents(benchSource, "go-bench", n, testNow())
	run := benchmark.NewRun(1, nil)
	b.ResetTimer()
	var r benchmark.Result
	var err error
	switch path {
	case "copy":
		r, err = benchCopy(ctx, o, evs)
	case "http":
		r, err = benchHTTP(ctx, o, run, o.benchTokens(), evs, "ingest_tally", nil)
	case "http-all":
		r, err = benchHTTP(ctx, o, run, o.benchTokens(), evs, "all", nil)
	default:
		r, err = benchPerEvent(ctx, o, evs)
	}
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.Rate(), "events/s")
}
