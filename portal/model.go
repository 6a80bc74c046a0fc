package portal

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// China Standard Time, fixed: policy dates are Chinese calendar days and
// the zone has no daylight saving, so no tzdata is needed.
var cst = time.FixedZone("CST", 8*3600)

// Date is a calendar day (in China Standard Time) without a clock: the
// dates of a policy (成文日期, effective dates, application window) and
// the day a validity is asked for. The zero Date means "not set".
type Date struct{ t time.Time }

// NewDate returns the date y-m-d.
func NewDate(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, cst)} }

// DateOf returns the day of t in China Standard Time.
func DateOf(t time.Time) Date {
	t = t.In(cst)
	return NewDate(t.Year(), t.Month(), t.Day())
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, cst)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Time returns the start of the day in China Standard Time.
func (d Date) Time() time.Time { return d.t }

// String returns YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(time.DateOnly)
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }

// DaysUntil returns the number of days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int { return int(e.t.Sub(d.t).Round(time.Hour).Hours() / 24) }

// MarshalJSON writes "YYYY-MM-DD", or null for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	b := make([]byte, 0, len(`"2006-01-02"`))
	b = append(b, '"')
	b = d.t.AppendFormat(b, time.DateOnly)
	return append(b, '"'), nil
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("date must be a string YYYY-MM-DD")
	}
	v, err := ParseDate(string(b[1 : len(b)-1]))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Validity is whether a policy is in force on a given day.
type Validity string

// The validities of a policy, one declaration: Validities gives their
// order and Chinese labels.
const (
	NotYetInForce Validity = "not_yet_in_force" // 未生效
	InForce       Validity = "in_force"         // 现行有效
	Expired       Validity = "expired"          // 已失效
	Repealed      Validity = "repealed"         // 已废止
)

// Validities lists every validity with its label, in display order.
var Validities = []struct {
	Code  Validity
	Label string
}{
	{InForce, "现行有效"},
	{NotYetInForce, "未生效"},
	{Expired, "已失效"},
	{Repealed, "已废止"},
}

// Label returns the Chinese label (现行有效 ...), or "" for an unknown code.
func (v Validity) Label() string {
	for _, x := range Validities {
		if x.Code == v {
			return x.Label
		}
	}
	return ""
}

// ParseValidity returns the validity with code s.
func ParseValidity(s string) (Validity, bool) {
	for _, x := range Validities {
		if string(x.Code) == s {
			return x.Code, true
		}
	}
	return "", false
}

// ValidityOn is the validity on day d of a policy in force from
// effectiveFrom to effectiveTo (inclusive, zero = open-ended) and repealed
// on repealedAt (zero = never; in force no longer from that day).
func ValidityOn(d, effectiveFrom, effectiveTo, repealedAt Date) Validity {
	switch {
	case !repealedAt.IsZero() && !d.Before(repealedAt):
		return Repealed
	case !effectiveFrom.IsZero() && d.Before(effectiveFrom):
		return NotYetInForce
	case !effectiveTo.IsZero() && d.After(effectiveTo):
		return Expired
	}
	return InForce
}

// Criteria says who qualifies for a policy, in a form a profile can be
// checked against. Every part is optional: an empty list or nil bound
// places no condition.
type Criteria struct {
	Industries      []string `json:"industries,omitempty"`       // GB/T 4754 sections (A..T)
	EnterpriseSizes []string `json:"enterprise_sizes,omitempty"` // large, medium, small, micro
	Districts       []string `json:"districts,omitempty"`
	MinYearsFounded *int     `json:"min_years_founded,omitempty"`
	MaxYearsFounded *int     `json:"max_years_founded,omitempty"`
	Qualifications  []string `json:"qualifications,omitempty"` // catalogue codes, all required
}

// Policy is one version of a policy document: the fields of
// govpulse.policy.published.v1 as amended up to that version.
type Policy struct {
	ID              string   `json:"policy_id"`
	DocNumber       string   `json:"doc_number"` // 文号 as written
	Title           string   `json:"title"`
	Issuer          string   `json:"issuer"` // department code
	DocumentType    string   `json:"document_type"`
	Categories      []string `json:"categories"`
	Industries      []string `json:"industries"`
	EnterpriseSizes []string `json:"enterprise_sizes"`
	Districts       []string `json:"districts"` // empty: city-wide
	WrittenAt       Date     `json:"written_at"`
	PublishedAt     Date     `json:"published_at"` // the published event's time
	EffectiveFrom   Date     `json:"effective_from"`
	EffectiveTo     Date     `json:"effective_to"` // zero: open-ended
	Body            string   `json:"body"`
	Criteria        Criteria `json:"criteria"`
	Conditions      string   `json:"conditions"`
	Materials       []string `json:"materials"`
	Support         string   `json:"support"`
	ApplicationFrom Date     `json:"application_from"`
	ApplicationTo   Date     `json:"application_to"`
	HowToApply      string   `json:"how_to_apply"`
	Contact         string   `json:"contact"`
}

