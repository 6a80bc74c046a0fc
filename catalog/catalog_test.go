package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/events"
)

func TestDefaultHasTheSeedItems(t *testing.T) {
	c := shippedCatalog(t)
	// Promised limits from the seed report.
	tests := []struct {
		code       string
		department string
		days       int
		mode       string
	}{
		{"enterprise_establishment", "qd-xzsp", 1, "standard"},
		{"enterprise_establishment_instant", "qd-xzsp", 0, "instant"},
		{"individual_business_registration_instant", "qd-xzsp", 0, "instant"},
		{"construction_project_full_approval", "qd-xzsp", 85, "standard"},
		{"real_estate_transfer_registration", "qd-bdc", 3, "standard"},
		{"gas_connection", "qd-gas", 6, "standard"},
		{"water_connection", "qd-water", 3, "standard"},
		{"power_connection", "qd-power", 12, "standard"},
		{"first_invoice", "qd-swj", 0, "standard"},
		{"housing_fund_withdrawal", "qd-gjj", 0, "instant"},
		{"medical_insurance_enrolment", "qd-ybj", 0, "instant"},
		{"pension_transfer", "qd-rsj", 10, "standard"},
	}
	for _, tc := range tests {
		it, ok := c.Item(tc.code)
		if !ok {
			t.Errorf("item %s missing", tc.code)
			continue
		}
		if it.Department != tc.department || it.PromisedWorkingDays != tc.days || it.Mode != tc.mode || it.Name == "" {
			t.Errorf("item %s = %+v, want department %s, %d days, mode %s", tc.code, it, tc.department, tc.days, tc.mode)
		}
	}
	if n := len(c.Items); n < 40 {
		t.Errorf("%d items, want at least 40", n)
	}
	var instant, window10 int
	for _, it := range c.Items {
		if it.Mode == "instant" {
			instant++
			if it.PromisedWorkingDays != 0 {
				t.Errorf("instant item %s promises %d days, want 0", it.Code, it.PromisedWorkingDays)
			}
		}
		if it.PromisedWorkingDays == 10 {
			window10++
		}
	}
	if instant < 8 || window10 < 8 {
		t.Errorf("%d instant items and %d 10-day items, want at least 8 of each", instant, window10)
	}
}

func TestDefaultCodes(t *testing.T) {
	c := shippedCatalog(t)
	for _, d := range []string{"shinan", "shibei", "licang", "laoshan", "huangdao", "chengyang", "jimo", "jiaozhou", "pingdu", "laixi", "bonded-port-zone"} {
		if !c.HasDistrict(d) {
			t.Errorf("district %s missing", d)
		}
	}
	for _, d := range []string{"qd-xzsp", "qd-scjg", "qd-zjj", "qd-bdc", "qd-gas", "qd-water", "qd-power", "qd-rsj", "qd-ybj", "qd-gjj", "qd-swj", "qd-sfj", "qd-gaj"} {
		if !c.HasDepartment(d) {
			t.Errorf("department %s missing", d)
		}
	}
	for _, l := range []string{"business_license", "construction_permit", "food_business_license", "real_estate_certificate"} {
		if !c.HasLicenseType(l) {
			t.Errorf("licence type %s missing", l)
		}
	}
	for _, a := range c.Agencies {
		if !c.HasDepartment(a.Code) {
			t.Errorf("agency %s is not a department", a.Code)
		}
	}
	if c.HasAgency("qd-gas") {
		t.Error("the gas company is an agency, want it not to be (it is an enterprise)")
	}
	if !c.HasAgency("qd-gov-huangdao") || !c.HasCourt("qd-court-intermediate") || !c.HasCourt("qd-court-shinan") {
		t.Error("district government or courts missing")
	}
}

func TestLoad(t *testing.T) {
	c, err := Load("")
	if err != nil || !c.HasItem("enterprise_establishment") {
		t.Fatalf(`Load("") = %v, %v, want the shipped catalogue`, c, err)
	}

	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	write(t, good, "departments:\n  - {code: d1, name: 部门}\ndistricts:\n  - {code: x, name: 区}\n")
	c, err = Load(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Departments) != 1 || !c.HasDepartment("d1") || c.HasDepartment("qd-xzsp") {
		t.Errorf("Load(good) = %+v, want only the file's codes", c)
	}

	bad := filepath.Join(dir, "bad.yaml")
	write(t, bad, "departments:\n  - {code: d1, name: 部门}\ndistricts:\n  - {code: X, name: 区}\n")
	_, err = Load(bad)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "districts[0]") || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("Load(bad) error = %v, want it to name the file, the entry and the line", err)
	}

	missing := filepath.Join(dir, "missing.yaml")
	if _, err := Load(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Load(missing) error = %v, want it to name the file", err)
	}
}

// TestExamplesValidate checks that the example events other packages and the
// README reuse are valid against the shipped catalogue.
func TestExamplesValidate(t *testing.T) {
	c := shippedCatalog(t)
	v := &events.Validator{Catalog: c, Now: func() time.Time { return time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC) }}
	tests := []struct {
		file        string
		contentType string
		wantTypes   []string
	}{
		{"case_finished.json", events.ContentTypeSingle, []string{events.TypeCaseFinished}},
		{"license_issued.json", events.ContentTypeSingle, []string{events.TypeLicenseIssued}},
		{"lawsuit_appearance.json", events.ContentTypeSingle, []string{events.TypeLawsuitAppearance}},
		{"batch.json", events.ContentTypeBatch, []string{events.TypeCaseFinished, events.TypeLicenseIssued, events.TypeLawsuitAppearance}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("..", "events", "testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			envs, err := events.DecodeRequest(body, tc.contentType)
			if err != nil {
				t.Fatal(err)
			}
			evs, problems := v.ValidateAll(envs)
			if len(problems) > 0 {
				t.Fatalf("problems = %+v, want none", problems)
			}
			if len(evs) != len(tc.wantTypes) {
				t.Fatalf("%d events, want %d", len(evs), len(tc.wantTypes))
			}
			for i, ev := range evs {
				if ev.EventType() != tc.wantTypes[i] {
					t.Errorf("event %d type = %s, want %s", i, ev.EventType(), tc.wantTypes[i])
				}
			}
		})
	}
}

// write creates a file with content for a test.
func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// shippedCatalog is Default or a failed test.
func shippedCatalog(t *testing.T) *events.Catalog {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}
