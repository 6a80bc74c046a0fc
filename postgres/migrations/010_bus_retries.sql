-- A batch a consumer fails on waits in poison_messages to be retried with
-- backoff (retry_at) while later batches go on; when its last retry fails
-- it is poisoned (poisoned_at) and waits for an operator to replay it.
ALTER TABLE poison_messages
    ADD COLUMN attempts    int NOT NULL DEFAULT 1,
    ADD COLUMN retry_at    timestamptz,
    ADD COLUMN poisoned_at timestamptz;
UPDATE poison_messages SET poisoned_at = created_at;
DROP INDEX poison_messages_open;
CREATE INDEX poison_messages_open ON poison_messages (id) WHERE replayed_at IS NULL AND poisoned_at IS NOT NULL;
CREATE INDEX poison_messages_retry ON poison_messages (retry_at) WHERE retry_at IS NOT NULL;
