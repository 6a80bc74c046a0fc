package events

import (
	"fmt"
	"time"
)

// TypePolicyPublished is the type of PolicyPublished events.
const TypePolicyPublished = "govpulse.policy.published.v1"

// PolicyCriteria says who qualifies for a policy in a form a company
// profile can be checked against; every part is optional.
type PolicyCriteria struct {
	Industries      []string `json:"industries,omitempty"`
	EnterpriseSizes []string `json:"enterprise_sizes,omitempty"`
	Districts       []string `json:"districts,omitempty"`
	MinYearsFounded *int     `json:"min_years_founded,omitempty"`
	MaxYearsFounded *int     `json:"max_years_founded,omitempty"`
	Qualifications  []string `json:"qualifications,omitempty"`
}

// PolicyContent is what a policy says: the fields of a published policy
// that an amendment may change. Dates are calendar days YYYY-MM-DD, ""
// when not given.
type PolicyContent struct {
	Title           string         `json:"title"`
	DocumentType    string         `json:"document_type"`
	Categories      []string       `json:"categories"`
	Industries      []string       `json:"industries"`
	EnterpriseSizes []string       `json:"enterprise_sizes"`
	Districts       []string       `json:"districts"`
	WrittenAt       string         `json:"written_at"`
	EffectiveFrom   string         `json:"effective_from"`
	EffectiveTo     string         `json:"effective_to"`
	Body            string         `json:"body"`
	Criteria        PolicyCriteria `json:"criteria"`
	Conditions      string         `json:"conditions"`
	Materials       []string       `json:"materials"`
	Support         string         `json:"support"`
	ApplicationFrom string         `json:"application_from"`
	ApplicationTo   string         `json:"application_to"`
	HowToApply      string         `json:"how_to_apply"`
	Contact         string         `json:"contact"`
}

// PolicyContentFields are the data fields of PolicyContent, in contract
// order: what an amendment may send.
var PolicyContentFields = []string{"title", "document_type", "categories", "industries", "enterprise_sizes",
	"districts", "written_at", "effective_from", "effective_to", "body", "criteria", "conditions", "materials",
	"support", "application_from", "application_to", "how_to_apply", "contact"}

// PolicyPublished says a department published a policy document. The
// event's time is the publication date (发布日期).
type PolicyPublished struct {
	PolicyID  string `json:"policy_id"`
	DocNumber string `json:"doc_number"` // 文号, e.g. 青政办发〔2020〕12号
	Issuer    string `json:"issuer"`     // department code
	PolicyContent
}

// EventType returns TypePolicyPublished.
func (PolicyPublished) EventType() string { return TypePolicyPublished }

// Department returns the issuer.
func (p PolicyPublished) Department() string { return p.Issuer }

// OccurredAt returns the written date (成文日期) at midnight China time;
// the envelope's time, the publication date, is what read models use.
func (p PolicyPublished) OccurredAt() time.Time { return dayStart(p.WrittenAt) }

// PolicyRef returns the policy the event is about; a published event
// creates it.
func (p PolicyPublished) PolicyRef() (id string, publishes bool) { return p.PolicyID, true }

// dayStart is the start of day YYYY-MM-DD in China Standard Time, zero for "".
func dayStart(d string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, d, time.FixedZone("CST", 8*3600))
	if err != nil {
		return time.Time{}
	}
	return t
}

// PolicyEvent is implemented by the five policy event types: the policy
// they are about, and whether they publish it (the others need it
// published earlier in the log or the same request).
type PolicyEvent interface {
	Event
	PolicyRef() (id string, publishes bool)
}

func decodePolicyPublished(r *fieldReader) Event {
	var p PolicyPublished
	p.PolicyID = r.PolicyID("policy_id", true)
	p.DocNumber = r.String("doc_number", maxDocNumberLen)
	p.Issuer = r.Code("issuer", "department", r.catalog.HasDepartment)
	p.PolicyContent = readPolicyContent(r, true)
	return p
}

// readPolicyContent reads the content fields; all required ones when
// full (publication), else only those present (amendment).
func readPolicyContent(r *fieldReader, full bool) PolicyContent {
	var c PolicyContent
	want := func(name string) bool { return full || r.has(name) }
	if want("title") {
		c.Title = r.String("title", maxTitleLen)
	}
	if want("document_type") {
		c.DocumentType = r.PolicyCode("document_type", ListDocumentTypes)
	}
	if want("categories") {
		c.Categories = r.Codes("categories", ListPolicyCategories, true)
	}
	c.Industries = r.Codes("industries", ListIndustries, false)
	c.EnterpriseSizes = r.Codes("enterprise_sizes", ListEnterpriseSizes, false)
	c.Districts = r.DistrictCodes("districts")
	c.WrittenAt = r.Date("written_at", full)
	c.EffectiveFrom = r.Date("effective_from", full)
	c.EffectiveTo = r.Date("effective_to", false)
	if want("body") {
		c.Body = r.Text("body", maxPolicyBodyLen)
	}
	if cr := r.Object("criteria", false); cr != nil {
		c.Criteria = readCriteria(cr)
	}
	c.Conditions = r.OptionalText("conditions", maxPolicyTextLen)
	c.Materials = r.Texts("materials", maxListItems, maxListItemLen)
	c.Support = r.OptionalText("support", maxPolicyTextLen)
	c.ApplicationFrom = r.Date("application_from", false)
	c.ApplicationTo = r.Date("application_to", false)
	c.HowToApply = r.OptionalText("how_to_apply", maxPolicyTextLen)
	c.Contact = r.OptionalText("contact", maxContactLen)

	r.dateOrder("written_at", c.WrittenAt, "effective_from", c.EffectiveFrom)
	r.dateOrder("effective_from", c.EffectiveFrom, "effective_to", c.EffectiveTo)
	r.dateOrder("application_from", c.ApplicationFrom, "application_to", c.ApplicationTo)
	return c
}

func readCriteria(r *fieldReader) PolicyCriteria {
	var c PolicyCriteria
	c.Industries = r.Codes("industries", ListIndustries, false)
	c.EnterpriseSizes = r.Codes("enterprise_sizes", ListEnterpriseSizes, false)
	c.Districts = r.DistrictCodes("districts")
	c.MinYearsFounded = r.OptionalInt("min_years_founded", 0, 200)
	c.MaxYearsFounded = r.OptionalInt("max_years_founded", 0, 200)
	c.Qualifications = r.Codes("qualifications", ListQualifications, false)
	if c.MinYearsFounded != nil && c.MaxYearsFounded != nil && *c.MaxYearsFounded < *c.MinYearsFounded {
		r.fail("max_years_founded", fmt.Sprintf("is %d, less than min_years_founded %d", *c.MaxYearsFounded, *c.MinYearsFounded))
	}
	r.finish()
	return c
}
