package events

// Department is a government department (or agency) events speak for.
type Department struct {
	Code string `json:"code" yaml:"code"`
	Name string `json:"name" yaml:"name"`
}

// CodeName is a catalogue entry with a stable code (used in events and as a
// metric label) and a human name (Chinese, for boards and the portal).
type CodeName struct {
	Code string `json:"code" yaml:"code"`
	Name string `json:"name" yaml:"name"`
}

// Item is an administrative service item (政务服务事项): the department that
// handles it, its promised time limit in working days (0 means same day)
// and, when it has a fixed one, its mode (instant, standard, commitment).
type Item struct {
	Code                string `json:"code" yaml:"code"`
	Name                string `json:"name" yaml:"name"`
	Department          string `json:"department" yaml:"department"`
	PromisedWorkingDays int    `json:"promised_working_days" yaml:"promised_working_days"`
	Mode                string `json:"mode,omitempty" yaml:"mode,omitempty"`
}

// Catalog is the reference catalogue: the codes events may use. It keeps
// metric labels bounded and is served as-is at GET /v1/catalog. Build it
// with ParseCatalog and treat it as read-only afterwards: the lookup
// methods use indexes built once there. All lookups are safe on a nil
// *Catalog and then find nothing.
type Catalog struct {
	Departments  []Department `json:"departments" yaml:"departments"`
	Districts    []CodeName   `json:"districts" yaml:"districts"`
	Items        []Item       `json:"items" yaml:"items"`
	LicenseTypes []CodeName   `json:"license_types" yaml:"license_types"`
	Agencies     []CodeName   `json:"agencies" yaml:"agencies"`
	Courts       []CodeName   `json:"courts" yaml:"courts"`
	// The policy portal's lists: what a policy is about and whom it is for.
	PolicyCategories []CodeName `json:"policy_categories,omitempty" yaml:"policy_categories"`
	Industries       []CodeName `json:"industries,omitempty" yaml:"industries"` // GB/T 4754 sections, codes a..t
	EnterpriseSizes  []CodeName `json:"enterprise_sizes,omitempty" yaml:"enterprise_sizes"`
	Qualifications   []CodeName `json:"qualifications,omitempty" yaml:"qualifications"`
	DocumentTypes    []CodeName `json:"document_types,omitempty" yaml:"document_types"`

	departments  map[string]bool
	districts    map[string]bool
	items        map[string]Item
	licenseTypes map[string]bool
	agencies     map[string]bool
	courts       map[string]bool
	policyLists  map[string]map[string]bool // list name -> codes
}

// HasDepartment reports whether code is a catalogue department.
func (c *Catalog) HasDepartment(code string) bool { return c != nil && c.departments[code] }

// HasDistrict reports whether code is a catalogue district.
func (c *Catalog) HasDistrict(code string) bool { return c != nil && c.districts[code] }

// HasItem reports whether code is a catalogue item.
func (c *Catalog) HasItem(code string) bool {
	_, ok := c.Item(code)
	return ok
}

// Item returns the catalogue item with code.
func (c *Catalog) Item(code string) (Item, bool) {
	if c == nil {
		return Item{}, false
	}
	it, ok := c.items[code]
	return it, ok
}

// HasLicenseType reports whether code is a catalogue licence type.
func (c *Catalog) HasLicenseType(code string) bool { return c != nil && c.licenseTypes[code] }

// HasAgency reports whether code is an agency that can be sued.
func (c *Catalog) HasAgency(code string) bool { return c != nil && c.agencies[code] }

// HasCourt reports whether code is a catalogue court.
func (c *Catalog) HasCourt(code string) bool { return c != nil && c.courts[code] }

// Names of the policy lists, as in the catalogue file.
const (
	ListPolicyCategories = "policy_categories"
	ListIndustries       = "industries"
	ListEnterpriseSizes  = "enterprise_sizes"
	ListQualifications   = "qualifications"
	ListDocumentTypes    = "document_types"
)

// PolicyList returns the entries of one of the policy lists (List*).
func (c *Catalog) PolicyList(list string) []CodeName {
	if c == nil {
		return nil
	}
	switch list {
	case ListPolicyCategories:
		return c.PolicyCategories
	case ListIndustries:
		return c.Industries
	case ListEnterpriseSizes:
		return c.EnterpriseSizes
	case ListQualifications:
		return c.Qualifications
	case ListDocumentTypes:
		return c.DocumentTypes
	}
	return nil
}

// InPolicyList reports whether code is in one of the policy lists (List*).
func (c *Catalog) InPolicyList(list, code string) bool {
	return c != nil && c.policyLists[list][code]
}
