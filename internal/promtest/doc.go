// Package promtest reads the samples of a Prometheus scrape in tests,
// from a registry or from a /metrics body, with client_golang's and
// prometheus/common's own decoding, and keys them as the text format
// writes them, so that a test states what it expects as
// `department="qd-rsj",target="window_avg"`.
package promtest
