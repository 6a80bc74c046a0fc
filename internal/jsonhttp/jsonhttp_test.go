package jsonhttp

import (
	"net/http/httptest"
	"testing"
)

func TestWriteEscapesMarkup(t *testing.T) {
	rec := httptest.NewRecorder()
	Write(rec, 418, map[string]string{"error": "<script>&"})
	if rec.Code != 418 {
		t.Errorf("status %d, want 418", rec.Code)
	}
	for name, want := range map[string]string{"Content-Type": "application/json; charset=utf-8", "X-Content-Type-Options": "nosniff"} {
		if got := rec.Header().Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if got, want := rec.Body.String(), `{"error":"\u003cscript\u003e\u0026"}`+"\n"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
}
