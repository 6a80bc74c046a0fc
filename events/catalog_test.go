package events

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseCatalogLookups(t *testing.T) {
	c, err := ParseCatalog([]byte(testCatalogYAML))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		got  bool
		want bool
	}{
		{"department", c.HasDepartment("qd-xzsp"), true},
		{"unknown department", c.HasDepartment("qd-xyz"), false},
		{"district", c.HasDistrict("huangdao"), true},
		{"district is not a department", c.HasDepartment("huangdao"), false},
		{"item", c.HasItem("real_estate_transfer_registration"), true},
		{"licence type", c.HasLicenseType("construction_permit"), true},
		{"agency", c.HasAgency("qd-zrzy"), true},
		{"department that is no agency", c.HasAgency("qd-xzsp"), false},
		{"court", c.HasCourt("qd-court-intermediate"), true},
		{"empty code", c.HasCourt(""), false},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %t, want %t", ch.name, ch.got, ch.want)
		}
	}
	it, ok := c.Item("enterprise_establishment")
	want := Item{Code: "enterprise_establishment", Name: "企业设立登记", Department: "qd-xzsp", PromisedWorkingDays: 1, Mode: "standard"}
	if !ok || it != want {
		t.Errorf("Item = %+v, %t, want %+v", it, ok, want)
	}
}

func TestNilCatalogFindsNothing(t *testing.T) {
	var c *Catalog
	if c.HasDepartment("qd-xzsp") || c.HasDistrict("shinan") || c.HasItem("x") || c.HasLicenseType("x") || c.HasAgency("x") || c.HasCourt("x") {
		t.Error("nil catalogue found a code")
	}
}

func TestParseCatalogJSON(t *testing.T) {
	in := `{"departments":[{"code":"d1","name":"部门"}],"districts":[{"code":"x","name":"区"}],
	"items":[{"code":"i1","name":"事项","department":"d1","promised_working_days":3}]}`
	c, err := ParseCatalog([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if !c.HasItem("i1") || !c.HasDepartment("d1") {
		t.Errorf("catalogue from JSON lacks its codes: %+v", c)
	}
	// Served at GET /v1/catalog with snake_case keys and without indexes.
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"departments":[{"code":"d1","name":"部门"}],"districts":[{"code":"x","name":"区"}],"items":[{"code":"i1","name":"事项","department":"d1","promised_working_days":3}],"license_types":null,"agencies":null,"courts":null}`
	if string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
}

func TestParseCatalogErrors(t *testing.T) {
	const base = "departments:\n  - {code: d1, name: 部门}\ndistricts:\n  - {code: x, name: 区}\n"
	tests := []struct {
		name string
		in   string
		want []string // substrings of the error
	}{
		{"not yaml", "departments: [", []string{"parse catalogue"}},
		{"empty", "", []string{"parse catalogue: it is empty"}},
		{"unknown key", base + "itemz: []\n", []string{"field itemz not found"}},
		{"no departments", "districts:\n  - {code: x, name: 区}\n", []string{"catalogue departments: must list at least one entry"}},
		{"no districts", "departments:\n  - {code: d1, name: 部门}\n", []string{"catalogue districts: must list at least one entry"}},
		{"bad code", base + "courts:\n  - {code: Court-1, name: 法院}\n", []string{`catalogue courts[0] (code "Court-1") at line 6: code must match`}},
		{"empty code", base + "courts:\n  - {name: 法院}\n", []string{"catalogue courts[0] at line 6: code is required"}},
		{"duplicate code", "departments:\n  - {code: d1, name: 部门}\n  - {code: d1, name: 又一个}\n" + base[len("departments:\n  - {code: d1, name: 部门}\n"):],
			[]string{`catalogue departments[1] (code "d1") at line 3: code is listed twice`}},
		{"missing name", base + "license_types:\n  - {code: l1}\n", []string{`catalogue license_types[0] (code "l1") at line 6: name is required`}},
		{"item department unknown", base + "items:\n  - {code: i1, name: 事项, department: d9, promised_working_days: 1}\n",
			[]string{`catalogue items[0] (code "i1") at line 6: department "d9" is not in departments`}},
		{"promised days", base + "items:\n  - {code: i1, name: 事项, department: d1, promised_working_days: 400}\n",
			[]string{"promised_working_days must be between 0 and 365, got 400"}},
		{"mode", base + "items:\n  - {code: i1, name: 事项, promised_working_days: 1, mode: fast}\n",
			[]string{`mode must be instant, standard or commitment (or omitted), got "fast"`}},
		{"agency not a department", base + "agencies:\n  - {code: a1, name: 机关}\n",
			[]string{`catalogue agencies[0] (code "a1") at line 6: is not a department code`}},
		{"every problem at once", base + "courts:\n  - {code: c_1, name: \"\"}\n  - {code: c_1, name: 法院}\n",
			[]string{`courts[0] (code "c_1") at line 6: name is required`, `courts[1] (code "c_1") at line 7: code is listed twice`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCatalog([]byte(tc.in))
			if err == nil {
				t.Fatalf("ParseCatalog = %+v, want an error", c)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
