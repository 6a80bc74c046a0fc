package events

import "time"

// Portal usage events are emitted by govpulse's own portal (政策通), one
// per policy page view or search, without an IP address, cookie or user
// agent. They speak for no department: their time attribute is when the
// visitor viewed or searched, and their data names only what was seen.
const (
	TypePolicyViewed   = "govpulse.policy.viewed.v1"
	TypePortalSearched = "govpulse.portal.searched.v1"
)

// Where a policy page's visitor came from (PolicyViewed.Origin).
const (
	OriginSearch = "search" // a search result
	OriginMatch  = "match"  // "policies for my company"
	OriginHome   = "home"   // the home page's lists
	OriginFeed   = "feed"   // an Atom or iCalendar feed's link
	OriginDirect = "direct" // a link from elsewhere, a bookmark, a typed URL
)

// ViewOrigin is PolicyViewed.Origin, in the order boards and metrics show
// the origins.
var ViewOrigin = Enum{"origin", []string{OriginSearch, OriginMatch, OriginHome, OriginFeed, OriginDirect}}

// ViewOrigins lists the origins a PolicyViewed may name.
func ViewOrigins() []string { return ViewOrigin.Values() }

// MaxSearchQueryRunes is how many characters of a search's text a
// PortalSearched keeps; the portal cuts longer queries to it.
const MaxSearchQueryRunes = 64

// maxSearchResults bounds PortalSearched.Results: far above any catalogue.
const maxSearchResults = 10_000_000

// usageEvent gives the portal usage events what they share.
type usageEvent struct{}

// Department is empty: usage events speak for no department.
func (usageEvent) Department() string { return "" }

// OccurredAt is zero: a view's or search's time is its envelope's time
// attribute.
func (usageEvent) OccurredAt() time.Time { return time.Time{} }

// PolicyViewed says a policy's page was shown once, and where the visitor
// came from.
type PolicyViewed struct {
	usageEvent
	PolicyID string `json:"policy_id"`
	Origin   string `json:"origin"`
}

// EventType returns TypePolicyViewed.
func (PolicyViewed) EventType() string { return TypePolicyViewed }

// decodePolicyViewed reads and checks a PolicyViewed payload.
func decodePolicyViewed(r *fieldReader) Event {
	var v PolicyViewed
	v.PolicyID = r.PolicyID("policy_id", true)
	v.Origin = r.Enum(ViewOrigin)
	return v
}

// PortalSearched says the portal answered one search: its text, cut to
// MaxSearchQueryRunes characters, and how many policies it found (0 is a
// zero-result search, which the reform office wants to see).
type PortalSearched struct {
	usageEvent
	Query   string `json:"query"`
	Results int    `json:"results"`
}

// EventType returns TypePortalSearched.
func (PortalSearched) EventType() string { return TypePortalSearched }

// decodePortalSearched reads and checks a PortalSearched payload.
func decodePortalSearched(r *fieldReader) Event {
	var s PortalSearched
	s.Query = r.String("query", MaxSearchQueryRunes)
	s.Results = r.Int("results", 0, maxSearchResults)
	return s
}
