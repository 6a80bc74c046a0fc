package events

import (
	"fmt"
	"strings"
	"testing"
)

func TestCaseFinishedValid(t *testing.T) {
	got := validExampleOf[CaseFinished](t, "case_finished")
	want := CaseFinished{
		CaseID:              "QDXZSP-20240301-000123",
		ItemCode:            "enterprise_establishment",
		DepartmentCode:      "qd-xzsp",
		District:            "shinan",
		Channel:             "window",
		Mode:                "standard",
		AcceptedAt:          mustTime(t, "2024-03-01T09:00:00+08:00"),
		FinishedAt:          mustTime(t, "2024-03-01T16:30:00+08:00"),
		PromisedWorkingDays: 1,
		Result:              "approved",
		Assisted:            false,
	}
	if !got.AcceptedAt.Equal(want.AcceptedAt) || !got.FinishedAt.Equal(want.FinishedAt) {
		t.Errorf("times = %v, %v, want %v, %v", got.AcceptedAt, got.FinishedAt, want.AcceptedAt, want.FinishedAt)
	}
	got.AcceptedAt, got.FinishedAt = want.AcceptedAt, want.FinishedAt
	if got != want {
		t.Errorf("event = %+v, want %+v", got, want)
	}
	if got.EventType() != TypeCaseFinished || got.Department() != "qd-xzsp" || !got.OccurredAt().Equal(want.FinishedAt) {
		t.Errorf("EventType, Department, OccurredAt = %s, %s, %v", got.EventType(), got.Department(), got.OccurredAt())
	}
}

