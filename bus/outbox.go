package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/components/forwarder"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/events"
)

// Stage queues on q, a batch of statements the transaction that appends
// the batch's events sends, the write of the batch's message into the
// outbox (Watermill's forwarder pattern): the message exists if and only
// if the events do. Watermill's publisher builds the statement; it is
// queued instead of sent, so that the append sends it with its other
// writes in one round trip.
func (b *Bus) Stage(ctx context.Context, q *pgx.Batch, batch events.Batch) error {
	pub, err := wsql.NewPublisher(queuedExec{q}, wsql.PublisherConfig{SchemaAdapter: schema}, b.wlog)
	if err != nil {
		return err
	}
	msg, err := batchMessage(batch)
	if err != nil {
		return err
	}
	msg.SetContext(ctx)
	var p message.Publisher = pub
	if b.cfg.Kind == KindNATS {
		p = forwarder.NewPublisher(pub, forwarder.PublisherConfig{ForwarderTopic: topicOutbox})
	}
	if err := p.Publish(TopicBatches, msg); err != nil {
		return fmt.Errorf("publish batch %d-%d: %w", batch.First, batch.Last, err)
	}
	return nil
}

// queuedExec is a watermill-sql executor that queues statements on a pgx
// batch instead of running them; their errors come when the batch is sent.
type queuedExec struct{ q *pgx.Batch }

func (e queuedExec) ExecContext(_ context.Context, query string, args ...any) (wsql.Result, error) {
	e.q.Queue(query, args...)
	return queuedResult{}, nil
}

func (queuedExec) QueryContext(context.Context, string, ...any) (wsql.Rows, error) {
	return nil, errors.New("bus: the outbox only queues statements, it cannot query")
}

// queuedResult is the result of a queued statement, which has not run.
type queuedResult struct{}

func (queuedResult) RowsAffected() (int64, error) {
	return 0, errors.New("bus: a queued statement has not run")
}

// batchNamespace is the UUID namespace of batch message ids.
var batchNamespace = uuid.MustParse("5d0c3f0e-7a53-4b8e-9a57-6f1d2b0c9e41")

// BatchMessageID is the id of a batch's message: a name-based UUID (v5)
// of the batch's source and seq range, which are unique in the log. A
// batch forwarded twice (the forwarder died between publishing and
// acknowledging its outbox row, or the batch was staged again) carries
// the same id, and NATS JetStream, which gets it as Nats-Msg-Id, drops the
// copy within the stream's duplicate window (2 minutes) before any
// consumer sees it; past the window, or on the Postgres bus, the consumer
// ledger skips it.
func BatchMessageID(batch events.Batch) string {
	return uuid.NewSHA1(batchNamespace, fmt.Appendf(nil, "%s\x00%d\x00%d", batch.Source, batch.First, batch.Last)).String()
}

// batchMessage is the Watermill message for a batch.
func batchMessage(batch events.Batch) (*message.Message, error) {
	payload, err := json.Marshal(batch)
	if err != nil {
		return nil, err
	}
	msg := message.NewMessage(BatchMessageID(batch), payload)
	msg.Metadata.Set("first_seq", fmt.Sprint(batch.First))
	msg.Metadata.Set("last_seq", fmt.Sprint(batch.Last))
	msg.Metadata.Set("source", batch.Source)
	return msg, nil
}

// schema is the watermill-sql schema for every topic: messages as JSON rows
// ordered by transaction id, so a slow transaction is never skipped.
var schema = wsql.DefaultPostgreSQLSchema{SubscribeBatchSize: 100}

// initTopic creates a topic's tables if they are missing.
func initTopic(ctx context.Context, pool *pgxpool.Pool, topic string, log watermill.LoggerAdapter) error {
	sub, err := wsql.NewSubscriber(wsql.BeginnerFromPgx(pool), wsql.SubscriberConfig{
		SchemaAdapter:  schema,
		OffsetsAdapter: wsql.DefaultPostgreSQLOffsetsAdapter{},
	}, log)
	if err != nil {
		return fmt.Errorf("bus: %w", err)
	}
	defer sub.Close()
	if err := sub.SubscribeInitialize(topic); err != nil {
		return fmt.Errorf("bus: create topic %s: %w", topic, err)
	}
	return nil
}
