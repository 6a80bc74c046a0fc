package grafana

import (
	"encoding/json"
	"testing"
)

// unescapeHTML keeps the JSON meaning: a literal backslash before
// "u003c" in the text stays a backslash and the text.
func TestUnescapeHTMLKeepsTheText(t *testing.T) {
	for _, s := range []string{`<= 3`, `a & b > c`, `\u003c stays literal`, `\\<`, `"quoted" \ <`, `plain`} {
		escaped, err := json.Marshal(map[string]string{"k": s})
		if err != nil {
			t.Fatal(err)
		}
		got := unescapeHTML(escaped)
		var back map[string]string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%q: %s is not JSON: %v", s, got, err)
		}
		if back["k"] != s {
			t.Errorf("%q: round trip through %s gives %q", s, got, back["k"])
		}
	}
	if got, want := string(unescapeHTML([]byte(`{"k":"\u003c= \\u003e"}`))), `{"k":"<= \\u003e"}`; got != want {
		t.Errorf("unescapeHTML = %s, want %s", got, want)
	}
}
