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

// feedSelection reads what a feed is for: a search (nil when no
// parameter is given: everything) or a profile.
func (s *Server) feedSearch(r *http.Request, extra ...string) (*portal.SearchQuery, url.Values, error) {
	q, perr := readParams(r.URL.RawQuery, append(slices.Clone(feedSearchParams), extra...))
	if perr != nil {
		return nil, nil, perr
	}
	sel := url.Values{}
	for _, p := range feedSearchParams {
		if q.Has(p) {
			sel[p] = q[p]
		}
	}
	if len(sel) == 0 {
		return nil, q, nil
	}
	sq, err := s.searchQuery(sel)
	if err != nil {
		return nil, nil, err
	}
	return &sq, q, nil
}

func (s *Server) feedProfile(r *http.Request, extra ...string) (*portal.Profile, url.Values, error) {
	q, perr := readParams(r.URL.RawQuery, append(slices.Clone(profileParams), extra...))
	if perr != nil {
		return nil, nil, perr
	}
	p, err := s.profile(q)
	if err != nil {
		return nil, nil, err
	}
	return &p, q, nil
}

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

func (s *Server) changesAtom(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	sq, _, err := s.feedSearch(r)
	if err != nil {
		return err
	}
	changes, err := s.Reader.Changes(ctx, time.Time{}, sq, nil, "", feedEntries)
	if err != nil {
		return err
	}
	title := "政策更新"
	if sq != nil && sq.Q != "" {
		title = "“" + sq.Q + "”的政策更新"
	} else if sq != nil {
		title = "所选条件的政策更新"
	}
	return s.writeAtom(w, r, title, changes)
}

func (s *Server) matchAtom(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.feedProfile(r)
	if err != nil {
		return err
	}
	changes, err := s.Reader.Changes(ctx, time.Time{}, nil, p, "", feedEntries)
	if err != nil {
		return err
	}
	return s.writeAtom(w, r, "适用于我企业的政策更新", changes)
}

func (s *Server) policyAtom(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	if _, perr := readParams(r.URL.RawQuery, nil); perr != nil {
		return perr
	}
	id, ok := strings.CutSuffix(r.PathValue("file"), ".atom")
	if !ok || id == "" {
		return portal.NotFound("no such feed")
	}
	v, err := s.Reader.Policy(ctx, id, nil)
	if err != nil {
		return err
	}
	changes, err := s.Reader.Changes(ctx, time.Time{}, nil, nil, v.Policy.ID, feedEntries)
	if err != nil {
		return err
	}
	return s.writeAtom(w, r, v.Policy.Title+" 的变更", changes)
}

func (s *Server) deadlinesICS(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	sq, _, err := s.feedSearch(r)
	if err != nil {
		return err
	}
	ds, err := s.Reader.Deadlines(ctx, sq, nil)
	if err != nil {
		return err
	}
	return s.writeICS(w, r, "申报截止", ds)
}

func (s *Server) matchICS(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.feedProfile(r)
	if err != nil {
		return err
	}
	ds, err := s.Reader.Deadlines(ctx, nil, p)
	if err != nil {
		return err
	}
	return s.writeICS(w, r, "我企业的申报截止", ds)
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

func (s *Server) changesJSON(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	sq, q, err := s.feedSearch(r, "since", "limit")
	if err != nil {
		return err
	}
	since, limit, err := sinceAndLimit(q)
	if err != nil {
		return err
	}
	changes, err := s.Reader.Changes(ctx, since, sq, nil, "", limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, changesJSON(r, changes))
	return nil
}

func (s *Server) matchChangesJSON(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	p, q, err := s.feedProfile(r, "since", "limit")
	if err != nil {
		return err
	}
	since, limit, err := sinceAndLimit(q)
	if err != nil {
		return err
	}
	changes, err := s.Reader.Changes(ctx, since, nil, p, "", limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, changesJSON(r, changes))
	return nil
}

func (s *Server) policyChangesJSON(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	q, perr := readParams(r.URL.RawQuery, []string{"since", "limit"})
	if perr != nil {
		return perr
	}
	since, limit, err := sinceAndLimit(q)
	if err != nil {
		return err
	}
	v, err := s.Reader.Policy(ctx, r.PathValue("id"), nil)
	if err != nil {
		return err
	}
	changes, err := s.Reader.Changes(ctx, since, nil, nil, v.Policy.ID, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, changesJSON(r, changes))
	return nil
}

type deadlinesFeed struct {
	Deadlines []portal.Deadline `json:"deadlines"`
}

func (s *Server) deadlinesJSON(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	sq, _, err := s.feedSearch(r)
	if err != nil {
		return err
	}
	ds, err := s.Reader.Deadlines(ctx, sq, nil)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, deadlinesFeed{append([]portal.Deadline{}, ds...)})
	return nil
}

func (s *Server) matchDeadlinesJSON(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.feedProfile(r)
	if err != nil {
		return err
	}
	ds, err := s.Reader.Deadlines(ctx, nil, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, deadlinesFeed{append([]portal.Deadline{}, ds...)})
	return nil
}
