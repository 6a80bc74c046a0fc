package web

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/gorilla/feeds"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal"
)

const (
	atomType = "application/atom+xml"
	icsType  = "text/calendar"
	// feedEntries is how many changes a feed carries by default.
	feedEntries = 50
	// maxFeedEntries bounds the JSON feeds' limit parameter.
	maxFeedEntries = 200
)

// feedFunc writes one feed, or returns an error for s.fail.
type feedFunc func(ctx context.Context, w http.ResponseWriter, r *http.Request) error

func (s *Server) feed(f feedFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.Timeout)
		defer cancel()
		if err := f(ctx, w, r); err != nil {
			s.fail(w, r, err)
		}
	}
}

// feedSearchParams are the parameters of a feed for a search: the
// search's, without the page.
var feedSearchParams = slices.DeleteFunc(slices.Clone(searchParams), func(p string) bool { return p == "page" })

// sinceAndLimit read the JSON feeds' since (a date) and limit.
func sinceAndLimit(q url.Values) (time.Time, int, error) {
	since, perr := dateParam(q, "since")
	if perr != nil {
		return time.Time{}, 0, perr
	}
	limit, ok, perr := intParam(q, "limit", 1, maxFeedEntries)
	if perr != nil {
		return time.Time{}, 0, perr
	}
	if !ok {
		limit = feedEntries
	}
	return since.Time(), limit, nil
}

// baseURL is the portal's absolute URL as the request reached it; feeds
// need absolute links.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// entryPath is where a change's feed entry links to.
func entryPath(c portal.ChangeEntry) string {
	p := "/policies/" + url.PathEscape(c.PolicyID)
	if c.Kind == portal.KindInterpreted || c.Version < 1 {
		return p + "?from=" + events.OriginFeed
	}
	return p + "/versions/" + strconv.Itoa(c.Version) + "?from=" + events.OriginFeed
}

// writeAtom writes changes as an Atom feed. Text constructs are type
// "text", so a feed reader shows a title or summary as the text it is
// and never as HTML.
func (s *Server) writeAtom(w http.ResponseWriter, r *http.Request, title string, changes []portal.ChangeEntry) error {
	base := baseURL(r)
	self := base + r.URL.RequestURI()
	updated := s.Now()
	if len(changes) > 0 {
		updated = changes[0].At
	}
	f := &feeds.AtomFeed{
		Xmlns:   "http://www.w3.org/2005/Atom",
		Title:   title + " · 政策通",
		Id:      self,
		Updated: updated.Format(time.RFC3339),
		Link:    &feeds.AtomLink{Href: self, Rel: "self", Type: atomType},
		Author:  &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: "政策通", Uri: base + "/"}},
	}
	for _, c := range changes {
		link := base + entryPath(c)
		summary := c.Summary
		if c.DocNumber != "" {
			summary = strings.TrimSpace(summary + " " + c.DocNumber)
		}
		f.Entries = append(f.Entries, &feeds.AtomEntry{
			Title:   kindLabel(c.Kind) + "：" + c.Title,
			Id:      "tag:govpulse," + c.At.Format(time.DateOnly) + ":policy/" + c.PolicyID + "/" + string(c.Kind) + "/" + strconv.Itoa(c.Version),
			Updated: c.At.Format(time.RFC3339),
			Links:   []feeds.AtomLink{{Href: link, Rel: "alternate", Type: "text/html"}},
			Summary: &feeds.AtomSummary{Content: summary, Type: "text"},
		})
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return err
	}
	w.Header().Set("Content-Type", atomType+"; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err := w.Write(buf.Bytes())
	return err
}

