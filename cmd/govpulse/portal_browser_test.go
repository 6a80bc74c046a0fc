package main

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/govpulse/govpulse/internal/browsertest"
	"github.com/govpulse/govpulse/internal/pgtest"
)

// The portal as a visitor uses it, in real headless Chromium, served by
// the real Main on its own address from policies sent through ingest.

// portalPages are the pages every layout check visits.
var portalPages = []struct{ name, path string }{
	{"home", "/"},
	{"search", "/search?q=" + url.QueryEscape("企业开办")},
	{"search-filtered", "/search?q=" + url.QueryEscape("企业") + "&category=tax-finance"},
	{"search-zero", "/search?q=" + url.QueryEscape("无人机航拍")},
	{"policy", "/policies/qd-xzsp-2025-12"},
	{"policy-version-1", "/policies/qd-xzsp-2025-12/versions/1"},
	{"policy-at-date", "/policies/qd-xzsp-2025-12?at=2025-06-01"},
	{"policy-repealed", "/policies/qd-xzsp-2019-5"},
	{"match-form", "/match"},
	{"match", "/match?industry=c&size=small&founded=2024"},
	{"error-400", "/search?category=" + url.QueryEscape("不存在")},
	{"error-404", "/policies/no-such-policy"},
}

func TestPortalInTheBrowser(t *testing.T) {
	srv := startPortal(t, portalPolicies())
	base := srv.Main.PortalURL()
	b := browsertest.New(t)

	t.Run("search filter open history diff", func(t *testing.T) {
		p := b.NewPage(t, browsertest.Options{Width: 360, Height: 640})
		p.Go(base + "/")
		p.Do(chromedp.SendKeys(chromedp.ID("site-q"), "企业开办"),
			chromedp.Submit(chromedp.ID("site-q")),
			chromedp.WaitVisible(chromedp.CSS(".results")))
		text := p.Text()
		if !strings.Contains(text, "关于进一步压缩企业开办时间的若干措施") || !strings.Contains(text, "现行有效") {
			t.Fatalf("search page:\n%s", text)
		}
		if n := browsertest.Eval[int](p, `document.querySelectorAll(".results mark").length`); n == 0 {
			t.Errorf("no highlighted snippet")
		}
		// Filter: the category checkbox, then the form's button.
		p.Do(chromedp.Click(chromedp.CSS("details.filters > summary")))
		box := browsertest.Eval[string](p, `(() => { const i = [...document.querySelectorAll('.filters input[name=category]')].find(i => i.value === 'enterprise-startup'); return i ? i.id : '' })()`)
		if box == "" {
			t.Fatalf("no category filter enterprise-startup on the search page:\n%s", p.Text())
		}
		p.Do(chromedp.Click(chromedp.ID(box)), chromedp.Click(chromedp.CSS(".filters button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".active-filters")))
		if u := p.URL(); !strings.Contains(u, "category=enterprise-startup") {
			t.Errorf("filtered URL %s", u)
		}
		if text := p.Text(); strings.Contains(text, "税费减免") {
			t.Errorf("the tax notice is shown under the start-up filter:\n%s", text)
		}
		// Open the policy from its result.
		p.Do(chromedp.Click(chromedp.CSS(`.results a[href^="/policies/qd-xzsp-2025-12"]`)), chromedp.WaitVisible(chromedp.ID("facts-h")))
		text = p.Text()
		for _, want := range []string{"要素", "青政办发〔2025〕12号", "现行有效", "申报指引", "还剩 18 天截止", "补贴最高3000元", "个体工商户可以享受吗？", "版本历史"} {
			if !strings.Contains(text, want) {
				t.Errorf("policy page lacks %q", want)
			}
		}
		// History: open version 2's changes and read the diff.
		p.Do(chromedp.Click(chromedp.CSS("#v2 details > summary")))
		del := browsertest.Eval[string](p, `[...document.querySelectorAll("#v2 del")].map(e => e.innerText).join("|")`)
		ins := browsertest.Eval[string](p, `[...document.querySelectorAll("#v2 ins")].map(e => e.innerText).join("|")`)
		if !strings.Contains(del, "补贴最高2000元") || !strings.Contains(ins, "补贴最高3000元") || !strings.Contains(ins, "网上平台或窗口") {
			t.Errorf("diff: removed %q, added %q", del, ins)
		}
		visible := browsertest.Eval[bool](p, `document.querySelector("#v2 ins").getBoundingClientRect().height > 0`)
		if !visible {
			t.Errorf("the diff is not visible once opened")
		}
		p.Do(chromedp.ScrollIntoView(chromedp.ID("hist-h")))
		p.ScreenshotViewport(shotPath(t, "policy-diff-open", 360))
		p.Do(chromedp.Click(chromedp.CSS(`#v1 a`)), chromedp.WaitVisible(chromedp.CSS(".version-banner")))
		if text := p.Text(); !strings.Contains(text, "您正在查看第 1 版（共 2 版）") || !strings.Contains(text, "补贴最高2000元") {
			t.Errorf("version 1 page:\n%s", text)
		}
		// The repealed one points at its successor.
		p.Go(base + "/policies/qd-xzsp-2019-5")
		if text := p.Text(); !strings.Contains(text, "已废止") || !strings.Contains(text, "本政策已于 2025年3月5日 废止") {
			t.Errorf("repealed page:\n%s", text)
		}
		p.Do(chromedp.Click(chromedp.CSS(`.repealed-banner a`)), chromedp.WaitVisible(chromedp.ID("facts-h")))
		if u := p.URL(); !strings.HasSuffix(u, "/policies/qd-xzsp-2025-12") {
			t.Errorf("successor link went to %s", u)
		}
	})

	t.Run("match a profile", func(t *testing.T) {
		p := b.NewPage(t, browsertest.Options{Width: 360, Height: 640})
		p.Go(base + "/match")
		p.Do(chromedp.SetValue(chromedp.ID("m-industry"), "c"),
			chromedp.SetValue(chromedp.ID("m-size"), "small"),
			chromedp.SendKeys(chromedp.ID("m-founded"), "2024"),
			chromedp.Click(chromedp.CSS(".profile button[type=submit]")),
			chromedp.WaitVisible(chromedp.ID("ok-h")))
		if u := p.URL(); !strings.Contains(u, "industry=c") || !strings.Contains(u, "size=small") || !strings.Contains(u, "founded=2024") {
			t.Errorf("the profile is not in the URL: %s", u)
		}
		ok := browsertest.Eval[string](p, `document.querySelector("#ok-h").parentElement.innerText`)
		for _, want := range []string{"关于进一步压缩企业开办时间的若干措施", "符合 行业", "关于落实小微企业税费减免政策的通知", "待确认 资质：高新技术企业"} {
			if !strings.Contains(ok, want) {
				t.Errorf("matches lack %q:\n%s", want, ok)
			}
		}
		// A wholesaler (industry f) misses the start-up measure by its industry.
		p.Go(base + "/match?industry=f&size=small&founded=2024")
		near := browsertest.Eval[string](p, `(document.querySelector("#near-h") || document.body).parentElement.innerText`)
		if !strings.Contains(near, "差一项条件的政策") || !strings.Contains(near, "关于进一步压缩企业开办时间的若干措施") || !strings.Contains(near, "不符合 行业") {
			t.Errorf("near misses:\n%s", near)
		}
		if ok := browsertest.Eval[string](p, `document.querySelector("#ok-h").parentElement.innerText`); strings.Contains(ok, "关于进一步压缩企业开办时间的若干措施") {
			t.Errorf("the start-up measure matches a wholesaler:\n%s", ok)
		}
	})

	t.Run("follow a feed link", func(t *testing.T) {
		p := b.NewPage(t, browsertest.Options{})
		p.Go(base + "/search?q=" + url.QueryEscape("企业开办"))
		href := browsertest.Eval[string](p, `document.querySelector('.feeds a[href^="/feeds/changes.atom"]').href`)
		res, err := http.Get(href)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/atom+xml") {
			t.Fatalf("feed %s: %d %s", href, res.StatusCode, res.Header.Get("Content-Type"))
		}
		var feed struct {
			Entries []struct {
				Title string `xml:"title"`
				Link  struct {
					Href string `xml:"href,attr"`
				} `xml:"link"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal(body, &feed); err != nil || len(feed.Entries) == 0 {
			t.Fatalf("feed: %v\n%s", err, body)
		}
		link := feed.Entries[0].Link.Href
		if !strings.Contains(link, "from=feed") {
			t.Errorf("entry link %s does not say it came from the feed", link)
		}
		if status := p.Go(link); status != 200 {
			t.Fatalf("entry link %s: %d", link, status)
		}
		if !strings.Contains(p.Text(), "要素") {
			t.Errorf("entry link did not open a policy page")
		}
		// The view was recorded through the log with its origin.
		waitPortalView(t, srv, "feed")
	})

	t.Run("phone, 200% text, screenshots, axe", func(t *testing.T) {
		for _, o := range []struct {
			label string
			opts  browsertest.Options
		}{
			{"360", browsertest.Options{Width: 360, Height: 640}},
			{"1280", browsertest.Options{Width: 1280, Height: 900}},
			{"360-text200", browsertest.Options{Width: 360, Height: 640, FontSize: 32}},
		} {
			p := b.NewPage(t, o.opts)
			for _, pg := range portalPages {
				status := p.Go(base + pg.path)
				want := 200
				switch pg.name {
				case "error-400":
					want = 400
				case "error-404":
					want = 404
				}
				if status != want {
					t.Errorf("%s: status %d, want %d", pg.path, status, want)
				}
				if o.opts.Width == 360 {
					if over := p.HorizontalOverflow(); over > 0 {
						t.Errorf("%s at %s: scrolls sideways by %d px: %v", pg.path, o.label, over, p.Overflowing())
					}
				}
				if o.opts.FontSize == 32 {
					if fs := browsertest.Eval[string](p, `getComputedStyle(document.body).fontSize`); fs != "32px" {
						t.Errorf("%s: text at 200%% is %s", pg.path, fs)
					}
				}
				if o.opts.FontSize == 32 {
					p.ScreenshotViewport(shotPath(t, pg.name+"-text200-first-screen", o.opts.Width))
				} else {
					p.Screenshot(shotPath(t, pg.name, o.opts.Width))
				}
				if o.label == "1280" || o.label == "360" {
					for _, v := range browsertest.Serious(p.Axe()) {
						t.Errorf("%s at %s: axe: %s", pg.path, o.label, v)
					}
				}
			}
		}
	})

	t.Run("keyboard only", func(t *testing.T) {
		p := b.NewPage(t, browsertest.Options{Width: 360, Height: 640})
		p.Go(base + "/")
		f := p.Tab(false)
		if f.Text != "跳到正文" || !f.Visible {
			t.Fatalf("first Tab: %+v, want the visible skip link", f)
		}
		if !strings.HasPrefix(f.Outline, "solid") {
			t.Errorf("the skip link's focus is not visible: outline %q", f.Outline)
		}
		p.Press(kb.Enter)
		if f := p.Focused(); f.ID != "main" {
			t.Errorf("the skip link moved the focus to %+v, want main", f)
		}
		// Reach the search box, type, submit with Enter.
		p.Go(base + "/")
		p.TabTo(10, "the search box", func(f browsertest.Focused) bool { return f.ID == "site-q" })
		p.Press("社保")
		p.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(".summary")))
		if u := p.URL(); !strings.Contains(u, "/search?q=") {
			t.Fatalf("Enter in the search box went to %s", u)
		}
		p.Go(base + "/search?q=" + url.QueryEscape("企业开办"))
		link := p.TabTo(40, "a result", func(f browsertest.Focused) bool { return strings.HasPrefix(f.Href, "/policies/") })
		if !strings.HasPrefix(link.Outline, "solid") {
			t.Errorf("a focused result link shows no outline: %q", link.Outline)
		}
		p.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.ID("facts-h")))
		// The version diff opens with the keyboard too.
		p.TabTo(80, "version 2's changes", func(f browsertest.Focused) bool {
			return f.Tag == "SUMMARY" && strings.Contains(f.Text, "查看本版改动")
		})
		p.Press(kb.Enter)
		if !browsertest.Eval[bool](p, `document.querySelector("#v2 details").open`) {
			t.Errorf("Enter on the summary did not open the diff")
		}
		// The match form: fill and send with the keyboard only.
		p.Go(base + "/match")
		p.TabTo(20, "the industry select", func(f browsertest.Focused) bool { return f.ID == "m-industry" })
		p.TabTo(5, "the founding year", func(f browsertest.Focused) bool { return f.ID == "m-founded" })
		p.Press("2020")
		p.TabTo(20, "the submit button", func(f browsertest.Focused) bool {
			return f.Tag == "BUTTON" && strings.Contains(f.Text, "查看适用政策")
		})
		p.Do(chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.ID("ok-h")))
		if u := p.URL(); !strings.Contains(u, "founded=2020") {
			t.Errorf("keyboard match went to %s", u)
		}
	})

	t.Run("security headers and the separate address", func(t *testing.T) {
		res, err := http.Get(base + "/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("CSP %q", csp)
		}
		for _, path := range []string{"/v1/events", "/metrics", "/v1/admin/poison", "/healthz"} {
			res, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("the portal's address answers %s with %d, want 404", path, res.StatusCode)
			}
		}
		if r := srv.get("/", ""); r.Status != http.StatusNotFound {
			t.Errorf("with --portal-addr the API address still serves the portal: %s", r)
		}
	})
}

// waitPortalView waits until the usage read model counts a view with origin.
func waitPortalView(t *testing.T, srv *testServer, origin string) {
	t.Helper()
	db := pgtest.Connect(t, srv.DBURL)
	waitUntil(t, "a policy view from "+origin+" in portal_views", func() bool {
		var n int64
		err := db.QueryRow(t.Context(), `SELECT coalesce(sum(views), 0) FROM portal_views WHERE origin = $1`, origin).Scan(&n)
		return err == nil && n > 0
	})
}
