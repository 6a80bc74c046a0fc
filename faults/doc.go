// Package faults proves govpulse's guarantees by breaking things for real:
// it builds the govpulse binary, runs it as separate processes on
// 127.0.0.1 against real PostgreSQL and NATS JetStream servers, and kills,
// restarts or starves them under load. Every test then checks the outcome
// against figures the load generator computed on its own: the log holds
// every acknowledged event exactly once, the read models, the ingest tally,
// /metrics and the targets equal those figures, and a rebuild from the log
// equals the live read models.
//
// The package has only tests. The quick ones (poison queue, concurrent
// start-up migrations, paging the log during appends) run with every
// `go test ./...`; the long ones (SIGKILL under load, PostgreSQL and NATS
// restarts, a JetStream cluster losing a node, scale-out across instances)
// are built with the "faults" tag and run by `make test-faults`:
//
//	go test -tags faults -run Fault -v ./faults/
//
// The tests talk only to the binary's external behaviour (HTTP API,
// /metrics, `govpulse rebuild`, and the tables through SQL), so they hold
// whatever the packages inside look like.
package faults
