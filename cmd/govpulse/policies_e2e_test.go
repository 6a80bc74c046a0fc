package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/govpulse/govpulse/internal/pgtest"
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
		r := s.getOK("/api/v1/policies/qd-rsj-2025-1", "")
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

// TestAdminRebuildPolicies: the admin API rebuilds the policies read model
// like the others (GET /v1/projections calls it rebuildable, `all`
// includes it and the usage read models), and the portal's in-memory
// index holds the rebuilt model as soon as the answer arrives: here the
// tables were tampered with, the portal serves the tampered title, and
// the rebuild's answer is followed at once by the logged one.
func TestAdminRebuildPolicies(t *testing.T) {
	s := startServer(t)
	s.ingest(hubToken,
		policyEvent(hubSource, "pol-1", typePublished, "2025-01-05T09:00:00+08:00",
			publishedData("qd-rsj-2025-1", "青人社规〔2025〕1号", "关于企业吸纳就业社会保险补贴的办法")),
		policyEvent(hubSource, "pol-1-am", typeAmended, "2025-06-01T09:00:00+08:00", map[string]any{
			"policy_id": "qd-rsj-2025-1", "issuer": "qd-rsj", "doc_number": "青人社规〔2025〕7号", "reason": "提高标准",
			"support": "每人每月补贴800元。"}))
	p := s.waitProjections()
	for _, x := range p.Projections {
		if x.Rebuildable != (x.Name != "ingest_tally") {
			t.Errorf("projection %s: rebuildable = %t", x.Name, x.Rebuildable)
		}
	}
	// The title as the portal's in-memory index has it (lists and
	// searches read the index; a policy page reads its versions).
	title := func() string {
		t.Helper()
		r := s.getOK("/api/v1/policies", "")
		var v struct {
			Hits []struct {
				Title string `json:"title"`
			} `json:"hits"`
		}
		decodeInto(t, r, &v)
		if len(v.Hits) != 1 {
			t.Fatalf("policies: %s", r)
		}
		return v.Hits[0].Title
	}
	const want = "关于企业吸纳就业社会保险补贴的办法"
	if got := title(); got != want {
		t.Fatalf("title %q, want %q", got, want)
	}
	before := s.get("/api/v1/policies", "").Body

	// Tamper with the read model as a writer would (a new generation,
	// notified), and wait until the portal serves the tampered row.
	db := pgtest.Connect(t, s.DBURL)
	_, err := db.Exec(t.Context(), `WITH g AS (UPDATE policy_model SET generation = generation + 1 RETURNING generation)
		UPDATE policies SET title = '篡改', current = jsonb_set(current, '{title}', '"篡改"'), generation = (SELECT generation FROM g)`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(t.Context(), `SELECT pg_notify('policy_model', '')`); err != nil {
		t.Fatal(err)
	}
	waitForCondition(t, "the portal serving the tampered title", applyWait, func() bool { return title() == "篡改" })

	wantError(t, s.do(http.MethodPost, "/v1/admin/rebuild/policies", hubToken, "", nil), http.StatusUnauthorized, "unauthorized")
	r := s.do(http.MethodPost, "/v1/admin/rebuild/policies", adminToken, "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("rebuild policies: %s", r)
	}
	// No request between the answer and this check: the index was
	// reloaded by the rebuild, not by a request or the notification.
	var gen int64
	if err := db.QueryRow(t.Context(), `SELECT generation FROM policy_model`).Scan(&gen); err != nil {
		t.Fatal(err)
	}
	if got := s.Main.Portal.Generation(); got != gen {
		t.Errorf("portal index at generation %d after the rebuild answered, read model at %d", got, gen)
	}
	var rep struct {
		Rebuilt []struct {
			Projection string `json:"projection"`
			Events     int    `json:"events"`
			Rows       int    `json:"rows"`
		} `json:"rebuilt"`
	}
	decodeInto(t, r, &rep)
	if len(rep.Rebuilt) != 1 || rep.Rebuilt[0].Projection != "policies" || rep.Rebuilt[0].Events != 2 || rep.Rebuilt[0].Rows != 1 {
		t.Errorf("rebuild answered %s", r.Body)
	}
	if got := title(); got != want {
		t.Errorf("title after the rebuild %q, want %q", got, want)
	}
	if after := s.get("/api/v1/policies", "").Body; string(after) != string(before) {
		t.Errorf("policies after the rebuild:\n%s\nwant\n%s", after, before)
	}

	r = s.do(http.MethodPost, "/v1/admin/rebuild/all", adminToken, "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("rebuild all: %s", r)
	}
	decodeInto(t, r, &rep)
	var names []string
	for _, x := range rep.Rebuilt {
		names = append(names, x.Projection)
	}
	if got, want := strings.Join(names, ","), "case_stats,license_stats,lawsuit_stats,portal_views,portal_searches,policies"; got != want {
		t.Errorf("rebuild all rebuilt %s, want %s", got, want)
	}
	e := wantError(t, s.do(http.MethodPost, "/v1/admin/rebuild/policy", adminToken, "", nil), http.StatusNotFound, "not_found")
	if !strings.Contains(e.Message, "policies") {
		t.Errorf("unknown read model: %q does not list policies", e.Message)
	}

	// The live consumer keeps applying to the rebuilt model.
	s.ingest(hubToken, policyEvent(hubSource, "pol-1-am2", typeAmended, "2025-09-01T09:00:00+08:00", map[string]any{
		"policy_id": "qd-rsj-2025-1", "issuer": "qd-rsj", "doc_number": "青人社规〔2025〕9号", "reason": "更名",
		"title": "关于企业吸纳就业社会保险补贴的实施办法"}))
	s.waitProjections()
	if got := title(); got != "关于企业吸纳就业社会保险补贴的实施办法" {
		t.Errorf("title after a later amendment %q", got)
	}
}
