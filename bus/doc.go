// Package bus carries appended batches from the event log to consumers
// through Watermill: on PostgreSQL (watermill-sql, the default) or on NATS
// JetStream (watermill-nats) fed by a transactional outbox.
//
// Every consumer gets each batch at least once; the bus applies it through
// the event store's ApplyOnce, which records the batch in the consumer
// ledger in the same transaction as the consumer's writes, so each batch
// takes effect exactly once.
package bus
