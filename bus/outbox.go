package bus

import (
	"context"
	"encoding/json"
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

// Stage writes a batch's message into the outbox inside tx, the transaction
// that appends the batch's events (Watermill's forwarder pattern): the
// message exists if and only if the events do.
func (b *Bus) Stage(ctx context.Context, tx pgx.Tx, batch events.Batch) error {
	pub, err := wsql.NewPublisher(wsql.TxFromPgx(tx), wsql.PublisherConfig{SchemaAdapter: schema}, b.wlog)
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
