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
	return s.checkIn(d, p, make([]portal.CriterionResult, 0, s.textsOf(d).n))
}

// checkIn is check with the criteria's results appended to crits (room
// for them all, so that a list of matches shares one array).
func (s *Store) checkIn(d *doc, p portal.Profile, crits []portal.CriterionResult) portal.PolicyMatch {
	pol := d.policy
	cr := pol.Criteria
	t := s.textsOf(d)
	m := portal.PolicyMatch{PolicySummary: s.summary(d, p.On), Criteria: crits}
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
	oneOf := func(c int, want []string, have string, name func(string) string) {
		if len(want) == 0 {
			return
		}
		l := critLabels[c]
		r := portal.CriterionResult{Criterion: l.criterion, Label: l.label, Required: t.required[c]}
		switch {
		case have == "":
			r.Outcome, r.Reason = portal.Unknown, l.unknown
		case slices.Contains(want, have):
			r.Outcome = portal.Met
		default:
			r.Outcome, r.Reason = portal.NotMet, fmt.Sprintf("%s为%s，不在适用范围内", l.label, name(have))
		}
		add(r)
	}
	n := s.names
	oneOf(critIndustries, firstNonEmpty(cr.Industries, pol.Industries), p.Industry, func(c string) string { return n.of(events.ListIndustries, c) })
	oneOf(critSizes, firstNonEmpty(cr.EnterpriseSizes, pol.EnterpriseSizes), p.Size, func(c string) string { return n.of(events.ListEnterpriseSizes, c) })
	oneOf(critDistricts, firstNonEmpty(cr.Districts, pol.Districts), p.District, n.district)
	if cr.MinYearsFounded != nil || cr.MaxYearsFounded != nil {
		l := critLabels[critYears]
		r := portal.CriterionResult{Criterion: l.criterion, Label: l.label, Required: t.required[critYears]}
		years := p.On.Time().Year() - p.Founded
		switch {
		case p.Founded == 0:
			r.Outcome, r.Reason = portal.Unknown, l.unknown
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
		l := critLabels[critQualifications]
		r := portal.CriterionResult{Criterion: l.criterion, Label: l.label, Required: t.required[critQualifications]}
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
			r.Outcome, r.Reason = portal.Unknown, l.unknown
		default:
			r.Outcome, r.Reason = portal.NotMet, "缺少"+strings.Join(missing, "、")
		}
		add(r)
	}
	return m
}

// critLabels name the criteria in check's results, with the reason an
// unknown one gives.
var critLabels = [numCrits]struct{ criterion, label, unknown string }{
	critIndustries:     {"industries", "行业", "未填写行业"},
	critSizes:          {"enterprise_sizes", "企业规模", "未填写企业规模"},
	critDistricts:      {"districts", "所在区域", "未填写所在区域"},
	critYears:          {"years_founded", "成立年限", "未填写成立年份"},
	critQualifications: {"qualifications", "资质", "未填写资质"},
}

// critTexts are what a policy's criteria require, named, as check lists
// them: the same for every profile, so made once per policy as it is
// loaded. required[c] is "" when the policy has no criterion c; n counts
// the criteria it has.
type critTexts struct {
	required [numCrits]string
	n        int
}

// textsOf is d's criteria named (made now if its loader did not).
func (s *Store) textsOf(d *doc) *critTexts {
	if d.texts != nil {
		return d.texts
	}
	return s.critTexts(d.policy)
}

func (s *Store) critTexts(pol portal.Policy) *critTexts {
	cr, n := pol.Criteria, s.names
	t := &critTexts{}
	list := func(c int, want []string, name func(string) string) {
		if len(want) == 0 {
			return
		}
		names := make([]string, len(want))
		for i, w := range want {
			names[i] = name(w)
		}
		t.required[c] = strings.Join(names, "、")
		t.n++
	}
	list(critIndustries, firstNonEmpty(cr.Industries, pol.Industries), func(c string) string { return n.of(events.ListIndustries, c) })
	list(critSizes, firstNonEmpty(cr.EnterpriseSizes, pol.EnterpriseSizes), func(c string) string { return n.of(events.ListEnterpriseSizes, c) })
	list(critDistricts, firstNonEmpty(cr.Districts, pol.Districts), n.district)
	list(critQualifications, cr.Qualifications, func(c string) string { return n.of(events.ListQualifications, c) })
	if cr.MinYearsFounded != nil || cr.MaxYearsFounded != nil {
		switch {
		case cr.MinYearsFounded != nil && cr.MaxYearsFounded != nil:
			t.required[critYears] = fmt.Sprintf("成立%d至%d年", *cr.MinYearsFounded, *cr.MaxYearsFounded)
		case cr.MinYearsFounded != nil:
			t.required[critYears] = fmt.Sprintf("成立满%d年", *cr.MinYearsFounded)
		default:
			t.required[critYears] = fmt.Sprintf("成立不超过%d年", *cr.MaxYearsFounded)
		}
		t.n++
	}
	return t
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
		docs := slices.Concat(out.matches[:min(len(out.matches), portal.MaxMatches)], out.near[:min(len(out.near), portal.MaxNearMisses)])
		all := 0
		for _, d := range docs {
			all += s.textsOf(d).n
		}
		// one array for the criteria of all, one for the matches
		crits, checked := make([]portal.CriterionResult, all), make([]portal.PolicyMatch, len(docs))
		for i, d := range docs {
			n := s.textsOf(d).n
			checked[i] = s.checkIn(d, p, crits[:0:n])
			crits = crits[n:]
		}
		k := min(len(out.matches), portal.MaxMatches)
		return checked[:k:k], checked[k:]
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
