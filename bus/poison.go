package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// PoisonQueue keeps the batches a consumer failed on, in the
// poison_messages table: first to be retried with backoff while later
// batches go on (see retry.go), then, when the last retry fails, for an
// operator to list and replay. It is the message.Publisher behind
// Watermill's poison queue middleware, which hands it a failed batch and
// acknowledges the message once it is stored.
type PoisonQueue struct {
	pool *pgxpool.Pool
	bus  *Bus
}

// PoisonMessage is one poisoned batch.
type PoisonMessage struct {
	ID          int64             `json:"id"`
	Consumer    string            `json:"consumer"`
	MessageUUID string            `json:"message_uuid"`
	Batch       json.RawMessage   `json:"batch"`
	Metadata    map[string]string `json:"metadata"`
	Reason      string            `json:"reason"`
	// Attempts is how often the consumer tried the batch.
	Attempts    int        `json:"attempts"`
	CreatedAt   time.Time  `json:"created_at"`
	ReplayedAt  *time.Time `json:"replayed_at,omitempty"`
	ReplayError *string    `json:"replay_error,omitempty"`
}

// Errors of Replay.
var (
	// ErrPoisonNotFound is an unknown poison message id.
	ErrPoisonNotFound = errors.New("no such poison message")
	// ErrReplayFailed is a replayed batch the consumer failed on again.
	ErrReplayFailed = errors.New("the consumer failed on the batch again")
	// ErrConsumerNotHere is a poison message whose consumer this instance
	// does not run (GOVPULSE_CONSUMERS): replay it on one that does.
	ErrConsumerNotHere = errors.New("the consumer does not run on this instance")
)

// Publish stores failed batches, to be retried after the first backoff
// interval. The topic is ignored: the table is the queue.
func (q *PoisonQueue) Publish(_ string, msgs ...*message.Message) error {
	for _, m := range msgs {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		md, _ := json.Marshal(m.Metadata)
		consumer, reason := m.Metadata.Get(middleware.PoisonedHandlerKey), m.Metadata.Get(middleware.ReasonForPoisonedKey)
		_, err := q.pool.Exec(ctx, `INSERT INTO poison_messages (consumer, message_uuid, payload, metadata, reason, attempts, retry_at)
			VALUES ($1, $2, $3, $4, $5, 1, clock_timestamp() + $6::interval)`,
			consumer, m.UUID, m.Payload, md, reason, q.bus.retryDelay(1))
		cancel()
		if err != nil {
			return fmt.Errorf("store failed batch %s: %w", m.UUID, err)
		}
		q.bus.log.Warn("consumer failed on a batch; retrying it later while later batches go on", "consumer", consumer,
			"message_uuid", m.UUID, "reason", reason, "retry_in", q.bus.retryDelay(1))
	}
	return nil
}

// Close does nothing; the pool belongs to the caller.
func (q *PoisonQueue) Close() error { return nil }

const selectPoison = `SELECT id, consumer, message_uuid, payload, metadata, reason, attempts, created_at, replayed_at, replay_error
	FROM poison_messages`

// List returns poisoned messages (those whose retries all failed), newest
// first; all includes replayed ones.
func (q *PoisonQueue) List(ctx context.Context, all bool, limit int) ([]PoisonMessage, error) {
	rows, err := q.pool.Query(ctx, selectPoison+` WHERE poisoned_at IS NOT NULL AND ($1 OR replayed_at IS NULL) ORDER BY id DESC LIMIT $2`, all, limit)
	if err != nil {
		return nil, fmt.Errorf("list poison messages: %w", err)
	}
	return pgx.CollectRows(rows, scanPoison)
}

// get returns one poisoned message.
func (q *PoisonQueue) get(ctx context.Context, id int64) (PoisonMessage, error) {
	rows, err := q.pool.Query(ctx, selectPoison+` WHERE id = $1`, id)
	if err != nil {
		return PoisonMessage{}, fmt.Errorf("read poison message %d: %w", id, err)
	}
	m, err := pgx.CollectExactlyOneRow(rows, scanPoison)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, ErrPoisonNotFound
	}
	return m, err
}

