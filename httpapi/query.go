package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/queryparam"
	"github.com/govpulse/govpulse/projections"
)

// Query strings are read once, strictly, before any handler runs: a
// broken percent-escape, a NUL or other control character, invalid UTF-8,
// a parameter the endpoint does not take or one given twice is a 400 that
// names the parameter. Handlers read the parsed values with query(r), so
// what was checked is what is used, and nothing reaches PostgreSQL
// unchecked.

// maxParamLen bounds one decoded query parameter value, in bytes.
const maxParamLen = 1000

// Dates a query may name: the years the service handles (events are
// accepted from 2000 on); anything else is a typo.
var (
	earliestQueryDate = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	latestQueryDate   = time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)
)

// queryParams lists the parameters each route takes; a route not listed
// takes none.
func queryParams() map[string][]string {
	stats := func(dims []string) []string { return append([]string{"from", "to", "group_by"}, dims...) }
	return map[string][]string{
		"GET /v1/events":          {"after", "limit"},
		"GET /v1/ingest/tally":    {"from", "to", "source", "type"},
		"GET /v1/admin/poison":    {"all"},
		"GET /v1/stats/cases":     stats(projections.CaseStats.Table().Dimensions()),
		"GET /v1/stats/licenses":  stats(projections.LicenseStats.Table().Dimensions()),
		"GET /v1/stats/lawsuits":  stats(projections.LawsuitStats.Table().Dimensions()),
		"GET /v1/targets":         {"department", "at"},
		"GET /v1/targets/history": {"target", "department", "limit"},
	}
}

// queryKey carries the parsed query in a request's context.
type queryKey struct{}

// query returns the request's parsed query (see strictQuery).
func query(r *http.Request) url.Values {
	if q, ok := r.Context().Value(queryKey{}).(url.Values); ok {
		return q
	}
	return url.Values{}
}

// strictQuery parses every request's query string before mux runs it.
func (s *Server) strictQuery(mux *http.ServeMux) http.Handler {
	params := queryParams()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, route := mux.Handler(r)
		q, err := parseQuery(r.URL.RawQuery, params[route])
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), queryKey{}, q)))
	})
}

// parseQuery reads a raw query string strictly; allowed lists the names
// the endpoint takes.
func parseQuery(raw string, allowed []string) (url.Values, *Error) {
	q := url.Values{}
	if raw == "" {
		return q, nil
	}
	for rawName, rawValue := range queryparam.Pairs(raw) {
		name, reason := unescapeParam(rawName)
		if reason != "" {
			return nil, errorf(EMalformed, fmt.Sprintf("query parameter name %q: %s", clipText(rawName), reason))
		}
		if name == "" { // the pair was "=value" (see queryparam.Pairs)
			return nil, errorf(EMalformed, fmt.Sprintf("query parameter %q has no name; write name=value", clipText("="+rawValue)))
		}
		if !slices.Contains(allowed, name) {
			if len(allowed) == 0 {
				return nil, errorf(EMalformed, fmt.Sprintf("unknown parameter %q; this endpoint takes no parameters", clipText(name)))
			}
			return nil, errorf(EMalformed, fmt.Sprintf("unknown parameter %q; this endpoint takes %s", clipText(name), strings.Join(allowed, ", ")))
		}
		if q.Has(name) {
			return nil, errorf(EMalformed, fmt.Sprintf("%s: given more than once; give it once (lists are comma separated)", name))
		}
		value, reason := unescapeParam(rawValue)
		if reason != "" {
			return nil, errorf(EMalformed, fmt.Sprintf("%s: %s", name, reason))
		}
		q.Set(name, value)
	}
	return q, nil
}

// paramMessages say what is wrong with a query parameter's name or value.
var paramMessages = queryparam.Messages{
	BrokenEscape: func(raw string) string {
		return fmt.Sprintf("has a broken percent-escape (%q): '%%' must be followed by two hex digits", clipText(raw))
	},
	TooLong: func(n, limit int) string { return fmt.Sprintf("is %d bytes long; the limit is %d", n, limit) },
	NotUTF8: "is not UTF-8 once percent-decoded",
	Control: func(c rune) string { return fmt.Sprintf("contains the control character %U", c) },
}

// unescapeParam decodes one percent-encoded name or value ('+' is a
// space) and returns why it is not acceptable, or "".
func unescapeParam(s string) (string, string) {
	if strings.Contains(s, ";") {
		return "", "contains ';'; separate parameters with '&' and write ';' in a value as %3B"
	}
	return paramMessages.Unescape(s, maxParamLen)
}

// clipText shortens text quoted back in an error.
func clipText(s string) string {
	if len(s) <= 60 {
		return s
	}
	cut := 60
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// dateParam reads an optional date YYYY-MM-DD in loc, within the years the
// service handles; ok is false when v is empty.
func dateParam(name, v string, loc *time.Location) (time.Time, bool, *Error) {
	if v == "" {
		return time.Time{}, false, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		return time.Time{}, false, errorf(EMalformed, fmt.Sprintf("%s: %q is not a date YYYY-MM-DD", name, clipText(v)))
	}
	if y, m, dd := d.Date(); time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).Before(earliestQueryDate) || time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).After(latestQueryDate) {
		return time.Time{}, false, errorf(EMalformed, fmt.Sprintf("%s: %s is outside the dates govpulse handles (%s to %s)",
			name, v, earliestQueryDate.Format(time.DateOnly), latestQueryDate.Format(time.DateOnly)))
	}
	return d, true, nil
}

// knownType checks a type parameter against the known event types.
func knownType(name, v string) *Error {
	if v == "" || slices.Contains(events.KnownTypes(), v) {
		return nil
	}
	return errorf(EMalformed, fmt.Sprintf("%s: unknown event type %q; known types are %s", name, clipText(v), strings.Join(events.KnownTypes(), ", ")))
}
