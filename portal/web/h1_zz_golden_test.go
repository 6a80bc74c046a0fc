package web

import (
	"fmt"
	"os"
	"testing"
)

func TestZZGolden(t *testing.T) {
	f := newFixture()
	h := newTestServer(t, f, &recorded{})
	out := ""
	for _, u := range []string{"/feeds/changes.atom", "/feeds/changes.atom?q=企业", "/feeds/changes.atom?industry=c", "/feeds/changes.atom?page=1", "/feeds/changes.atom?since=2020-01-01",
		"/feeds/match.atom?industry=c", "/feeds/match.atom?founded=x", "/feeds/policies/qd-2020-12.atom", "/feeds/policies/nope.atom", "/feeds/policies/qd-2020-12.atom?x=1", "/feeds/policies/.atom", "/feeds/policies/qd-2020-12",
		"/feeds/deadlines.ics", "/feeds/deadlines.ics?q=企业", "/feeds/deadlines.ics?limit=1", "/feeds/match.ics?size=small", "/feeds/match.ics?founded=x",
		"/api/v1/feeds/changes", "/api/v1/feeds/changes?q=企业&since=2021-01-01&limit=2", "/api/v1/feeds/changes?since=x", "/api/v1/feeds/changes?limit=999", "/api/v1/feeds/changes?page=1",
		"/api/v1/feeds/match?industry=c", "/api/v1/feeds/match?industry=c&limit=1", "/api/v1/feeds/match?founded=x&since=x",
		"/api/v1/feeds/policies/qd-2020-12", "/api/v1/feeds/policies/qd-2020-12?limit=1", "/api/v1/feeds/policies/nope", "/api/v1/feeds/policies/nope?since=x", "/api/v1/feeds/policies/qd-2020-12?q=x",
		"/api/v1/feeds/deadlines", "/api/v1/feeds/deadlines?q=企业", "/api/v1/feeds/deadlines?limit=1", "/api/v1/feeds/match/deadlines?size=small", "/api/v1/feeds/match/deadlines?founded=x"} {
		res, body := get(t, h, u)
		out += fmt.Sprintf("== %s %d %s %s\n%s\n", u, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"), body)
	}
	os.WriteFile(os.Getenv("GOLDEN"), []byte(out), 0o644)
}
