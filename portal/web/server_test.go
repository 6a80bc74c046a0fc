package web

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/portal"
)

var fixedNow = func() time.Time { return time.Date(2026, 3, 2, 12, 0, 0, 0, time.FixedZone("CST", 8*3600)) }

func newTestServer(t *testing.T, r portal.Reader, rec *recorded, configure ...func(*Server)) http.Handler {
	t.Helper()
	s := &Server{Reader: r, Usage: rec, Choices: fixtureChoices, Now: fixedNow, RatePerClient: 1000, RateBurst: 1000}
	for _, f := range configure {
		f(s)
	}
	h, err := s.Handler()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func get(t *testing.T, h http.Handler, target string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.RemoteAddr = "192.0.2.1:4000"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestPagesRender(t *testing.T) {
	rec := &recorded{}
	h := newTestServer(t, newFixture(), rec)
	for _, c := range []struct {
		url  string
		want []string
	}{
		{"/", []string{"找到适用于您企业的政策", "企业开办", "还剩 29 天", "关于优化企业开办服务的若干措施"}},
		{"/search?q=企业", []string{"“企业”的搜索结果", "共 1 件政策", "<mark>企业</mark>", "/feeds/changes.atom?q=%E4%BC%81%E4%B8%9A"}},
		{"/search?category=enterprise-startup&category=innovation", []string{"政策类别：企业开办", "应用筛选"}},
		{"/search?q=没有的词", []string{"没有找到符合条件的政策", "标题相近的政策"}},
		{"/policies/qd-2020-12?from=search", []string{"要素", "青政办发〔2020〕12号", "现行有效", "申报指引", "还剩 29 天截止", "第 2 版", "扶持标准", "<del>", "<ins>", "常见问题", "问：谁可以申请？"}},
		{"/policies/qd-2020-12?at=2021-01-01", []string{"按 2021年1月1日 当日的文本和有效性显示"}},
		{"/policies/qd-2020-12/versions/1", []string{"您正在查看第 1 版（共 2 版）", `rel="canonical" href="/policies/qd-2020-12/versions/1"`}},
		{"/match", []string{"我的企业能享受什么政策", `<label for="m-industry">所属行业</label>`}},
		{"/match?industry=c&size=small&founded=2019&qualifications=high-tech", []string{"符合条件的政策（1 件）", "待确认", "/feeds/match.ics?"}},
	} {
		res, body := get(t, h, c.url)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d\n%s", c.url, res.StatusCode, body)
			continue
		}
		if !strings.Contains(body, `<html lang="zh-CN">`) || !strings.Contains(body, `href="#main"`) {
			t.Errorf("%s: no lang or skip link", c.url)
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "style=") {
			t.Errorf("%s: inline script or style", c.url)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q in the page", c.url, w)
			}
		}
	}
	if got, want := strings.Join(rec.views, ","), "qd-2020-12/search,qd-2020-12/direct,qd-2020-12/direct"; got != want {
		t.Errorf("views recorded %s, want %s", got, want)
	}
	if got, want := strings.Join(rec.searches, ","), "企业,,没有的词"; got != want {
		t.Errorf("searches recorded %q, want %q", got, want)
	}
}

func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	h := newTestServer(t, newFixture(), &recorded{})
	for _, u := range []string{"/", "/search?q=x", "/policies/nope", "/nowhere", "/static/portal.css", "/feeds/changes.atom", "/search?page=0"} {
		res, _ := get(t, h, u)
		for name, want := range map[string]string{
			"Content-Security-Policy": contentSecurityPolicy,
			"X-Content-Type-Options":  "nosniff",
			"Referrer-Policy":         "same-origin",
		} {
			if got := res.Header.Get(name); got != want {
				t.Errorf("%s: %s = %q, want %q", u, name, got, want)
			}
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", u, csp)
		}
	}
}

