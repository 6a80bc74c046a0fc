package portal

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// searchParams are the query parameters ParseSearchQuery reads; any other
// is refused, so a typo (?catgory=) is not silently ignored.
var searchParams = []string{"q", FilterIssuer, FilterCategory, FilterIndustry, FilterSize, FilterDistrict,
	FilterDocumentType, FilterValidity, "published_from", "published_to", "page", "page_size"}

// profileParams are the query parameters of a match.
var profileParams = []string{"industry", "size", "district", "founded", "qualifications"}

// ParseSearchQuery reads the parameters of /search and /api/v1/search:
// q, the filters (repeatable, or comma-separated), published_from and
// published_to (YYYY-MM-DD), page and page_size. extra names parameters
// the caller reads itself (e.g. "format"). Limits are checked here;
// codes are checked by the Reader, which knows the catalogue.
func ParseSearchQuery(v url.Values, extra ...string) (SearchQuery, error) {
	if err := onlyParams(v, append(slices.Clone(searchParams), extra...)); err != nil {
		return SearchQuery{}, err
	}
	var q SearchQuery
	var err error
	if q.Q, err = single(v, "q"); err != nil {
		return q, err
	}
	q.Q = strings.TrimSpace(q.Q)
	if n := utf8.RuneCountInString(q.Q); n > MaxQueryLen {
		return q, Invalid("q", "is %d characters long; the limit is %d", n, MaxQueryLen)
	}
	lists := []struct {
		name string
		dst  *[]string
	}{
		{FilterIssuer, &q.Issuers}, {FilterCategory, &q.Categories}, {FilterIndustry, &q.Industries},
		{FilterSize, &q.EnterpriseSizes}, {FilterDistrict, &q.Districts}, {FilterDocumentType, &q.DocumentTypes},
	}
	for _, l := range lists {
		if *l.dst, err = list(v, l.name); err != nil {
			return q, err
		}
	}
	vals, err := list(v, FilterValidity)
	if err != nil {
		return q, err
	}
	for _, s := range vals {
		val, ok := ParseValidity(s)
		if !ok {
			var codes []string
			for _, x := range Validities {
				codes = append(codes, string(x.Code))
			}
			return q, Invalid(FilterValidity, "unknown validity %q; one of %s", clipParam(s), strings.Join(codes, ", "))
		}
		q.Validities = append(q.Validities, val)
	}
	if q.PublishedFrom, err = dateParam(v, "published_from"); err != nil {
		return q, err
	}
	if q.PublishedTo, err = dateParam(v, "published_to"); err != nil {
		return q, err
	}
	if !q.PublishedFrom.IsZero() && !q.PublishedTo.IsZero() && q.PublishedTo.Before(q.PublishedFrom) {
		return q, Invalid("published_to", "is before published_from")
	}
	if q.Page, err = intParam(v, "page", 1, MaxPage); err != nil {
		return q, err
	}
	if q.PageSize, err = intParam(v, "page_size", 1, MaxPageSize); err != nil {
		return q, err
	}
	return q, nil
}

// ParseProfile reads the parameters of /match and /api/v1/match:
// industry, size, district, founded (a year) and qualifications
// (repeatable or comma-separated). now bounds the founding year.
func ParseProfile(v url.Values, now time.Time, extra ...string) (Profile, error) {
	if err := onlyParams(v, append(slices.Clone(profileParams), extra...)); err != nil {
		return Profile{}, err
	}
	var p Profile
	var err error
	for _, f := range []struct {
		name string
		dst  *string
	}{{"industry", &p.Industry}, {"size", &p.Size}, {"district", &p.District}} {
		if *f.dst, err = single(v, f.name); err != nil {
			return p, err
		}
	}
	if p.Founded, err = intParam(v, "founded", 1900, DateOf(now).Time().Year()); err != nil {
		return p, err
	}
	if p.Qualifications, err = list(v, "qualifications"); err != nil {
		return p, err
	}
	return p, nil
}

func onlyParams(v url.Values, known []string) error {
	for name := range v {
		if !slices.Contains(known, name) {
			return Invalid(clipParam(name), "is not a parameter here; known: %s", strings.Join(known, ", "))
		}
	}
	return nil
}

func single(v url.Values, name string) (string, error) {
	vs := v[name]
	switch {
	case len(vs) == 0:
		return "", nil
	case len(vs) > 1:
		return "", Invalid(name, "is given %d times; give it once", len(vs))
	}
	if len(vs[0]) > 4*MaxQueryLen {
		return "", Invalid(name, "is too long")
	}
	return vs[0], nil
}

func list(v url.Values, name string) ([]string, error) {
	var out []string
	for _, s := range v[name] {
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" && !slices.Contains(out, part) {
				out = append(out, part)
			}
		}
	}
	if len(out) > MaxFilterValues {
		return nil, Invalid(name, "has %d values; the limit is %d", len(out), MaxFilterValues)
	}
	for _, s := range out {
		if len(s) > 64 {
			return nil, Invalid(name, "value %q is too long", clipParam(s))
		}
	}
	return out, nil
}

func dateParam(v url.Values, name string) (Date, error) {
	s, err := single(v, name)
	if err != nil || s == "" {
		return Date{}, err
	}
	d, err := ParseDate(s)
	if err != nil {
		return Date{}, Invalid(name, "%q is not a date YYYY-MM-DD", clipParam(s))
	}
	return d, nil
}

func intParam(v url.Values, name string, lo, hi int) (int, error) {
	s, err := single(v, name)
	if err != nil || s == "" {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, Invalid(name, "must be a whole number from %d to %d, got %q", lo, hi, clipParam(s))
	}
	return n, nil
}

func clipParam(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}
