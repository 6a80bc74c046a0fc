package queryparam

import (
	"fmt"
	"slices"
	"testing"
)

func TestPairs(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want []string // name, value, name, value…
	}{
		{"", nil},
		{"&&", nil},
		{"a=1&b=2", []string{"a", "1", "b", "2"}},
		{"a&=x&b==c&", []string{"a", "", "", "x", "b", "=c"}},
		{"a=1;b=2&c=%26", []string{"a", "1;b=2", "c", "%26"}},
	} {
		var got []string
		for name, value := range Pairs(tc.raw) {
			got = append(got, name, value)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Pairs(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
	for range Pairs("a=1&b=2") {
		break // stopping early must not panic
	}
}

func TestUnescape(t *testing.T) {
	m := Messages{
		BrokenEscape: func(raw string) string { return "escape " + raw },
		TooLong:      func(n, limit int) string { return fmt.Sprintf("long %d>%d", n, limit) },
		NotUTF8:      "utf8",
		Control:      func(c rune) string { return fmt.Sprintf("control %U", c) },
	}
	for _, tc := range []struct{ in, want, why string }{
		{"a+b%20c", "a b c", ""},
		{"%E4%BC%81", "企", ""},
		{"%zz", "", "escape %zz"},
		{"abcdef", "", "long 6>5"},
		{"%ff", "", "utf8"},
		{"a%00", "", "control U+0000"},
		{"%0A", "", "control U+000A"},
	} {
		got, why := m.Unescape(tc.in, 5)
		if got != tc.want || why != tc.why {
			t.Errorf("Unescape(%q) = %q, %q; want %q, %q", tc.in, got, why, tc.want, tc.why)
		}
	}
}