func scanPoison(row pgx.CollectableRow) (PoisonMessage, error) {
	var m PoisonMessage
	var payload []byte
	err := row.Scan(&m.ID, &m.Consumer, &m.MessageUUID, &payload, &m.Metadata, &m.Reason, &m.Attempts, &m.CreatedAt, &m.ReplayedAt, &m.ReplayError)
	if json.Valid(payload) {
		m.Batch = payload
	} else {
		m.Batch, _ = json.Marshal(string(payload))
	}
	return m, err
}

// Replay applies a poisoned batch to its consumer again, now, through the
// same exactly-once path as a delivery. On success the message is marked
// replayed; on failure the error is recorded and returned.
func (q *PoisonQueue) Replay(ctx context.Context, id int64) (PoisonMessage, error) {
	var consumer string
	var payload []byte
	err := q.pool.QueryRow(ctx, `SELECT consumer, payload FROM poison_messages WHERE id = $1`, id).Scan(&consumer, &payload)
	if errors.Is(err, pgx.ErrNoRows) {
		return PoisonMessage{}, fmt.Errorf("poison message %d: %w", id, ErrPoisonNotFound)
	}
	if err != nil {
		return PoisonMessage{}, fmt.Errorf("replay poison message %d: %w", id, err)
	}
	h, ok := q.bus.consumers[consumer]
	if !ok {
		return PoisonMessage{}, fmt.Errorf("replay poison message %d of consumer %s: %w", id, consumer, ErrConsumerNotHere)
	}
	batch, replayErr := parseBatch(payload)
	if replayErr == nil {
		_, replayErr = h.apply(ctx, batch, true)
	}
	if replayErr != nil {
		msg := replayErr.Error()
		_, err = q.pool.Exec(ctx, `UPDATE poison_messages SET replay_error = $2 WHERE id = $1`, id, msg)
	} else {
		_, err = q.pool.Exec(ctx, `UPDATE poison_messages SET replayed_at = now(), replay_error = NULL, retry_at = NULL WHERE id = $1`, id)
	}
	if err != nil {
		return PoisonMessage{}, fmt.Errorf("replay poison message %d: %w", id, err)
	}
	m, err := q.get(ctx, id)
	if err != nil {
		return m, err
	}
	if replayErr != nil {
		return m, fmt.Errorf("replay poison message %d: %w: %w", id, ErrReplayFailed, replayErr)
	}
	return m, nil
}

var (
	poisonedDesc = prometheus.NewDesc("govpulse_bus_poison_queue_messages",
		"Batches that a consumer gave up on and that wait in the poison queue to be replayed.", nil, nil)
	retryingDesc = prometheus.NewDesc("govpulse_bus_retrying_batches",
		"Batches that a consumer failed on and that wait to be retried with backoff while later batches go on.", nil, nil)
)

// Describe and Update make the queue a collector of the metrics exporter
// (projections/collector): how many poisoned batches wait for an operator
// and how many failed ones wait for a retry, read at scrape time.
func (q *PoisonQueue) Describe(ch chan<- *prometheus.Desc) {
	ch <- poisonedDesc
	ch <- retryingDesc
}

// Update sends the queue's gauges; an error means they are missing.
func (q *PoisonQueue) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	var poisoned, retrying int64
	err := q.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE poisoned_at IS NOT NULL AND replayed_at IS NULL),
		count(*) FILTER (WHERE retry_at IS NOT NULL) FROM poison_messages`).Scan(&poisoned, &retrying)
	if err != nil {
		return fmt.Errorf("count poison messages: %w", err)
	}
	ch <- prometheus.MustNewConstMetric(poisonedDesc, prometheus.GaugeValue, float64(poisoned))
	ch <- prometheus.MustNewConstMetric(retryingDesc, prometheus.GaugeValue, float64(retrying))
	return nil
}
