package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

// recordingTransport notes the content mode of every request it carries,
// so the test knows what the SDK really sent.
type recordingTransport struct {
	mu    sync.Mutex
	modes []string
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	mode := "structured " + req.Header.Get("Content-Type")
	if req.Header.Get("Ce-Specversion") != "" {
		mode = "binary " + req.Header.Get("Content-Type")
	}
	rt.mu.Lock()
	rt.modes = append(rt.modes, mode)
	rt.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (rt *recordingTransport) last() string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.modes[len(rt.modes)-1]
}

// TestCloudEventsSDKBothModes: a department programmer uses the official
// Go SDK with its default settings (binary content mode) and with
// structured mode; govpulse stores both, refuses what the token may not
// send with the right status, and reads both back alike.
func TestCloudEventsSDKBothModes(t *testing.T) {
	s := startServer(t)
	rt := &recordingTransport{}
	client, err := cloudevents.NewClientHTTP(
		cehttp.WithTarget(s.URL+"/v1/events"),
		cehttp.WithHeader("Authorization", "Bearer "+approvalToken),
		cehttp.WithRoundTripper(rt),
	)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	newEvent := func(id, department string) cloudevents.Event {
		ev := cloudevents.NewEvent()
		ev.SetID(id)
		ev.SetSource(approvalSource)
		ev.SetType(typeCase)
		ev.SetTime(time.Date(2024, 3, 1, 8, 30, 0, 0, time.UTC))
		ev.SetSubject("办件 " + id) // the SDK sends UTF-8 as is, which govpulse takes
		ev.SetExtension("correlation", "batch-7")
		data := caseFinished(t, approvalSource, id).data()
		data["case_id"] = "case-" + id
		data["department"] = department
		if err := ev.SetData(cloudevents.ApplicationJSON, data); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	status := func(res error) int {
		var hr *cehttp.Result
		if !cloudevents.ResultAs(res, &hr) {
			t.Fatalf("result %v is not an HTTP result", res)
		}
		return hr.StatusCode
	}

	if res := client.Send(ctx, newEvent("sdk-binary-1", "qd-xzsp")); !cloudevents.IsACK(res) || status(res) != http.StatusOK {
		t.Fatalf("binary mode: %v", res)
	}
	if got := rt.last(); got != "binary application/json" {
		t.Errorf("the SDK sent %q, want binary application/json", got)
	}
	if res := client.Send(cloudevents.WithEncodingStructured(ctx), newEvent("sdk-structured-1", "qd-xzsp")); !cloudevents.IsACK(res) || status(res) != http.StatusOK {
		t.Fatalf("structured mode: %v", res)
	}
	if got := rt.last(); got != "structured application/cloudevents+json" {
		t.Errorf("the SDK sent %q, want structured application/cloudevents+json", got)
	}
	// Sending again is a no-op in either mode.
	if res := client.Send(ctx, newEvent("sdk-binary-1", "qd-xzsp")); status(res) != http.StatusOK {
		t.Errorf("binary duplicate: %v", res)
	}
	// Another department's event is forbidden in either mode.
	if res := client.Send(ctx, newEvent("sdk-binary-2", "qd-gaj")); status(res) != http.StatusForbidden {
		t.Errorf("binary, other department: %v, want 403", res)
	}
	if res := client.Send(cloudevents.WithEncodingStructured(ctx), newEvent("sdk-structured-2", "qd-gaj")); status(res) != http.StatusForbidden {
		t.Errorf("structured, other department: %v, want 403", res)
	}
	bad := newEvent("sdk-binary-3", "qd-xzsp")
	bad.SetExtension("note", "x")
	_ = bad.SetData(cloudevents.ApplicationJSON, map[string]any{"case_id": "c"})
	if res := client.Send(ctx, bad); status(res) != http.StatusUnprocessableEntity {
		t.Errorf("binary, invalid data: %v, want 422", res)
	}

	recs := s.readLog(10)
	if len(recs) != 2 {
		t.Fatalf("log holds %d events, want 2", len(recs))
	}
	var envs []map[string]any
	for _, r := range recs {
		var env map[string]any
		if err := json.Unmarshal(r.Event, &env); err != nil {
			t.Fatal(err)
		}
		envs = append(envs, env)
		if r.Department != "qd-xzsp" || r.Type != typeCase {
			t.Errorf("log entry %+v", r)
		}
	}
	// The binary event is stored in structured form, with the attributes
	// the SDK sent and the body as data.
	bin, str := envs[0], envs[1]
	for _, attr := range []string{"specversion", "source", "type", "time", "correlation", "datacontenttype"} {
		if bin[attr] != str[attr] {
			t.Errorf("%s: binary %v, structured %v", attr, bin[attr], str[attr])
		}
	}
	if got, want := bin["subject"], "办件 sdk-binary-1"; got != want {
		t.Errorf("subject = %v, want %q", got, want)
	}
	s.waitProjections()
	if r := s.get("/v1/stats/cases?group_by=department", ""); !strings.Contains(string(r.Body), `"department":"qd-xzsp"},"finished":2,`) {
		t.Errorf("case stats: %s, want both events counted", r)
	}
}

// TestServeBinaryModeByHand: binary mode as curl would send it; header
// values are percent-decoded as the HTTP binding says, and a header the
// binding does not allow is a 400 naming it.
func TestServeBinaryModeByHand(t *testing.T) {
	s := startServer(t)
	data := mustJSON(t, caseFinished(t, approvalSource, "x").data())
	send := func(header map[string]string) reply {
		req, err := http.NewRequest(http.MethodPost, s.URL+"/v1/events", strings.NewReader(string(data)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+approvalToken)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range map[string]string{"ce-specversion": "1.0", "ce-id": "by-hand-1", "ce-source": approvalSource,
			"ce-type": typeCase, "ce-time": "2024-03-01T16:30:00+08:00"} {
			req.Header.Set(k, v)
		}
		for k, v := range header {
			if v == "" {
				req.Header.Del(k)
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		return reply{Status: resp.StatusCode, Header: resp.Header, Body: []byte(b.String())}
	}
	e := wantError(t, send(map[string]string{"ce-subject": "50%zz"}), http.StatusBadRequest, "malformed")
	if len(e.Problems) != 1 || e.Problems[0].Field != "ce-subject" || !strings.Contains(e.Problems[0].Reason, "%25") {
		t.Errorf("broken escape: %+v", e)
	}
	wantError(t, send(map[string]string{"ce-specversion": ""}), http.StatusBadRequest, "malformed")
	wantError(t, send(map[string]string{"Content-Type": ctSingle}), http.StatusUnsupportedMediaType, "unsupported_media_type")
	if r := send(map[string]string{"ce-subject": "%E5%8A%9E%E4%BB%B6%2050%25", "ce-traceid": "abc"}); r.Status != http.StatusOK {
		t.Fatalf("binary by hand: %s", r)
	}
	recs := s.readLog(10)
	if len(recs) != 1 {
		t.Fatalf("log holds %d events", len(recs))
	}
	var env map[string]any
	if err := json.Unmarshal(recs[0].Event, &env); err != nil {
		t.Fatal(err)
	}
	if env["subject"] != "办件 50%" || env["traceid"] != "abc" || env["datacontenttype"] != "application/json" {
		t.Errorf("stored envelope %s", recs[0].Event)
	}
}
