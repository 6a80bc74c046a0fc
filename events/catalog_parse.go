package events

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"

	"go.yaml.in/yaml/v3"
)

// codePattern is the shape of every catalogue code: short, lower case,
// safe as a Prometheus label value and in URLs.
const codePattern = `^[a-z0-9][a-z0-9_.-]{0,63}$`

// ParseCatalog reads a catalogue from YAML (JSON is YAML too) and checks
// it: unknown keys are rejected; codes match codePattern and are unique
// within their list; names are non-empty; there is at least one department
// and one district; every item's department (when given) and every agency
// is a department; promised working days are 0..365; item modes are
// instant, standard or commitment. All problems are reported at once, each
// naming the list, the index, the code and the YAML line.
func ParseCatalog(data []byte) (*Catalog, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("parse catalogue: %w", err)
	}
	var c Catalog
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("parse catalogue: it is empty")
		}
		return nil, fmt.Errorf("parse catalogue: %w", err)
	}
	if err := c.check(&root); err != nil {
		return nil, err
	}
	return &c, nil
}

// check validates c and builds its indexes; root gives line numbers.
func (c *Catalog) check(root *yaml.Node) error {
	code := regexp.MustCompile(codePattern)
	var errs []error
	fail := func(list string, i int, entryCode, format string, args ...any) {
		where := fmt.Sprintf("%s[%d]", list, i)
		if entryCode != "" {
			where += fmt.Sprintf(" (code %q)", entryCode)
		}
		if line := entryLine(root, list, i); line > 0 {
			where += fmt.Sprintf(" at line %d", line)
		}
		errs = append(errs, fmt.Errorf("catalogue %s: %s", where, fmt.Sprintf(format, args...)))
	}
	// index checks one list's codes and names and returns its code set.
	index := func(list string, n int, entry func(int) (string, string)) map[string]bool {
		if n == 0 && (list == "departments" || list == "districts") {
			errs = append(errs, fmt.Errorf("catalogue %s: must list at least one entry", list))
		}
		seen := make(map[string]bool, n)
		for i := range n {
			k, name := entry(i)
			switch {
			case k == "":
				fail(list, i, k, "code is required")
			case !code.MatchString(k):
				fail(list, i, k, "code must match %s", codePattern)
			case seen[k]:
				fail(list, i, k, "code is listed twice")
			}
			if name == "" {
				fail(list, i, k, "name is required")
			}
			seen[k] = true
		}
		return seen
	}
	codeNames := func(l []CodeName) func(int) (string, string) {
		return func(i int) (string, string) { return l[i].Code, l[i].Name }
	}

	c.departments = index("departments", len(c.Departments), func(i int) (string, string) {
		return c.Departments[i].Code, c.Departments[i].Name
	})
	c.districts = index("districts", len(c.Districts), codeNames(c.Districts))
	c.licenseTypes = index("license_types", len(c.LicenseTypes), codeNames(c.LicenseTypes))
	c.agencies = index("agencies", len(c.Agencies), codeNames(c.Agencies))
	c.courts = index("courts", len(c.Courts), codeNames(c.Courts))
	c.policyLists = map[string]map[string]bool{}
	for _, list := range []string{ListPolicyCategories, ListIndustries, ListEnterpriseSizes, ListQualifications, ListDocumentTypes} {
		l := c.PolicyList(list)
		c.policyLists[list] = index(list, len(l), codeNames(l))
	}
	index("items", len(c.Items), func(i int) (string, string) { return c.Items[i].Code, c.Items[i].Name })

	for i, a := range c.Agencies {
		if a.Code != "" && !c.departments[a.Code] {
			fail("agencies", i, a.Code, "is not a department code; an agency must also be listed in departments so lawsuits count for a real department")
		}
	}
	c.items = make(map[string]Item, len(c.Items))
	for i, it := range c.Items {
		if it.Department != "" && !c.departments[it.Department] {
			fail("items", i, it.Code, "department %q is not in departments", it.Department)
		}
		if it.PromisedWorkingDays < 0 || it.PromisedWorkingDays > 365 {
			fail("items", i, it.Code, "promised_working_days must be between 0 and 365, got %d", it.PromisedWorkingDays)
		}
		if it.Mode != "" && !Mode.Has(it.Mode) {
			fail("items", i, it.Code, "mode must be %s (or omitted), got %q", Mode.Phrase(), it.Mode)
		}
		c.items[it.Code] = it
	}
	return errors.Join(errs...)
}

// entryLine is the YAML line of list[i] in the document root, or 0.
func entryLine(root *yaml.Node, list string, i int) int {
	if root == nil || root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return 0
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return 0
	}
	for k := 0; k+1 < len(m.Content); k += 2 {
		if m.Content[k].Value == list {
			seq := m.Content[k+1]
			if seq.Kind == yaml.SequenceNode && i < len(seq.Content) {
				return seq.Content[i].Line
			}
		}
	}
	return 0
}
