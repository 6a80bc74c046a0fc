package search

import (
	"strings"
	"unicode/utf8"

	"github.com/govpulse/govpulse/portal"
)

// Highlight splits text into parts, marking every occurrence of a needle
// (matched on the folded text, so case and full width do not matter).
func Highlight(text string, needles []string) []portal.SnippetPart {
	if text == "" {
		return nil
	}
	folded := Fold(text)
	// Fold maps rune for rune, so rune offsets agree; byte offsets may
	// not (full-width forms are 3 bytes, ASCII 1): work in runes.
	orig := []rune(text)
	fr := []rune(folded)
	hit := make([]bool, len(fr))
	for _, n := range needles {
		nr := []rune(n)
		if len(nr) == 0 {
			continue
		}
		for i := 0; i+len(nr) <= len(fr); i++ {
			if string(fr[i:i+len(nr)]) == n {
				for k := i; k < i+len(nr); k++ {
					hit[k] = true
				}
			}
		}
	}
	var parts []portal.SnippetPart
	start := 0
	for i := 1; i <= len(orig); i++ {
		if i == len(orig) || hit[i] != hit[start] {
			parts = append(parts, portal.SnippetPart{Text: string(orig[start:i]), Hit: hit[start]})
			start = i
		}
	}
	return parts
}

// Snippet cuts about width characters of text around the first needle
// found (or its start) and highlights the needles in it; ellipses mark
// cuts. ok says whether a needle was found.
func Snippet(text string, needles []string, width int) (parts []portal.SnippetPart, ok bool) {
	text = strings.Join(strings.Fields(text), " ")
	folded := Fold(text)
	at := -1
	for _, n := range needles {
		if i := strings.Index(folded, n); i >= 0 && (at < 0 || i < at) {
			at = i
		}
	}
	rs := []rune(text)
	first := 0
	if at >= 0 {
		first = max(0, utf8.RuneCountInString(folded[:at])-width/4)
	}
	last := min(len(rs), first+width)
	piece := string(rs[first:last])
	if first > 0 {
		piece = "…" + piece
	}
	if last < len(rs) {
		piece += "…"
	}
	return Highlight(piece, needles), at >= 0
}
