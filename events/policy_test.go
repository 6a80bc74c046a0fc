package events

import (
	"regexp"
	"strings"
	"testing"
)

func TestPolicyPublishedValid(t *testing.T) {
	ev, _ := validExample(t, "policy_published", nil)
	p, ok := ev.(PolicyPublished)
	if !ok {
		t.Fatalf("event = %T, want PolicyPublished", ev)
	}
	if p.PolicyID != "qd-xzsp-2020-12" || p.DocNumber != "青政办发〔2020〕12号" || p.Issuer != "qd-xzsp" || ev.Department() != "qd-xzsp" {
		t.Errorf("ids = %q %q %q", p.PolicyID, p.DocNumber, p.Issuer)
	}
	if p.EffectiveTo != "2022-03-04" || len(p.Materials) != 2 || *p.Criteria.MaxYearsFounded != 3 || p.Criteria.MinYearsFounded != nil {
		t.Errorf("content = %+v", p.PolicyContent)
	}
	if !strings.Contains(p.Body, "\n第二条") {
		t.Errorf("body lost its paragraphs: %q", p.Body)
	}
	if id, pub := p.PolicyRef(); id != p.PolicyID || !pub {
		t.Errorf("PolicyRef = %q %v", id, pub)
	}
	if f, _ := DepartmentField(TypePolicyPublished); f != "issuer" {
		t.Errorf("speaks for %q, want issuer", f)
	}
}

func TestPolicyPublishedProblems(t *testing.T) {
	runProblemCases(t, "policy_published", []problemCase{
		{"no title", deleteData("title"), "data.title", "is required"},
		{"unknown category", setData("categories", []any{"enterprise-startup", "magic"}), "data.categories[1]", `unknown policy_categories code "magic"`},
		{"category twice", setData("categories", []any{"tax-finance", "tax-finance"}), "data.categories[1]", "listed twice"},
		{"no categories", setData("categories", []any{}), "data.categories", "must not be empty"},
		{"unknown document type", setData("document_type", "poem"), "data.document_type", "unknown document_types code"},
		{"unknown industry", setData("industries", []any{"z"}), "data.industries[0]", "unknown industries code"},
		{"unknown district", setData("districts", []any{"atlantis"}), "data.districts[0]", "unknown district"},
		{"bad date", setData("effective_from", "2020-3-5"), "data.effective_from", "YYYY-MM-DD"},
		{"time for a date", setData("written_at", "2020-02-28T00:00:00+08:00"), "data.written_at", "YYYY-MM-DD"},
		{"expires before effective", setData("effective_to", "2019-01-01"), "data.effective_to", "is before effective_from"},
		{"window reversed", setData("application_to", "2020-01-01"), "data.application_to", "is before application_from"},
		{"bad policy id", setData("policy_id", "a b/c"), "data.policy_id", "letters, digits"},
		{"control char in body", setData("body", "第一条\u0007"), "data.body", "non-printable"},
		{"blank body", setData("body", "\n　\n"), "data.body", "blank"},
		{"criteria typo", func(_, d map[string]any) { d["criteria"] = map[string]any{"industry": []any{"c"}} }, "data.criteria.industry", "known fields: districts"},
		{"criteria min > max", func(_, d map[string]any) {
			d["criteria"] = map[string]any{"min_years_founded": 5, "max_years_founded": 3}
		}, "data.criteria.max_years_founded", "less than min_years_founded"},
		{"criteria bad qualification", func(_, d map[string]any) { d["criteria"] = map[string]any{"qualifications": []any{"famous"}} }, "data.criteria.qualifications[0]", "unknown qualifications code"},
		{"unknown field", setData("summary", "x"), "data.summary", "is not a field of govpulse.policy.published.v1"},
		{"unknown issuer", setData("issuer", "qd-nowhere"), "data.issuer", "unknown department"},
		{"material not text", setData("materials", []any{1}), "data.materials[0]", "must be a string"},
	})
}

func TestPolicyAmendedValid(t *testing.T) {
	ev, _ := validExample(t, "policy_amended", nil)
	a := ev.(PolicyAmended)
	if strings.Join(a.Fields, ",") != "support,application_to" || a.New.Support == "" || a.New.ApplicationTo != "2021-12-31" || a.New.Title != "" {
		t.Errorf("amended = %+v", a)
	}
	if id, pub := a.PolicyRef(); id != "qd-xzsp-2020-12" || pub {
		t.Errorf("PolicyRef = %q %v", id, pub)
	}
}

