package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/govpulse/govpulse/portal"
)

// storedVersion is a version row with the policy as it read then.
type storedVersion struct {
	portal.Version
	policy portal.Policy
}

// versions returns the versions of policy id at generation gen, cached.
func (s *Store) versions(ctx context.Context, gen int64, id string) ([]storedVersion, error) {
	key := fmt.Sprintf("%d|%s", gen, id)
	if vs, ok := s.versionCache.Get(key); ok {
		return vs, nil
	}
	vs, err := s.readVersions(ctx, id)
	if err == nil {
		s.versionCache.Add(key, vs)
	}
	return vs, err
}

func (s *Store) readVersions(ctx context.Context, id string) ([]storedVersion, error) {
	rows, err := s.Pool.Query(ctx, `SELECT n, kind, at, doc_number, reason, policy::text, changes::text
		FROM policy_versions WHERE policy_id = $1 ORDER BY n`, id)
	if err != nil {
		return nil, fmt.Errorf("policy %s versions: %w", id, err)
	}
	defer rows.Close()
	var out []storedVersion
	for rows.Next() {
		var v storedVersion
		var kind, pol, changes string
		if err := rows.Scan(&v.N, &kind, &v.At, &v.DocNumber, &v.Reason, &pol, &changes); err != nil {
			return nil, fmt.Errorf("policy %s versions: %w", id, err)
		}
		v.Kind = portal.VersionKind(kind)
		if err := json.Unmarshal([]byte(pol), &v.policy); err != nil {
			return nil, fmt.Errorf("policy %s version %d: %w", id, v.N, err)
		}
		if err := json.Unmarshal([]byte(changes), &v.Changes); err != nil {
			return nil, fmt.Errorf("policy %s version %d: %w", id, v.N, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
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
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	idx, err := s.snapshot(ctx)
	if err != nil {
		return portal.PolicyView{}, err
	}
	d := idx.byID[id]
	if d == nil {
		return portal.PolicyView{}, portal.NotFound("no policy %q", id)
	}
	vs, err := s.versions(ctx, idx.gen, id)
	if err != nil {
		return portal.PolicyView{}, err
	}
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
	p := vs[shown].policy
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
	view := portal.PolicyView{
		Policy: p, Names: s.names.policyNames(p), Version: shown + 1, Current: len(vs), On: day,
		Validity: val, ValidityLabel: val.Label(), Repeal: repeal, Interpretations: d.interps,
	}
	if view.Interpretations == nil {
		view.Interpretations = []portal.Interpretation{}
	}
	for _, v := range vs {
		view.Versions = append(view.Versions, v.Version)
	}
	view.Related = s.related(idx, d, s.today())
	return view, nil
}

// related are up to five policies near d: its successor, those it
// supersedes, then in-force policies sharing its categories, newest first.
func (s *Store) related(idx *index, d *doc, day portal.Date) []portal.PolicySummary {
	out := []portal.PolicySummary{}
	seen := map[string]bool{d.policy.ID: true}
	add := func(o *doc) {
		if o != nil && !seen[o.policy.ID] && len(out) < 5 {
			seen[o.policy.ID] = true
			out = append(out, s.summary(o, day))
		}
	}
	if d.repeal != nil {
		add(idx.byID[d.repeal.SupersededBy])
	}
	for _, o := range idx.superseded[d.policy.ID] {
		add(o)
	}
	for _, c := range d.policy.Categories {
		for _, o := range idx.byCategory[c] {
			if len(out) >= 5 {
				break
			}
			if o.validity(day) == portal.InForce {
				add(o)
			}
		}
	}
	return out
}