func TestBadParametersAre400PagesInChinese(t *testing.T) {
	h := newTestServer(t, newFixture(), &recorded{})
	for _, c := range []struct{ url, param string }{
		{"/search?page=0", "page"},
		{"/search?page=abc", "page"},
		{"/search?q=" + strings.Repeat("税", 101), "q"},
		{"/search?validity=maybe", "validity"},
		{"/search?published_from=2020-13-01", "published_from"},
		{"/search?published_from=2021-01-01&published_to=2020-01-01", "published_to"},
		{"/search?q=%zz", "q"},
		{"/search?q=a%00b", "q"},
		{"/search?q=a&q=b", "q"},
		{"/search?utm_source=x", "utm_source"},
		{"/policies/qd-2020-12?at=yesterday", "at"},
		{"/policies/qd-2020-12?at=1999-12-31", "at"},
		{"/policies/qd-2020-12?from=mars", "from"},
		{"/policies/qd-2020-12/versions/abc", "n"},
		{"/policies/qd-2020-12/versions/0", "n"},
		{"/match?founded=1800", "founded"},
		{"/match?industry=c&industry=i", "industry"},
		{"/feeds/match.ics?founded=x", "founded"},
		{"/?x=1", "x"},
	} {
		res, body := get(t, h, c.url)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", c.url, res.StatusCode)
			continue
		}
		if !strings.Contains(body, "请求有误") || !strings.Contains(body, "<code>"+c.param+"</code>") {
			t.Errorf("%s: the page does not name %s in Chinese:\n%s", c.url, c.param, body)
		}
	}
	for _, u := range []string{"/policies/none", "/policies/qd-2020-12/versions/9", "/nowhere"} {
		if res, body := get(t, h, u); res.StatusCode != http.StatusNotFound || !strings.Contains(body, "没有找到") {
			t.Errorf("%s: status %d, want a Chinese 404", u, res.StatusCode)
		}
	}
	if res, body := get(t, h, "/api/v1/feeds/changes?limit=0"); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"code":"malformed"`) {
		t.Errorf("api feed with a bad limit: %d %s", res.StatusCode, body)
	}
}

func TestReaderFailureIsAPlainChinese500(t *testing.T) {
	f := newFixture()
	f.fail = errors.New("pq: relation policies does not exist")
	h := newTestServer(t, f, &recorded{})
	res, body := get(t, h, "/search?q=x")
	if res.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "服务暂时出了问题") || strings.Contains(body, "relation") {
		t.Errorf("status %d body %s", res.StatusCode, body)
	}
	f.fail = &portal.Error{Code: portal.EInvalid, Param: "issuer", Message: "issuer: unknown"}
	if res, body := get(t, h, "/search?q=x"); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "发文机关") {
		t.Errorf("reader's invalid: status %d body %s", res.StatusCode, body)
	}
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	now := fixedNow()
	h := newTestServer(t, newFixture(), &recorded{}, func(s *Server) {
		s.RatePerClient, s.RateBurst = 0.5, 2
		s.Now = func() time.Time { return now }
	})
	for i := 0; i < 2; i++ {
		if res, _ := get(t, h, "/search?q=x"); res.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, res.StatusCode)
		}
	}
	res, body := get(t, h, "/feeds/changes.atom")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "2" || !strings.Contains(body, "请求太频繁") {
		t.Errorf("third: %d Retry-After %q\n%s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if res, body := get(t, h, "/api/v1/feeds/changes"); res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, `"code":"rate_limited"`) {
		t.Errorf("api: %d %s", res.StatusCode, body)
	}
	// Policy pages are not limited; another client has its own bucket.
	if res, _ := get(t, h, "/policies/qd-2020-12"); res.StatusCode != http.StatusOK {
		t.Errorf("policy page limited: %d", res.StatusCode)
	}
	req := httptest.NewRequest(http.MethodGet, "/search?q=x", nil)
	req.RemoteAddr = "198.51.100.7:1234"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Errorf("another client: %d", w.Code)
	}
	now = now.Add(2 * time.Second)
	if res, _ := get(t, h, "/search?q=x"); res.StatusCode != http.StatusOK {
		t.Errorf("after Retry-After: %d", res.StatusCode)
	}
}

func TestFeeds(t *testing.T) {
	f := newFixture()
	v := fixturePolicy("xss", `<script>alert(1)</script>&`)
	f.views = append(f.views, v)
	h := newTestServer(t, f, &recorded{})

	res, body := get(t, h, "/feeds/changes.atom?q=企业")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("atom: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var feed struct {
		Title   string `xml:"title"`
		Entries []struct {
			Title   string `xml:"title"`
			ID      string `xml:"id"`
			Summary struct {
				Type string `xml:"type,attr"`
				Text string `xml:",chardata"`
			} `xml:"summary"`
			Link struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(body), &feed); err != nil {
		t.Fatalf("atom is not XML: %v\n%s", err, body)
	}
	if len(feed.Entries) != 4 {
		t.Fatalf("%d entries, want 4\n%s", len(feed.Entries), body)
	}
	e := feed.Entries[0]
	if e.Title != "修订：关于优化企业开办服务的若干措施" || e.Summary.Type != "text" || e.Link.Href != "http://example.com/policies/qd-2020-12/versions/2?from=feed" {
		t.Errorf("entry %+v", e)
	}
	if feed.Entries[2].Title != "修订：<script>alert(1)</script>&" || strings.Contains(body, "<script>") {
		t.Errorf("a title is not carried as text: %q", feed.Entries[2].Title)
	}

	res, body = get(t, h, "/feeds/policies/qd-2020-12.atom")
	if res.StatusCode != 200 || strings.Count(body, "<entry>") != 2 {
		t.Errorf("policy feed: %d\n%s", res.StatusCode, body)
	}
	if res, _ := get(t, h, "/feeds/policies/qd-2020-12.rss"); res.StatusCode != 404 {
		t.Errorf("policy feed without .atom: %d", res.StatusCode)
	}

	res, body = get(t, h, "/feeds/match.ics?industry=c")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("ics: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	unfolded := strings.ReplaceAll(body, "\r\n ", "")
	for _, want := range []string{"BEGIN:VCALENDAR", "BEGIN:VEVENT", "DTSTART;VALUE=DATE:20260331", "DTEND;VALUE=DATE:20260401", "SUMMARY:申报截止：关于优化企业开办服务的若干措施", "URL:http://example.com/policies/qd-2020-12?from=feed", "END:VCALENDAR"} {
		if !strings.Contains(unfolded, want) {
			t.Errorf("ics lacks %q:\n%s", want, body)
		}
	}
	for _, line := range strings.Split(body, "\r\n") {
		if len(line) > 75 {
			t.Errorf("ics line of %d octets (RFC 5545 folds at 75): %q", len(line), line)
		}
	}

	res, body = get(t, h, "/api/v1/feeds/changes?since=2021-01-01&limit=1")
	if res.StatusCode != 200 || strings.Count(body, `"policy_id"`) != 1 || !strings.Contains(body, `"kind_label":"修订"`) {
		t.Errorf("json feed: %d %s", res.StatusCode, body)
	}
	res, body = get(t, h, "/api/v1/feeds/match/deadlines?size=small")
	if res.StatusCode != 200 || !strings.Contains(body, `"application_to":"2026-03-31"`) {
		t.Errorf("json deadlines: %d %s", res.StatusCode, body)
	}
}

func TestPolicyTextIsEscaped(t *testing.T) {
	f := newFixture()
	v := fixturePolicy("x1", `<img src=x onerror=alert(1)>`)
	v.Policy.Body = "<script>alert(2)</script>\n<p onclick=x>段落</p>"
	v.Policy.Contact = `"><svg onload=alert(3)>`
	v.Policy.Materials = []string{"<b>粗</b>"}
	f.views = []portal.PolicyView{v}
	h := newTestServer(t, f, &recorded{})
	for _, u := range []string{"/policies/x1", "/search?q=" + "%3Cimg", "/"} {
		_, body := get(t, h, u)
		for _, bad := range []string{"<img src=x", "<script>alert", "<svg", "<b>粗", "<p onclick"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: %q reached the page unescaped", u, bad)
			}
		}
	}
	_, body := get(t, h, "/policies/x1")
	if !strings.Contains(body, "&lt;script&gt;alert(2)&lt;/script&gt;") {
		t.Errorf("the body is not shown as its text")
	}
}

func TestPastDeadlinesSayClosed(t *testing.T) {
	f := newFixture()
	f.views[0].Policy.ApplicationTo = portal.NewDate(2026, 1, 31)
	h := newTestServer(t, f, &recorded{})
	for _, u := range []string{"/search?q=企业", "/match?size=small", "/policies/qd-2020-12"} {
		if _, body := get(t, h, u); !strings.Contains(body, "已截止") {
			t.Errorf("%s: a window closed on 2026-01-31 is not marked closed on 2026-03-02", u)
		}
	}
}
