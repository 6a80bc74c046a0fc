package store

import (
	"cmp"
	"context"
	"fmt"
	mathbits "math/bits"
	"slices"
	"time"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal"
)

// closingSoonDays is how far ahead the home page lists closing windows.
const closingSoonDays = 30

// Home implements portal.Reader.
func (s *Store) Home(ctx context.Context, today portal.Date) (portal.HomeView, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	idx, err := s.snapshot(ctx)
	if err != nil {
		return portal.HomeView{}, err
	}
	if today.IsZero() {
		today = s.today()
	}
	h := portal.HomeView{Today: today, Newest: []portal.PolicySummary{}, MostViewed: []portal.PolicySummary{}, ClosingSoon: []portal.Deadline{}}
	cats, inds := map[string]int{}, map[string]int{}
	var inForce []*doc
	for _, d := range idx.inForce(today) {
		inForce = append(inForce, d)
		for _, c := range d.policy.Categories {
			cats[c]++
		}
		for _, c := range d.policy.Industries {
			inds[c]++
		}
		if to := d.policy.ApplicationTo; !to.IsZero() && !to.Before(today) && today.DaysUntil(to) <= closingSoonDays &&
			(d.policy.ApplicationFrom.IsZero() || !d.policy.ApplicationFrom.After(today)) {
			h.ClosingSoon = append(h.ClosingSoon, deadline(d))
		}
	}
	h.Total = len(inForce)
	cat := s.Catalog
	if cat == nil {
		cat = &events.Catalog{}
	}
	for _, c := range cat.PolicyCategories {
		h.Categories = append(h.Categories, portal.FacetValue{Code: c.Code, Name: c.Name, Count: cats[c.Code]})
	}
	for _, c := range cat.Industries {
		h.Industries = append(h.Industries, portal.FacetValue{Code: c.Code, Name: c.Name, Count: inds[c.Code]})
	}
	slices.SortFunc(inForce, newestFirst)
	for _, d := range inForce[:min(10, len(inForce))] {
		h.Newest = append(h.Newest, s.summary(d, today))
	}
	sortDeadlines(h.ClosingSoon)
	h.ClosingSoon = h.ClosingSoon[:min(10, len(h.ClosingSoon))]
	if s.Views != nil {
		views, err := s.Views.PolicyViews(ctx, 10)
		if err != nil {
			return h, fmt.Errorf("most viewed: %w", err)
		}
		var top []*doc
		for id := range views {
			if d := idx.byID[id]; d != nil {
				top = append(top, d)
			}
		}
		slices.SortFunc(top, func(a, b *doc) int {
			if c := cmp.Compare(views[b.policy.ID], views[a.policy.ID]); c != 0 {
				return c
			}
			return cmp.Compare(a.policy.ID, b.policy.ID)
		})
		for _, d := range top[:min(10, len(top))] {
			sum := s.summary(d, today)
			sum.Views = views[d.policy.ID]
			h.MostViewed = append(h.MostViewed, sum)
		}
	}
	return h, nil
}

func deadline(d *doc) portal.Deadline {
	return portal.Deadline{PolicyID: d.policy.ID, Title: d.policy.Title, DocNumber: d.policy.DocNumber,
		From: d.policy.ApplicationFrom, To: d.policy.ApplicationTo, HowToApply: d.policy.HowToApply}
}

func sortDeadlines(ds []portal.Deadline) {
	slices.SortFunc(ds, func(a, b portal.Deadline) int {
		if c := a.To.Time().Compare(b.To.Time()); c != 0 {
			return c
		}
		return cmp.Compare(a.PolicyID, b.PolicyID)
	})
}

