package events

import (
	"strings"
	"testing"
)

func TestPolicyViewedValid(t *testing.T) {
	ev, _ := validExample(t, "policy_viewed", nil)
	if got, want := ev, (PolicyViewed{PolicyID: "qd-xzsp-2020-12", Origin: OriginSearch}); got != want {
		t.Errorf("event = %+v, want %+v", got, want)
	}
	if d := ev.Department(); d != "" {
		t.Errorf("a view speaks for %q, want no department", d)
	}
	if f, known := DepartmentField(TypePolicyViewed); !known || f != "" {
		t.Errorf("DepartmentField = %q, %v; want \"\", true", f, known)
	}
	for _, o := range ViewOrigins() {
		if _, env := validExample(t, "policy_viewed", setData("origin", o)); env.Type != TypePolicyViewed {
			t.Errorf("origin %s", o)
		}
	}
}

func TestPolicyViewedProblems(t *testing.T) {
	runProblemCases(t, "policy_viewed", []problemCase{
		{"no policy", deleteData("policy_id"), "data.policy_id", "is required"},
		{"bad policy id", setData("policy_id", "../etc"), "data.policy_id", "letters, digits"},
		{"unknown origin", setData("origin", "google"), "data.origin", "must be one of search, match, home, feed, direct"},
		{"visitor's address", setData("ip", "10.0.0.1"), "data.ip", "is not a field of govpulse.policy.viewed.v1"},
		{"user agent", setData("user_agent", "Mozilla"), "data.user_agent", "is not a field"},
	})
}

func TestPortalSearchedValid(t *testing.T) {
	ev, _ := validExample(t, "portal_searched", nil)
	if got, want := ev, (PortalSearched{Query: "开办 企业", Results: 12}); got != want {
		t.Errorf("event = %+v, want %+v", got, want)
	}
	ev, _ = validExample(t, "portal_searched", setData("query", strings.Repeat("税", MaxSearchQueryRunes)))
	if q := ev.(PortalSearched).Query; len([]rune(q)) != MaxSearchQueryRunes {
		t.Errorf("a query of exactly %d characters became %q", MaxSearchQueryRunes, q)
	}
	if ev, _ := validExample(t, "portal_searched", setData("results", 0)); ev.(PortalSearched).Results != 0 {
		t.Error("a zero-result search lost its count")
	}
}

func TestPortalSearchedProblems(t *testing.T) {
	runProblemCases(t, "portal_searched", []problemCase{
		{"long query", setData("query", strings.Repeat("税", MaxSearchQueryRunes+1)), "data.query", "the limit is 64"},
		{"blank query", setData("query", "  "), "data.query", "blank"},
		{"control character", setData("query", "社保\u0007"), "data.query", "non-printable"},
		{"ideographic space", setData("query", "开办\u3000企业"), "data.query", "non-printable"},
		{"negative results", setData("results", -1), "data.results", "between 0 and"},
		{"fractional results", setData("results", 1.5), "data.results", "whole number"},
		{"no results", deleteData("results"), "data.results", "is required"},
		{"cookie", setData("cookie", "sid=1"), "data.cookie", "is not a field of govpulse.portal.searched.v1"},
	})
}
