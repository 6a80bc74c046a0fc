package httpapi

import (
	"strings"
	"testing"
	"time"
)

func TestParseQuery(t *testing.T) {
	allowed := []string{"from", "to", "department"}
	for raw, want := range map[string]string{
		"from=%zz":          "from: has a broken percent-escape",
		"from=2024-01-01%":  "from: has a broken percent-escape",
		"department=a%00b":  "department: contains the control character U+0000",
		"department=%ff":    "department: is not UTF-8",
		"department=%C0%80": "department: is not UTF-8",
		"department=a%0Ab":  "control character U+000A",
		"from=1&from=2":     "from: given more than once",
		"colour=red":        `unknown parameter "colour"; this endpoint takes from, to, department`,
		"=x":                `query parameter "=x" has no name`,
		"from=1;to=2":       "contains ';'",
		"fr%zzom=1":         `query parameter name "fr%zzom"`,
		"department=" + strings.Repeat("a", 1001): "limit is 1000",
	} {
		_, err := parseQuery(raw, allowed)
		if err == nil || err.Code != EMalformed || !strings.Contains(err.Message, want) {
			t.Errorf("parseQuery(%.40q) = %v, want a malformed error containing %q", raw, err, want)
		}
	}
	q, err := parseQuery("from=2024-01-01&&department=qd+xzsp%2C%E4%B8%AD", allowed)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := q.Get("department"), "qd xzsp,中"; got != want {
		t.Errorf("department = %q, want %q", got, want)
	}
	if _, err := parseQuery("x=1", nil); err == nil || !strings.Contains(err.Message, "takes no parameters") {
		t.Errorf("no parameters: %v", err)
	}
}

func TestDateParam(t *testing.T) {
	for _, v := range []string{"0000-01-01", "1999-12-31", "2100-01-01", "9999-12-31"} {
		if _, _, err := dateParam("at", v, time.UTC); err == nil || !strings.Contains(err.Message, "outside the dates") {
			t.Errorf("%s: %v, want outside the dates", v, err)
		}
	}
	for _, v := range []string{"2024-02-30", "24-01-01", "2024-1-1", "+2024-01-01"} {
		if _, _, err := dateParam("at", v, time.UTC); err == nil || !strings.Contains(err.Message, "not a date") {
			t.Errorf("%s: %v, want not a date", v, err)
		}
	}
	if d, ok, err := dateParam("at", "2000-01-01", time.UTC); err != nil || !ok || d.Year() != 2000 {
		t.Errorf("2000-01-01: %v %v %v", d, ok, err)
	}
}
