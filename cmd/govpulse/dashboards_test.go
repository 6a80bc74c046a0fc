package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/grafana/grafanatest"
)

// shippedGrafana is what the compose stack's Grafana provisions from.
var shippedGrafana = filepath.Join("..", "..", "deploy", "grafana")

// generatedGrafanaFiles lists the files under dir that "govpulse
// dashboards" owns: the boards and its provisioning files (by path
// relative to dir).
func generatedGrafanaFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, pattern := range []string{"dashboards/*/*.json", "dashboards/*.json", "provisioning/*/*.yml", "provisioning/*/*.yaml"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
	}
	slices.Sort(out)
	return out
}

// The boards and provisioning files the compose stack's Grafana loads
// are what "govpulse dashboards" writes from the shipped definitions
// today, and there are no others.
func TestShippedDashboardsAreCurrent(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"dashboards", "--out", dir}, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("govpulse dashboards: %v\n%s", err, stderr.String())
	}
	written := generatedGrafanaFiles(t, dir)
	shipped := generatedGrafanaFiles(t, shippedGrafana)
	if len(written) != 10 {
		t.Fatalf("wrote %d files, want 7 boards and 3 provisioning files: %v\n%s", len(written), written, stdout.String())
	}
	const regenerate = "regenerate with\n  govpulse dashboards --out deploy/grafana"
	if !slices.Equal(written, shipped) {
		t.Errorf("deploy/grafana has %v, the command writes %v: %s", shipped, written, regenerate)
	}
	for _, rel := range written {
		got, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(shippedGrafana, rel))
		if err != nil {
			continue // reported above
		}
		if !bytes.Equal(got, want) {
			t.Errorf("deploy/grafana/%s is stale: %s", rel, regenerate)
		}
		if !strings.Contains(stdout.String(), filepath.Join(dir, rel)) {
			t.Errorf("output does not name %s:\n%s", rel, stdout.String())
		}
	}
}

// A board an earlier version wrote, and this one does not, is removed,
// so Grafana stops provisioning it; other files are left alone.
func TestDashboardsCommandRemovesStaleBoards(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "dashboards", "govpulse-old.json")
	keep := filepath.Join(dir, "dashboards", "README.md")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, stale, "{}")
	writeTestFile(t, keep, "notes")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"dashboards", "--out", dir}, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("govpulse dashboards: %v\n%s", err, stderr.String())
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale board %s: %v, want removed", stale, err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("%s: %v, want it kept", keep, err)
	}
	if !strings.Contains(stdout.String(), "removed "+stale) {
		t.Errorf("output does not say it removed %s:\n%s", stale, stdout.String())
	}
}

func TestDashboardsCommandRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dashboards"}, "--out is required"},
		{[]string{"dashboards", "--out", dir, "extra"}, `unexpected argument "extra"`},
		{[]string{"dashboards", "--out", dir, "--targets-file", filepath.Join(dir, "missing.yaml")}, "targets file"},
		{[]string{"dashboards", "--out", dir, "--catalog-file", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{[]string{"dashboards", "--out", dir, "--postgres-sslmode", "sometimes"}, `sslmode "sometimes"`},
		{[]string{"dashboards", "--out", dir, "--time-zone", "Mars/Olympus"}, "Mars/Olympus"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), tc.args, func(string) string { return "" }, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want one containing %q", tc.args, err, tc.want)
		}
	}
	if files := generatedGrafanaFiles(t, dir); len(files) > 0 {
		t.Errorf("a refused run wrote %v", files)
	}
}

// A board made from another targets file has that file's targets.
func TestDashboardsFromTargetsFile(t *testing.T) {
	dir := t.TempDir()
	targetsFile := filepath.Join(dir, "targets.yaml")
	writeTestFile(t, targetsFile, windowAvgTargets("dashboards_window_avg_3wd", 1))
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"dashboards", "--out", dir, "--targets-file", targetsFile},
		func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("govpulse dashboards: %v\n%s", err, stderr.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "dashboards", "reform-office", "govpulse-targets.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`govpulse_target_value{target=\"dashboards_window_avg_3wd\"`)) ||
		bytes.Contains(data, []byte("enterprise_setup_1wd")) {
		t.Errorf("targets board does not follow the targets file")
	}
	if !strings.Contains(stdout.String(), "from 1 targets") {
		t.Errorf("output: %s", stdout.String())
	}
}

