package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/internal/jsonhttp"
	"github.com/govpulse/govpulse/portal"
	"github.com/govpulse/govpulse/portal/usage"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Server serves the portal. Fill the fields, then call Handler.
type Server struct {
	// Reader answers every question a page asks.
	Reader portal.Reader
	// Usage records views and searches; nil records nothing.
	Usage usage.Recorder
	// Choices are the codes the forms offer and parameters are checked against.
	Choices Choices
	// API, when set, serves the JSON API under /api/v1/ (portal/api);
	// search and match there share the per-client rate limit.
	API http.Handler
	// Now is the portal's clock (today's validity, days left, the rate
	// limit, feeds' time stamps); nil: time.Now.
	Now func() time.Time
	// AsOf, when set, is the portal's today instead of Now's day: what
	// validity, days left and a profile's founding year are judged on.
	// Every page's footer says so. The Reader is given the same date.
	AsOf portal.Date
	// RatePerClient is how many searches, matches and feed reads per
	// second one client may make, RateBurst how many at once.
	RatePerClient float64
	RateBurst     int
	// Timeout bounds the reader's work for one request.
	Timeout time.Duration
	Logger  *slog.Logger
	// Registry, when set, gets the portal's request metrics.
	Registry prometheus.Registerer

	pages   map[string]*template.Template
	limiter *clientLimiter
}

// Handler builds the portal's routes.
func (s *Server) Handler() (http.Handler, error) {
	if s.Reader == nil {
		return nil, errors.New("portal web: no Reader")
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Usage == nil {
		s.Usage = usage.Discard{}
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.RatePerClient <= 0 {
		s.RatePerClient = 5
	}
	if s.RateBurst <= 0 {
		s.RateBurst = 20
	}
	if s.Timeout <= 0 {
		s.Timeout = 10 * time.Second
	}
	pages, err := parsePages(s.AsOf)
	if err != nil {
		return nil, err
	}
	s.pages = pages
	s.limiter = newClientLimiter(s.RatePerClient, s.RateBurst, s.Now)

	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	mux.HandleFunc("GET /{$}", s.page(s.home))
	mux.HandleFunc("GET /search", s.limited(s.page(s.search)))
	mux.HandleFunc("GET /match", s.limited(s.page(s.match)))
	mux.HandleFunc("GET /policies/{id}", s.page(s.policy))
	mux.HandleFunc("GET /policies/{id}/versions/{n}", s.page(s.version))
	mux.HandleFunc("GET /feeds/changes.atom", s.limited(s.feed(s.changesFeed(s.searchScope, false))))
	mux.HandleFunc("GET /feeds/match.atom", s.limited(s.feed(s.changesFeed(s.profileScope, false))))
	mux.HandleFunc("GET /feeds/policies/{file}", s.limited(s.feed(s.changesFeed(policyScope("file", ".atom"), false))))
	mux.HandleFunc("GET /feeds/deadlines.ics", s.limited(s.feed(s.deadlinesFeed(s.searchScope, false))))
	mux.HandleFunc("GET /feeds/match.ics", s.limited(s.feed(s.deadlinesFeed(s.profileScope, false))))
	mux.HandleFunc("GET /api/v1/feeds/changes", s.limited(s.feed(s.changesFeed(s.searchScope, true))))
	mux.HandleFunc("GET /api/v1/feeds/match", s.limited(s.feed(s.changesFeed(s.profileScope, true))))
	mux.HandleFunc("GET /api/v1/feeds/policies/{id}", s.limited(s.feed(s.changesFeed(policyScope("id", ""), true))))
	mux.HandleFunc("GET /api/v1/feeds/deadlines", s.limited(s.feed(s.deadlinesFeed(s.searchScope, true))))
	mux.HandleFunc("GET /api/v1/feeds/match/deadlines", s.limited(s.feed(s.deadlinesFeed(s.profileScope, true))))
	if s.API != nil {
		mux.Handle("GET /api/v1/search", s.limited(s.API.ServeHTTP))
		mux.Handle("GET /api/v1/match", s.limited(s.API.ServeHTTP))
		mux.Handle("/api/v1/", s.API)
	} else {
		mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
			writeJSONError(w, http.StatusNotFound, portal.ENotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.renderError(w, r, http.StatusMethodNotAllowed, "", "本站只接受 GET 请求。")
			return
		}
		s.renderError(w, r, http.StatusNotFound, "", "没有找到这个页面。请检查网址，或从首页重新搜索。")
	})
	if s.Registry == nil {
		return securityHeaders(mux), nil
	}
	m, err := newRequestMetrics(s.Registry)
	if err != nil {
		return nil, err
	}
	return securityHeaders(m.Wrap(mux, mux)), nil
}

// cacheStatic lets browsers keep the embedded assets (their URLs carry
// the build's hash, see assetVersion).
func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

// pageFunc answers one page: the template to render and its data, or an
// error (*paramError: 400; portal.Error: 400 or 404; others: 500).
type pageFunc func(ctx context.Context, r *http.Request) (tmpl string, data any, err error)

// page turns a pageFunc into a handler that renders the page whole
// before it writes anything, so a failure is a clean error page.
func (s *Server) page(f pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.Timeout)
		defer cancel()
		name, data, err := f(ctx, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, name, data)
	}
}

