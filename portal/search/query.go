package search

import (
	"strings"
	"unicode/utf8"
)

// Group is one piece of a query with its alternatives (the piece as typed
// and its synonyms); a document matches the group if it contains any.
type Group struct {
	Alts []string // folded runs: CJK text or one word
	CJK  bool
}

// Query is a parsed search: every group must match.
type Query struct {
	Groups   []Group
	Synonyms [][2]string // plain word -> official term, as applied
}

// ParseQuery splits q into runs and widens each with syn.
func ParseQuery(q string, syn *Synonyms) Query {
	var out Query
	for _, r := range Runs(q) {
		alts := []string{r.Text}
		if r.CJK {
			var used [][2]string
			alts, used = syn.Expand(r.Text)
			out.Synonyms = append(out.Synonyms, used...)
		}
		out.Groups = append(out.Groups, Group{Alts: alts, CJK: r.CJK})
	}
	return out
}

// Empty reports whether the query has nothing to search for.
func (q Query) Empty() bool { return len(q.Groups) == 0 }

// Relaxed splits CJK runs longer than two characters into two-character
// pieces, each widened with syn again (小微企业减税 → 小微 企业 减税), for
// when the phrase finds nothing. ok is false when there is nothing to
// relax.
func (q Query) Relaxed(syn *Synonyms) (Query, bool) {
	var out Query
	relaxed := false
	for _, g := range q.Groups {
		if !g.CJK || utf8.RuneCountInString(g.Alts[0]) <= 2 {
			out.Groups = append(out.Groups, g)
			continue
		}
		rs := []rune(g.Alts[0])
		for i := 0; i < len(rs); i += 2 {
			j := min(i+2, len(rs))
			if j-i == 1 {
				i-- // a last single character joins its neighbour
			}
			alts, used := syn.Expand(string(rs[i:j]))
			out.Groups = append(out.Groups, Group{Alts: alts, CJK: true})
			out.Synonyms = append(out.Synonyms, used...)
		}
		relaxed = true
	}
	return out, relaxed
}

// TSQuery is the query as a tsquery literal: groups joined by &, each
// alternative a phrase of bigrams (<->) or, for one character, a prefix.
func (q Query) TSQuery() string {
	var b strings.Builder
	for i, g := range q.Groups {
		if i > 0 {
			b.WriteString(" & ")
		}
		b.WriteByte('(')
		for j, alt := range g.Alts {
			if j > 0 {
				b.WriteString(" | ")
			}
			writePhrase(&b, alt, g.CJK)
		}
		b.WriteByte(')')
	}
	return b.String()
}

func writePhrase(b *strings.Builder, alt string, cjk bool) {
	if !cjk {
		quoteTerm(b, alt)
		return
	}
	rs := []rune(alt)
	if len(rs) == 1 {
		quoteTerm(b, alt)
		b.WriteString(":*")
		return
	}
	for i := 0; i+1 < len(rs); i++ {
		if i > 0 {
			b.WriteString(" <-> ")
		}
		quoteTerm(b, string(rs[i:i+2]))
	}
}

// Matches reports whether every group has an alternative in one of texts
// (folded with Fold).
func (q Query) Matches(texts ...string) bool {
	for _, g := range q.Groups {
		if !g.In(texts...) {
			return false
		}
	}
	return !q.Empty()
}

// In reports whether one of g's alternatives is in one of texts.
func (g Group) In(texts ...string) bool {
	for _, t := range texts {
		for _, a := range g.Alts {
			if strings.Contains(t, a) {
				return true
			}
		}
	}
	return false
}

// Needles are every alternative of every group, longest first, for
// highlighting.
func (q Query) Needles() []string {
	var out []string
	for _, g := range q.Groups {
		out = append(out, g.Alts...)
	}
	// longest first, so 社会保险 is marked whole rather than 社会 alone
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && utf8.RuneCountInString(out[j]) > utf8.RuneCountInString(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
