package store

import (
	"cmp"
	"context"
	"fmt"
	mathbits "math/bits"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/portal"
	"github.com/govpulse/govpulse/portal/portaltest"
)

// plainMatch is Match the plain way, which the criteria index must
// equal: check every policy in force on p.On and sort them all.
func (s *Store) plainMatch(idx *index, p portal.Profile) portal.MatchResult {
	var met, near []portal.PolicyMatch
	for _, d := range idx.docs {
		if d.validity(p.On) != portal.InForce {
			continue
		}
		switch m := s.check(d, p); m.NotMet {
		case 0:
			met = append(met, m)
		case 1:
			near = append(near, m)
		}
	}
	best := func(a, b portal.PolicyMatch) int {
		if c := cmp.Compare(b.Met, a.Met); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Unknown, b.Unknown); c != 0 {
			return c
		}
		return newestFirst(idx.byID[a.ID], idx.byID[b.ID])
	}
	slices.SortFunc(met, best)
	slices.SortFunc(near, best)
	return portal.MatchResult{Profile: p, Total: len(met),
		Matches:    append([]portal.PolicyMatch{}, met[:min(len(met), portal.MaxMatches)]...),
		NearMisses: append([]portal.PolicyMatch{}, near[:min(len(near), portal.MaxNearMisses)]...)}
}

// sameMatch fails t unless the indexed match of p on idx is the plain
// one, and its set of all matches (what feeds and deadlines select) holds
// exactly the policies qualified for.
func sameMatch(t *testing.T, s *Store, idx *index, p portal.Profile, got portal.MatchResult) {
	t.Helper()
	want := s.plainMatch(idx, p)
	ids := func(ms []portal.PolicyMatch) string {
		var out []string
		for _, m := range ms {
			out = append(out, fmt.Sprintf("%s(%d/%d/%d)", m.ID, m.Met, m.NotMet, m.Unknown))
		}
		return strings.Join(out, " ")
	}
	if got.Total != want.Total || ids(got.Matches) != ids(want.Matches) || ids(got.NearMisses) != ids(want.NearMisses) {
		t.Fatalf("profile %+v:\nindexed total %d\n matches %s\n near %s\nplain total %d\n matches %s\n near %s",
			p, got.Total, ids(got.Matches), ids(got.NearMisses), want.Total, ids(want.Matches), ids(want.NearMisses))
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("profile %+v: indexed %+v\nplain %+v", p, got, want)
	}
	var all []string
	force := idx.inForce(p.On)
	for w, bits := range s.matchAll(idx, p).all {
		for ; bits != 0; bits &= bits - 1 {
			all = append(all, force[w*64+mathbits.TrailingZeros64(bits)].policy.ID)
		}
	}
	var qualified []string
	for _, d := range idx.docs {
		if d.validity(p.On) == portal.InForce && s.check(d, p).NotMet == 0 {
			qualified = append(qualified, d.policy.ID)
		}
	}
	slices.Sort(all)
	if !slices.Equal(all, qualified) {
		t.Fatalf("profile %+v: the set of matches holds %d policies, %d qualify", p, len(all), len(qualified))
	}
}

