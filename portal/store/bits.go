package store

import (
	"cmp"
	"math"
	mathbits "math/bits"
	"slices"

	"github.com/govpulse/govpulse/portal"
)

// bitset is a set of places in a day's in-force list.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int) { b[i/64] |= 1 << (i % 64) }

// word is b's w-th word, zero past its end (a nil set is empty).
func (b bitset) word(w int) uint64 {
	if w < len(b) {
		return b[w]
	}
	return 0
}

// The criteria a policy may have, as bits of a shape (which of them it has).
const (
	critIndustries = iota
	critSizes
	critDistricts
	critYears
	critQualifications
	numCrits
)

// listBits indexes one list criterion: the policies with one (any), and by
// code those whose list holds the code.
type listBits struct {
	any bitset
	by  map[string]bitset
}

func (l *listBits) add(n, i int, codes []string) {
	if len(codes) == 0 {
		return
	}
	if l.any == nil {
		l.any, l.by = newBitset(n), map[string]bitset{}
	}
	l.any.set(i)
	for _, c := range codes {
		b := l.by[c]
		if b == nil {
			b = newBitset(n)
			l.by[c] = b
		}
		b.set(i)
	}
}

// yearBounds is a policy's bounds on the years since founding (math.MinInt,
// math.MaxInt: none).
type yearBounds struct {
	i        int
	min, max int
}

// critIndex is the criteria of a day's in-force policies (newest first)
// as bit sets, so that a profile's matches are a few ANDs and ORs of them
// per 64 policies instead of a check of each policy: the criteria's lists
// fall back to the policy's own, as check does.
type critIndex struct {
	n                            int
	industries, sizes, districts listBits
	qualifications               listBits // by each qualification required
	years                        []yearBounds
	// shapes holds the policies by which criteria they have (bit c of the
	// shape: criterion c); what a match's rank depends on besides recency.
	shapes map[uint8]bitset
}

func newCritIndex(docs []*doc) *critIndex {
	n := len(docs)
	x := &critIndex{n: n, shapes: map[uint8]bitset{}}
	for i, d := range docs {
		pol, cr := d.policy, d.policy.Criteria
		var shape uint8
		for c, l := range [...]struct {
			bits  *listBits
			codes []string
		}{
			critIndustries:     {&x.industries, firstNonEmpty(cr.Industries, pol.Industries)},
			critSizes:          {&x.sizes, firstNonEmpty(cr.EnterpriseSizes, pol.EnterpriseSizes)},
			critDistricts:      {&x.districts, firstNonEmpty(cr.Districts, pol.Districts)},
			critQualifications: {&x.qualifications, cr.Qualifications},
		} {
			if l.bits != nil && len(l.codes) > 0 {
				l.bits.add(n, i, l.codes)
				shape |= 1 << c
			}
		}
		if cr.MinYearsFounded != nil || cr.MaxYearsFounded != nil {
			y := yearBounds{i: i, min: math.MinInt, max: math.MaxInt}
			if cr.MinYearsFounded != nil {
				y.min = *cr.MinYearsFounded
			}
			if cr.MaxYearsFounded != nil {
				y.max = *cr.MaxYearsFounded
			}
			x.years = append(x.years, y)
			shape |= 1 << critYears
		}
		b := x.shapes[shape]
		if b == nil {
			b = newBitset(n)
			x.shapes[shape] = b
		}
		b.set(i)
	}
	return x
}

// known is the criteria p gives an answer to (the others are unknown).
func known(p portal.Profile) uint8 {
	var k uint8
	for c, given := range [...]bool{critIndustries: p.Industry != "", critSizes: p.Size != "", critDistricts: p.District != "",
		critYears: p.Founded != 0, critQualifications: len(p.Qualifications) > 0} {
		if given {
			k |= 1 << c
		}
	}
	return k
}

// match returns the policies p meets every criterion of (met) and those
// it fails exactly one criterion of (near), as check would judge them.
func (x *critIndex) match(p portal.Profile) (met, near bitset) {
	words := (x.n + 63) / 64
	// notMet are the sets of policies failing one criterion each.
	var notMet [numCrits]struct{ any, ok bitset }
	list := func(c int, l *listBits, have string) {
		if have != "" && l.any != nil {
			notMet[c].any, notMet[c].ok = l.any, l.by[have]
		}
	}
	list(critIndustries, &x.industries, p.Industry)
	list(critSizes, &x.sizes, p.Size)
	list(critDistricts, &x.districts, p.District)
	var missing []bitset // a qualification p lacks: its policies are not met
	if len(p.Qualifications) > 0 {
		for q, b := range x.qualifications.by {
			if !slices.Contains(p.Qualifications, q) {
				missing = append(missing, b)
			}
		}
	}
	met, near = newBitset(x.n), make(bitset, 2*words)
	near, years := near[:words:words], near[words:]
	if p.Founded != 0 && len(x.years) > 0 {
		y := p.On.Time().Year() - p.Founded
		for _, b := range x.years {
			if y < b.min || y > b.max {
				years.set(b.i)
			}
		}
	}
	for w := range words {
		var one, two uint64 // failing at least one, at least two
		fail := func(f uint64) {
			two |= one & f
			one |= f
		}
		for _, nm := range notMet {
			fail(nm.any.word(w) &^ nm.ok.word(w))
		}
		var q uint64
		for _, b := range missing {
			q |= b[w]
		}
		fail(q)
		fail(years[w])
		met[w], near[w] = ^one, one&^two
	}
	if r := x.n % 64; r != 0 {
		met[words-1] &= 1<<r - 1
	}
	return met, near
}

// best returns the first k places of set in rank order: most criteria
// met, fewest unknown, then newest (the list's order). A policy of set
// meets all the criteria it has that p knows of, or all but one (a near
// miss): the same count less one for every policy of set, the same order.
func (x *critIndex) best(set bitset, k int, p portal.Profile) []int {
	kn := known(p)
	type class struct {
		met, unknown int
		shapes       []bitset
	}
	var classes []class
	for shape, b := range x.shapes {
		met, unknown := mathbits.OnesCount8(shape&kn), mathbits.OnesCount8(shape&^kn)
		i := slices.IndexFunc(classes, func(c class) bool { return c.met == met && c.unknown == unknown })
		if i < 0 {
			classes = append(classes, class{met: met, unknown: unknown})
			i = len(classes) - 1
		}
		classes[i].shapes = append(classes[i].shapes, b)
	}
	slices.SortFunc(classes, func(a, b class) int {
		if c := cmp.Compare(b.met, a.met); c != 0 {
			return c
		}
		return cmp.Compare(a.unknown, b.unknown)
	})
	out := make([]int, 0, k)
	for _, c := range classes {
		for w := range set {
			var in uint64
			for _, b := range c.shapes {
				in |= b[w]
			}
			for v := set[w] & in; v != 0 && len(out) < k; v &= v - 1 {
				out = append(out, w*64+mathbits.TrailingZeros64(v))
			}
			if len(out) == k {
				return out
			}
		}
	}
	return out
}

// count is the number of places in b.
func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += mathbits.OnesCount64(w)
	}
	return n
}
