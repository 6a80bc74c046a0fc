package alerting

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/alerting/alertingtest"
)

// writeAlertmanager generates the configuration for r and writes it to
// dir/alertmanager.yml.
func writeAlertmanager(t *testing.T, dir string, r Receivers, o Options) string {
	t.Helper()
	cfg, err := Alertmanager(r, o)
	return writeGenerated(t, filepath.Join(dir, "alertmanager.yml"), cfg, err, MarshalAlertmanager)
}

// writeGenerated writes v, which a generator returned with err, to path
// as marshal renders it; either error fails the test.
func writeGenerated[T any](t *testing.T, path string, v T, err error, marshal func(T, string) ([]byte, error)) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	b, err := marshal(v, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func exampleReceivers(t *testing.T) Receivers {
	t.Helper()
	r, err := LoadReceivers(filepath.Join("..", "examples", "receivers.yaml"), shippedCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAlertmanagerConfigPassesAmtool(t *testing.T) {
	amtool := alertingtest.Tool(t, "amtool")
	for name, r := range map[string]Receivers{
		"example receivers": exampleReceivers(t),
		"no receivers file": {},
	} {
		t.Run(name, func(t *testing.T) {
			path := writeAlertmanager(t, t.TempDir(), r, Options{GroupWait: time.Second})
			out := alertingtest.Run(t, amtool, "check-config", path)
			if !strings.Contains(out, "SUCCESS") || !strings.Contains(out, "1 inhibit rules") {
				t.Errorf("amtool check-config:\n%s", out)
			}
		})
	}
}

// amtool's route test asks the generated routing tree which receiver an
// alert with the given labels reaches.
func TestEachDepartmentsAlertsReachItsOwnReceiver(t *testing.T) {
	amtool := alertingtest.Tool(t, "amtool")
	path := writeAlertmanager(t, t.TempDir(), exampleReceivers(t), Options{})
	for _, tc := range []struct {
		labels []string
		want   string
	}{
		{[]string{"alertname=GovpulseTargetMissed", "target=window_cases_avg_3wd", "department=qd-xzsp", "severity=warning"}, "qd-xzsp"},
		{[]string{"alertname=GovpulseTargetAtRisk", "target=enterprise_setup_1wd", "department=qd-scjg", "severity=warning"}, "qd-scjg"},
		{[]string{"alertname=GovpulseIngestStalled", "department=qd-gas", "severity=warning"}, "qd-gas"},
		// The city-wide result goes to the reform office.
		{[]string{"alertname=GovpulseTargetMissed", "target=window_cases_avg_3wd", "department=all", "severity=warning"}, DefaultReceiverName},
		// A department without a receiver falls back to the reform office.
		{[]string{"alertname=GovpulseTargetMissed", "target=window_cases_avg_3wd", "department=qd-fgw", "severity=warning"}, DefaultReceiverName},
		// Pipeline alerts without a department too.
		{[]string{"alertname=GovpulsePoisonQueueNotEmpty", "severity=critical"}, DefaultReceiverName},
	} {
		args := append([]string{"config", "routes", "test", "--config.file=" + path}, tc.labels...)
		out := alertingtest.Run(t, amtool, args...)
		if got := lastLine(out); got != tc.want {
			t.Errorf("%v: reaches %q, want %q", tc.labels, got, tc.want)
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" && !strings.HasPrefix(l, "Warning:") {
			return l
		}
	}
	return ""
}

// A real Alertmanager with the generated configuration silences a
// department's at-risk alert while the same target is missed there, and
// no other at-risk alert.
func TestAtRiskIsInhibitedByMissedOfTheSameTargetAndDepartment(t *testing.T) {
	dir := t.TempDir()
	path := writeAlertmanager(t, dir, exampleReceivers(t), Options{})
	am := alertingtest.StartAlertmanager(t, dir, path)

	alert := func(name, target, dept string) map[string]any {
		return map[string]any{
			"labels":   map[string]string{"alertname": name, "target": target, "department": dept, "severity": "warning"},
			"startsAt": time.Now().UTC().Format(time.RFC3339),
		}
	}
	alerts := []map[string]any{
		alert(AlertTargetMissed, "enterprise_setup_1wd", "qd-xzsp"),
		alert(AlertTargetAtRisk, "enterprise_setup_1wd", "qd-xzsp"), // inhibited
		alert(AlertTargetAtRisk, "enterprise_setup_1wd", "qd-scjg"), // other department
		alert(AlertTargetAtRisk, "window_cases_avg_3wd", "qd-xzsp"), // other target
	}
	body, _ := json.Marshal(alerts)
	resp, err := http.Post(am.URL+"/api/v2/alerts", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("post alerts: HTTP %d", resp.StatusCode)
	}

	want := map[string]string{
		"GovpulseTargetMissed/enterprise_setup_1wd/qd-xzsp": "active",
		"GovpulseTargetAtRisk/enterprise_setup_1wd/qd-xzsp": "suppressed",
		"GovpulseTargetAtRisk/enterprise_setup_1wd/qd-scjg": "active",
		"GovpulseTargetAtRisk/window_cases_avg_3wd/qd-xzsp": "active",
	}
	var got map[string]string
	deadline := time.Now().Add(15 * time.Second)
	for {
		got = alertStates(t, am.URL)
		if fmt.Sprint(got) == fmt.Sprint(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: state %q, want %q", k, got[k], w)
		}
	}
}

// alertStates reads Alertmanager's alerts as alertname/target/department
// → state (active, suppressed, unprocessed).
func alertStates(t *testing.T, base string) map[string]string {
	t.Helper()
	resp, err := http.Get(base + "/api/v2/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var as []struct {
		Labels map[string]string `json:"labels"`
		Status struct {
			State string `json:"state"`
		} `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&as); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range as {
		out[a.Labels["alertname"]+"/"+a.Labels["target"]+"/"+a.Labels["department"]] = a.Status.State
	}
	return out
}

func TestParseReceivers(t *testing.T) {
	cat := shippedCatalog(t)
	r, err := ParseReceivers([]byte(`
default: {webhook_url: "http://office.example/hook"}
departments:
  qd-xzsp: {webhook_url: "https://xzsp.example/hook", send_resolved: false}
  qd-scjg: {}
`), cat)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Alertmanager(r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, rc := range cfg.Receivers {
		names = append(names, rc.Name)
	}
	if got, want := strings.Join(names, ","), "reform-office,qd-scjg,qd-xzsp"; got != want {
		t.Errorf("receivers = %s, want %s", got, want)
	}
	if got := cfg.Receivers[2].WebhookConfigs; len(got) != 1 || got[0].SendResolved || got[0].URL != "https://xzsp.example/hook" {
		t.Errorf("qd-xzsp webhook = %+v", got)
	}
	if got := cfg.Receivers[1].WebhookConfigs; len(got) != 0 {
		t.Errorf("qd-scjg without webhook_url has integrations %+v", got)
	}
	if got := cfg.Receivers[0].WebhookConfigs; len(got) != 1 || !got[0].SendResolved {
		t.Errorf("default webhook = %+v, want send_resolved by default", got)
	}

	for _, tc := range []struct{ name, file, want string }{
		{"unknown department", "departments: {qd-nowhere: {webhook_url: 'http://x.example/'}}", `unknown department code "qd-nowhere"`},
		{"city-wide", "departments: {all: {webhook_url: 'http://x.example/'}}", "configure it under default"},
		{"relative URL", "default: {webhook_url: /hook}", "absolute http or https URL"},
		{"other scheme", "departments: {qd-xzsp: {webhook_url: 'ftp://x.example/'}}", "qd-xzsp: webhook_url"},
		{"unknown field", "default: {email: office@example.gov.cn}", "field email not found"},
		{"misspelt section", "department: {qd-xzsp: {}}", "field department not found"},
	} {
		_, err := ParseReceivers([]byte(tc.file), cat)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
