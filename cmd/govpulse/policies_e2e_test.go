package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// policyEvent is a policy event from source (the hub may speak for any
// department).
func policyEvent(source, id, typ, at string, data map[string]any) testEvent {
	return testEvent{"specversion": "1.0", "id": id, "source": source, "type": typ, "time": at, "data": data}
}

const (
	typePublished = "govpulse.policy.published.v1"
	typeAmended   = "govpulse.policy.amended.v1"
	typeRepealed  = "govpulse.policy.repealed.v1"
)

func publishedData(id, doc, title string) map[string]any {
	return map[string]any{"policy_id": id, "doc_number": doc, "title": title, "issuer": "qd-rsj",
		"document_type": "normative", "categories": []string{"employment"}, "written_at": "2025-01-02",
		"effective_from": "2025-02-01", "body": "第一条　对吸纳就业的企业给予社会保险补贴。\n第二条　本办法自发布之日起施行。",
		"support": "每人每月补贴500元。"}
}

// TestServePolicies: policies sent through the ingest API by a source that
// speaks for the issuer reach the policies read model and the portal's
// JSON API; a follow-up for an unknown policy is a 422 naming it, one for
// another department a 403; `govpulse rebuild policies` keeps the answer.
func TestServePolicies(t *testing.T) {
	s := startServer(t)
	pub := policyEvent(hubSource, "pol-1", typePublished, "2025-01-05T09:00:00+08:00",
		publishedData("qd-rsj-2025-1", "青人社规〔2025〕1号", "关于企业吸纳就业社会保险补贴的办法"))
	amend := policyEvent(hubSource, "pol-1-am", typeAmended, "2025-06-01T09:00:00+08:00", map[string]any{
		"policy_id": "qd-rsj-2025-1", "issuer": "qd-rsj", "doc_number": "青人社规〔2025〕7号", "reason": "提高标准",
		"support": "每人每月补贴800元。"})
	s.ingest(hubToken, pub, amend) // the amendment may follow its publication in one request

	orphan := policyEvent(hubSource, "pol-x", typeAmended, "2025-06-01T09:00:00+08:00", map[string]any{
		"policy_id": "no-such-policy", "issuer": "qd-rsj", "doc_number": "青人社规〔2025〕8号", "reason": "x", "title": "新标题"})
	e := wantError(t, s.postEvents(hubToken, orphan), http.StatusUnprocessableEntity, "invalid")
	if len(e.Problems) != 1 || e.Problems[0].Field != "data.policy_id" || !strings.Contains(e.Problems[0].Reason, `"no-such-policy"`) {
		t.Errorf("orphan amendment: %+v", e.Problems)
	}
	wrongIssuer := policyEvent(hubSource, "pol-y", typeRepealed, "2025-07-01T09:00:00+08:00", map[string]any{
		"policy_id": "qd-rsj-2025-1", "issuer": "qd-swj", "repealed_at": "2025-07-01", "reason": "x"})
	e = wantError(t, s.postEvents(hubToken, wrongIssuer), http.StatusUnprocessableEntity, "invalid")
	if len(e.Problems) != 1 || e.Problems[0].Field != "data.issuer" {
		t.Errorf("repeal for another issuer: %+v", e.Problems)
	}
	again := policyEvent(hubSource, "pol-2", typePublished, "2025-01-05T09:00:00+08:00",
		publishedData("qd-rsj-2025-1", "青人社规〔2025〕1号", "重复"))
	e = wantError(t, s.postEvents(hubToken, again), http.StatusUnprocessableEntity, "invalid")
	if len(e.Problems) != 1 || !strings.Contains(e.Problems[0].Reason, "already published") {
		t.Errorf("published twice: %+v", e.Problems)
	}
	// The approval bureau speaks for qd-xzsp and qd-scjg only, and may not send policies.
	foreign := policyEvent(approvalSource, "pol-z", typePublished, "2025-01-05T09:00:00+08:00",
		publishedData("qd-rsj-2025-9", "青人社规〔2025〕9号", "越权"))
	wantError(t, s.postEvents(approvalToken, foreign), http.StatusForbidden, "forbidden")
	// Sending the publication again is a duplicate, not a conflict.
	if got := s.ingest(hubToken, pub); got.Duplicates == nil || *got.Duplicates != 1 {
		t.Errorf("resent publication: %+v", got)
	}

	s.waitProjections()
	var view struct {
		Version  int `json:"version"`
		Versions []struct {
			Kind    string `json:"kind"`
			Changes []struct {
				Field string `json:"field"`
			} `json:"changes"`
		} `json:"versions"`
		Policy struct {
			Support string `json:"support"`
		} `json:"policy"`
		ValidityLabel string `json:"validity_label"`
	}
	read := func() {
		t.Helper()
		r := s.get("/api/v1/policies/qd-rsj-2025-1", "")
		if r.Status != http.StatusOK {
			t.Fatalf("policy: %s", r)
		}
		decodeInto(t, r, &view)
		if view.Version != 2 || len(view.Versions) != 2 || view.Versions[1].Kind != "amended" ||
			view.Versions[1].Changes[0].Field != "support" || view.Policy.Support != "每人每月补贴800元。" || view.ValidityLabel != "现行有效" {
			t.Errorf("policy view = %+v", view)
		}
	}
	read()
	r := s.get("/api/v1/search?"+url.Values{"q": {"社保"}}.Encode(), "")
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"qd-rsj-2025-1"`) {
		t.Errorf("search 社保: %s", r)
	}

	var out, errOut strings.Builder
	env := func(k string) string { return map[string]string{"GOVPULSE_DATABASE_URL": s.DBURL}[k] }
	if err := run(t.Context(), []string{"rebuild", "--quiet", "policies"}, env, &out, &errOut); err != nil {
		t.Fatalf("rebuild: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "rebuilt policies: 1 policies from 2 events") {
		t.Errorf("rebuild said %q", out.String())
	}
	read()
}
