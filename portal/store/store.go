package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal"
	"github.com/govpulse/govpulse/portal/search"
	"github.com/govpulse/govpulse/projections"
)

// ViewCounter gives the views per policy, for the home page's most viewed
// list (the usage read model); optional.
type ViewCounter interface {
	PolicyViews(ctx context.Context, limit int) (map[string]int64, error)
}

// Store answers portal.Reader from the policies read model.
type Store struct {
	Pool     *pgxpool.Pool
	Catalog  *events.Catalog
	Synonyms *search.Synonyms
	// Now is the clock that says what "today" is; nil means time.Now.
	Now func() time.Time
	// Views, when set, counts views for the home page and summaries.
	Views ViewCounter
	// Timeout bounds each database call; zero means 5s.
	Timeout time.Duration

	names  names
	initMu sync.Once
	loadMu sync.Mutex // one loader at a time
	idx    atomic.Pointer[index]
	// listening is set while Listen holds a LISTEN on the read model's
	// channel; recheck is set when a notification (or the start of
	// listening) says the generation may have moved. While listening and
	// not told, requests skip asking the database for the generation.
	listening, recheck atomic.Bool

	matches *lru.Cache[string, []int32]        // generation|tsquery -> matching doc positions
	results *lru.Cache[string, *searchOutcome] // generation|query -> ranked results and facets
	matched *lru.Cache[string, *matchOutcome]  // generation|profile -> ranked matches
	// versionCache holds policies as they read in earlier versions
	// (generation|policy_id|n).
	versionCache *lru.Cache[string, portal.Policy]
}

var _ portal.Reader = (*Store)(nil)

// versionEntries bounds the cache of earlier versions (a few kB each).
const versionEntries = 4096

// loadTimeout bounds a load of the in-memory index (all of it after a
// start or a rebuild: seconds for 50,000 policies).
const loadTimeout = 5 * time.Minute

// cacheEntries bounds the caches: an entry may hold every policy (a
// search for 企业), so 50,000 policies cost at most about 200 kB each.
const cacheEntries = 512

func (s *Store) init() {
	s.initMu.Do(func() {
		s.names = newNames(s.Catalog)
		s.matches, _ = lru.New[string, []int32](cacheEntries)
		s.results, _ = lru.New[string, *searchOutcome](cacheEntries / 2)
		s.matched, _ = lru.New[string, *matchOutcome](cacheEntries / 4)
		s.versionCache, _ = lru.New[string, portal.Policy](versionEntries)
	})
}

func (s *Store) today() portal.Date {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	return portal.DateOf(now)
}

func (s *Store) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	t := s.Timeout
	if t == 0 {
		t = 5 * time.Second
	}
	return context.WithTimeout(ctx, t)
}

// snapshot returns the index at the read model's current generation,
// loading what changed since the last one.
func (s *Store) snapshot(ctx context.Context) (*index, error) { return s.load(ctx, false) }

// load is snapshot; force asks the database for the generation even
// while Listen says nothing changed (its notification may be on its way).
func (s *Store) load(ctx context.Context, force bool) (*index, error) {
	s.init()
	if cur := s.idx.Load(); !force && cur != nil && s.listening.Load() && !s.recheck.Load() {
		return cur, nil
	}
	s.recheck.Store(false) // a notification from now on asks again
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var gen, reset int64
	if err := s.Pool.QueryRow(ctx, `SELECT generation, reset FROM policy_model WHERE id = 1`).Scan(&gen, &reset); err != nil {
		return nil, fmt.Errorf("policy model generation: %w", err)
	}
	cur := s.idx.Load()
	if cur != nil && cur.gen == gen {
		return cur, nil
	}
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	if cur = s.idx.Load(); cur != nil && cur.gen >= gen {
		return cur, nil
	}
	base := cur
	if base != nil && base.reset != reset {
		base = nil // rebuilt: load everything
	}
	// Loading is shared work: a caller's short deadline must not fail it.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), loadTimeout)
	defer cancel()
	next, err := s.loadIndex(lctx, base, gen, reset)
	if err != nil {
		return nil, err
	}
	// Today's in-force list and criteria index, made now by the loader
	// rather than by the first match, which would hold up the others.
	next.inForceCrits(s.today())
	s.idx.Store(next)
	return next, nil
}

