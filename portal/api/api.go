package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/govpulse/govpulse/internal/jsonhttp"
	"github.com/govpulse/govpulse/portal"
)

// Handler serves the JSON API on a portal.Reader.
type Handler struct {
	Reader portal.Reader
	Logger *slog.Logger
	// Now is the clock for the founding-year bound of a profile; nil means
	// time.Now.
	Now func() time.Time
}

// Prefix is where the API lives.
const Prefix = "/api/v1/"

// Routes returns the API's handler for the paths under Prefix.
func (h *Handler) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/policies", h.policies)
	mux.HandleFunc("GET /api/v1/search", h.search)
	mux.HandleFunc("GET /api/v1/policies/{id}", h.policy)
	mux.HandleFunc("GET /api/v1/policies/{id}/versions/{n}", h.version)
	mux.HandleFunc("GET /api/v1/match", h.match)
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, h.Logger, r, portal.NotFound("no API endpoint %s %s; see the README's portal API", r.Method, r.URL.Path))
	})
	return mux
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// policies is the list of policies: a search without a query, newest
// first, with the same filters, facets and pages.
func (h *Handler) policies(w http.ResponseWriter, r *http.Request) {
	q, err := portal.ParseSearchQuery(r.URL.Query())
	if err == nil && q.Q != "" {
		err = portal.Invalid("q", "lists take no query; use /api/v1/search")
	}
	if err != nil {
		writeError(w, h.Logger, r, err)
		return
	}
	h.runSearch(w, r, q)
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	q, err := portal.ParseSearchQuery(r.URL.Query())
	if err != nil {
		writeError(w, h.Logger, r, err)
		return
	}
	h.runSearch(w, r, q)
}

func (h *Handler) runSearch(w http.ResponseWriter, r *http.Request, q portal.SearchQuery) {
	res, err := h.Reader.Search(r.Context(), q)
	if err != nil {
		writeError(w, h.Logger, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (h *Handler) policy(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	for name := range v {
		if name != "at" {
			writeError(w, h.Logger, r, portal.Invalid(name, "is not a parameter here; known: at (YYYY-MM-DD)"))
			return
		}
	}
	var at *portal.Date
	if s := v.Get("at"); s != "" || len(v["at"]) > 0 {
		if len(v["at"]) > 1 {
			writeError(w, h.Logger, r, portal.Invalid("at", "is given %d times; give it once", len(v["at"])))
			return
		}
		d, err := portal.ParseDate(s)
		if err != nil {
			writeError(w, h.Logger, r, portal.Invalid("at", "%q is not a date YYYY-MM-DD", s))
			return
		}
		at = &d
	}
	view, err := h.Reader.Policy(r.Context(), r.PathValue("id"), at)
	if err != nil {
		writeError(w, h.Logger, r, err)
		return
	}
	writePolicyView(w, &view)
}

func (h *Handler) version(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		writeError(w, h.Logger, r, portal.Invalid("query", "a version takes no parameters"))
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > 10000 {
		writeError(w, h.Logger, r, portal.Invalid("version", "must be a version number 1, 2, ...; got %q", r.PathValue("n")))
		return
	}
	view, err := h.Reader.Version(r.Context(), r.PathValue("id"), n)
	if err != nil {
		writeError(w, h.Logger, r, err)
		return
	}
	writePolicyView(w, &view)
}

// writePolicyView answers with a policy's page, as writeJSON would.
func writePolicyView(w http.ResponseWriter, view *portal.PolicyView) {
	if !policyViewAppendable(view) {
		// A copy: view itself then stays on the caller's stack.
		writeJSON(w, http.StatusOK, *view)
		return
	}
	noCache(w)
	jsonhttp.WriteAppended(w, http.StatusOK, func(b []byte) []byte { return appendPolicyView(b, view) })
}

func (h *Handler) match(w http.ResponseWriter, r *http.Request) {
	p, err := portal.ParseProfile(r.URL.Query(), h.now())
	if err != nil {
		writeError(w, h.Logger, r, err)
		return
	}
	res, err := h.Reader.Match(r.Context(), p)
	if err != nil {
		writeError(w, h.Logger, r, err)
		return
	}
	noCache(w)
	jsonhttp.WriteAppended(w, http.StatusOK, func(b []byte) []byte { return appendMatch(b, &res) })
}

// statusOf maps the portal's error codes to HTTP.
var statusOf = map[string]int{portal.ENotFound: http.StatusNotFound, portal.EInvalid: http.StatusBadRequest}

// writeError answers with a *portal.Error's code, or a 500 whose details
// stay in the log.
func writeError(w http.ResponseWriter, log *slog.Logger, r *http.Request, err error) {
	var pe *portal.Error
	if !errors.As(err, &pe) {
		if log != nil {
			log.Error("portal API request failed", "path", r.URL.Path, "err", err)
		}
		pe = &portal.Error{Code: "internal", Message: "internal error; the server log has the details"}
		writeJSON(w, http.StatusInternalServerError, pe)
		return
	}
	writeJSON(w, statusOf[pe.Code], pe)
}

// writeJSON answers with v; the API's answers change as policies do, so
// a cache asks again every time.
func writeJSON(w http.ResponseWriter, status int, v any) {
	noCache(w)
	jsonhttp.Write(w, status, v)
}

func noCache(w http.ResponseWriter) { w.Header().Set("Cache-Control", "no-cache") }
