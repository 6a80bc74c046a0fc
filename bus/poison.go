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

	"github.com/govpulse/govpulse/events"
)

// PoisonQueue keeps the batches a consumer gave up on, in the
// poison_messages table, for an operator to list and replay. It is the
// message.Publisher behind Watermill's poison queue middleware.
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
	CreatedAt   time.Time         `json:"created_at"`
	ReplayedAt  *time.Time        `json:"replayed_at,omitempty"`
	ReplayError *string           `json:"replay_error,omitempty"`
}

// ErrPoisonNotFound is returned by Replay for an unknown id.
var ErrPoisonNotFound = errors.New("no such poison message")

// Publish stores poisoned messages. The topic is ignored: the table is the
// queue.
func (q *PoisonQueue) Publish(_ string, msgs ...*message.Message) error {
	for _, m := range msgs {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		md, _ := json.Marshal(m.Metadata)
		_, err := q.pool.Exec(ctx, `INSERT INTO poison_messages (consumer, message_uuid, payload, metadata, reason)
			VALUES ($1, $2, $3, $4, $5)`,
			m.Metadata.Get(middleware.PoisonedHandlerKey), m.UUID, m.Payload, md, m.Metadata.Get(middleware.ReasonForPoisonedKey))
		cancel()
		if err != nil {
			return fmt.Errorf("store poison message %s: %w", m.UUID, err)
		}
		q.bus.log.Error("batch moved to poison queue", "consumer", m.Metadata.Get(middleware.PoisonedHandlerKey),
			"message_uuid", m.UUID, "reason", m.Metadata.Get(middleware.ReasonForPoisonedKey))
	}
	return nil
}

// Close does nothing; the pool belongs to the caller.
func (q *PoisonQueue) Close() error { return nil }

const selectPoison = `SELECT id, consumer, message_uuid, payload, metadata, reason, created_at, replayed_at, replay_error
	FROM poison_messages`

// List returns poisoned messages, newest first; all includes replayed ones.
func (q *PoisonQueue) List(ctx context.Context, all bool, limit int) ([]PoisonMessage, error) {
	rows, err := q.pool.Query(ctx, selectPoison+` WHERE $1 OR replayed_at IS NULL ORDER BY id DESC LIMIT $2`, all, limit)
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
	err := row.Scan(&m.ID, &m.Consumer, &m.MessageUUID, &payload, &m.Metadata, &m.Reason, &m.CreatedAt, &m.ReplayedAt, &m.ReplayError)
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
		return PoisonMessage{}, ErrPoisonNotFound
	}
	if err != nil {
		return PoisonMessage{}, fmt.Errorf("replay poison message %d: %w", id, err)
	}
	h, ok := q.bus.consumers[consumer]
	if !ok {
		return PoisonMessage{}, fmt.Errorf("replay poison message %d: consumer %q is not running here", id, consumer)
	}
	var batch events.Batch
	replayErr := json.Unmarshal(payload, &batch)
	if replayErr == nil && (batch.First <= 0 || batch.Last < batch.First) {
		replayErr = fmt.Errorf("payload is not a batch reference")
	}
	if replayErr == nil {
		_, replayErr = h.apply(ctx, batch)
	}
	if replayErr != nil {
		msg := replayErr.Error()
		_, err = q.pool.Exec(ctx, `UPDATE poison_messages SET replay_error = $2 WHERE id = $1`, id, msg)
	} else {
		_, err = q.pool.Exec(ctx, `UPDATE poison_messages SET replayed_at = now(), replay_error = NULL WHERE id = $1`, id)
	}
	if err != nil {
		return PoisonMessage{}, fmt.Errorf("replay poison message %d: %w", id, err)
	}
	m, err := q.get(ctx, id)
	if err != nil {
		return m, err
	}
	if replayErr != nil {
		return m, fmt.Errorf("replay poison message %d: %w", id, replayErr)
	}
	return m, nil
}

// registerPoisonGauge exports how many poisoned batches wait for an
// operator.
func registerPoisonGauge(reg prometheus.Registerer, pool *pgxpool.Pool) error {
	g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "govpulse_bus_poison_queue_messages",
		Help: "Batches that a consumer gave up on and that wait in the poison queue to be replayed.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var n int64
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM poison_messages WHERE replayed_at IS NULL`).Scan(&n); err != nil {
			return -1
		}
		return float64(n)
	})
	if err := reg.Register(g); err != nil {
		return fmt.Errorf("bus: register poison gauge: %w", err)
	}
	return nil
}
