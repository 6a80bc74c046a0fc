package sources

import (
	"strings"
	"testing"

	"github.com/govpulse/govpulse/internal/catalogtest"
)

func TestParseAndAuthenticate(t *testing.T) {
	cat := catalogtest.Default(t)
	src := `sources:
  - name: qd-approval-bureau
    token_sha256: ` + HashToken("approval-token-123456") + `
    departments: [qd-xzsp, qd-scjg]
    event_types: ["govpulse.case.finished.v1"]
  - name: qd-justice-bureau
    token_env: JUSTICE_TOKEN
    departments: ["*"]
    event_types: ["*"]
    owner: someone   # more keys are allowed
`
	env := func(k string) string {
		if k == "JUSTICE_TOKEN" {
			return "justice-token-1234567"
		}
		return ""
	}
	r, err := Parse([]byte(src), env, cat)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := r.Authenticate("approval-token-123456")
	if !ok || s.Name != "qd-approval-bureau" {
		t.Fatalf("Authenticate(approval) = %v, %v", s, ok)
	}
	if !s.MaySpeakFor("qd-scjg") || s.MaySpeakFor("qd-gaj") {
		t.Error("approval bureau: wrong departments")
	}
	if !s.MaySend("govpulse.case.finished.v1") || s.MaySend("govpulse.license.issued.v1") {
		t.Error("approval bureau: wrong event types")
	}
	j, ok := r.Authenticate("justice-token-1234567")
	if !ok || !j.MaySpeakFor("qd-anything") || !j.MaySend("govpulse.lawsuit.appearance.v1") {
		t.Errorf("justice bureau: %+v, %v", j, ok)
	}
	for _, tok := range []string{"", "approval-token-12345", "APPROVAL-TOKEN-123456"} {
		if _, ok := r.Authenticate(tok); ok {
			t.Errorf("token %q authenticated", tok)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cat := catalogtest.Default(t)
	good := "departments: [qd-xzsp]\n    event_types: [\"*\"]"
	cases := []struct{ name, src, want string }{
		{"no sources", "sources: []", `no sources`},
		{"bad yaml", "sources: [", "not valid YAML"},
		{"no token", "sources:\n  - name: a\n    " + good, `source "a" (line 2): needs token_sha256 or token_env`},
		{"both tokens", "sources:\n  - name: a\n    token_env: X\n    token_sha256: ab\n    " + good, "not both"},
		{"bad hash", "sources:\n  - name: a\n    token_sha256: abc\n    " + good, "token_sha256 must be 64 hex digits"},
		{"unset env", "sources:\n  - name: a\n    token_env: NOPE\n    " + good, "token_env names NOPE, which is not set"},
		{"short token", "sources:\n  - name: a\n    token_env: SHORT\n    " + good, "shorter than 16 characters"},
		{"bad name", "sources:\n  - name: 'a b'\n    token_env: LONG\n    " + good, `name "a b"`},
		{"unknown department", "sources:\n  - name: a\n    token_env: LONG\n    departments: [qd-nope]\n    event_types: [\"*\"]", `unknown department "qd-nope"`},
		{"no departments", "sources:\n  - name: a\n    token_env: LONG\n    event_types: [\"*\"]", "departments is empty"},
		{"unknown type", "sources:\n  - name: a\n    token_env: LONG\n    departments: [\"*\"]\n    event_types: [govpulse.case.done.v1]", `unknown event type "govpulse.case.done.v1"`},
		{"duplicate name", "sources:\n  - name: a\n    token_env: LONG\n    " + good + "\n  - name: a\n    token_env: LONG2\n    " + good, "name used twice"},
		{"shared token", "sources:\n  - name: a\n    token_env: LONG\n    " + good + "\n  - name: b\n    token_env: LONG\n    " + good, `same token as source "a"`},
	}
	env := func(k string) string {
		return map[string]string{"SHORT": "short", "LONG": "a-long-enough-token", "LONG2": "another-long-token"}[k]
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.src), env, cat)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
	if _, err := Load("/nonexistent/sources.yaml", env, cat); err == nil || !strings.Contains(err.Error(), "sources file") {
		t.Errorf("Load of a missing file: %v", err)
	}
}
