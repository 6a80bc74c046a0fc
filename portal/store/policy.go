package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/govpulse/govpulse/portal"
)

// versionPolicy returns policy id as it read in version n (not the
// last: the index holds that one) at generation gen, cached.
func (s *Store) versionPolicy(ctx context.Context, gen int64, id string, n int) (portal.Policy, error) {
	key := fmt.Sprintf("%d|%s|%d", gen, id, n)
	if p, ok := s.versionCache.Get(key); ok {
		return p, nil
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var pol string
	err := s.Pool.QueryRow(ctx, `SELECT policy::text FROM policy_versions WHERE policy_id = $1 AND n = $2`, id, n).Scan(&pol)
	if err != nil {
		return portal.Policy{}, fmt.Errorf("policy %s version %d: %w", id, n, err)
	}
	var p portal.Policy
	if err := json.Unmarshal([]byte(pol), &p); err != nil {
		return portal.Policy{}, fmt.Errorf("policy %s version %d: %w", id, n, err)
	}
	s.versionCache.Add(key, p)
	return p, nil
}

// Policy implements portal.Reader.
func (s *Store) Policy(ctx context.Context, id string, at *portal.Date) (portal.PolicyView, error) {
	return s.view(ctx, id, at, 0)
}

// Version implements portal.Reader.
func (s *Store) Version(ctx context.Context, id string, n int) (portal.PolicyView, error) {
	if n < 1 {
		return portal.PolicyView{}, portal.Invalid("version", "must be 1 or more")
	}
	return s.view(ctx, id, nil, n)
}

// view is a policy's page: version n, or the one in force on *at, or the
// current one.
func (s *Store) view(ctx context.Context, id string, at *portal.Date, n int) (portal.PolicyView, error) {
	// No timeout made here: a page asks the database only when the
	// store is not told of changes (load bounds that call) or for an
	// earlier version (versionPolicy bounds it).
	idx, err := s.snapshot(ctx)
	if err != nil {
		return portal.PolicyView{}, err
	}
	d := idx.byID[id]
	if d == nil {
		return portal.PolicyView{}, portal.NotFound("no policy %q", id)
	}
	vs := d.vers
	if len(vs) == 0 {
		return portal.PolicyView{}, portal.NotFound("no policy %q", id)
	}
	day := s.today()
	shown := len(vs) - 1
	switch {
	case n > 0:
		if n > len(vs) {
			return portal.PolicyView{}, portal.NotFound("policy %q has %d versions, not %d", id, len(vs), n)
		}
		shown = n - 1
	case at != nil:
		day = *at
		shown = 0
		for i, v := range vs {
			if !portal.DateOf(v.At).After(day) {
				shown = i
			}
		}
	}
	p := d.policy
	if shown < len(vs)-1 {
		var err error
		if p, err = s.versionPolicy(ctx, idx.gen, id, vs[shown].N); err != nil {
			return portal.PolicyView{}, err
		}
	}
	var rep portal.Date
	var repeal *portal.Repeal
	if d.repeal != nil && !day.Before(d.repeal.At) {
		r := *d.repeal
		if succ := idx.byID[r.SupersededBy]; succ != nil {
			r.SupersededByTitle = succ.policy.Title
		}
		repeal, rep = &r, r.At
	}
	val := portal.ValidityOn(day, p.EffectiveFrom, p.EffectiveTo, rep)
	// Versions and interpretations are the index's: read only.
	view := portal.PolicyView{
		Policy: p, Names: s.names.policyNames(p), Version: shown + 1, Current: len(vs), On: day,
		Validity: val, ValidityLabel: val.Label(), Repeal: repeal, Versions: vs, Interpretations: d.interps,
	}
	if view.Interpretations == nil {
		view.Interpretations = []portal.Interpretation{}
	}
	view.Related = s.related(idx, d, s.today())
	return view, nil
}

// related are up to five policies near d: its successor, those it
// supersedes, then in-force policies sharing its categories, newest first.
func (s *Store) related(idx *index, d *doc, day portal.Date) []portal.PolicySummary {
	const most = 5
	out := make([]portal.PolicySummary, 0, most)
	// An index holds one doc per policy: the docs shown, and d, are the
	// policies seen.
	seen := append(make([]*doc, 0, most+1), d)
	add := func(o *doc) {
		if o != nil && len(out) < most && !slices.Contains(seen, o) {
			seen = append(seen, o)
			out = append(out, s.summary(o, day))
		}
	}
	if d.repeal != nil {
		add(idx.byID[d.repeal.SupersededBy])
	}
	for _, o := range idx.superseded[d.policy.ID] {
		add(o)
	}
	force := idx.forceOn(day).byCategory
	for _, c := range d.policy.Categories {
		for _, o := range force[c] {
			if len(out) >= most {
				break
			}
			add(o)
		}
	}
	return out
}
