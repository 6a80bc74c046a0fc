// Package benchmark is the machinery of `govpulse bench`: a plan of named
// steps run in one invocation, each measured several times beside a
// baseline of the same run on the same machine, and written as a Markdown
// report (docs/PERFORMANCE.md) with the machine's facts and the CPU
// profiles' top entries.
//
// The measured paths: raw COPY into an events-shaped table (the ingest
// ceiling), HTTP batch ingest until the tally and until every read model
// has applied, the plain watermill-sql path with one event per message,
// sustained ingest and its lag, the raw read of the log (the rebuild's
// ceiling), and the portal's search, page and match against ILIKE. A
// measured govpulse is `govpulse serve` in a process of its own.
package benchmark
