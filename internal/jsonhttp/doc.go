// Package jsonhttp writes the JSON answers of the HTTP API and the
// portal the same way: typed, never sniffed, with <, > and & escaped so
// that a browser that opens one never reads markup in it.
package jsonhttp
