// Package jsonhttp writes the JSON answers of the HTTP API and the
// portal the same way: typed, never sniffed, with <, > and & escaped so
// that a browser that opens one never reads markup in it.
package jsonhttp

import (
	"encoding/json"
	"net/http"
)

// Write answers status with v as JSON.
func Write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
