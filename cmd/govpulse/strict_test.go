package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
)

// exploitEvent is the authorisation bypass of issue 7: a case the approval
// bureau may send (qd-xzsp) whose envelope also carries "Data" with a case
// of a department it may not speak for (qd-gaj), after "data".
// encoding/json, which matches names case-insensitively and keeps the last,
// read the second.
func exploitEvent(t *testing.T, id string) []byte {
	t.Helper()
	ev := caseFinished(t, approvalSource, id)
	b := mustJSON(t, ev)
	other := caseFinished(t, approvalSource, id)
	other.data()["department"] = "qd-gaj"
	other.data()["item_code"] = "residence_permit"
	otherData := mustJSON(t, other.data())
	return append(append(append(b[:len(b)-1:len(b)-1], `,"Data":`...), otherData...), '}')
}

// TestServeStrictReading: the hole of issue 7, tried as a hostile
// department system would, is closed at ingest: nothing that a strict
// JSON parser could read differently gets in.
func TestServeStrictReading(t *testing.T) {
	s := startServer(t)
	valid := mustJSON(t, caseFinished(t, approvalSource, "valid-1"))

	e := wantError(t, s.post(approvalToken, ctSingle, exploitEvent(t, "exploit-1")), http.StatusUnprocessableEntity, "invalid")
	if len(e.Problems) != 1 || e.Problems[0].Field != "Data" || !strings.Contains(e.Problems[0].Reason, `did you mean "data"`) {
		t.Errorf("exploit: problems %+v, want one on Data", e.Problems)
	}

	dupData := bytes.Replace(valid, []byte(`"data":`), []byte(`"data":{"department":"qd-gaj"},"data":`), 1)
	dupSource := bytes.Replace(valid, []byte(`"source":`), []byte(`"source":"qd-service-hub","source":`), 1)
	dupField := bytes.Replace(valid, []byte(`"department":"qd-xzsp"`), []byte(`"department":"qd-xzsp","department":"qd-gaj"`), 1)
	badUTF8 := bytes.Replace(valid, []byte(`"case_id":"`), []byte("\"case_id\":\"\xff"), 1)
	surrogate := bytes.Replace(valid, []byte(`"case_id":"`), []byte(`"case_id":"\ud800`), 1)
	for _, tc := range []struct {
		name  string
		event []byte
		field string
		msg   string
	}{
		{"two data members", dupData, "data", "duplicate member name"},
		{"two sources", dupSource, "source", "duplicate member name"},
		{"two departments in data", dupField, "data.department", "duplicate member name"},
		{"invalid UTF-8", badUTF8, "data.case_id", "invalid UTF-8"},
		{"lone surrogate", surrogate, "data.case_id", "unpaired surrogate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := append(append(append([]byte("["), valid...), ','), tc.event...)
			body = append(body, ']')
			e := wantError(t, s.post(approvalToken, ctBatch, body), http.StatusBadRequest, "malformed")
			if len(e.Problems) != 1 || e.Problems[0].Index != 1 || e.Problems[0].Field != tc.field || !strings.Contains(e.Problems[0].Reason, tc.msg) {
				t.Errorf("problems = %+v, want event 1, %s: %s", e.Problems, tc.field, tc.msg)
			}
			if e.Line == 0 || e.Offset == nil {
				t.Errorf("no position in %+v", e)
			}
		})
	}
	if page := s.readPage(0, 10); len(page.Events) != 0 {
		t.Errorf("log holds %d events after refused requests", len(page.Events))
	}
}

