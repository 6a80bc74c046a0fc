package bus

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/components/forwarder"
	"github.com/ThreeDotsLabs/watermill/message"
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

// batchMessage is the Watermill message for a batch; its UUID is derived
// from the batch so a republished batch is recognisable.
func batchMessage(batch events.Batch) (*message.Message, error) {
	payload, err := json.Marshal(batch)
	if err != nil {
		return nil, err
	}
	msg := message.NewMessage(watermill.NewUUID(), payload)
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