func TestCaseFinishedAccepts(t *testing.T) {
	tests := []struct {
		name   string
		change func(ev, data map[string]any)
	}{
		{"finished when accepted", setData("finished_at", "2024-03-01T09:00:00+08:00")},
		{"assisted", setData("assisted", true)},
		{"zero promised days", setData("promised_working_days", 0)},
		{"365 promised days", setData("promised_working_days", 365)},
		{"item without department", func(_, d map[string]any) { d["item_code"] = "anywhere_item"; d["department"] = "qd-bdc" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { validExample(t, "case_finished", tc.change) })
	}
	for _, ch := range []string{"window", "self_service", "online", "mobile"} {
		validExample(t, "case_finished", setData("channel", ch))
	}
	for _, m := range []string{"instant", "standard", "commitment"} {
		validExample(t, "case_finished", setData("mode", m))
	}
	for _, r := range []string{"approved", "rejected", "withdrawn"} {
		validExample(t, "case_finished", setData("result", r))
	}
}

func TestCaseFinishedRequiredFields(t *testing.T) {
	var cases []problemCase
	for _, f := range []string{"case_id", "item_code", "department", "district", "channel", "mode",
		"accepted_at", "finished_at", "promised_working_days", "result", "assisted"} {
		cases = append(cases,
			problemCase{f + " missing", setData(f, nil), "data." + f, "is required"},
			problemCase{f + " null", func(_, d map[string]any) { d[f] = nil }, "data." + f, "is required"},
		)
	}
	runProblemCases(t, "case_finished", cases)
}

func TestCaseFinishedRules(t *testing.T) {
	runProblemCases(t, "case_finished", []problemCase{
		{"case_id too long", setData("case_id", strings.Repeat("x", 101)), "data.case_id", "is 101 characters long; the limit is 100"},
		{"case_id number", setData("case_id", 123), "data.case_id", "must be a string, got number"},
		{"case_id empty", setData("case_id", ""), "data.case_id", "is required"},
		{"case_id control", setData("case_id", "a\tb"), "data.case_id", "non-printable"},
		{"item unknown", setData("item_code", "no_such_item"), "data.item_code", `unknown item code "no_such_item"; see GET /v1/catalog`},
		{"department unknown", setData("department", "qd-xyz"), "data.department", `unknown department code "qd-xyz"; see GET /v1/catalog`},
		{"department not the item's", setData("department", "qd-bdc"), "data.department",
			`is "qd-bdc" but item "enterprise_establishment" (企业设立登记) belongs to department "qd-xzsp"`},
		{"district unknown", setData("district", "beijing"), "data.district", `unknown district code "beijing"`},
		{"district array", setData("district", []any{"shinan"}), "data.district", "must be a string, got array"},
		{"channel", setData("channel", "Window"), "data.channel", `must be one of window, self_service, online, mobile; got "Window"`},
		{"mode", setData("mode", "fast"), "data.mode", "must be one of instant, standard, commitment"},
		{"result", setData("result", "ok"), "data.result", "must be one of approved, rejected, withdrawn"},
		{"finished before accepted", func(_, d map[string]any) {
			d["accepted_at"] = "2024-03-02T09:00:00+08:00"
			d["finished_at"] = "2024-03-01T09:00:00+08:00"
		}, "data.finished_at", "finished_at (2024-03-01T09:00:00+08:00) is before accepted_at (2024-03-02T09:00:00+08:00)"},
		{"accepted_at without offset", setData("accepted_at", "2024-03-01T09:00:00"), "data.accepted_at", "has no UTC offset"},
		{"accepted_at before 2000", setData("accepted_at", "1999-03-01T09:00:00+08:00"), "data.accepted_at", "is before 2000-01-01"},
		{"finished_at in the future", setData("finished_at", "2025-01-01T09:00:00+08:00"), "data.finished_at", "is in the future"},
		{"finished_at garbage", setData("finished_at", "yesterday"), "data.finished_at", `"yesterday" is not an RFC 3339 timestamp`},
		{"finished_at number", setData("finished_at", 1709280000), "data.finished_at", "must be a string, got number"},
		{"promised negative", setData("promised_working_days", -1), "data.promised_working_days", "must be between 0 and 365, got -1"},
		{"promised too many", setData("promised_working_days", 366), "data.promised_working_days", "must be between 0 and 365, got 366"},
		{"promised fraction", setData("promised_working_days", 2.5), "data.promised_working_days", "must be a whole number between 0 and 365, got 2.5"},
		{"promised string", setData("promised_working_days", "3"), "data.promised_working_days", "must be a whole number, got string"},
		{"assisted string", setData("assisted", "yes"), "data.assisted", "must be true or false, got string"},
		{"assisted number", setData("assisted", 1), "data.assisted", "must be true or false, got number"},
		{"typo in a field name", func(_, d map[string]any) {
			d["finshed_at"] = d["finished_at"]
			d["finished_at"] = d["accepted_at"]
		}, "data.finshed_at", `is not a field of govpulse.case.finished.v1; did you mean "finished_at"?`},
	})
}

func TestCaseFinishedUnknownFieldListsKnownOnes(t *testing.T) {
	e := exampleEvent(t, "case_finished", setData("citizen_name", "张三"))
	_, problems := testValidator(t).Validate(0, &e)
	want := "is not a field of govpulse.case.finished.v1; known fields: accepted_at, assisted, case_id, channel, department, district, finished_at, item_code, mode, promised_working_days, result"
	if len(problems) != 1 || problems[0].Field != "data.citizen_name" || problems[0].Reason != want {
		t.Errorf("problems = %+v, want one on data.citizen_name: %s", problems, want)
	}
}

func TestCaseFinishedEmptyDataReportsEveryField(t *testing.T) {
	e := exampleEvent(t, "case_finished", func(ev, _ map[string]any) { ev["data"] = map[string]any{} })
	_, problems := testValidator(t).Validate(0, &e)
	if got, want := len(problems), 11; got != want {
		t.Errorf("got %d problems, want %d: %+v", got, want, problems)
	}
	for _, p := range problems {
		if p.Reason != "is required" || !strings.HasPrefix(p.Field, "data.") {
			t.Errorf("problem %+v, want a data field that is required", p)
		}
	}
	if got := fmt.Sprint(problems[0].Field, problems[10].Field); got != "data.case_iddata.assisted" {
		t.Errorf("first and last fields = %s, want contract order", got)
	}
}
