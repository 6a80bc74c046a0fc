package events

import (
	"strings"
	"testing"
)

func TestLicenseIssuedValid(t *testing.T) {
	got := validExampleOf[LicenseIssued](t, "license_issued")
	if got.LicenseID != "370211202403050045" || got.LicenseType != "construction_permit" || got.HolderType != "enterprise" ||
		got.DepartmentCode != "qd-xzsp" || got.District != "huangdao" || got.Steps != 2 || !got.Electronic {
		t.Errorf("event = %+v", got)
	}
	if got.ContractValueCNY == nil || *got.ContractValueCNY != 104860000 {
		t.Errorf("ContractValueCNY = %v, want 104860000", got.ContractValueCNY)
	}
	if !got.AppliedAt.Equal(mustTime(t, "2024-02-27T09:30:00+08:00")) {
		t.Errorf("AppliedAt = %v", got.AppliedAt)
	}
	if got.EventType() != TypeLicenseIssued || got.Department() != "qd-xzsp" || !got.OccurredAt().Equal(mustTime(t, "2024-03-05T10:00:00+08:00")) {
		t.Errorf("EventType, Department, OccurredAt = %s, %s, %v", got.EventType(), got.Department(), got.OccurredAt())
	}
}

func TestLicenseIssuedOptionalContractValue(t *testing.T) {
	for name, change := range map[string]func(ev, data map[string]any){
		"absent": setData("contract_value_cny", nil),
		"null":   func(_, d map[string]any) { d["contract_value_cny"] = nil },
	} {
		t.Run(name, func(t *testing.T) {
			ev, _ := validExample(t, "license_issued", change)
			if v := ev.(LicenseIssued).ContractValueCNY; v != nil {
				t.Errorf("ContractValueCNY = %v, want nil", *v)
			}
		})
	}
	ev, _ := validExample(t, "license_issued", setData("contract_value_cny", 0))
	if v := ev.(LicenseIssued).ContractValueCNY; v == nil || *v != 0 {
		t.Errorf("ContractValueCNY = %v, want 0", v)
	}
	for _, h := range []string{"enterprise", "individual_business", "institution", "individual"} {
		validExample(t, "license_issued", setData("holder_type", h))
	}
	validExample(t, "license_issued", setData("steps", 1))
	validExample(t, "license_issued", setData("steps", 50))
}

func TestLicenseIssuedRules(t *testing.T) {
	var cases []problemCase
	for _, f := range []string{"license_id", "license_type", "holder_type", "department", "district",
		"applied_at", "issued_at", "steps", "electronic"} {
		cases = append(cases, problemCase{f + " missing", setData(f, nil), "data." + f, "is required"})
	}
	cases = append(cases, []problemCase{
		{"license_id too long", setData("license_id", strings.Repeat("9", 201)), "data.license_id", "the limit is 200"},
		{"license_type unknown", setData("license_type", "fishing_license"), "data.license_type", `unknown licence type code "fishing_license"; see GET /v1/catalog`},
		{"holder_type", setData("holder_type", "company"), "data.holder_type", "must be one of enterprise, individual_business, institution, individual"},
		{"department unknown", setData("department", "qd-xyz"), "data.department", `unknown department code "qd-xyz"`},
		{"district unknown", setData("district", "xx"), "data.district", `unknown district code "xx"`},
		{"issued before applied", setData("issued_at", "2024-02-26T09:30:00+08:00"), "data.issued_at",
			"issued_at (2024-02-26T09:30:00+08:00) is before applied_at (2024-02-27T09:30:00+08:00)"},
		{"applied_at without offset", setData("applied_at", "2024-02-27T09:30:00"), "data.applied_at", "has no UTC offset"},
		{"issued_at in the future", setData("issued_at", "2030-01-01T00:00:00Z"), "data.issued_at", "is in the future"},
		{"steps zero", setData("steps", 0), "data.steps", "must be between 1 and 50, got 0"},
		{"steps 51", setData("steps", 51), "data.steps", "must be between 1 and 50, got 51"},
		{"electronic string", setData("electronic", "true"), "data.electronic", "must be true or false, got string"},
		{"contract value negative", setData("contract_value_cny", -1), "data.contract_value_cny", "must be between 0 and 1e+13, got -1"},
		{"contract value too big", setData("contract_value_cny", 2e13), "data.contract_value_cny", "must be between 0 and 1e+13"},
		{"contract value string", setData("contract_value_cny", "100"), "data.contract_value_cny", "must be a number, got string"},
		{"unknown field", setData("licence_type", "business_license"), "data.licence_type", `did you mean "license_type"?`},
	}...)
	runProblemCases(t, "license_issued", cases)
}
