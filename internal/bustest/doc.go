// Package bustest runs a real govpulse bus for tests and counts what it
// delivered. Tests that apply batches by hand use the event store's
// ApplyOnce, as the bus does.
package bustest
