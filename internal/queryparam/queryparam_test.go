package queryparam

import (
	"fmt"
	"testing"
)

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
