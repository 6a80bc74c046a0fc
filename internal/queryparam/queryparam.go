package queryparam

import (
	"iter"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Pairs yields the raw (still percent-encoded) name and value of each
// '&'-separated pair of the raw query string, in order, skipping empty
// pairs; a pair without '=' has an empty value. Since empty pairs are
// skipped, an empty name always comes from a pair written "=value".
func Pairs(raw string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for pair := range strings.SplitSeq(raw, "&") {
			if pair == "" {
				continue
			}
			name, value, _ := strings.Cut(pair, "=")
			if !yield(name, value) {
				return
			}
		}
	}
}

// Messages word the problems Unescape finds.
type Messages struct {
	BrokenEscape func(raw string) string       // a '%' not followed by two hex digits
	TooLong      func(bytes, limit int) string // longer than the limit once decoded
	NotUTF8      string
	Control      func(c rune) string
}

// Unescape decodes s ('+' is a space) and returns it, or why it is not
// acceptable (in m's words) when it is longer than maxBytes decoded, not
// UTF-8 or holds a control character.
func (m Messages) Unescape(s string, maxBytes int) (string, string) {
	v, err := url.QueryUnescape(s)
	if err != nil {
		return "", m.BrokenEscape(s)
	}
	if len(v) > maxBytes {
		return "", m.TooLong(len(v), maxBytes)
	}
	if !utf8.ValidString(v) {
		return "", m.NotUTF8
	}
	for _, c := range v {
		if unicode.IsControl(c) {
			return "", m.Control(c)
		}
	}
	return v, ""
}