// Every metric the shipped boards query is on a real govpulse's /metrics
// once it has seen an event of every type, a rejected request and a
// target evaluation.
func TestDashboardMetricsAreExported(t *testing.T) {
	dir := t.TempDir()
	targetsFile := filepath.Join(dir, "targets.yaml")
	writeTestFile(t, targetsFile, windowAvgTargets("dashboards_window_avg_3wd", 1))
	srv := startServer(t, withServeEnv(t, map[string]string{
		"GOVPULSE_TARGETS_FILE":     targetsFile,
		"GOVPULSE_TARGETS_INTERVAL": "1s",
	}))

	out := filepath.Join(dir, "boards")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"dashboards", "--out", out}, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("govpulse dashboards: %v\n%s", err, stderr.String())
	}
	used := map[string][]string{} // metric name → where it is used
	files := generatedGrafanaFiles(t, out)
	for _, f := range files {
		if !strings.HasSuffix(f, ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		uses, err := grafanatest.MetricUses(data)
		if err != nil {
			t.Fatal(err)
		}
		for n, where := range uses {
			used[n] = append(used[n], where...)
		}
	}

	// One event of each type, a slow window case (overdue), an instant
	// approval, and a request with a problem.
	finished := testNow().Add(-2 * time.Hour)
	slow := windowCase(t, "qd-xzsp", "dash-case-slow", finished.AddDate(0, 0, -21), finished)
	slow.data()["item_code"] = "enterprise_establishment"
	slow.data()["promised_working_days"] = 1
	quick := caseFinished(t, approvalSource, "dash-case-instant")
	quick["time"] = finished.Format(time.RFC3339)
	for k, v := range map[string]any{
		"case_id": "DASH-INSTANT-1", "item_code": "enterprise_establishment_instant", "mode": "instant", "channel": "online",
		"promised_working_days": 0, "accepted_at": finished.Add(-30 * time.Second).Format(time.RFC3339), "finished_at": finished.Format(time.RFC3339),
	} {
		quick.data()[k] = v
	}
	srv.ingest(approvalToken, slow, quick, licenseIssued(t, approvalSource, "dash-licence-1"))
	srv.ingest(justiceToken, lawsuitAppearance(t, justiceSource, "dash-hearing-1"))
	// A policy, and the portal's views and searches of it, recorded as the
	// portal's pages record them.
	policy := loadExample(t, "policy_published.json", hubSource, "dash-policy-1")
	srv.ingest(hubToken, policy)
	srv.Main.Usage().View(policy.data()["policy_id"].(string), events.OriginSearch)
	srv.Main.Usage().Search("企业开办", 1)
	srv.waitForUsage()
	bad := caseFinished(t, approvalSource, "dash-case-bad")
	bad.data()["department"] = "qd-nowhere"
	if r := srv.postEvents(approvalToken, bad); r.Status < 400 || r.Status >= 500 {
		t.Fatalf("an event of an unknown department: want a 4xx, got %s", r)
	}
	srv.waitProjections()

	deadline := time.Now().Add(30 * time.Second)
	var missing []string
	for {
		exported := scrapedMetricNames(t, srv)
		missing = missing[:0]
		for n := range used {
			if !exported[n] {
				missing = append(missing, n)
			}
		}
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			slices.Sort(missing)
			for _, n := range missing {
				t.Errorf("%s is not on /metrics, but the boards use it: %s", n, strings.Join(used[n], "; "))
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(used) < 25 {
		t.Errorf("the boards use only %d metrics: %v", len(used), used)
	}
}

// scrapedMetricNames scrapes /metrics and returns the names of its
// samples (a histogram's are its _bucket, _sum and _count series).
func scrapedMetricNames(t *testing.T, srv *testServer) map[string]bool {
	t.Helper()
	r := srv.get("/metrics", "")
	if r.Status != http.StatusOK {
		t.Fatalf("metrics: %s", r)
	}
	names := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, _, _ := strings.Cut(line, "{")
		name, _, _ = strings.Cut(name, " ")
		names[name] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(fmt.Errorf("read /metrics: %w", err))
	}
	return names
}