// TestMatchIndexEqualsCheck compares the indexed match with checking
// every policy, over random policies (criteria and the policies' own lists
// of every kind, codes no profile has, bounds on both sides, several
// qualifications, publication dates shared by many) and random profiles
// (every field given or not, on days that change what is in force).
func TestMatchIndexEqualsCheck(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{Catalog: cat}
	s.init()
	rng := rand.New(rand.NewPCG(7, 11))
	day := func(from, days int) portal.Date {
		return portal.DateOf(time.Date(from, 1, 1, 12, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(days)))
	}
	some := func(pool []string) []string {
		if rng.IntN(2) == 0 {
			return nil
		}
		var out []string
		for _, i := range rng.Perm(len(pool))[:1+rng.IntN(3)] {
			out = append(out, pool[i])
		}
		return out
	}
	industries := []string{"a", "c", "e", "f", "i", "zz"}
	sizes := []string{"large", "medium", "small", "micro"}
	districts := []string{"shinan", "shibei", "laoshan", "jimo", "nowhere"}
	quals := []string{"high-tech", "specialized", "tech-sme", "foreign-trade"}
	years := func() *int {
		if rng.IntN(3) != 0 {
			return nil
		}
		return new(rng.IntN(12))
	}
	var docs []*doc
	for i := range 1500 {
		pol := portal.Policy{ID: fmt.Sprintf("p-%04d", i), Title: fmt.Sprint("政策", i), Issuer: "qdfgw", DocumentType: "notice",
			PublishedAt: day(2016, 60), EffectiveFrom: day(2016, 3000),
			Industries: some(industries), EnterpriseSizes: some(sizes), Districts: some(districts),
			Criteria: portal.Criteria{Industries: some(industries), EnterpriseSizes: some(sizes), Districts: some(districts),
				MinYearsFounded: years(), MaxYearsFounded: years(), Qualifications: some(quals)}}
		if rng.IntN(2) == 0 {
			pol.EffectiveTo = pol.EffectiveFrom.AddDays(rng.IntN(2000))
		}
		d := &doc{policy: pol, versions: 1}
		if rng.IntN(10) == 0 {
			d.repeal = &portal.Repeal{At: pol.EffectiveFrom.AddDays(rng.IntN(1500))}
		}
		docs = append(docs, d)
	}
	idx := &index{gen: 1, docs: docs, byID: map[string]*doc{}}
	for i, d := range docs {
		d.pos = int32(i)
		idx.byID[d.policy.ID] = d
	}
	idx.newest = slices.SortedFunc(slices.Values(docs), newestFirst)

	pick := func(pool []string) string {
		if rng.IntN(4) == 0 {
			return ""
		}
		return pool[rng.IntN(len(pool))]
	}
	days := []portal.Date{day(2018, 1), day(2020, 1), day(2022, 1), day(2024, 1)}
	for range 1000 {
		p := portal.Profile{Industry: pick(append(industries, "g")), Size: pick(sizes), District: pick(append(districts, "licang")),
			On: days[rng.IntN(len(days))]}
		if rng.IntN(4) != 0 {
			p.Founded = 2000 + rng.IntN(30) // some after the day matched on
		}
		for _, q := range quals {
			if rng.IntN(3) == 0 {
				p.Qualifications = append(p.Qualifications, q)
			}
		}
		sameMatch(t, s, idx, p, s.matchOn(idx, p))
	}
	// The empty profile knows nothing: no criterion is failed.
	p := portal.Profile{On: days[2]}
	sameMatch(t, s, idx, p, s.matchOn(idx, p))
}

// TestMatchEqualsCheckOnCorpus compares Match with checking every policy
// on the corpus in the read model, for every profile of the corpus' codes.
func TestMatchEqualsCheckOnCorpus(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	pool := pgtest.NewPool(t)
	portaltest.Load(t, pool, cat)
	s := &Store{Pool: pool, Catalog: cat, Now: func() time.Time { return portaltest.Today }}
	ctx := context.Background()
	idx, err := s.snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.inForce(s.today())) < 10 {
		t.Fatalf("%d policies in force: the corpus is not loaded", len(idx.inForce(s.today())))
	}
	n := 0
	for _, ind := range []string{"", "c", "i"} {
		for _, size := range []string{"", "small", "large"} {
			for _, dist := range []string{"", "shinan", "laoshan"} {
				for _, founded := range []int{0, 2010, 2021} {
					for _, qs := range [][]string{nil, {"high-tech"}, {"specialized", "high-tech"}} {
						p := portal.Profile{Industry: ind, Size: size, District: dist, Founded: founded, Qualifications: qs}
						got, err := s.Match(ctx, p)
						if err != nil {
							t.Fatal(err)
						}
						p.On = s.today()
						sameMatch(t, s, idx, p, got)
						if got.Total > 0 {
							n++
						}
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no profile matched anything")
	}
}