// render executes a page template into a buffer and writes it.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := s.pages[name]
	if !ok {
		s.Logger.Error("portal: no such template", "name", name)
		status, name, data = http.StatusInternalServerError, "error", errorPage(http.StatusInternalServerError, "", internalMessage)
		t = s.pages["error"]
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.Logger.Error("portal: render", "page", name, "path", r.URL.Path, "err", err)
		buf.Reset()
		status = http.StatusInternalServerError
		if err := s.pages["error"].ExecuteTemplate(&buf, "layout", errorPage(status, "", internalMessage)); err != nil {
			http.Error(w, "服务器内部错误", status)
			return
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

const internalMessage = "服务暂时出了问题，我们已记录下来。请稍后再试。"

// fail answers err: a bad parameter is a 400, an unknown policy a 404,
// anything else a 500 whose details stay in the log.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, param, msg := s.classify(r, err)
	if isAPI(r) {
		code := portal.EInvalid
		switch status {
		case http.StatusNotFound:
			code = portal.ENotFound
		case http.StatusInternalServerError:
			code = "internal"
		case http.StatusServiceUnavailable:
			code = "unavailable"
		}
		writeJSONError(w, status, code, msg)
		return
	}
	s.renderError(w, r, status, param, msg)
}

// classify maps an error to a status, the parameter at fault and a
// Chinese message.
func (s *Server) classify(r *http.Request, err error) (int, string, string) {
	var pe *paramError
	if errors.As(err, &pe) {
		return http.StatusBadRequest, pe.Param, pe.Message
	}
	var e *portal.Error
	if errors.As(err, &e) {
		switch e.Code {
		case portal.ENotFound:
			return http.StatusNotFound, "", "没有找到这份政策。它的编号可能写错了；请从首页搜索。"
		case portal.EInvalid:
			var pe *paramError
			if errors.As(s.chinese(err, r.URL.Query()), &pe) {
				return http.StatusBadRequest, pe.Param, pe.Message
			}
			return http.StatusBadRequest, "", "请求的参数不正确，请修改后再试。"
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		s.Logger.Warn("portal: request timed out", "path", r.URL.Path, "err", err)
		return http.StatusServiceUnavailable, "", "系统正忙，请稍后再试。"
	}
	s.Logger.Error("portal: request failed", "path", r.URL.Path, "err", err)
	return http.StatusInternalServerError, "", internalMessage
}

// renderError renders the error page.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, param, msg string) {
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	s.render(w, r, status, "error", errorPage(status, param, msg))
}

// limited applies the per-client rate limit: over it, a 429 with
// Retry-After (an HTML page, or JSON under /api/).
func (s *Server) limited(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ok, wait := s.limiter.allow(r)
		if !ok {
			secs := retryAfterSeconds(wait)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			msg := "请求太频繁了，请 " + strconv.Itoa(secs) + " 秒后再试。"
			if isAPI(r) {
				writeJSONError(w, http.StatusTooManyRequests, "rate_limited", "too many requests from this client; retry after "+strconv.Itoa(secs)+"s")
				return
			}
			s.render(w, r, http.StatusTooManyRequests, "error", errorPage(http.StatusTooManyRequests, "", msg))
			return
		}
		h(w, r)
	}
}

func isAPI(r *http.Request) bool {
	return len(r.URL.Path) >= 5 && r.URL.Path[:5] == "/api/"
}

// writeJSONError answers in the API's {code, error} shape.
func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"code": code, "error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) { jsonhttp.Write(w, status, v) }

// today is the portal's current day in China Standard Time, or AsOf.
func (s *Server) today() portal.Date {
	if !s.AsOf.IsZero() {
		return s.AsOf
	}
	return portal.DateOf(s.Now())
}
