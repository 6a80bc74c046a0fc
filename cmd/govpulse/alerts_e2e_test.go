package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govpulse/govpulse/alerting/alertingtest"
	"github.com/govpulse/govpulse/internal/promtest"
)

// The target of the alerting end-to-end test: window cases averaging at
// most 3 working days over the last 30 days, per department, from 3 cases.
const e2eTargetID = "e2e_window_avg_3wd"

// Departments of the test: one misses the target, one meets it; both have
// a receiver of their own, and the reform office gets the city-wide result.
const (
	missingDept = "qd-xzsp"
	meetingDept = "qd-scjg"
)

// itemOf is a catalogue item of each test department.
var itemOf = map[string]string{missingDept: "enterprise_establishment", meetingDept: "special_equipment_registration"}

// A department whose cases take too long receives GovpulseTargetMissed,
// through real Prometheus and Alertmanager loading the files "govpulse
// rules" generates; the department meeting the target receives nothing.
func TestMissedTargetAlertReachesOnlyThatDepartment(t *testing.T) {
	// Fail now, not after a minute of waiting, when a tool is missing.
	alertingtest.Tool(t, "prometheus")
	alertingtest.Tool(t, "alertmanager", "prometheus-alertmanager")
	dir := t.TempDir()
	targetsFile := filepath.Join(dir, "targets.yaml")
	writeTestFile(t, targetsFile, windowAvgTargets(e2eTargetID, 3))

	srv := startServer(t, withServeEnv(t, map[string]string{
		"GOVPULSE_TARGETS_FILE":     targetsFile,
		"GOVPULSE_TARGETS_INTERVAL": "1s",
	}))

	office, missing, meeting := newWebhook(t), newWebhook(t), newWebhook(t)
	receiversFile := filepath.Join(dir, "receivers.yaml")
	writeTestFile(t, receiversFile, fmt.Sprintf("default: {webhook_url: %q}\ndepartments:\n  %s: {webhook_url: %q}\n  %s: {webhook_url: %q}\n",
		office.URL, missingDept, missing.URL, meetingDept, meeting.URL))

	// The files the operator would deploy, with short waits for a test.
	out := filepath.Join(dir, "deploy")
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"rules", "--out", out,
		"--targets-file", targetsFile, "--receivers-file", receiversFile,
		"--for", "1s", "--at-risk-for", "1s", "--pipeline-for", "1m",
		"--group-wait", "1s", "--group-interval", "1s", "--repeat-interval", "1h",
	}, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("govpulse rules: %v\n%s", err, stderr.String())
	}
	am := alertingtest.StartAlertmanager(t, dir, filepath.Join(out, alertmanagerPath))
	prom := alertingtest.StartPrometheus(t, dir, fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
alerting:
  alertmanagers:
    - static_configs: [{targets: [%q]}]
scrape_configs:
  - job_name: govpulse
    static_configs: [{targets: [%q]}]
`, filepath.Join(out, rulesPath), strings.TrimPrefix(am.URL, "http://"), srv.Main.Addr()))

	// qd-xzsp's window cases took about three weeks, qd-scjg's an hour.
	finished := testNow().Add(-2 * time.Hour)
	var evs []testEvent
	for i := range 4 {
		evs = append(evs,
			windowCase(t, missingDept, fmt.Sprintf("e2e-alert-slow-%d", i), finished.AddDate(0, 0, -21), finished),
			windowCase(t, meetingDept, fmt.Sprintf("e2e-alert-fast-%d", i), finished.Add(-time.Hour), finished))
	}
	srv.ingest(approvalToken, evs...)

	deadline := time.Now().Add(60 * time.Second)
	// govpulse itself must call one department missed and the other met,
	// or nothing below means anything.
	metKey := func(dept string) string { return promtest.Labels("department", dept, "target", e2eTargetID) }
	for {
		met := srv.metricSamples("govpulse_target_met")
		m, okM := met[metKey(missingDept)]
		n, okN := met[metKey(meetingDept)]
		if okM && okN && m == 0 && n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("govpulse_target_met after 60s: %v; want %s 0 and %s 1\n(target values: %v)",
				met, metKey(missingDept), metKey(meetingDept), srv.metricSamples("govpulse_target_value"))
		}
		time.Sleep(200 * time.Millisecond)
	}

	got := missing.waitFor(t, deadline, func(a webhookAlert) bool {
		return a.Labels["alertname"] == "GovpulseTargetMissed" && a.Labels["target"] == e2eTargetID
	})
	for k, want := range map[string]string{
		"alertname": "GovpulseTargetMissed", "target": e2eTargetID, "department": missingDept,
		"severity": "warning", "job": "govpulse",
	} {
		if got.Labels[k] != want {
			t.Errorf("alert label %s = %q, want %q (labels %v)", k, got.Labels[k], want, got.Labels)
		}
	}
	t.Logf("%s received %s: %s", missingDept, got.Labels["alertname"], got.Annotations["summary"])
	if got.Status != "firing" || got.Receiver != missingDept {
		t.Errorf("alert status %q to receiver %q, want firing to %s", got.Status, got.Receiver, missingDept)
	}
	if s := got.Annotations["summary_en"]; !strings.HasPrefix(s, missingDept+` missed the target "Window cases finished in 3 working days on average": `) ||
		!strings.HasSuffix(s, "working days (target: at most 3 working days)") {
		t.Errorf("summary_en = %q", s)
	}
	if s := got.Annotations["summary_zh"]; !strings.Contains(s, "未达成攻坚目标「窗口业务平均3个工作日办结」") {
		t.Errorf("summary_zh = %q", s)
	}

	// The city-wide average misses too: that one is the reform office's.
	office.waitFor(t, deadline, func(a webhookAlert) bool {
		return a.Labels["alertname"] == "GovpulseTargetMissed" && a.Labels["target"] == e2eTargetID && a.Labels["department"] == "all"
	})

	// Alertmanager sent both groups after the same group_wait; give a
	// wrong route a few more evaluation and group intervals to show.
	time.Sleep(3 * time.Second)
	if as := meeting.received(); len(as) > 0 {
		t.Errorf("%s meets the target but its receiver got %d alert(s): %+v", meetingDept, len(as), as)
	}
	for _, a := range missing.received() {
		if a.Labels["department"] != missingDept {
			t.Errorf("%s's receiver got another department's alert: %+v", missingDept, a)
		}
	}
	for _, a := range prometheusAlerts(t, prom.URL) {
		if a["department"] == meetingDept {
			t.Errorf("Prometheus has an alert for %s, which meets the target: %v", meetingDept, a)
		}
	}
}

// webhook is a receiver's endpoint: it records every alert Alertmanager
// posts to it.
type webhook struct {
	URL    string
	mu     sync.Mutex
	alerts []webhookAlert
	errs   []string
}

type webhookAlert struct {
	Receiver    string
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

func newWebhook(t *testing.T) *webhook {
	t.Helper()
	w := &webhook{}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var msg struct {
			Receiver string         `json:"receiver"`
			Alerts   []webhookAlert `json:"alerts"`
		}
		err := json.NewDecoder(r.Body).Decode(&msg)
		w.mu.Lock()
		defer w.mu.Unlock()
		if err != nil {
			w.errs = append(w.errs, err.Error())
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		for _, a := range msg.Alerts {
			a.Receiver = msg.Receiver
			w.alerts = append(w.alerts, a)
		}
	}))
	t.Cleanup(srv.Close)
	w.URL = srv.URL + "/hook"
	return w
}

func (w *webhook) received() []webhookAlert {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]webhookAlert(nil), w.alerts...)
}

// waitFor returns the first alert received that matches, failing the test
// at deadline.
func (w *webhook) waitFor(t *testing.T, deadline time.Time, match func(webhookAlert) bool) webhookAlert {
	t.Helper()
	for {
		for _, a := range w.received() {
			if match(a) {
				return a
			}
		}
		if time.Now().After(deadline) {
			w.mu.Lock()
			defer w.mu.Unlock()
			t.Fatalf("webhook %s: no matching alert in time; got %+v (bad bodies: %v)", w.URL, w.alerts, w.errs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// prometheusAlerts returns the labels of Prometheus' pending and firing
// alerts.
func prometheusAlerts(t *testing.T, base string) []map[string]string {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			Alerts []struct {
				Labels map[string]string `json:"labels"`
			} `json:"alerts"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, a := range body.Data.Alerts {
		out = append(out, a.Labels)
	}
	return out
}