// writeICS writes application deadlines as an iCalendar of all-day
// events on each window's last day.
func (s *Server) writeICS(w http.ResponseWriter, r *http.Request, name string, deadlines []portal.Deadline) error {
	base := baseURL(r)
	cal := ics.NewCalendarFor("govpulse 政策通")
	cal.SetMethod(ics.MethodPublish)
	cal.SetXWRCalName(name + " · 政策通")
	cal.SetXWRTimezone("Asia/Shanghai")
	stamp := s.Now().UTC()
	for _, d := range deadlines {
		if d.To.IsZero() {
			continue
		}
		ev := cal.AddEvent("deadline-" + d.PolicyID + "-" + d.To.String() + "@govpulse")
		ev.SetDtStampTime(stamp)
		ev.SetAllDayStartAt(d.To.Time())
		ev.SetAllDayEndAt(d.To.AddDays(1).Time())
		ev.SetSummary("申报截止：" + d.Title)
		link := base + "/policies/" + url.PathEscape(d.PolicyID) + "?from=" + events.OriginFeed
		desc := d.DocNumber + "\n申报时间：" + formatDate(d.From) + " 至 " + formatDate(d.To)
		if d.HowToApply != "" {
			desc += "\n申报方式：" + d.HowToApply
		}
		ev.SetDescription(desc + "\n" + link)
		ev.SetURL(link)
	}
	w.Header().Set("Content-Type", icsType+"; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	return cal.SerializeTo(w, ics.WithNewLine("\r\n"))
}

// changesFeed is the JSON of a changes feed.
type changesFeed struct {
	Entries []changeJSON `json:"entries"`
}

type changeJSON struct {
	portal.ChangeEntry
	KindLabel string `json:"kind_label"`
	URL       string `json:"url"`
}

func changesJSON(r *http.Request, changes []portal.ChangeEntry) changesFeed {
	out := changesFeed{Entries: []changeJSON{}}
	for _, c := range changes {
		out.Entries = append(out.Entries, changeJSON{c, kindLabel(c.Kind), baseURL(r) + entryPath(c)})
	}
	return out
}

type deadlinesFeed struct {
	Deadlines []portal.Deadline `json:"deadlines"`
}

// feedScope is what a feed is for: a search (nil: everything), a
// company profile or one policy, with the titles its Atom and
// iCalendar files are named by.
type feedScope struct {
	search         *portal.SearchQuery
	profile        *portal.Profile
	policyID       string
	changesTitle   string
	deadlinesTitle string
}

// scopeFunc reads a feed's scope from a request whose query may carry
// the extra parameters beside the scope's own; it returns the query read.
type scopeFunc func(r *http.Request, extra ...string) (feedScope, url.Values, error)

// searchScope reads a feed for a search: the search's parameters but
// the page; none at all is everything.
func (s *Server) searchScope(r *http.Request, extra ...string) (feedScope, url.Values, error) {
	q, perr := readParams(r.URL.RawQuery, append(slices.Clone(feedSearchParams), extra...))
	if perr != nil {
		return feedScope{}, nil, perr
	}
	sc := feedScope{changesTitle: "政策更新", deadlinesTitle: "申报截止"}
	sel := url.Values{}
	for _, p := range feedSearchParams {
		if q.Has(p) {
			sel[p] = q[p]
		}
	}
	if len(sel) == 0 {
		return sc, q, nil
	}
	sq, err := s.searchQuery(sel)
	if err != nil {
		return feedScope{}, nil, err
	}
	sc.search, sc.changesTitle = &sq, "所选条件的政策更新"
	if sq.Q != "" {
		sc.changesTitle = "“" + sq.Q + "”的政策更新"
	}
	return sc, q, nil
}

// profileScope reads a feed for a company profile.
func (s *Server) profileScope(r *http.Request, extra ...string) (feedScope, url.Values, error) {
	q, perr := readParams(r.URL.RawQuery, append(slices.Clone(profileParams), extra...))
	if perr != nil {
		return feedScope{}, nil, perr
	}
	p, err := s.profile(q)
	if err != nil {
		return feedScope{}, nil, err
	}
	return feedScope{profile: &p, changesTitle: "适用于我企业的政策更新", deadlinesTitle: "我企业的申报截止"}, q, nil
}

// policyScope reads the policy a feed is for from the path wildcard
// name, which ends in suffix; the policy is looked up (and the title
// set) by the feed, after its parameters are read.
func policyScope(name, suffix string) scopeFunc {
	return func(r *http.Request, extra ...string) (feedScope, url.Values, error) {
		q, perr := readParams(r.URL.RawQuery, extra)
		if perr != nil {
			return feedScope{}, nil, perr
		}
		id, ok := strings.CutSuffix(r.PathValue(name), suffix)
		if !ok || id == "" {
			return feedScope{}, nil, portal.NotFound("no such feed")
		}
		return feedScope{policyID: id}, q, nil
	}
}

// changesFeed writes the changes in a scope, newest first: as Atom, or
// as JSON with the parameters since and limit.
func (s *Server) changesFeed(scope scopeFunc, asJSON bool) feedFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
		var extra []string
		if asJSON {
			extra = []string{"since", "limit"}
		}
		sc, q, err := scope(r, extra...)
		if err != nil {
			return err
		}
		since, limit := time.Time{}, feedEntries
		if asJSON {
			if since, limit, err = sinceAndLimit(q); err != nil {
				return err
			}
		}
		if sc.policyID != "" {
			v, err := s.Reader.Policy(ctx, sc.policyID, nil)
			if err != nil {
				return err
			}
			sc.policyID, sc.changesTitle = v.Policy.ID, v.Policy.Title+" 的变更"
		}
		changes, err := s.Reader.Changes(ctx, since, sc.search, sc.profile, sc.policyID, limit)
		if err != nil {
			return err
		}
		if !asJSON {
			return s.writeAtom(w, r, sc.changesTitle, changes)
		}
		writeJSON(w, http.StatusOK, changesJSON(r, changes))
		return nil
	}
}

// deadlinesFeed writes the application deadlines in a scope, as
// iCalendar or as JSON.
func (s *Server) deadlinesFeed(scope scopeFunc, asJSON bool) feedFunc {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
		sc, _, err := scope(r)
		if err != nil {
			return err
		}
		ds, err := s.Reader.Deadlines(ctx, sc.search, sc.profile)
		if err != nil {
			return err
		}
		if !asJSON {
			return s.writeICS(w, r, sc.deadlinesTitle, ds)
		}
		writeJSON(w, http.StatusOK, deadlinesFeed{append([]portal.Deadline{}, ds...)})
		return nil
	}
}