// selected returns the docs a search or profile selects (every doc when
// both are nil; both: those in both).
func (s *Store) selected(ctx context.Context, idx *index, q *portal.SearchQuery, p *portal.Profile) ([]*doc, error) {
	out := idx.docs
	if q != nil {
		all := *q
		fs := s.filters(all)
		if err := s.checkQuery(&all, fs); err != nil {
			return nil, err
		}
		res, err := s.searchAll(ctx, idx, all, fs)
		if err != nil {
			return nil, err
		}
		out = res.hits
	}
	if p != nil {
		prof := *p
		if err := s.checkProfile(&prof); err != nil {
			return nil, err
		}
		keep := map[string]bool{}
		force := idx.inForce(prof.On)
		for w, bits := range s.matchAll(idx, prof).all {
			for ; bits != 0; bits &= bits - 1 {
				keep[force[w*64+mathbits.TrailingZeros64(bits)].policy.ID] = true
			}
		}
		var both []*doc
		for _, d := range out {
			if keep[d.policy.ID] {
				both = append(both, d)
			}
		}
		out = both
	}
	return out, nil
}

// Deadlines implements portal.Reader: open or upcoming application
// windows of the selected policies, closing soonest first.
func (s *Store) Deadlines(ctx context.Context, q *portal.SearchQuery, p *portal.Profile) ([]portal.Deadline, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	idx, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	docs, err := s.selected(ctx, idx, q, p)
	if err != nil {
		return nil, err
	}
	today := s.today()
	out := []portal.Deadline{}
	for _, d := range docs {
		if to := d.policy.ApplicationTo; !to.IsZero() && !to.Before(today) && d.validity(today) != portal.Repealed {
			out = append(out, deadline(d))
		}
	}
	sortDeadlines(out)
	return out, nil
}

// Changes implements portal.Reader: versions made and interpretations
// sent since a time, newest first.
func (s *Store) Changes(ctx context.Context, since time.Time, q *portal.SearchQuery, p *portal.Profile, policyID string, limit int) ([]portal.ChangeEntry, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	idx, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	var ids []string
	all := q == nil && p == nil && policyID == ""
	switch {
	case policyID != "":
		if idx.byID[policyID] == nil {
			return nil, portal.NotFound("no policy %q", policyID)
		}
		ids = []string{policyID}
	case !all:
		docs, err := s.selected(ctx, idx, q, p)
		if err != nil {
			return nil, err
		}
		for _, d := range docs {
			ids = append(ids, d.policy.ID)
		}
	}
	rows, err := s.Pool.Query(ctx, `
		SELECT policy_id, n, kind, at, doc_number,
		       CASE WHEN kind = 'published' THEN ''
		            WHEN kind = 'extended' THEN coalesce(policy ->> 'effective_to', '') ELSE coalesce((SELECT string_agg(c ->> 'label', '、') FROM jsonb_array_elements(changes) c), '') END,
		       reason
		FROM policy_versions WHERE at > $1 AND ($2 OR policy_id = ANY($3))
		UNION ALL
		SELECT policy_id, 0, 'interpreted', at, '', title, kind
		FROM policy_interpretations WHERE at > $1 AND ($2 OR policy_id = ANY($3))
		ORDER BY 4 DESC, 1, 2 DESC LIMIT $4`, since, all, ids, limit)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	defer rows.Close()
	out := []portal.ChangeEntry{}
	for rows.Next() {
		var e portal.ChangeEntry
		var kind, what, reason string
		if err := rows.Scan(&e.PolicyID, &e.Version, &kind, &e.At, &e.DocNumber, &what, &reason); err != nil {
			return nil, fmt.Errorf("changes: %w", err)
		}
		e.Kind = portal.VersionKind(kind)
		d := idx.byID[e.PolicyID]
		if d != nil {
			e.Title = d.policy.Title
		}
		switch e.Kind {
		case portal.KindPublished:
			e.Summary = "发布"
		case portal.KindAmended:
			e.Summary = "修订：" + what
			if reason != "" {
				e.Summary += "（" + reason + "）"
			}
		case portal.KindExtended:
			e.Summary = "延期：有效期至" + what
		case portal.KindRepealed:
			e.Summary = "废止：" + reason
		case portal.KindInterpreted:
			e.Summary = kindLabel(reason) + "：" + what
			if d != nil {
				e.Version = d.versions
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