// Names are the catalogue's names for the codes a view shows, so that a
// page prints 青岛市商务局 rather than qd-commerce.
type Names struct {
	Issuer          string   `json:"issuer"`
	DocumentType    string   `json:"document_type"`
	Categories      []string `json:"categories"`
	Industries      []string `json:"industries"`
	EnterpriseSizes []string `json:"enterprise_sizes"`
	Districts       []string `json:"districts"` // 全市 when the policy is city-wide
}

// VersionKind is what made a version: the event types of the life cycle.
type VersionKind string

// The kinds of version.
const (
	KindPublished VersionKind = "published"
	KindAmended   VersionKind = "amended"
	KindExtended  VersionKind = "extended"
	KindRepealed  VersionKind = "repealed"
	// KindInterpreted is used only for ChangeEntry: an interpretation
	// does not make a new version.
	KindInterpreted VersionKind = "interpreted"
)

// Version describes one version of a policy: what made it and what it
// changed from the one before (none for version 1).
type Version struct {
	N         int         `json:"n"` // 1 for the published version
	Kind      VersionKind `json:"kind"`
	At        time.Time   `json:"at"`         // the event's time
	DocNumber string      `json:"doc_number"` // of the amending or extending document; the policy's own for version 1
	Reason    string      `json:"reason,omitempty"`
	Changes   []Change    `json:"changes,omitempty"`
}

// Change is one field changed by a version. List fields are joined with
// "、" in Old and New; the body carries its paragraphs in Paragraphs.
type Change struct {
	Field      string          `json:"field"` // the event's field name, e.g. "support"
	Label      string          `json:"label"` // its Chinese name, e.g. 扶持标准
	Old        string          `json:"old"`
	New        string          `json:"new"`
	Paragraphs []ParagraphDiff `json:"paragraphs,omitempty"`
}

// ParagraphOp says what happened to a paragraph between two versions.
type ParagraphOp string

// The paragraph operations.
const (
	ParagraphSame    ParagraphOp = "same"
	ParagraphAdded   ParagraphOp = "added"
	ParagraphRemoved ParagraphOp = "removed"
)

// ParagraphDiff is one paragraph of a body diff, in reading order.
type ParagraphDiff struct {
	Op   ParagraphOp `json:"op"`
	Text string      `json:"text"`
}

// QA is one question and its answer.
type QA struct {
	Q string `json:"q"`
	A string `json:"a"`
}

