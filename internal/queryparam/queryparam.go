// Package queryparam decodes one name or value of a query string as the
// HTTP API and the portal both demand: a well-formed percent-escape, a
// bounded length, UTF-8 and no control character. Each says what is wrong
// in its own words (English, Chinese) through Messages.
package queryparam

import (
	"net/url"
	"unicode"
	"unicode/utf8"
)

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
