package main

import (
	"net/http"
	"testing"
)

// TestServeForbiddenBeforeInvalid: an event the token may not send is
// refused as forbidden even when it is also invalid, so a sender learns
// nothing about the fields of events it may not send.
func TestServeForbiddenBeforeInvalid(t *testing.T) {
	s := startServer(t)
	ev := caseFinished(t, approvalSource, "forbidden-and-invalid")
	ev.data()["department"] = "qd-gaj" // the approval bureau may not speak for it
	ev.data()["district"] = "atlantis" // and the district does not exist
	lawsuit := lawsuitAppearance(t, approvalSource, "wrong-type")
	lawsuit.data()["court"] = 42
	e := wantError(t, s.postEvents(approvalToken, ev, lawsuit), http.StatusForbidden, "forbidden")
	got := map[string]bool{}
	for _, p := range e.Problems {
		got[p.Field] = true
		if p.Field == "data.district" || p.Field == "data.court" {
			t.Errorf("forbidden answer reveals a validation problem: %+v", p)
		}
	}
	// Event 1 is of a type the bureau may not send, for an agency (qd-zrzy)
	// it may not speak for.
	if !got["data.department"] || !got["type"] || !got["data.agency"] || len(e.Problems) != 3 {
		t.Errorf("problems = %+v, want data.department (event 0), type and data.agency (event 1)", e.Problems)
	}
	if page := s.readPage(0, 10); len(page.Events) != 0 {
		t.Errorf("log holds %d events after a refused request", len(page.Events))
	}
}
