package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal"
)

// criterionLine is one line of "who qualifies".
type criterionLine struct{ Label, Text string }

type policyData struct {
	base
	V        portal.PolicyView
	P        portal.Policy
	Today    portal.Date
	At       portal.Date // ?at=, zero when not asked
	Who      []criterionLine
	Related  []card
	DaysLeft int  // until the application window closes
	Window   bool // the policy has an application window
	Inactive bool // repealed or expired: no more applications
	Feed     string
}

func (s *Server) policy(ctx context.Context, r *http.Request) (string, any, error) {
	q, perr := readParams(r.URL.RawQuery, []string{"at", "from"})
	if perr != nil {
		return "", nil, perr
	}
	origin, perr := originParam(q)
	if perr != nil {
		return "", nil, perr
	}
	at, perr := dateParam(q, "at")
	if perr != nil {
		return "", nil, perr
	}
	id := r.PathValue("id")
	var atp *portal.Date
	if !at.IsZero() {
		atp = &at
	}
	v, err := s.Reader.Policy(ctx, id, atp)
	if err != nil {
		return "", nil, err
	}
	s.Usage.View(v.Policy.ID, origin)
	d := s.policyData(v, at)
	return "policy", d, nil
}

func (s *Server) version(ctx context.Context, r *http.Request) (string, any, error) {
	q, perr := readParams(r.URL.RawQuery, []string{"from"})
	if perr != nil {
		return "", nil, perr
	}
	origin, perr := originParam(q)
	if perr != nil {
		return "", nil, perr
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > 100_000 {
		return "", nil, badParam("n", "（网址中的版本号）%q 应是从 1 开始的整数", clip(r.PathValue("n")))
	}
	v, err := s.Reader.Version(ctx, r.PathValue("id"), n)
	if err != nil {
		return "", nil, err
	}
	s.Usage.View(v.Policy.ID, origin)
	return "policy", s.policyData(v, portal.Date{}), nil
}

func (s *Server) policyData(v portal.PolicyView, at portal.Date) policyData {
	p := v.Policy
	today := s.today()
	d := policyData{
		base: base{
			Title:     p.Title,
			Canonical: "/policies/" + url.PathEscape(p.ID),
		},
		V: v, P: p, Today: today, At: at,
		Related: cards(v.Related, events.OriginDirect),
		Feed:    "/feeds/policies/" + url.PathEscape(p.ID) + ".atom",
	}
	if v.Version != v.Current {
		d.Canonical = "/policies/" + url.PathEscape(p.ID) + "/versions/" + strconv.Itoa(v.Version)
	}
	d.Feeds = []feedLink{{"这份政策的变更（Atom）", d.Feed, atomType}}
	d.Inactive = v.Validity == portal.Repealed || v.Validity == portal.Expired
	if !p.ApplicationTo.IsZero() {
		d.Window = true
		d.DaysLeft = today.DaysUntil(p.ApplicationTo)
	}
	c := p.Criteria
	names := func(list []events.CodeName, codes []string) string {
		var out []string
		for _, code := range codes {
			out = append(out, name(list, code))
		}
		return strings.Join(out, "、")
	}
	if len(c.Industries) > 0 {
		d.Who = append(d.Who, criterionLine{"行业", names(s.Choices.Industries, c.Industries)})
	}
	if len(c.EnterpriseSizes) > 0 {
		d.Who = append(d.Who, criterionLine{"企业规模", names(s.Choices.Sizes, c.EnterpriseSizes)})
	}
	if len(c.Districts) > 0 {
		d.Who = append(d.Who, criterionLine{"注册地", names(s.Choices.Districts, c.Districts)})
	}
	switch {
	case c.MinYearsFounded != nil && c.MaxYearsFounded != nil:
		d.Who = append(d.Who, criterionLine{"成立年限", "成立 " + strconv.Itoa(*c.MinYearsFounded) + " 至 " + strconv.Itoa(*c.MaxYearsFounded) + " 年"})
	case c.MinYearsFounded != nil:
		d.Who = append(d.Who, criterionLine{"成立年限", "成立满 " + strconv.Itoa(*c.MinYearsFounded) + " 年"})
	case c.MaxYearsFounded != nil:
		d.Who = append(d.Who, criterionLine{"成立年限", "成立不超过 " + strconv.Itoa(*c.MaxYearsFounded) + " 年"})
	}
	if len(c.Qualifications) > 0 {
		d.Who = append(d.Who, criterionLine{"企业资质", names(s.Choices.Qualifications, c.Qualifications)})
	}
	return d
}
