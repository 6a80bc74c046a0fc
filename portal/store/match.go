package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal"
)

// checkProfile refuses codes the catalogue lacks.
func (s *Store) checkProfile(p *portal.Profile) error {
	c := s.Catalog
	if p.Industry != "" && !c.InPolicyList(events.ListIndustries, p.Industry) {
		return portal.Invalid("industry", "unknown industry %q; a GB/T 4754 section a..t, see GET /v1/catalog", p.Industry)
	}
	if p.Size != "" && !c.InPolicyList(events.ListEnterpriseSizes, p.Size) {
		return portal.Invalid("size", "unknown enterprise size %q; see GET /v1/catalog", p.Size)
	}
	if p.District != "" && !c.HasDistrict(p.District) {
		return portal.Invalid("district", "unknown district %q; see GET /v1/catalog", p.District)
	}
	for _, q := range p.Qualifications {
		if !c.InPolicyList(events.ListQualifications, q) {
			return portal.Invalid("qualifications", "unknown qualification %q; see GET /v1/catalog", q)
		}
	}
	if p.On.IsZero() {
		p.On = s.today()
	}
	return nil
}

// check checks profile p against doc d's criteria. The criteria's lists
// fall back to the policy's own (a policy for small firms in 市南区 asks
// that of whoever applies).
func (s *Store) check(d *doc, p portal.Profile) portal.PolicyMatch {
	pol := d.policy
	cr := pol.Criteria
	m := portal.PolicyMatch{PolicySummary: s.summary(d, p.On)}
	add := func(r portal.CriterionResult) {
		m.Criteria = append(m.Criteria, r)
		switch r.Outcome {
		case portal.Met:
			m.Met++
		case portal.NotMet:
			m.NotMet++
		default:
			m.Unknown++
		}
	}
	oneOf := func(criterion, label string, want []string, have string, name func(string) string) {
		if len(want) == 0 {
			return
		}
		names := make([]string, len(want))
		for i, w := range want {
			names[i] = name(w)
		}
		r := portal.CriterionResult{Criterion: criterion, Label: label, Required: strings.Join(names, "、")}
		switch {
		case have == "":
			r.Outcome, r.Reason = portal.Unknown, "未填写"+label
		case slices.Contains(want, have):
			r.Outcome = portal.Met
		default:
			r.Outcome, r.Reason = portal.NotMet, fmt.Sprintf("%s为%s，不在适用范围内", label, name(have))
		}
		add(r)
	}
	n := s.names
	oneOf("industries", "行业", firstNonEmpty(cr.Industries, pol.Industries), p.Industry, func(c string) string { return n.of(events.ListIndustries, c) })
	oneOf("enterprise_sizes", "企业规模", firstNonEmpty(cr.EnterpriseSizes, pol.EnterpriseSizes), p.Size, func(c string) string { return n.of(events.ListEnterpriseSizes, c) })
	oneOf("districts", "所在区域", firstNonEmpty(cr.Districts, pol.Districts), p.District, n.district)
	if cr.MinYearsFounded != nil || cr.MaxYearsFounded != nil {
		r := portal.CriterionResult{Criterion: "years_founded", Label: "成立年限"}
		switch {
		case cr.MinYearsFounded != nil && cr.MaxYearsFounded != nil:
			r.Required = fmt.Sprintf("成立%d至%d年", *cr.MinYearsFounded, *cr.MaxYearsFounded)
		case cr.MinYearsFounded != nil:
			r.Required = fmt.Sprintf("成立满%d年", *cr.MinYearsFounded)
		default:
			r.Required = fmt.Sprintf("成立不超过%d年", *cr.MaxYearsFounded)
		}
		years := p.On.Time().Year() - p.Founded
		switch {
		case p.Founded == 0:
			r.Outcome, r.Reason = portal.Unknown, "未填写成立年份"
		case cr.MinYearsFounded != nil && years < *cr.MinYearsFounded:
			r.Outcome, r.Reason = portal.NotMet, fmt.Sprintf("成立%d年，不足%d年", years, *cr.MinYearsFounded)
		case cr.MaxYearsFounded != nil && years > *cr.MaxYearsFounded:
			r.Outcome, r.Reason = portal.NotMet, fmt.Sprintf("成立%d年，超过%d年", years, *cr.MaxYearsFounded)
		default:
			r.Outcome = portal.Met
		}
		add(r)
	}
	if len(cr.Qualifications) > 0 {
		names := n.all(events.ListQualifications, cr.Qualifications)
		r := portal.CriterionResult{Criterion: "qualifications", Label: "资质", Required: strings.Join(names, "、")}
		var missing []string
		for _, q := range cr.Qualifications {
			if !slices.Contains(p.Qualifications, q) {
				missing = append(missing, n.of(events.ListQualifications, q))
			}
		}
		switch {
		case len(missing) == 0:
			r.Outcome = portal.Met
		case len(p.Qualifications) == 0:
			r.Outcome, r.Reason = portal.Unknown, "未填写资质"
		default:
			r.Outcome, r.Reason = portal.NotMet, "缺少"+strings.Join(missing, "、")
		}
		add(r)
	}
	if m.Criteria == nil {
		m.Criteria = []portal.CriterionResult{}
	}
	return m
}

