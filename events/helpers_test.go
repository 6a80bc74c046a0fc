package events

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// testCatalogYAML is a small catalogue for the tests of this package; the
// shipped one is tested in package catalog.
const testCatalogYAML = `
departments:
  - {code: qd-xzsp, name: 行政审批服务局}
  - {code: qd-bdc, name: 不动产登记中心}
  - {code: qd-zrzy, name: 自然资源和规划局}
  - {code: qd-sfj, name: 司法局}
districts:
  - {code: shinan, name: 市南区}
  - {code: huangdao, name: 黄岛区}
items:
  - {code: enterprise_establishment, name: 企业设立登记, department: qd-xzsp, promised_working_days: 1, mode: standard}
  - {code: real_estate_transfer_registration, name: 不动产转移登记, department: qd-bdc, promised_working_days: 3}
  - {code: anywhere_item, name: 通办事项, promised_working_days: 10}
license_types:
  - {code: construction_permit, name: 建筑工程施工许可证}
agencies:
  - {code: qd-zrzy, name: 自然资源和规划局}
courts:
  - {code: qd-court-intermediate, name: 青岛市中级人民法院}
policy_categories:
  - {code: enterprise-startup, name: 企业开办}
  - {code: tax-finance, name: 财税金融}
industries:
  - {code: c, name: 制造业}
  - {code: i, name: 信息传输、软件和信息技术服务业}
enterprise_sizes:
  - {code: small, name: 小型企业}
  - {code: micro, name: 微型企业}
qualifications:
  - {code: high-tech, name: 高新技术企业}
document_types:
  - {code: normative, name: 规范性文件}
`

// testNow is the validators' clock in tests; the testdata events are older.
func testNow() time.Time {
	return time.Date(2024, 6, 1, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))
}

// testValidator returns a Validator over testCatalogYAML at testNow.
func testValidator(t *testing.T) *Validator {
	t.Helper()
	c, err := ParseCatalog([]byte(testCatalogYAML))
	if err != nil {
		t.Fatalf("ParseCatalog(test catalogue): %v", err)
	}
	return &Validator{Catalog: c, Now: testNow}
}

// exampleEvent loads testdata/<name>.json as a map, applies change and
// decodes the result as a single event.
func exampleEvent(t *testing.T, name string, change func(ev, data map[string]any)) Envelope {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	data, _ := ev["data"].(map[string]any)
	if change != nil {
		change(ev, data)
	}
	b, err = json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	envs, err := DecodeRequest(b, ContentTypeSingle)
	if err != nil {
		t.Fatalf("DecodeRequest: %v", err)
	}
	return envs[0]
}

// problemCase is one expected rejection: a change to an example event and
// the one problem it must cause.
type problemCase struct {
	name   string
	change func(ev, data map[string]any)
	field  string
	reason string // substring of the reason
}

// runProblemCases checks that each case yields exactly one problem with
// the expected field and reason, and no event.
func runProblemCases(t *testing.T, example string, cases []problemCase) {
	t.Helper()
	v := testValidator(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := exampleEvent(t, example, tc.change)
			ev, got := v.Validate(7, &e)
			if ev != nil {
				t.Errorf("event = %#v, want nil", ev)
			}
			if len(got) != 1 {
				t.Fatalf("problems = %+v, want exactly one on %q", got, tc.field)
			}
			if got[0].Field != tc.field || !strings.Contains(got[0].Reason, tc.reason) {
				t.Errorf("problem = %q: %q, want %q containing %q", got[0].Field, got[0].Reason, tc.field, tc.reason)
			}
			if got[0].Index != 7 {
				t.Errorf("index = %d, want 7", got[0].Index)
			}
		})
	}
}

// validExample validates an unchanged (or changed) example and fails on any
// problem.
// validExampleOf is the example event name, valid, as its type T.
func validExampleOf[T Event](t *testing.T, name string) T {
	t.Helper()
	ev, _ := validExample(t, name, nil)
	got, ok := ev.(T)
	if !ok {
		t.Fatalf("event = %T, want %T", ev, got)
	}
	return got
}

func validExample(t *testing.T, name string, change func(ev, data map[string]any)) (Event, Envelope) {
	t.Helper()
	e := exampleEvent(t, name, change)
	ev, problems := testValidator(t).Validate(0, &e)
	if len(problems) > 0 {
		t.Fatalf("problems = %+v, want none", problems)
	}
	return ev, e
}

// mustTime parses an RFC 3339 time for expectations.
func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}
