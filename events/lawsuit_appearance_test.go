package events

import (
	"strings"
	"testing"
)

func TestLawsuitAppearanceValid(t *testing.T) {
	got := validExampleOf[LawsuitAppearance](t, "lawsuit_appearance")
	want := LawsuitAppearance{
		CaseNumber:   "(2024)鲁02行初7号",
		Agency:       "qd-zrzy",
		Court:        "qd-court-intermediate",
		HearingAt:    got.HearingAt,
		HeadAppeared: true,
		AppearedRole: "deputy_head",
	}
	if got != want {
		t.Errorf("event = %+v, want %+v", got, want)
	}
	hearing := mustTime(t, "2024-04-10T14:00:00+08:00")
	if !got.HearingAt.Equal(hearing) {
		t.Errorf("HearingAt = %v, want %v", got.HearingAt, hearing)
	}
	if got.EventType() != TypeLawsuitAppearance || got.Department() != "qd-zrzy" || !got.OccurredAt().Equal(hearing) {
		t.Errorf("EventType, Department, OccurredAt = %s, %s, %v", got.EventType(), got.Department(), got.OccurredAt())
	}
}

func TestLawsuitAppearanceHeadAndRole(t *testing.T) {
	both := func(appeared bool, role string) func(ev, data map[string]any) {
		return func(_, d map[string]any) { d["head_appeared"] = appeared; d["appeared_role"] = role }
	}
	validExample(t, "lawsuit_appearance", both(true, "head"))
	validExample(t, "lawsuit_appearance", both(true, "deputy_head"))
	validExample(t, "lawsuit_appearance", both(false, "staff"))
	runProblemCases(t, "lawsuit_appearance", []problemCase{
		{"staff is not the head", both(true, "staff"), "data.appeared_role", `is "staff" but head_appeared is true`},
		{"head but not appeared", both(false, "head"), "data.appeared_role", `is "head" but head_appeared is false`},
		{"deputy head counts as head", both(false, "deputy_head"), "data.appeared_role", `is "deputy_head" but head_appeared is false`},
	})
}

func TestLawsuitAppearanceRules(t *testing.T) {
	var cases []problemCase
	for _, f := range []string{"case_number", "agency", "court", "hearing_at", "head_appeared", "appeared_role"} {
		cases = append(cases, problemCase{f + " missing", setData(f, nil), "data." + f, "is required"})
	}
	cases = append(cases, []problemCase{
		{"case_number too long", setData("case_number", strings.Repeat("号", 101)), "data.case_number", "is 101 characters long; the limit is 100"},
		{"agency unknown", setData("agency", "qd-xzsp"), "data.agency", `unknown agency code "qd-xzsp"; see GET /v1/catalog`},
		{"court unknown", setData("court", "qd-court-moon"), "data.court", `unknown court code "qd-court-moon"`},
		{"hearing_at without offset", setData("hearing_at", "2024-04-10T14:00:00"), "data.hearing_at", "has no UTC offset"},
		{"hearing_at in the future", setData("hearing_at", "2024-12-10T14:00:00+08:00"), "data.hearing_at", "is in the future"},
		{"head_appeared string", setData("head_appeared", "true"), "data.head_appeared", "must be true or false, got string"},
		{"appeared_role", setData("appeared_role", "lawyer"), "data.appeared_role", "must be one of head, deputy_head, staff"},
		{"unknown field", setData("judge", "王法官"), "data.judge", "is not a field of govpulse.lawsuit.appearance.v1; known fields:"},
	}...)
	runProblemCases(t, "lawsuit_appearance", cases)
}