// TestReadModelsCountByTheStrictReading: events an earlier version stored
// with the bypass in them are counted as validation read them, live and
// after a rebuild: the exploit's case for its own department (what
// authorisation allowed), never for the other one, and an event whose JSON
// is ambiguous (two data members) not at all. log check lists both.
func TestReadModelsCountByTheStrictReading(t *testing.T) {
	s := startServer(t)
	s.ingest(approvalToken, caseFinished(t, approvalSource, "valid-1"))
	// Store them as the earlier version did: validated on "data" (the
	// last one, for its scanners), the envelope kept as sent.
	store := &postgres.EventStore{Pool: s.Main.pool, Outbox: s.Main.bus}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stored := func(id string, raw []byte) {
		t.Helper()
		env := events.Envelope{SpecVersion: "1.0", ID: id, Source: approvalSource, Type: typeCase,
			Time: time.Date(2024, 3, 1, 16, 30, 0, 0, time.UTC), Raw: raw}
		if _, err := store.Append(ctx, approvalSource, []postgres.NewEvent{{Envelope: env, Department: "qd-xzsp"}}); err != nil {
			t.Fatal(err)
		}
	}
	stored("exploit-1", exploitEvent(t, "exploit-1"))
	valid := mustJSON(t, caseFinished(t, approvalSource, "dup-data-1"))
	stored("dup-data-1", bytes.Replace(valid, []byte(`"data":`), []byte(`"data":{"department":"qd-gaj"},"data":`), 1))
	s.waitProjections()
	byDept := func() string {
		r := s.getOK("/v1/stats/cases?group_by=department", "")
		return string(r.Body)
	}
	before := byDept()
	if strings.Contains(before, "qd-gaj") || !strings.Contains(before, `"department":"qd-xzsp"},"finished":2,`) {
		t.Errorf("live case_stats: %s, want two qd-xzsp cases and nothing for qd-gaj", before)
	}
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string { return map[string]string{"GOVPULSE_DATABASE_URL": s.DBURL}[k] }
	if err := run(ctx, []string{"rebuild", "--quiet", "case_stats"}, getenv, &stdout, &stderr); err != nil {
		t.Fatalf("rebuild: %v\n%s", err, stderr.String())
	}
	if after := byDept(); after != before {
		t.Errorf("after rebuild: %s, want %s", after, before)
	}

	// Did anyone use the hole? log check lists both events, and only them.
	stdout.Reset()
	stderr.Reset()
	err := run(ctx, []string{"log", "check"}, getenv, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "2 stored event(s) would now be refused") {
		t.Errorf("log check: err = %v, want two refused events", err)
	}
	out := stdout.String()
	for _, want := range []string{"seq 2  source qd-approval-bureau  id exploit-1  type govpulse.case.finished.v1",
		`    Data: is not a CloudEvents attribute`, `did you mean "data"?`,
		"seq 3  source qd-approval-bureau  id dup-data-1", "    data: duplicate member name"} {
		if !strings.Contains(out, want) {
			t.Errorf("log check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "valid-1") {
		t.Errorf("log check lists the valid event:\n%s", out)
	}
	if !strings.Contains(stderr.String(), "3 events checked (seq 1 to 3): 2 would now be refused") {
		t.Errorf("log check summary: %q", stderr.String())
	}
}

// TestLogCheck: every kind of stored event the strict reading refuses is
// listed with its reason, in text and JSON, against the sources file too;
// a clean log passes.
func TestLogCheck(t *testing.T) {
	s := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string {
		return map[string]string{"GOVPULSE_DATABASE_URL": s.DBURL, "GOVPULSE_SOURCES_FILE": s.Main.Config.SourcesFile}[k]
	}
	getenvWithTokens := func(k string) string {
		if v, ok := testEnv[k]; ok {
			return v
		}
		return getenv(k)
	}
	if err := run(ctx, []string{"log", "check"}, getenvWithTokens, &stdout, &stderr); err != nil || !strings.Contains(stderr.String(), "the log is empty") {
		t.Errorf("empty log: %v %q", err, stderr.String())
	}
	s.ingest(approvalToken, caseFinished(t, approvalSource, "valid-1"))
	stderr.Reset()
	if err := run(ctx, []string{"log", "check"}, getenvWithTokens, &stdout, &stderr); err != nil {
		t.Errorf("clean log: %v\n%s%s", err, stdout.String(), stderr.String())
	}

	// What an earlier version let in, stored as it did.
	store := &postgres.EventStore{Pool: s.Main.pool, Outbox: s.Main.bus}
	valid := mustJSON(t, caseFinished(t, approvalSource, "x"))
	stored := func(id string, raw []byte, department string) {
		t.Helper()
		raw = bytes.Replace(raw, []byte(`"id":"x"`), []byte(`"id":"`+id+`"`), 1)
		env := events.Envelope{ID: id, Source: approvalSource, Type: typeCase, Time: time.Date(2024, 3, 1, 8, 30, 0, 0, time.UTC), Raw: raw}
		if _, err := store.Append(ctx, approvalSource, []postgres.NewEvent{{Envelope: env, Department: department}}); err != nil {
			t.Fatal(err)
		}
	}
	stored("dup-data", bytes.Replace(valid, []byte(`"data":`), []byte(`"data":{"department":"qd-gaj"},"data":`), 1), "qd-xzsp")
	// (Invalid UTF-8 never got in: PostgreSQL refused it, with a 500.)
	stored("surrogate", bytes.Replace(valid, []byte(`"case_id":"`), []byte(`"case_id":"\ud800`), 1), "qd-xzsp")
	stored("huge-ext", bytes.Replace(valid, []byte(`"data":`), []byte(`"big":1e400,"data":`), 1), "qd-xzsp")
	stored("offset", bytes.Replace(valid, []byte(`"time":"2024-03-01T16:30:00+08:00"`), []byte(`"time":"2024-03-01T16:30:00+24:00"`), 1), "qd-xzsp")
	stored("other-dept", valid, "qd-gaj")

	stdout.Reset()
	stderr.Reset()
	err := run(ctx, []string{"log", "check", "--json"}, getenvWithTokens, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "5 stored event(s)") {
		t.Fatalf("log check: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var f struct {
			ID       string
			Problems []struct{ Field, Reason string }
		}
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		var reasons []string
		for _, p := range f.Problems {
			reasons = append(reasons, p.Field+": "+p.Reason)
		}
		got[f.ID] = strings.Join(reasons, "; ")
	}
	for id, want := range map[string]string{
		"dup-data":   "data: duplicate member name",
		"surrogate":  "data.case_id: unpaired surrogate",
		"huge-ext":   "big: must be a whole number",
		"offset":     "out of range",
		"other-dept": `department: the log's department column says "qd-gaj", the envelope "qd-xzsp"`,
	} {
		if !strings.Contains(got[id], want) {
			t.Errorf("%s: %q, want %q", id, got[id], want)
		}
	}
	if !strings.Contains(got["other-dept"], `may not send events for department "qd-gaj"`) {
		t.Errorf("other-dept: %q, want the sources file's verdict too", got["other-dept"])
	}
	if _, listed := got["valid-1"]; listed || len(got) != 5 {
		t.Errorf("listed %v, want exactly the five", got)
	}
}
