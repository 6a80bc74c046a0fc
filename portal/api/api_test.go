package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/govpulse/govpulse/portal"
	"github.com/govpulse/govpulse/portal/api"
	"github.com/govpulse/govpulse/portal/store/storetest"
)

func server(t *testing.T) *httptest.Server {
	t.Helper()
	st := storetest.Store(t)
	h := &api.Handler{Reader: st, Now: st.Now}
	srv := httptest.NewServer(h.Routes())
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path string, status int, v any) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("GET %s = %d %s, want %d", path, resp.StatusCode, b, status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, b)
	}
}

func TestAPI(t *testing.T) {
	srv := server(t)
	var res portal.SearchResult
	get(t, srv, "/api/v1/search?"+url.Values{"q": {"社保"}, "page_size": {"5"}}.Encode(), 200, &res)
	if res.Page.Total == 0 || res.Hits[0].ID != "ss-1" || len(res.Facets) != 7 || res.Synonyms[0].To != "社会保险" {
		t.Errorf("search 社保 = %+v", res)
	}
	get(t, srv, "/api/v1/search?"+url.Values{"q": {"青政办发[2020]12号"}}.Encode(), 200, &res)
	if !res.DocNumber || len(res.Hits) != 1 || res.Hits[0].ID != "start-1" {
		t.Errorf("文号 search = %+v", res.Hits)
	}
	get(t, srv, "/api/v1/policies?category=construction&validity=in_force", 200, &res)
	if res.Page.Total != 4 {
		t.Errorf("construction policies in force = %d, want 4", res.Page.Total)
	}
	var view portal.PolicyView
	get(t, srv, "/api/v1/policies/start-3", 200, &view)
	if view.Version != 2 || len(view.Versions) != 2 || view.Names.Issuer != "青岛市行政审批服务局" || view.ValidityLabel != "现行有效" {
		t.Errorf("policy view = version %d, %+v, %q", view.Version, view.Names, view.ValidityLabel)
	}
	get(t, srv, "/api/v1/policies/start-3?at=2020-12-01", 200, &view)
	if view.Version != 1 {
		t.Errorf("as of 2020-12-01: version %d", view.Version)
	}
	get(t, srv, "/api/v1/policies/start-3/versions/1", 200, &view)
	if view.Version != 1 || view.Policy.Support != "首套4枚印章免费。" {
		t.Errorf("version 1 = %+v", view.Policy)
	}
	var m portal.MatchResult
	get(t, srv, "/api/v1/match?industry=c&size=small&founded=2020&qualifications=specialized", 200, &m)
	if m.Total == 0 || m.Matches[0].ID != "inno-2" {
		t.Errorf("match = %+v", m.Matches)
	}

	var e portal.Error
	for _, tc := range []struct {
		path, code, param string
		status            int
	}{
		{"/api/v1/policies/nope", portal.ENotFound, "", 404},
		{"/api/v1/policies/start-3/versions/9", portal.ENotFound, "", 404},
		{"/api/v1/policies/start-3/versions/x", portal.EInvalid, "version", 400},
		{"/api/v1/policies/start-3?at=2020-13-01", portal.EInvalid, "at", 400},
		{"/api/v1/policies/start-3?when=1", portal.EInvalid, "when", 400},
		{"/api/v1/search?catgory=x", portal.EInvalid, "catgory", 400},
		{"/api/v1/search?category=nope", portal.EInvalid, "category", 400},
		{"/api/v1/search?page_size=51", portal.EInvalid, "page_size", 400},
		{"/api/v1/search?validity=maybe", portal.EInvalid, "validity", 400},
		{"/api/v1/policies?q=x", portal.EInvalid, "q", 400},
		{"/api/v1/match?founded=1800", portal.EInvalid, "founded", 400},
		{"/api/v1/match?industry=zz", portal.EInvalid, "industry", 400},
		{"/api/v1/nothing", portal.ENotFound, "", 404},
	} {
		e = portal.Error{}
		get(t, srv, tc.path, tc.status, &e)
		if e.Code != tc.code || e.Param != tc.param || e.Message == "" {
			t.Errorf("GET %s = %+v, want code %s param %q", tc.path, e, tc.code, tc.param)
		}
	}
}
