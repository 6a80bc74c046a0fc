package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shippedRulesArgs is how deploy/ was generated (see
// deploy/prometheus/rules/README.md).
var shippedRulesArgs = []string{
	"--receivers-file", filepath.Join("..", "..", "deploy", "alertmanager", "receivers.yaml"),
	"--external-url", "http://localhost:8080",
}

// The rule and Alertmanager files the compose stack mounts are what
// "govpulse rules" writes from the shipped definitions today.
func TestShippedAlertFilesAreCurrent(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := append([]string{"rules", "--out", dir}, shippedRulesArgs...)
	if err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("govpulse rules: %v\n%s", err, stderr.String())
	}
	for _, rel := range []string{rulesPath, alertmanagerPath} {
		got, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		shipped, err := os.ReadFile(filepath.Join("..", "..", "deploy", rel))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, shipped) {
			t.Errorf("deploy/%s is stale: regenerate it with\n  govpulse rules --out deploy %s", rel,
				"--receivers-file deploy/alertmanager/receivers.yaml --external-url http://localhost:8080")
		}
		if !strings.Contains(stdout.String(), filepath.Join(dir, rel)) {
			t.Errorf("output does not name %s:\n%s", rel, stdout.String())
		}
	}
}

func TestRulesCommandRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "receivers.yaml")
	writeTestFile(t, unknown, "departments: {qd-nowhere: {webhook_url: 'https://x.example/'}}\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"rules"}, "--out is required"},
		{[]string{"rules", "--out", dir, "--receivers-file", unknown}, `unknown department code "qd-nowhere"`},
		{[]string{"rules", "--out", dir, "--for", "-1m"}, "--for"},
		{[]string{"rules", "--out", dir, "--group-wait", "0s"}, "--group-wait 0"},
		{[]string{"rules", "--out", dir, "--targets-file", filepath.Join(dir, "missing.yaml")}, "targets file"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), tc.args, func(string) string { return "" }, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want one containing %q", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, rulesPath)); err == nil {
		t.Error("a refused run wrote the rules file")
	}
}
