// Package postgres holds govpulse's storage on PostgreSQL through pgx: the
// connection pool (started afresh when the server ends its connections),
// the embedded migrations, and the append-only event store.
//
// The event store owns the log and everything kept about reading it:
// appending batches (each event stored once, by source and id, with the
// version of the strict reading that accepted it), reading the log back,
// the batches this process appended and their decoded events
// (RecentBatches), and the consumer ledger: which batches each consumer
// has applied (ApplyOnce, the apply-once transaction the bus and the tests
// share), its lag behind the log, and its status.
package postgres
