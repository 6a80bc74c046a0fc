package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/govpulse/govpulse/config"
)

// asOfGuide is an application guide whose window (2025-06-01 to
// 2025-07-05) is open on 2025-06-20 and long closed on the test clock's
// day (2026-03-02), when the guide itself has expired.
func asOfGuide() testEvent {
	return portalEvent(typePolicyPublished, "pt-guide-1", "2025-05-01T09:00:00+08:00", portalPublished("qd-xzsp-2025-20", map[string]any{
		"doc_number": "青政办发〔2025〕20号", "title": "2025年度小微企业创业补贴申报指南", "document_type": "guide",
		"written_at": "2025-04-25", "effective_from": "2025-05-01", "effective_to": "2025-12-31",
		"application_from": "2025-06-01", "application_to": "2025-07-05",
	}))
}

// TestPortalAsOf: with GOVPULSE_PORTAL_AS_OF the portal judges validity,
// the home page's closing-soon list, days left and the deadlines feed on
// that date instead of the clock's, and its pages say so; without it,
// the same content is judged on today.
func TestPortalAsOf(t *testing.T) {
	evs := append(portalPolicies(), asOfGuide())
	fast := func(c *config.Config) { c.PortalRate, c.PortalBurst = 1000, 1000 }
	srv := startServer(t, fast, func(c *config.Config) { c.PortalAsOf = "2025-06-20" })
	srv.ingest(hubToken, evs...)
	waitApplied(t, srv, applyWait)
	now := startServer(t, fast)
	now.ingest(hubToken, evs...)
	waitApplied(t, now, applyWait)

	page := func(s *testServer, path string) string {
		t.Helper()
		r := s.getOK(path, "")
		return string(r.Body)
	}
	soon := func(home string) string {
		t.Helper()
		i, j := strings.Index(home, `id="soon-h"`), strings.Index(home, `id="new-h"`)
		if i < 0 || j < i {
			t.Fatalf("home page without its closing-soon section:\n%s", home)
		}
		return home[i:j]
	}
	const line = `按 <time datetime="2025-06-20">2025-06-20</time> 的状态显示`

	home := page(srv, "/")
	if s := soon(home); !strings.Contains(s, "2025年度小微企业创业补贴申报指南") || !strings.Contains(s, "还剩 15 天") ||
		strings.Contains(s, "关于进一步压缩企业开办时间的若干措施") {
		t.Errorf("closing soon as of 2025-06-20 (the guide, 15 days left; not the start-up window of 2026):\n%s", s)
	}
	for _, path := range []string{"/", "/policies/qd-xzsp-2025-20", "/search?q=" + url.QueryEscape("补贴"), "/match", "/policies/no-such-policy"} {
		r := srv.get(path, "")
		if b := string(r.Body); !strings.Contains(b, line) || strings.Contains(b, "按当日判断") {
			t.Errorf("%s (HTTP %d) does not say it shows the state as of 2025-06-20", path, r.Status)
		}
	}
	if p := page(srv, "/policies/qd-xzsp-2025-20"); !strings.Contains(p, "还剩 15 天截止") || !strings.Contains(p, "现行有效") {
		t.Errorf("the guide's page as of 2025-06-20: in force, 15 days left")
	}
	validity := func(s *testServer, id string) string {
		t.Helper()
		var v struct {
			ValidityLabel string `json:"validity_label"`
		}
		decodeInto(t, s.get("/api/v1/policies/"+id, ""), &v)
		return v.ValidityLabel
	}
	for id, want := range map[string][2]string{ // as of 2025-06-20, and on the clock's 2026-03-02
		"qd-xzsp-2025-20": {"现行有效", "已失效"},
		"qd-rs-2025-3":    {"未生效", "现行有效"}, // in force from 2025-07-01
		"qd-xzsp-2019-5":  {"已废止", "已废止"},
	} {
		if got := [2]string{validity(srv, id), validity(now, id)}; got != want {
			t.Errorf("%s: validity %v, want %v", id, got, want)
		}
	}
	var res struct {
		Query struct {
			On string `json:"on"`
		} `json:"query"`
	}
	decodeInto(t, srv.get("/api/v1/search?q="+url.QueryEscape("补贴"), ""), &res)
	if res.Query.On != "2025-06-20" {
		t.Errorf("the API's search judged on %q, want 2025-06-20", res.Query.On)
	}
	if ics := page(srv, "/feeds/deadlines.ics"); !strings.Contains(ics, "SUMMARY:申报截止：2025年度小微企业创业补贴申报指南") {
		t.Errorf("deadlines feed as of 2025-06-20 lacks the guide:\n%s", ics)
	}
	// A company cannot have been founded after the portal's today.
	if r := srv.get("/api/v1/match?founded=2026", ""); r.Status != http.StatusBadRequest {
		t.Errorf("founded 2026 as of 2025: %s", r)
	}

	// The same content on the clock's day: no as-of line, the guide closed.
	home = page(now, "/")
	if strings.Contains(home, "的状态显示") || !strings.Contains(home, "按当日判断") {
		t.Errorf("home without GOVPULSE_PORTAL_AS_OF speaks of an as-of date")
	}
	if s := soon(home); strings.Contains(s, "2025年度小微企业创业补贴申报指南") || !strings.Contains(s, "关于进一步压缩企业开办时间的若干措施") {
		t.Errorf("closing soon on 2026-03-02 (the start-up window, not the guide):\n%s", s)
	}
	if ics := page(now, "/feeds/deadlines.ics"); strings.Contains(ics, "2025年度小微企业创业补贴申报指南") {
		t.Errorf("deadlines feed on 2026-03-02 lists the guide's closed window")
	}
}

// TestPortalAsOfIsChecked: a GOVPULSE_PORTAL_AS_OF that is not a date
// stops the service at start, naming the setting.
func TestPortalAsOfIsChecked(t *testing.T) {
	for _, bad := range []string{"2025-11-31", "20251201", "today"} {
		m := NewMain()
		m.Config.PortalAsOf = bad
		m.Config.SourcesFile = "unused.yaml"
		err := m.Open(context.Background())
		if want := `--portal-as-of (GOVPULSE_PORTAL_AS_OF): must be a date YYYY-MM-DD, got "` + bad + `"`; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("GOVPULSE_PORTAL_AS_OF=%s: %v, want %s", bad, err, want)
		}
		_ = m.Close()
	}
}
