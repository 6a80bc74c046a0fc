-- The log's batches, one row per append, written in the transaction that
-- appends the batch's events: a batch is here if and only if its events
-- are stored. A consumer applying a batch finds here the batches that
-- follow it and applies those it has not applied in the same transaction
-- (EventStore.ApplyAhead), recording each in consumer_batches.
CREATE TABLE log_batches (
    first_seq bigint PRIMARY KEY,
    last_seq  bigint NOT NULL,
    source    text   NOT NULL,
    CHECK (last_seq >= first_seq)
);