// Refresh loads the read model's newest generation now, without waiting
// for Listen to hear of it: after a rebuild, the next request finds the
// new index loaded.
func (s *Store) Refresh(ctx context.Context) error {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	_, err := s.load(ctx, true)
	return err
}

// Generation is the read model's generation that the loaded index holds
// (0 before the first load).
func (s *Store) Generation() int64 {
	if cur := s.idx.Load(); cur != nil {
		return cur.gen
	}
	return 0
}

// names resolves catalogue codes to their names.
type names struct {
	departments, districts map[string]string
	lists                  map[string]map[string]string
	cat                    *events.Catalog
}

func newNames(c *events.Catalog) names {
	n := names{departments: map[string]string{}, districts: map[string]string{}, lists: map[string]map[string]string{}, cat: c}
	if c == nil {
		return n
	}
	for _, d := range c.Departments {
		n.departments[d.Code] = d.Name
	}
	for _, d := range c.Districts {
		n.districts[d.Code] = d.Name
	}
	for _, l := range []string{events.ListPolicyCategories, events.ListIndustries, events.ListEnterpriseSizes, events.ListQualifications, events.ListDocumentTypes} {
		m := map[string]string{}
		for _, e := range c.PolicyList(l) {
			m[e.Code] = e.Name
		}
		n.lists[l] = m
	}
	return n
}

func (n names) department(code string) string {
	if v, ok := n.departments[code]; ok {
		return v
	}
	return code
}

func (n names) district(code string) string {
	if v, ok := n.districts[code]; ok {
		return v
	}
	return code
}

func (n names) of(list, code string) string {
	if v, ok := n.lists[list][code]; ok {
		return v
	}
	return code
}

func (n names) all(list string, codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = n.of(list, c)
	}
	return out
}

// policyNames are the names of a policy's codes.
func (n names) policyNames(p portal.Policy) portal.Names {
	out := portal.Names{
		Issuer:          n.department(p.Issuer),
		DocumentType:    n.of(events.ListDocumentTypes, p.DocumentType),
		Categories:      n.all(events.ListPolicyCategories, p.Categories),
		Industries:      n.all(events.ListIndustries, p.Industries),
		EnterpriseSizes: n.all(events.ListEnterpriseSizes, p.EnterpriseSizes),
	}
	for _, d := range p.Districts {
		out.Districts = append(out.Districts, n.district(d))
	}
	if len(p.Districts) == 0 {
		out.Districts = []string{"全市"}
	}
	return out
}

// summary is a doc's card, with its validity on day.
func (s *Store) summary(d *doc, day portal.Date) portal.PolicySummary {
	p := d.policy
	v := d.validity(day)
	return portal.PolicySummary{
		ID: p.ID, DocNumber: p.DocNumber, Title: p.Title, Issuer: p.Issuer, IssuerName: s.names.department(p.Issuer),
		DocumentType: p.DocumentType, DocumentName: s.names.of(events.ListDocumentTypes, p.DocumentType),
		Categories: p.Categories, PublishedAt: p.PublishedAt, EffectiveFrom: p.EffectiveFrom, EffectiveTo: p.EffectiveTo,
		ApplicationFrom: p.ApplicationFrom, ApplicationTo: p.ApplicationTo,
		Validity: v, ValidityLabel: v.Label(), Versions: d.versions,
	}
}

// Listen keeps the store told of changes to the read model
// (projections.PoliciesChannel), so that requests need not ask the
// database for its generation; it returns when ctx ends. Without it
// running, every request asks.
func (s *Store) Listen(ctx context.Context) {
	for ctx.Err() == nil {
		err := s.listen(ctx)
		s.listening.Store(false)
		if ctx.Err() != nil {
			return
		}
		_ = err // asked per request meanwhile; retry after a pause
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// Listening reports whether Listen holds its LISTEN now (requests then
// skip asking for the generation).
func (s *Store) Listening() bool { return s.listening.Load() }

func (s *Store) listen(ctx context.Context) error {
	// A connection of its own: the pool's are for requests and the bus.
	conn, err := pgx.ConnectConfig(ctx, s.Pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+projections.PoliciesChannel); err != nil {
		return err
	}
	s.recheck.Store(true) // whatever changed before the LISTEN
	s.listening.Store(true)
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		s.recheck.Store(true)
	}
}
