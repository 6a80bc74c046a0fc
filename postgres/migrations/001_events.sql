-- The event log: the only truth. Rows are appended and never changed.
CREATE TABLE events (
    seq          bigint      PRIMARY KEY,
    source       text        NOT NULL,
    id           text        NOT NULL,
    type         text        NOT NULL,
    department   text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    envelope     json        NOT NULL, -- json (not jsonb) keeps the sender's bytes as sent
    CONSTRAINT events_source_id_key UNIQUE (source, id)
);

CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the events table is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

-- Batches a consumer has applied, recorded in the same transaction as the
-- consumer's writes: a redelivered batch finds its row and is skipped.
CREATE TABLE consumer_batches (
    consumer    text        NOT NULL,
    first_seq   bigint      NOT NULL,
    last_seq    bigint      NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, first_seq)
);

-- Messages a consumer gave up on after its retries, for an operator to
-- inspect and replay.
CREATE TABLE poison_messages (
    id           bigserial   PRIMARY KEY,
    consumer     text        NOT NULL,
    message_uuid text        NOT NULL,
    payload      bytea       NOT NULL,
    metadata     jsonb       NOT NULL DEFAULT '{}',
    reason       text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    replayed_at  timestamptz,
    replay_error text
);
CREATE INDEX poison_messages_open ON poison_messages (id) WHERE replayed_at IS NULL;

-- The first consumer: events per day (of recording, in UTC), source and type.
CREATE TABLE ingest_tally (
    day      date   NOT NULL,
    source   text   NOT NULL,
    type     text   NOT NULL,
    events   bigint NOT NULL,
    PRIMARY KEY (day, source, type)
);
