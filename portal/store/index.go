package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal"
	"github.com/govpulse/govpulse/portal/search"
	"github.com/jackc/pgx/v5"
)

// doc is one policy as the in-memory index holds it.
type doc struct {
	pos      int32 // place in index.docs
	policy   portal.Policy
	versions int
	// vers are its versions, oldest first (without the policy as each
	// read: the last one's is policy, the others' are read when asked).
	vers    []portal.Version
	repeal  *portal.Repeal
	interps []portal.Interpretation
	docKeys []string
	// folded texts for ranking and snippets
	title, meta string
	// facet values by filter (the validity's depends on the day: nil)
	facets [][]string
	// texts are the criteria named, for matches
	texts *critTexts
}

// validity is the policy's validity on day d.
func (d *doc) validity(day portal.Date) portal.Validity {
	var rep portal.Date
	if d.repeal != nil {
		rep = d.repeal.At
	}
	return portal.ValidityOn(day, d.policy.EffectiveFrom, d.policy.EffectiveTo, rep)
}

// index is the read model's current policies at one generation; it is
// never changed once built (a refresh builds a new one).
type index struct {
	gen, reset int64
	docs       []*doc
	newest     []*doc // docs, newest first
	byID       map[string]*doc
	byDocKey   map[string][]*doc
	// superseded maps a policy to those it superseded.
	superseded map[string][]*doc

	forceMu sync.Mutex                // one maker of the day's list at a time
	force   atomic.Pointer[inForceOn] // the last day asked
}

// inForceOn is the docs in force on a day, newest first, and their
// criteria indexed for matching.
type inForceOn struct {
	day  portal.Date
	docs []*doc
	crit *critIndex
	// byCategory lists each category's docs in force, newest first.
	byCategory map[string][]*doc
}

// inForce returns the docs in force on day, newest first (remembered
// for the last day asked).
func (idx *index) inForce(day portal.Date) []*doc {
	docs, _ := idx.inForceCrits(day)
	return docs
}

// inForceCrits returns the docs in force on day, newest first, and
// their criteria indexed.
func (idx *index) inForceCrits(day portal.Date) ([]*doc, *critIndex) {
	f := idx.forceOn(day)
	return f.docs, f.crit
}

// forceOn returns what is in force on day (remembered for the last day
// asked).
func (idx *index) forceOn(day portal.Date) *inForceOn {
	if f := idx.force.Load(); f != nil && f.day == day {
		return f
	}
	idx.forceMu.Lock()
	defer idx.forceMu.Unlock()
	if f := idx.force.Load(); f != nil && f.day == day {
		return f
	}
	f := &inForceOn{day: day, docs: make([]*doc, 0, len(idx.newest))}
	for _, d := range idx.newest {
		if d.validity(day) == portal.InForce {
			f.docs = append(f.docs, d)
		}
	}
	f.crit = newCritIndex(f.docs)
	f.byCategory = map[string][]*doc{}
	for _, d := range f.docs {
		for _, c := range d.policy.Categories {
			f.byCategory[c] = append(f.byCategory[c], d)
		}
	}
	idx.force.Store(f)
	return f
}