func firstNonEmpty(a, b []string) []string {
	if len(a) > 0 {
		return a
	}
	return b
}

// Match implements portal.Reader.
func (s *Store) Match(ctx context.Context, p portal.Profile) (portal.MatchResult, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	s.init()
	if err := s.checkProfile(&p); err != nil {
		return portal.MatchResult{}, err
	}
	idx, err := s.snapshot(ctx)
	if err != nil {
		return portal.MatchResult{}, err
	}
	return s.matchOn(idx, p), nil
}

// matchOn is Match on idx for a checked profile.
func (s *Store) matchOn(idx *index, p portal.Profile) portal.MatchResult {
	out := s.matchAll(idx, p)
	matches, near := out.checked(func() (m, n []portal.PolicyMatch) {
		m = make([]portal.PolicyMatch, 0, min(len(out.matches), portal.MaxMatches))
		for _, d := range out.matches[:min(len(out.matches), portal.MaxMatches)] {
			m = append(m, s.check(d, p))
		}
		n = make([]portal.PolicyMatch, 0, min(len(out.near), portal.MaxNearMisses))
		for _, d := range out.near[:min(len(out.near), portal.MaxNearMisses)] {
			n = append(n, s.check(d, p))
		}
		return m, n
	})
	return portal.MatchResult{Profile: p, Total: out.total, Matches: matches, NearMisses: near}
}

// checked returns the best matches and near misses with their criteria
// checked, as build makes them the first time: the outcome's key holds
// every field of the profile that check reads, so a cached profile then
// allocates next to nothing (less garbage, fewer of the collector's mark
// assists in the p99). The lists are shared, read-only.
func (out *matchOutcome) checked(build func() (m, n []portal.PolicyMatch)) (m, n []portal.PolicyMatch) {
	out.mu.Lock()
	defer out.mu.Unlock()
	if out.checkedMatches == nil {
		out.checkedMatches, out.checkedNear = build()
	}
	return out.checkedMatches, out.checkedNear
}

// matchOutcome is a profile's matches (all, as bits over the day's
// in-force list) and the best matches and near misses, best
// first.
type matchOutcome struct {
	all           bitset // bit i: the day's in-force policy i qualifies
	total         int    // bits set in all
	matches, near []*doc

	mu                          sync.Mutex
	checkedMatches, checkedNear []portal.PolicyMatch // built once, by checked
}

// matchAll finds every in-force policy p qualifies for and the near
// misses (one criterion not met), and ranks the best of each: most
// criteria met, fewest unknown, newest; cached per generation and
// profile. The day's criteria index makes both sets a few bit
// operations per 64 policies, and the ranks come from which criteria a
// policy has (p meets all it knows of a match, all but one of a near
// miss), so no policy is checked one by one and none sorted.
func (s *Store) matchAll(idx *index, p portal.Profile) *matchOutcome {
	key := fmt.Sprintf("%d|%s|%s|%s|%s|%d|%s", idx.gen, p.On, p.Industry, p.Size, p.District, p.Founded, strings.Join(p.Qualifications, ","))
	if out, ok := s.matched.Get(key); ok {
		return out
	}
	docs, crit := idx.inForceCrits(p.On)
	// A bit set, not a list of places: 6 kB for 50,000 policies however
	// many qualify, so a profile not cached makes little garbage.
	met, near := crit.match(p)
	out := &matchOutcome{all: met, total: met.count()}
	for _, i := range crit.best(met, portal.MaxMatches, p) {
		out.matches = append(out.matches, docs[i])
	}
	for _, i := range crit.best(near, portal.MaxNearMisses, p) {
		out.near = append(out.near, docs[i])
	}
	s.matched.Add(key, out)
	return out
}
