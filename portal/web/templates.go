package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/govpulse/govpulse/portal"
)

// The pages, each parsed with the layout into its own template set.
var pageNames = []string{"home", "search", "policy", "match", "error"}

// parsePages parses the pages; asOf, when set, is the date the footer
// says the site shows the state of.
func parsePages(asOf portal.Date) (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"asOf":          asOf.String,
		"date":          formatDate,
		"day":           func(t time.Time) string { return formatDate(portal.DateOf(t)) },
		"paras":         paragraphs,
		"join":          func(xs []string) string { return strings.Join(xs, "、") },
		"validityClass": validityClass,
		"daysLeft":      func(today, to portal.Date) int { return today.DaysUntil(to) },
		"add":           func(a, b int) int { return a + b },
		"asset":         func(name string) string { return "/static/" + name + "?v=" + assetVersion },
		"kindLabel":     kindLabel,
		"outcomeLabel":  outcomeLabel,
		"pair":          func(m matchCard, today portal.Date) matchPair { return matchPair{m, today} },
		"selectField": func(param, label string, options []selectOption) selectField {
			return selectField{param, label, options}
		},
	}
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("portal templates: %w", err)
		}
		pages[name] = t
	}
	return pages, nil
}

// assetVersion is a hash of the embedded stylesheet: its URL changes
// when it does, so browsers may cache it for a day.
var assetVersion = func() string {
	b, err := staticFS.ReadFile("static/portal.css")
	if err != nil {
		return "0"
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:4])
}()

// formatDate writes a date the Chinese way: 2020年3月1日; "—" when unset.
func formatDate(d portal.Date) string {
	if d.IsZero() {
		return "—"
	}
	t := d.Time()
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// paragraphs splits a policy text into its paragraphs (one per line;
// blank lines dropped). Bodies are shown as plain paragraphs, never as
// HTML: whatever markup a body holds is shown as the text it is.
func paragraphs(s string) []string {
	var out []string
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// validityClasses are the CSS classes of a validity's badge.
var validityClasses = map[portal.Validity]string{
	portal.InForce:       "badge in-force",
	portal.NotYetInForce: "badge not-yet",
	portal.Expired:       "badge expired",
	portal.Repealed:      "badge repealed",
}

// versionKindLabels name the kinds of a policy's versions on its page
// and in the feeds.
var versionKindLabels = map[portal.VersionKind]string{
	portal.KindPublished:   "发布",
	portal.KindAmended:     "修订",
	portal.KindExtended:    "延期",
	portal.KindRepealed:    "废止",
	portal.KindInterpreted: "解读",
}

// outcomeLabels name a criterion's outcome on the match page.
var outcomeLabels = map[portal.Outcome]string{
	portal.Met:     "符合",
	portal.NotMet:  "不符合",
	portal.Unknown: "待确认",
}

func validityClass(v portal.Validity) string { return labelOr(validityClasses, v, "badge") }

func kindLabel(k portal.VersionKind) string { return labelOr(versionKindLabels, k, string(k)) }

func outcomeLabel(o portal.Outcome) string { return labelOr(outcomeLabels, o, string(o)) }

// labelOr is what labels gives k, or fallback for a k it lacks (a value
// added to the model before it is given a label here).
func labelOr[K comparable](labels map[K]string, k K, fallback string) string {
	if l, ok := labels[k]; ok {
		return l
	}
	return fallback
}

// base is what the layout needs of every page.
type base struct {
	Title     string // the page's own title; the layout adds 政策通
	Q         string // the header search box's text
	Feeds     []feedLink
	Canonical string
	Status    int
}

// feedLink is a feed offered by a page.
type feedLink struct {
	Title, URL, Type string
}

// errorData is the error page's data.
type errorData struct {
	base
	Param   string
	Message string
	Heading string
}

func errorPage(status int, param, msg string) errorData {
	heading := map[int]string{
		http.StatusBadRequest:          "请求有误",
		http.StatusNotFound:            "页面不存在",
		http.StatusMethodNotAllowed:    "不支持的请求",
		http.StatusTooManyRequests:     "请求太频繁",
		http.StatusServiceUnavailable:  "系统正忙",
		http.StatusInternalServerError: "服务出错",
	}[status]
	if heading == "" {
		heading = "出错了"
	}
	return errorData{base: base{Title: heading, Status: status}, Param: param, Message: msg, Heading: heading}
}