func TestPolicyAmendedProblems(t *testing.T) {
	runProblemCases(t, "policy_amended", []problemCase{
		{"nothing amended", func(_, d map[string]any) { delete(d, "support"); delete(d, "application_to") }, "data", "must change at least one"},
		{"no reason", deleteData("reason"), "data.reason", "is required"},
		{"no issuer", deleteData("issuer"), "data.issuer", "is required"},
		{"bad amended value", setData("categories", []any{"x"}), "data.categories[0]", "unknown policy_categories"},
		{"policy id of the document", setData("policy_number", "x"), "data.policy_number", "is not a field"},
	})
}

func TestPolicyFollowUps(t *testing.T) {
	v := testValidator(t)
	decode := func(typ, data string) (Event, []Problem) {
		body := `{"specversion":"1.0","id":"e1","source":"s","type":"` + typ + `","time":"2021-01-01T00:00:00+08:00","data":` + data + `}`
		envs, err := DecodeRequest([]byte(body), ContentTypeSingle)
		if err != nil {
			t.Fatal(err)
		}
		return v.Validate(0, &envs[0])
	}
	ev, ps := decode(TypePolicyExtended, `{"policy_id":"p1","issuer":"qd-xzsp","effective_to":"2025-12-31","doc_number":"青政办字〔2021〕1号"}`)
	if len(ps) > 0 || ev.(PolicyExtended).EffectiveTo != "2025-12-31" {
		t.Errorf("extended: %+v %+v", ev, ps)
	}
	ev, ps = decode(TypePolicyRepealed, `{"policy_id":"p1","issuer":"qd-xzsp","repealed_at":"2022-01-01","reason":"清理","superseded_by":"p2"}`)
	if len(ps) > 0 || ev.(PolicyRepealed).SupersededBy != "p2" {
		t.Errorf("repealed: %+v %+v", ev, ps)
	}
	_, ps = decode(TypePolicyRepealed, `{"policy_id":"p1","issuer":"qd-xzsp","repealed_at":"2022-01-01","reason":"清理","superseded_by":"p1"}`)
	if len(ps) != 1 || ps[0].Field != "data.superseded_by" {
		t.Errorf("self-superseding: %+v", ps)
	}
	ev, ps = decode(TypePolicyInterpreted, `{"policy_id":"p1","issuer":"qd-xzsp","interpretation_id":"i1","kind":"qa","title":"问答","qa":[{"q":"谁能申请？","a":"新设企业。"}],"by":"市行政审批局"}`)
	if len(ps) > 0 || len(ev.(PolicyInterpreted).QA) != 1 {
		t.Errorf("interpreted: %+v %+v", ev, ps)
	}
	_, ps = decode(TypePolicyInterpreted, `{"policy_id":"p1","issuer":"qd-xzsp","interpretation_id":"i1","kind":"qa","title":"问答","qa":[{"q":"谁能申请？","answer":"x"}],"by":"b"}`)
	if len(ps) != 2 || ps[0].Field != "data.qa[0].a" || ps[1].Field != "data.qa[0].answer" {
		t.Errorf("qa typo: %+v", ps)
	}
	_, ps = decode(TypePolicyInterpreted, `{"policy_id":"p1","issuer":"qd-xzsp","interpretation_id":"i1","kind":"official","title":"解读","by":"b"}`)
	if len(ps) != 1 || ps[0].Field != "data.body" {
		t.Errorf("official without body: %+v", ps)
	}
}

func deleteData(field string) func(ev, data map[string]any) {
	return func(_, d map[string]any) { delete(d, field) }
}

// FuzzPolicyIDShaped: the hand check of a policy id agrees with the rule
// as a regular expression.
func FuzzPolicyIDShaped(f *testing.F) {
	for _, s := range []string{"", "a", "A-1", "qd.2025_01-x", "_a", ".a", "-a", "a b", "a/b", "青岛", "a\x00", "0", "a-", "Z.", "a\n"} {
		f.Add(s)
	}
	pattern := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := policyIDShaped(s), pattern.MatchString(s); got != want {
			t.Fatalf("policyIDShaped(%q) = %v, the regexp says %v", s, got, want)
		}
	})
}
