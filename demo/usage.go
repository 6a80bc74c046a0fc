package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/govpulse/govpulse/events"
)

// The portal's usage in the demo: the seed report's "nearly 290,000
// views" of the policy platform in a year, and the searches that led
// there, at scale 1.
const (
	viewsPerYear    = 289_400
	searchesPerYear = 64_000
)

// Portal is the sending system of the portal's own usage events (it runs
// inside govpulse; the demo sends a year of them as it would have).
const Portal = "govpulse-portal"

// viewOrigins says where visitors came from, with weights.
var viewOrigins = []weighted[string]{
	{events.OriginSearch, 0.42}, {events.OriginHome, 0.18}, {events.OriginMatch, 0.14},
	{events.OriginFeed, 0.08}, {events.OriginDirect, 0.18},
}

// searchQueries are what visitors type, with weights: plain words, official
// terms, 文号 and questions the catalogue cannot answer (zero results).
var searchQueries = []weighted[string]{
	{"社保", 9}, {"税", 8}, {"企业开办", 8}, {"社会保险", 3}, {"补贴", 8}, {"人才", 6}, {"高新技术企业", 5},
	{"税费减免", 5}, {"专精特新", 4}, {"外贸", 4}, {"出口信用保险", 3}, {"用电报装", 3}, {"施工许可", 3},
	{"贷款", 4}, {"信用修复", 3}, {"法律顾问", 2}, {"首违不罚", 2}, {"安家补贴", 3}, {"高校毕业生", 3},
	{"研发费用", 3}, {"创新券", 2}, {"跨境电商", 3}, {"联合验收", 2}, {"用水", 2}, {"燃气", 2},
	{"稳岗返还", 3}, {"留学人员", 1}, {"小微企业", 5}, {"告知承诺", 2}, {"申报指南", 3},
	{"青政办发", 2}, {"青人社发", 1}, {"青审批发", 1},
	// Questions the catalogue has no policy for.
	{"公积金提取", 2}, {"落户", 2}, {"驾驶证换证", 1}, {"营业执照遗失补办", 1}, {"退休金", 1}, {"医保报销比例", 1},
	{"开发票怎么弄", 1}, {"shebao", 1},
}

// usageWriter spreads views and searches over the period's days.
type usageWriter struct {
	g        *generator
	r        *rand.Rand
	policies []demoPolicy
	cum      []float64 // cumulative popularity, for picking
	days     []time.Time
	dayCum   []float64
}

// portalUsage makes the period's views of policies and searches.
func (g *generator) portalUsage(policies []demoPolicy) {
	if len(policies) == 0 {
		return
	}
	u := &usageWriter{g: g, r: g.stream("portal/usage"), policies: policies}
	var total float64
	for _, p := range policies {
		total += p.weight
		u.cum = append(u.cum, total)
	}
	// Every day of the period, weekends and holidays less busy: the
	// portal is a site, not a window.
	first := time.Date(g.opts.From.Year, g.opts.From.Month, g.opts.From.Day, 0, 0, 0, 0, g.loc)
	last := time.Date(g.opts.To.Year, g.opts.To.Month, g.opts.To.Day, 0, 0, 0, 0, g.loc)
	working := map[time.Time]bool{}
	for _, d := range g.days {
		working[time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, g.loc)] = true
	}
	var dayTotal float64
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		w := 0.35
		if working[d] {
			w = 1
		}
		dayTotal += w
		u.days = append(u.days, d)
		u.dayCum = append(u.dayCum, dayTotal)
	}
	qs := searchQueryResults(policies)
	for i := range g.opts.count(searchesPerYear) {
		at := u.moment()
		q := pick(u.r, searchQueries)
		g.out = append(g.out, Event{Source: g.route.source("", events.TypePortalSearched), ID: g.id("search", i), At: at,
			Data: events.PortalSearched{Query: q, Results: qs[q]}})
	}
	for i := range g.opts.count(viewsPerYear) {
		at := u.moment()
		g.out = append(g.out, Event{Source: g.route.source("", events.TypePolicyViewed), ID: g.id("view", i), At: at,
			Data: events.PolicyViewed{PolicyID: u.policy(at), Origin: pick(u.r, viewOrigins)}})
	}
}

// moment picks a time of the period: a day by its weight, an hour of the
// visitors' day (most between 9 and 17, few at night).
func (u *usageWriter) moment() time.Time {
	d := u.days[sort.SearchFloat64s(u.dayCum, u.r.Float64()*u.dayCum[len(u.dayCum)-1])]
	hour := int(math.Round(13 + 3.2*u.r.NormFloat64()))
	hour = min(max(hour, 0), 23)
	return d.Add(time.Duration(hour)*time.Hour + time.Duration(u.r.IntN(3600))*time.Second)
}

// policy picks a policy published before at by popularity; a repealed one
// is still found, less often.
func (u *usageWriter) policy(at time.Time) string {
	for range 100 {
		p := u.policies[sort.SearchFloat64s(u.cum, u.r.Float64()*u.cum[len(u.cum)-1])]
		if p.published.After(at) {
			continue
		}
		if !p.repealed.IsZero() && p.repealed.Before(at) && u.r.Float64() < 0.7 {
			continue
		}
		return p.id
	}
	return u.policies[0].id // the oldest: published before any day of the period
}

// searchQueryResults counts, for each query, the policies whose text
// (title, 文号, body, support, conditions) holds it: a demo's stand-in for
// the portal's answer.
func searchQueryResults(policies []demoPolicy) map[string]int {
	out := map[string]int{}
	for _, q := range searchQueries {
		n := 0
		for _, p := range policies {
			if strings.Contains(p.text, q.value) {
				n++
			}
		}
		out[q.value] = n
	}
	return out
}

// sortedPolicies is policies ordered by publication, oldest first.
func sortedPolicies(ps []demoPolicy) []demoPolicy {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b demoPolicy) int { return a.published.Compare(b.published) })
	return out
}
