package store

import (
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal"
)

// bitCodes numbers the codes of the lists criteria use, so that a policy's
// criteria and a profile become bit sets and matching 50,000 policies is
// a few instructions each. A list longer than 64 codes (an operator's
// catalogue) turns the bits off: matching then compares the lists.
type bitCodes struct {
	industries, sizes, districts, qualifications map[string]uint
	ok                                           bool
}

func newBitCodes(c *events.Catalog) bitCodes {
	number := func(l []events.CodeName) map[string]uint {
		m := make(map[string]uint, len(l))
		for i, e := range l {
			m[e.Code] = uint(i)
		}
		return m
	}
	if c == nil {
		return bitCodes{}
	}
	b := bitCodes{industries: number(c.Industries), sizes: number(c.EnterpriseSizes),
		districts: number(c.Districts), qualifications: number(c.Qualifications)}
	b.ok = len(c.Industries) <= 64 && len(c.EnterpriseSizes) <= 64 && len(c.Districts) <= 64 && len(c.Qualifications) <= 64
	return b
}

// critBits is a policy's criteria (with the policy's own lists where the
// criteria give none) as bit sets; a zero set is no condition.
type critBits struct {
	ok                           bool
	industries, sizes, districts uint64
	qualifications               uint64
	minYears, maxYears           int // -1: none
}

func set(m map[string]uint, codes []string) (uint64, bool) {
	var v uint64
	for _, c := range codes {
		i, ok := m[c]
		if !ok {
			return 0, false // a code the catalogue no longer has: compare lists
		}
		v |= 1 << i
	}
	return v, true
}

func (b bitCodes) criteria(p portal.Policy) critBits {
	if !b.ok {
		return critBits{}
	}
	cr := p.Criteria
	c := critBits{ok: true, minYears: -1, maxYears: -1}
	var ok1, ok2, ok3, ok4 bool
	c.industries, ok1 = set(b.industries, firstNonEmpty(cr.Industries, p.Industries))
	c.sizes, ok2 = set(b.sizes, firstNonEmpty(cr.EnterpriseSizes, p.EnterpriseSizes))
	c.districts, ok3 = set(b.districts, firstNonEmpty(cr.Districts, p.Districts))
	c.qualifications, ok4 = set(b.qualifications, cr.Qualifications)
	c.ok = ok1 && ok2 && ok3 && ok4
	if cr.MinYearsFounded != nil {
		c.minYears = *cr.MinYearsFounded
	}
	if cr.MaxYearsFounded != nil {
		c.maxYears = *cr.MaxYearsFounded
	}
	return c
}

// profileBits is a profile as bit sets (zero: not given).
type profileBits struct {
	ok                                       bool
	industry, size, district, qualifications uint64
	years                                    int // -1: founding year not given
}

func (b bitCodes) profile(p portal.Profile) profileBits {
	if !b.ok {
		return profileBits{}
	}
	one := func(m map[string]uint, code string) (uint64, bool) {
		if code == "" {
			return 0, true
		}
		return set(m, []string{code})
	}
	var pb profileBits
	var ok1, ok2, ok3, ok4 bool
	pb.industry, ok1 = one(b.industries, p.Industry)
	pb.size, ok2 = one(b.sizes, p.Size)
	pb.district, ok3 = one(b.districts, p.District)
	pb.qualifications, ok4 = set(b.qualifications, p.Qualifications)
	pb.ok = ok1 && ok2 && ok3 && ok4
	pb.years = -1
	if p.Founded != 0 {
		pb.years = p.On.Time().Year() - p.Founded
	}
	return pb
}

// scoreBits is score on bit sets.
func scoreBits(c critBits, p profileBits) (met, notMet, unknown int) {
	list := func(want, have uint64) {
		switch {
		case want == 0:
		case have == 0:
			unknown++
		case want&have != 0:
			met++
		default:
			notMet++
		}
	}
	list(c.industries, p.industry)
	list(c.sizes, p.size)
	list(c.districts, p.district)
	if c.minYears >= 0 || c.maxYears >= 0 {
		switch {
		case p.years < 0:
			unknown++
		case c.minYears >= 0 && p.years < c.minYears, c.maxYears >= 0 && p.years > c.maxYears:
			notMet++
		default:
			met++
		}
	}
	if c.qualifications != 0 {
		switch {
		case c.qualifications&p.qualifications == c.qualifications:
			met++
		case p.qualifications == 0:
			unknown++
		default:
			notMet++
		}
	}
	return
}
