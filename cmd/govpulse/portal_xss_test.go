package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/govpulse/govpulse/internal/browsertest"
)

// hostilePolicies carry a hostile payload in every text field a policy,
// its amendment, interpretation and repeal have.
func hostilePolicies() []testEvent {
	ps := browsertest.Payloads
	pick := func(i int) string { return ps[i%len(ps)] }
	return []testEvent{
		portalEvent(typePolicyPublished, "xss-1", "2025-04-01T09:00:00+08:00", portalPublished("qd-xss-1", map[string]any{
			"doc_number": "青政发〔2025〕" + pick(1)[:40], "title": "企业开办 " + pick(0),
			"body": strings.Join(ps, "\n"), "conditions": pick(2), "materials": ps, "support": pick(3),
			"how_to_apply": pick(4), "contact": pick(5),
			"effective_from": "2025-04-01", "application_from": "2026-02-01", "application_to": "2026-03-30",
		})),
		portalEvent(typePolicyAmended, "xss-2", "2025-05-01T09:00:00+08:00", map[string]any{
			"policy_id": "qd-xss-1", "issuer": "qd-xzsp", "doc_number": "青政发〔2025〕99号", "reason": pick(6),
			"support": pick(7), "title": "企业开办 " + pick(8), "body": strings.Join(ps[3:], "\n"),
		}),
		portalEvent(typePolicyInterpreted, "xss-3", "2025-05-02T09:00:00+08:00", map[string]any{
			"policy_id": "qd-xss-1", "issuer": "qd-xzsp", "interpretation_id": "qd-xss-1-i", "kind": "qa",
			"title": pick(9), "body": pick(0), "by": pick(1)[:40],
			"qa": []map[string]string{{"q": pick(2), "a": pick(3)}},
		}),
		portalEvent(typePolicyPublished, "xss-4", "2020-01-01T09:00:00+08:00", portalPublished("qd-xss-old", map[string]any{
			"title": "旧办法 " + pick(4), "written_at": "2019-12-20", "effective_from": "2020-01-01",
		})),
		portalEvent(typePolicyRepealed, "xss-5", "2025-04-01T09:00:00+08:00", map[string]any{
			"policy_id": "qd-xss-old", "issuer": "qd-xzsp", "repealed_at": "2025-04-01", "reason": pick(5), "superseded_by": "qd-xss-1",
		}),
	}
}

func TestPortalKeepsHostileTextInert(t *testing.T) {
	srv := startPortal(t, hostilePolicies())
	base := srv.Main.PortalURL()
	b := browsertest.New(t)
	paths := []string{
		"/", "/policies/qd-xss-1", "/policies/qd-xss-1/versions/1", "/policies/qd-xss-1/versions/2",
		"/policies/qd-xss-old", "/policies/qd-xss-1?at=2025-04-15",
		"/search?q=" + url.QueryEscape("企业开办"), "/match?industry=c&size=small",
	}
	for _, p := range browsertest.Payloads {
		q := p
		if len([]rune(q)) > 100 {
			q = string([]rune(q)[:100])
		}
		paths = append(paths,
			"/search?q="+url.QueryEscape(q),
			"/search?category="+url.QueryEscape(p),
			"/search?"+url.QueryEscape(p)+"=1",
			"/policies/"+url.PathEscape(p),
			"/policies/qd-xss-1?at="+url.QueryEscape(p),
		)
	}
	// With the Content-Security-Policy off, so that escaping alone is tested.
	page := b.NewPage(t, browsertest.Options{BypassCSP: true})
	for _, path := range paths {
		status := page.Go(base + path)
		if status >= 500 {
			t.Errorf("%s: status %d", path, status)
		}
		if got := page.Injected(); len(got) > 0 {
			t.Errorf("%s: hostile text became markup: %v", path, got)
		}
	}
	if d := page.Dialogs(); len(d) > 0 {
		t.Errorf("dialogs opened: %v", d)
	}
	// The payloads are there, as text a visitor can read.
	page.Go(base + "/policies/qd-xss-1")
	text := page.Text()
	for _, p := range browsertest.Payloads[3:] {
		if !strings.Contains(text, p) {
			t.Errorf("the body's line %q is not shown as text", p)
		}
	}
	page.Go(base + "/policies/qd-xss-1/versions/2")
	page.Do(clickAll("details > summary"))
	if got := page.Injected(); len(got) > 0 {
		t.Errorf("opened diff: %v", got)
	}
	page.ScreenshotViewport(shotPath(t, "policy-hostile-text", 1280))
}
