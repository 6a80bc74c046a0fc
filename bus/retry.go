package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/periodic"
	"github.com/govpulse/govpulse/postgres"
)

// maxRetryInterval caps the backoff between two tries of a batch.
const maxRetryInterval = 10 * time.Second

// retryDelay is the wait after a batch's attempt-th failed try:
// RetryInterval doubled for each earlier failure, at most maxRetryInterval.
func (b *Bus) retryDelay(attempt int) time.Duration {
	d := b.cfg.RetryInterval
	for i := 1; i < attempt && d < maxRetryInterval; i++ {
		d *= 2
	}
	return min(d, maxRetryInterval)
}

// retryBatchLimit bounds how many due batches one pass claims.
const retryBatchLimit = 20

// retryFailed retries, until ctx is done, the failed batches of the
// consumers running here whose backoff has passed. Every instance running
// a consumer takes part; a batch is claimed with a row lock (SKIP LOCKED),
// so one instance tries it at a time.
func (b *Bus) retryFailed(ctx context.Context) {
	names := slices.Sorted(maps.Keys(b.consumers))
	if len(names) == 0 {
		return
	}
	periodic.Run(ctx, b.cfg.PollInterval, func() {
		if err := b.retryDue(ctx, names); err != nil && ctx.Err() == nil {
			b.log.Warn("retry failed batches", "err", err)
		}
	})
}

// retryLease is how long a claimed batch is left to the instance that
// claimed it; if that instance dies mid-try, another tries it after this.
const retryLease = time.Minute

// retryDue tries each due batch once: a batch that applies (or that the
// ledger already holds) leaves the table; one that fails again waits
// twice as long, or is poisoned after its last retry. Batches are claimed
// by pushing their due time out by retryLease in a short transaction, not
// by holding a lock while they are tried: on the Postgres bus an open
// transaction holds back every subscriber (they read messages below the
// oldest running transaction).
func (b *Bus) retryDue(ctx context.Context, consumers []string) error {
	rows, err := b.pool.Query(ctx, `UPDATE poison_messages SET retry_at = clock_timestamp() + $3::interval
		WHERE id IN (SELECT id FROM poison_messages WHERE retry_at <= clock_timestamp() AND consumer = ANY($1)
			ORDER BY retry_at LIMIT $2 FOR UPDATE SKIP LOCKED)
		RETURNING id, consumer, payload, attempts`, consumers, retryBatchLimit, retryLease)
	if err != nil {
		return err
	}
	type due struct {
		id       int64
		consumer string
		payload  []byte
		attempts int
	}
	var dues []due
	var d due
	if _, err := pgx.ForEachRow(rows, []any{&d.id, &d.consumer, &d.payload, &d.attempts}, func() error {
		dues = append(dues, d)
		return nil
	}); err != nil {
		return err
	}
	for _, d := range dues {
		applyErr := b.retryOne(ctx, d.consumer, d.payload)
		switch {
		case applyErr == nil:
			_, err = b.pool.Exec(ctx, `DELETE FROM poison_messages WHERE id = $1`, d.id)
			b.log.Info("a failed batch applied on retry", "consumer", d.consumer, "attempts", d.attempts+1)
		case postgres.IsUnavailable(applyErr) || ctx.Err() != nil:
			// Not the batch's fault: try it again soon, uncounted.
			_, err = b.pool.Exec(context.WithoutCancel(ctx), `UPDATE poison_messages SET retry_at = clock_timestamp() + $2::interval WHERE id = $1`,
				d.id, b.retryDelay(1))
		case d.attempts+1 > b.cfg.MaxRetries:
			_, err = b.pool.Exec(ctx, `UPDATE poison_messages SET attempts = $2, reason = $3, retry_at = NULL, poisoned_at = clock_timestamp()
				WHERE id = $1`, d.id, d.attempts+1, applyErr.Error())
			b.log.Error("batch moved to poison queue", "consumer", d.consumer, "id", d.id, "attempts", d.attempts+1, "reason", applyErr)
		default:
			_, err = b.pool.Exec(ctx, `UPDATE poison_messages SET attempts = $2, reason = $3, retry_at = clock_timestamp() + $4::interval
				WHERE id = $1`, d.id, d.attempts+1, applyErr.Error(), b.retryDelay(d.attempts+1))
		}
		if err != nil {
			return err // the lease runs out and the batch is tried again
		}
	}
	return nil
}

// retryOne applies a stored batch to its consumer through the same
// exactly-once path as a delivery.
func (b *Bus) retryOne(ctx context.Context, consumer string, payload []byte) error {
	h, ok := b.consumers[consumer]
	if !ok {
		return fmt.Errorf("consumer %q is not running here", consumer)
	}
	batch, err := parseBatch(payload)
	if err != nil {
		return err
	}
	_, err = h.apply(ctx, batch, true)
	return err
}

// errNotABatch is a payload that is not a batch reference.
var errNotABatch = errors.New("payload is not a batch reference")

// parseBatch reads a message payload as a batch reference.
func parseBatch(payload []byte) (events.Batch, error) {
	var batch events.Batch
	if err := json.Unmarshal(payload, &batch); err != nil || batch.First <= 0 || batch.Last < batch.First {
		return batch, fmt.Errorf("%w: %q", errNotABatch, payload)
	}
	return batch, nil
}
