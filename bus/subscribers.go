package bus

import (
	"fmt"
	"time"

	wnats "github.com/ThreeDotsLabs/watermill-nats/v2/pkg/nats"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/nats-io/nats.go"
)

// sqlSubscriber subscribes a consumer group on the Postgres bus.
func (b *Bus) sqlSubscriber(group string) (message.Subscriber, error) {
	ackDeadline := 60 * time.Second
	sub, err := wsql.NewSubscriber(wsql.BeginnerFromPgx(b.pool), wsql.SubscriberConfig{
		ConsumerGroup:    group,
		PollInterval:     b.cfg.PollInterval,
		ResendInterval:   b.cfg.RetryInterval,
		RetryInterval:    time.Second,
		AckDeadline:      &ackDeadline,
		SchemaAdapter:    schema,
		OffsetsAdapter:   wsql.DefaultPostgreSQLOffsetsAdapter{},
		InitializeSchema: true,
	}, b.wlog)
	if err != nil {
		return nil, fmt.Errorf("bus: postgres subscriber %s: %w", group, err)
	}
	return b.metrics.DecorateSubscriber(sub)
}

// jetStream is the JetStream configuration shared by publisher and
// subscribers; durable names make a consumer group survive restarts and
// let several instances share its work.
func (b *Bus) jetStream(group string) wnats.JetStreamConfig {
	return wnats.JetStreamConfig{
		AutoProvision:    true,
		SubscribeOptions: []nats.SubOpt{nats.DeliverAll(), nats.AckExplicit(), nats.ManualAck()},
		TrackMsgId:       true,
		DurablePrefix:    group,
	}
}

// natsSubscriber subscribes a durable consumer group on JetStream.
func (b *Bus) natsSubscriber(group string) (message.Subscriber, error) {
	sub, err := wnats.NewSubscriberWithNatsConn(b.nc, wnats.SubscriberSubscriptionConfig{
		QueueGroupPrefix:  group,
		SubscribersCount:  1,
		AckWaitTimeout:    b.cfg.AckWait,
		CloseTimeout:      30 * time.Second,
		Unmarshaler:       &wnats.NATSMarshaler{},
		SubjectCalculator: wnats.DefaultSubjectCalculator,
		JetStream:         b.jetStream(group),
	}, b.wlog)
	if err != nil {
		return nil, fmt.Errorf("bus: NATS subscriber %s: %w", group, err)
	}
	return b.metrics.DecorateSubscriber(sub)
}

func (b *Bus) natsPublisher() (message.Publisher, error) {
	pub, err := wnats.NewPublisherWithNatsConn(b.nc, wnats.PublisherPublishConfig{
		Marshaler:         &wnats.NATSMarshaler{},
		SubjectCalculator: wnats.DefaultSubjectCalculator,
		JetStream:         b.jetStream(""),
	}, b.wlog)
	if err != nil {
		return nil, fmt.Errorf("bus: NATS publisher: %w", err)
	}
	return b.metrics.DecoratePublisher(pub)
}

// subscriber returns the subscriber for a consumer group on this bus.
func (b *Bus) subscriber(group string) (message.Subscriber, error) {
	if b.cfg.Kind == KindNATS {
		return b.natsSubscriber(group)
	}
	return b.sqlSubscriber(group)
}