// loadIndex reads the policies whose rows are newer than base's
// generation (all of them when base is nil) and returns the index with
// them; base is not changed.
func (s *Store) loadIndex(ctx context.Context, base *index, gen, reset int64) (*index, error) {
	since := int64(-1)
	if base != nil {
		since = base.gen
	}
	// One snapshot for every query: a policy's row, its versions and its
	// interpretations read as of the same commit, never one generation's
	// policy beside the next one's versions.
	tx, err := s.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only: nothing to keep
	changed := map[string]*doc{}
	var ids []string
	rows, err := tx.Query(ctx, `SELECT policy_id, current::text, coalesce(repeal::text, ''), versions FROM policies WHERE generation > $1`, since)
	if err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	for rows.Next() {
		var id, cur, rep string
		d := &doc{}
		if err := rows.Scan(&id, &cur, &rep, &d.versions); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load policies: %w", err)
		}
		if err := json.Unmarshal([]byte(cur), &d.policy); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load policy %s: %w", id, err)
		}
		if rep != "" {
			d.repeal = new(portal.Repeal)
			if err := json.Unmarshal([]byte(rep), d.repeal); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load policy %s: %w", id, err)
			}
		}
		changed[id] = d
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load policies: %w", err)
	}
	filter := ` WHERE policy_id = ANY($1)`
	args := []any{ids}
	if base == nil {
		filter, args = "", nil
	}
	if len(ids) > 0 {
		rows, err = tx.Query(ctx, `SELECT policy_id, interpretation_id, kind, title, body, qa::text, by_whom, at
			FROM policy_interpretations`+filter+` ORDER BY policy_id, at, interpretation_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("load interpretations: %w", err)
		}
		for rows.Next() {
			var id, qa string
			var in portal.Interpretation
			if err := rows.Scan(&id, &in.ID, &in.Kind, &in.Title, &in.Body, &qa, &in.By, &in.At); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load interpretations: %w", err)
			}
			_ = json.Unmarshal([]byte(qa), &in.QA)
			in.KindLabel = kindLabel(in.Kind)
			if d := changed[id]; d != nil {
				d.interps = append(d.interps, in)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("load interpretations: %w", err)
		}
		if err := loadVersions(ctx, tx, changed, filter, args); err != nil {
			return nil, err
		}
		rows, err = tx.Query(ctx, `SELECT policy_id, doc_key FROM policy_doc_numbers`+filter, args...)
		if err != nil {
			return nil, fmt.Errorf("load doc numbers: %w", err)
		}
		for rows.Next() {
			var id, key string
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return nil, fmt.Errorf("load doc numbers: %w", err)
			}
			if d := changed[id]; d != nil {
				d.docKeys = append(d.docKeys, key)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("load doc numbers: %w", err)
		}
	}
	fs := s.filters(portal.SearchQuery{})
	for _, d := range changed {
		d.texts = s.critTexts(d.policy)
		d.title = search.Fold(d.policy.Title)
		d.meta = search.Fold(d.policy.DocNumber + " " + s.names.department(d.policy.Issuer))
		d.facets = make([][]string, len(fs))
		for i, f := range fs {
			if f.name != portal.FilterValidity {
				d.facets[i] = f.values(d, portal.Date{})
			}
		}
	}

	idx := &index{gen: gen, reset: reset, byID: make(map[string]*doc), byDocKey: make(map[string][]*doc)}
	if base != nil {
		for _, d := range base.docs {
			if _, ok := changed[d.policy.ID]; !ok {
				idx.byID[d.policy.ID] = d
			}
		}
	}
	for id, d := range changed {
		idx.byID[id] = d
	}
	all := make([]string, 0, len(idx.byID))
	for id := range idx.byID {
		all = append(all, id)
	}
	slices.Sort(all)
	idx.docs = make([]*doc, len(all))
	for i, id := range all {
		// docs of the base are shared: give changed positions to copies
		d := idx.byID[id]
		if d.pos != int32(i) && changed[id] == nil {
			c := *d
			d = &c
			idx.byID[id] = d
		}
		d.pos = int32(i)
		idx.docs[i] = d
		for _, k := range d.docKeys {
			idx.byDocKey[k] = append(idx.byDocKey[k], d)
		}
	}
	idx.superseded = map[string][]*doc{}
	for _, d := range idx.docs {
		if d.repeal != nil && d.repeal.SupersededBy != "" {
			idx.superseded[d.repeal.SupersededBy] = append(idx.superseded[d.repeal.SupersededBy], d)
		}
	}
	idx.newest = slices.SortedFunc(slices.Values(idx.docs), newestFirst)
	return idx, nil
}

// loadVersions reads the versions of the changed docs (filter and args
// pick them, as for the interpretations), without the policy as each
// version read: a doc's policy is its last version's.
func loadVersions(ctx context.Context, tx pgx.Tx, changed map[string]*doc, filter string, args []any) error {
	rows, err := tx.Query(ctx, `SELECT policy_id, n, kind, at, doc_number, reason, changes::text
		FROM policy_versions`+filter+` ORDER BY policy_id, n`, args...)
	if err != nil {
		return fmt.Errorf("load versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind, changes string
		var v portal.Version
		if err := rows.Scan(&id, &v.N, &kind, &v.At, &v.DocNumber, &v.Reason, &changes); err != nil {
			return fmt.Errorf("load versions: %w", err)
		}
		v.Kind = portal.VersionKind(kind)
		if err := json.Unmarshal([]byte(changes), &v.Changes); err != nil {
			return fmt.Errorf("load policy %s version %d: %w", id, v.N, err)
		}
		if d := changed[id]; d != nil {
			d.vers = append(d.vers, v)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load versions: %w", err)
	}
	return nil
}

// newestFirst orders docs by publication, newest first, then id.
func newestFirst(a, b *doc) int {
	if c := b.policy.PublishedAt.Time().Compare(a.policy.PublishedAt.Time()); c != 0 {
		return c
	}
	return strings.Compare(a.policy.ID, b.policy.ID)
}

func kindLabel(kind string) string {
	for _, k := range events.InterpretationKinds {
		if k.Code == kind {
			return k.Name
		}
	}
	return kind
}

// interpText is an interpretation's text, folded, for snippets.
func interpText(in portal.Interpretation) string {
	var b strings.Builder
	b.WriteString(in.Title + " " + in.Body)
	for _, q := range in.QA {
		b.WriteString(" " + q.Q + " " + q.A)
	}
	return b.String()
}
