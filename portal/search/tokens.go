package search

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxPosition is the largest tsvector position PostgreSQL keeps.
const MaxPosition = 16383

// isCJK reports whether r is written as a CJK ideograph (a character of
// its own, no spaces between words).
func isCJK(r rune) bool { return unicode.Is(unicode.Han, r) }

// isWordRune reports whether r belongs to an ASCII-style word or number.
func isWordRune(r rune) bool {
	return (r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))) || unicode.IsDigit(r) || (unicode.IsLetter(r) && !isCJK(r))
}

// Run is a piece of text searched as a unit: a run of CJK characters or a
// word (letters and digits).
type Run struct {
	Text string
	CJK  bool
}

// Runs splits text into CJK runs and words, dropping punctuation and
// spaces; full-width letters and digits are folded to ASCII and words
// are lower-cased.
func Runs(text string) []Run {
	text = Fold(text)
	var out []Run
	var b strings.Builder
	cur := 0 // 0 none, 1 cjk, 2 word
	flush := func() {
		if b.Len() > 0 {
			out = append(out, Run{Text: b.String(), CJK: cur == 1})
			b.Reset()
		}
		cur = 0
	}
	for _, r := range text {
		kind := 0
		switch {
		case isCJK(r):
			kind = 1
		case isWordRune(r):
			kind = 2
		}
		if kind != cur {
			flush()
		}
		if kind != 0 {
			cur = kind
			b.WriteRune(r)
		}
	}
	flush()
	return out
}

// Fold maps full-width ASCII (Ａ-Ｚ, ０-９, ...) to ASCII and the ideographic
// space to a space, and lower-cases ASCII letters.
func Fold(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r = r - 0xFF01 + 0x21
		case r == 0x3000:
			r = ' '
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}, s)
}

// Terms returns the index terms of a run: for CJK its bigrams, plus the
// last character alone (so that a one-character prefix query finds a
// character that ends a run); a word is its own term.
func (r Run) Terms() []string {
	if !r.CJK {
		return []string{r.Text}
	}
	rs := []rune(r.Text)
	if len(rs) == 1 {
		return []string{r.Text}
	}
	out := make([]string, 0, len(rs))
	for i := 0; i+1 < len(rs); i++ {
		out = append(out, string(rs[i:i+2]))
	}
	return append(out, string(rs[len(rs)-1]))
}

// quoteTerm writes a tsvector/tsquery lexeme literal.
func quoteTerm(b *strings.Builder, t string) {
	b.WriteByte('\'')
	for _, r := range t {
		if r == '\'' || r == '\\' {
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
}

// Field is one weighted piece of a document's text.
type Field struct {
	Text   string
	Weight byte // 'A', 'B', 'C' or 'D'
}

// VectorBuilder builds tsvector literals of bounded positions: when a
// part is full, the next text starts a new part.
type VectorBuilder struct {
	parts []string
	b     strings.Builder
	pos   int
}

// Add indexes text with weight, starting a new part when positions run out.
func (v *VectorBuilder) Add(text string, weight byte) {
	for _, run := range Runs(text) {
		terms := run.Terms()
		if v.pos+len(terms)+1 > MaxPosition {
			v.Cut()
		}
		for i, t := range terms {
			p := v.pos + 1 + i
			if run.CJK && i == len(terms)-1 && len(terms) > 1 {
				p = v.pos + i // the run end shares the last bigram's position
			}
			if v.b.Len() > 0 {
				v.b.WriteByte(' ')
			}
			quoteTerm(&v.b, t)
			v.b.WriteByte(':')
			v.b.WriteString(strconv.Itoa(p))
			v.b.WriteByte(weight)
		}
		v.pos += len(terms) + 1 // a gap keeps phrases from crossing runs
	}
}

// Cut ends the current part.
func (v *VectorBuilder) Cut() {
	if v.b.Len() > 0 {
		v.parts = append(v.parts, v.b.String())
		v.b.Reset()
	}
	v.pos = 0
}

// Parts returns the tsvector literals built, at least one (possibly empty).
func (v *VectorBuilder) Parts() []string {
	v.Cut()
	if len(v.parts) == 0 {
		return []string{""}
	}
	return v.parts
}
