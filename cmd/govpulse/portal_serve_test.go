package main

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/config"
)

// The demo serves the portal beside the API on one address; searches and
// feeds share a per-client rate limit; bad parameters are Chinese 400
// pages, never 500s, also for codes only the catalogue knows.
func TestPortalOnTheMainAddress(t *testing.T) {
	srv := startServer(t, func(c *config.Config) { c.PortalRate, c.PortalBurst = 0.2, 4 })
	srv.ingest(hubToken, portalPolicies()...)
	waitApplied(t, srv, 60*time.Second)

	if r := srv.get("/", ""); r.Status != 200 || !strings.Contains(string(r.Body), `<html lang="zh-CN">`) || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	if r := srv.get("/v1/catalog", ""); r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "json") {
		t.Errorf("the API beside the portal: %s", r)
	}
	if r := srv.get("/metrics", ""); r.Status != 200 {
		t.Errorf("/metrics: %d", r.Status)
	}
	for _, c := range []struct{ path, param string }{
		{"/policies/qd-xzsp-2025-12?at=2025-02-30", "at"},
		{"/policies/qd-xzsp-2025-12/versions/0", "n"},
		{"/policies/qd-xzsp-2025-12?from=" + url.QueryEscape("<b>"), "from"},
	} {
		r := srv.get(c.path, "")
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "<code>"+c.param+"</code>") || !strings.Contains(string(r.Body), "请求有误") {
			t.Errorf("%s: %s", c.path, r)
		}
	}
	if r := srv.get("/policies/no-such-policy", ""); r.Status != http.StatusNotFound || !strings.Contains(string(r.Body), "没有找到这份政策") {
		t.Errorf("unknown policy: %s", r)
	}
	// Four searches or feed reads at once (the JSON API's too), then the client waits.
	if r := srv.get("/api/v1/search?q="+url.QueryEscape("企业开办"), ""); r.Status != 200 || !strings.Contains(string(r.Body), `"qd-xzsp-2025-12"`) {
		t.Errorf("the JSON API beside the pages: %s", r)
	}
	if r := srv.get("/search?category=no-such-category", ""); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "<code>category</code>") || !strings.Contains(string(r.Body), "no-such-category") {
		t.Errorf("unknown category: %s", r)
	}
	if r := srv.get("/search?q="+url.QueryEscape("企业开办"), ""); r.Status != 200 || !strings.Contains(string(r.Body), "青政办发〔2025〕12号") {
		t.Errorf("search: %s", r)
	}
	if r := srv.get("/feeds/deadlines.ics", ""); r.Status != 200 || !strings.Contains(string(r.Body), "SUMMARY:申报截止：") {
		t.Errorf("deadlines: %s", r)
	}
	r := srv.get("/api/v1/feeds/changes", "")
	secs, _ := strconv.Atoi(r.Header.Get("Retry-After"))
	if r.Status != http.StatusTooManyRequests || secs < 1 || !strings.Contains(string(r.Body), `"code":"rate_limited"`) {
		t.Errorf("fourth request: %s (Retry-After %q)", r, r.Header.Get("Retry-After"))
	}
	if r := srv.get("/search?q=x", ""); r.Status != http.StatusTooManyRequests || !strings.Contains(string(r.Body), "请求太频繁") {
		t.Errorf("fifth request: %d", r.Status)
	}
	// Policy pages are not limited; a view from search is recorded.
	if r := srv.get("/policies/qd-xzsp-2025-12?from=search", ""); r.Status != 200 {
		t.Errorf("policy page: %d", r.Status)
	}
	waitPortalView(t, srv, "search")
	// The portal's answers are counted by route, the 429s too.
	if r := srv.get("/metrics", ""); !strings.Contains(string(r.Body), `govpulse_portal_http_requests_total{code="429",route="GET /search"} 1`) {
		t.Errorf("/metrics lacks the portal's 429 on /search")
	}
}