// Interpretation is an official reading of a policy
// (govpulse.policy.interpreted.v1).
type Interpretation struct {
	ID        string    `json:"interpretation_id"`
	Kind      string    `json:"kind"`       // official, graphic, qa
	KindLabel string    `json:"kind_label"` // 政策解读, 图解, 问答
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	QA        []QA      `json:"qa,omitempty"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// Repeal says when and why a policy was repealed.
type Repeal struct {
	At                Date   `json:"repealed_at"`
	Reason            string `json:"reason"`
	SupersededBy      string `json:"superseded_by,omitempty"`       // policy_id
	SupersededByTitle string `json:"superseded_by_title,omitempty"` // its current title
}

// PolicySummary is a policy as it appears in a list: enough for a card.
type PolicySummary struct {
	ID              string   `json:"policy_id"`
	DocNumber       string   `json:"doc_number"`
	Title           string   `json:"title"`
	Issuer          string   `json:"issuer"`
	IssuerName      string   `json:"issuer_name"`
	DocumentType    string   `json:"document_type"`
	DocumentName    string   `json:"document_type_name"`
	Categories      []string `json:"categories"`
	PublishedAt     Date     `json:"published_at"`
	EffectiveFrom   Date     `json:"effective_from"`
	EffectiveTo     Date     `json:"effective_to"`
	ApplicationFrom Date     `json:"application_from"`
	ApplicationTo   Date     `json:"application_to"`
	Validity        Validity `json:"validity"`
	ValidityLabel   string   `json:"validity_label"`
	Versions        int      `json:"versions"`
	Views           int64    `json:"views"`
}

// PolicyView is a policy as one page shows it: one version (the current
// one, the one in force on a day, or one asked by number) with its
// validity on the day asked, the version list, interpretations and
// related policies.
type PolicyView struct {
	Policy          Policy           `json:"policy"`
	Names           Names            `json:"names"`
	Version         int              `json:"version"` // the version shown
	Current         int              `json:"current"` // the latest version
	On              Date             `json:"on"`      // the day Validity is for
	Validity        Validity         `json:"validity"`
	ValidityLabel   string           `json:"validity_label"`
	Repeal          *Repeal          `json:"repeal,omitempty"`
	Versions        []Version        `json:"versions"` // every version, oldest first
	Interpretations []Interpretation `json:"interpretations"`
	Related         []PolicySummary  `json:"related"`
}

// Limits of a search request.
const (
	MaxQueryLen     = 100 // characters of q
	MaxPageSize     = 50
	DefaultPageSize = 10
	MaxPage         = 100
	MaxFilterValues = 20 // values per filter
)

// SearchQuery is a search: free text (or a 文号) and filters that combine
// with it. Within a filter the values are alternatives; filters combine
// with AND.
type SearchQuery struct {
	Q               string     `json:"q"`
	Issuers         []string   `json:"issuer,omitempty"`
	Categories      []string   `json:"category,omitempty"`
	Industries      []string   `json:"industry,omitempty"`
	EnterpriseSizes []string   `json:"size,omitempty"`
	Districts       []string   `json:"district,omitempty"`
	DocumentTypes   []string   `json:"document_type,omitempty"`
	Validities      []Validity `json:"validity,omitempty"`
	PublishedFrom   Date       `json:"published_from"`
	PublishedTo     Date       `json:"published_to"`
	Page            int        `json:"page"`      // 1-based; 0 means 1
	PageSize        int        `json:"page_size"` // 0 means DefaultPageSize
	On              Date       `json:"on"`        // the day validity is judged on; zero: today
}

// Filter names, the query parameters of /search and /api/v1/search, in
// facet order.
const (
	FilterIssuer       = "issuer"
	FilterCategory     = "category"
	FilterIndustry     = "industry"
	FilterSize         = "size"
	FilterDistrict     = "district"
	FilterDocumentType = "document_type"
	FilterValidity     = "validity"
)

// SnippetPart is a piece of plain text, highlighted when it matched the
// query. Never HTML: the page escapes it.
type SnippetPart struct {
	Text string `json:"text"`
	Hit  bool   `json:"hit,omitempty"`
}

// Hit is one search result.
type Hit struct {
	PolicySummary
	TitleParts []SnippetPart `json:"title_parts"`
	Snippet    []SnippetPart `json:"snippet"` // from the body or an interpretation
	// SnippetFrom says where the snippet comes from: body, interpretation,
	// support, conditions.
	SnippetFrom string `json:"snippet_from"`
}

// FacetValue is one value of a filter with the number of results the
// search would have with it.
type FacetValue struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Count    int    `json:"count"`
	Selected bool   `json:"selected,omitempty"`
}

// Facet is the counts of one filter's values, largest first.
type Facet struct {
	Filter string       `json:"filter"` // a Filter* name
	Label  string       `json:"label"`  // 发文机关, 政策类别 ...
	Values []FacetValue `json:"values"`
}

// Facets are the facets of a search, in Filter* order.
type Facets []Facet

// Page says where a result list is.
type Page struct {
	Number int `json:"page"`
	Size   int `json:"page_size"`
	Total  int `json:"total"` // results in all pages
	Pages  int `json:"pages"`
}

// SynonymUsed records that a query word was widened to an official term.
type SynonymUsed struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// FilterSuggestion is a filter whose removal would give results.
type FilterSuggestion struct {
	Filter string `json:"filter"`
	Value  string `json:"value"`
	Name   string `json:"name"`
	Total  int    `json:"total"` // results without it
}

// ZeroResultHelp is what a search with no results offers instead.
type ZeroResultHelp struct {
	DropFilters   []FilterSuggestion `json:"drop_filters,omitempty"`
	SimilarTitles []PolicySummary    `json:"similar_titles,omitempty"`
}

// SearchResult is one page of a search's results.
type SearchResult struct {
	Query    SearchQuery   `json:"query"` // as understood (normalised, defaults filled)
	Hits     []Hit         `json:"hits"`
	Page     Page          `json:"page"`
	Facets   Facets        `json:"facets"`
	Synonyms []SynonymUsed `json:"synonyms,omitempty"`
	// DocNumber is set when q was a 文号 found exactly.
	DocNumber bool            `json:"doc_number_match,omitempty"`
	Help      *ZeroResultHelp `json:"help,omitempty"` // only when there are no hits
}

// Profile describes a company for matching: every part optional.
type Profile struct {
	Industry       string   `json:"industry,omitempty"` // GB/T 4754 section
	Size           string   `json:"size,omitempty"`     // large, medium, small, micro
	District       string   `json:"district,omitempty"`
	Founded        int      `json:"founded,omitempty"` // year, 0 unknown
	Qualifications []string `json:"qualifications,omitempty"`
	On             Date     `json:"on"` // the day matched on; zero: today
}

// Outcome is how a profile fares against one criterion.
type Outcome string

// The outcomes.
const (
	Met     Outcome = "met"
	NotMet  Outcome = "not_met"
	Unknown Outcome = "unknown" // the profile does not say
)

// CriterionResult is one criterion of a policy checked against a profile.
type CriterionResult struct {
	Criterion string  `json:"criterion"` // industries, enterprise_sizes, districts, years_founded, qualifications
	Label     string  `json:"label"`     // 行业, 企业规模 ...
	Required  string  `json:"required"`  // what the policy asks, in words
	Outcome   Outcome `json:"outcome"`
	Reason    string  `json:"reason,omitempty"` // why not met, or what is unknown
}

// PolicyMatch is a policy checked against a profile.
type PolicyMatch struct {
	PolicySummary
	Criteria []CriterionResult `json:"criteria"`
	Met      int               `json:"met"`
	NotMet   int               `json:"not_met"`
	Unknown  int               `json:"unknown"`
}

// MatchResult lists the in-force policies a profile qualifies for (no
// criterion not met), best first, and the near misses (one criterion not
// met).
type MatchResult struct {
	Profile    Profile       `json:"profile"`
	Total      int           `json:"total"` // policies qualified for; Matches holds the best MaxMatches
	Matches    []PolicyMatch `json:"matches"`
	NearMisses []PolicyMatch `json:"near_misses"`
}

// Limits of a match's lists.
const (
	MaxMatches    = 50
	MaxNearMisses = 20
)

// Deadline is an application window of a policy.
type Deadline struct {
	PolicyID   string `json:"policy_id"`
	Title      string `json:"title"`
	DocNumber  string `json:"doc_number"`
	From       Date   `json:"application_from"`
	To         Date   `json:"application_to"`
	HowToApply string `json:"how_to_apply"`
}

// HomeView is what the home page shows.
type HomeView struct {
	Today       Date            `json:"today"`
	Total       int             `json:"total"`      // policies in force today
	Categories  []FacetValue    `json:"categories"` // with in-force counts
	Industries  []FacetValue    `json:"industries"`
	Newest      []PolicySummary `json:"newest"`
	MostViewed  []PolicySummary `json:"most_viewed"`
	ClosingSoon []Deadline      `json:"closing_soon"` // windows closing within 30 days, soonest first
}

// ChangeEntry is one event of a policy's life, for feeds.
type ChangeEntry struct {
	PolicyID  string      `json:"policy_id"`
	Title     string      `json:"title"`
	Kind      VersionKind `json:"kind"`
	Version   int         `json:"version"` // the version made (for interpreted: the current one)
	At        time.Time   `json:"at"`
	DocNumber string      `json:"doc_number"`
	Summary   string      `json:"summary"` // a line saying what changed, in Chinese
}

// Reader answers the portal's questions from the policies read model. The
// web pages and the JSON API call it; every method is safe for concurrent
// use. Errors a caller must branch on are *Error.
type Reader interface {
	// Search runs q; an invalid q is an *Error with code EInvalid.
	Search(ctx context.Context, q SearchQuery) (SearchResult, error)
	// Policy returns the current version of policy id, or with at the
	// version in force on that day (its validity judged on that day).
	// Unknown id: ENotFound.
	Policy(ctx context.Context, id string, at *Date) (PolicyView, error)
	// Version returns version n of policy id (validity judged today).
	Version(ctx context.Context, id string, n int) (PolicyView, error)
	// Match checks the in-force policies against p.
	Match(ctx context.Context, p Profile) (MatchResult, error)
	// Home returns the home page's lists as of today.
	Home(ctx context.Context, today Date) (HomeView, error)
	// Changes returns what happened to policies since a time, newest
	// first, at most limit: all policies, or those a search or a profile
	// selects, or one policy (policyID non-empty).
	Changes(ctx context.Context, since time.Time, q *SearchQuery, p *Profile, policyID string, limit int) ([]ChangeEntry, error)
	// Deadlines returns the application windows of the policies a search
	// or a profile selects (all when both are nil), by closing day.
	Deadlines(ctx context.Context, q *SearchQuery, p *Profile) ([]Deadline, error)
}

// Error codes of the portal, the same strings as httpapi's codes.
const (
	ENotFound = "not_found" // 404
	EInvalid  = "malformed" // 400: a bad parameter
)

// Error is a portal error a caller branches on: the code, the parameter
// at fault (for EInvalid) and a message for people.
type Error struct {
	Code    string `json:"code"`
	Param   string `json:"param,omitempty"`
	Message string `json:"error"`
}

func (e *Error) Error() string { return e.Message }

// NotFound returns an ENotFound error.
func NotFound(format string, args ...any) error {
	return &Error{Code: ENotFound, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid error naming param.
func Invalid(param, format string, args ...any) error {
	return &Error{Code: EInvalid, Param: param, Message: param + ": " + fmt.Sprintf(format, args...)}
}

// ErrorCode returns err's code if it is an *Error, else "".
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
