package benchmark

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5/pgxpool"
)

// WatermillSQLPerEvent publishes each event as its own message through
// watermill-sql (one Publish, one commit each, from publishers goroutines)
// and counts them out of a consumer-group subscriber that acks each one:
// the per-message path govpulse avoids by sending batches.
func WatermillSQLPerEvent(ctx context.Context, pool *pgxpool.Pool, evs []json.RawMessage, publishers int) (Result, error) {
	topic := fmt.Sprintf("bench_per_event_%d", time.Now().UnixNano())
	log := watermill.NopLogger{}
	schema := wsql.DefaultPostgreSQLSchema{}
	pub, err := wsql.NewPublisher(wsql.BeginnerFromPgx(pool), wsql.PublisherConfig{SchemaAdapter: schema, AutoInitializeSchema: true}, log)
	if err != nil {
		return Result{}, err
	}
	defer pub.Close()
	sub, err := wsql.NewSubscriber(wsql.BeginnerFromPgx(pool), wsql.SubscriberConfig{
		ConsumerGroup:    "bench",
		PollInterval:     10 * time.Millisecond,
		SchemaAdapter:    schema,
		OffsetsAdapter:   wsql.DefaultPostgreSQLOffsetsAdapter{},
		InitializeSchema: true,
	}, log)
	if err != nil {
		return Result{}, err
	}
	defer sub.Close()
	if err := sub.SubscribeInitialize(topic); err != nil {
		return Result{}, err
	}
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs, err := sub.Subscribe(subCtx, topic)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, publishers)
	for p := 0; p < publishers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := p; i < len(evs); i += publishers {
				if err := pub.Publish(topic, message.NewMessage(watermill.NewUUID(), message.Payload(evs[i]))); err != nil {
					errs <- err
					return
				}
			}
		}(p)
	}
	received := 0
	timeout := time.After(10 * time.Minute)
	for received < len(evs) {
		select {
		case m := <-msgs:
			m.Ack()
			received++
		case err := <-errs:
			return Result{}, fmt.Errorf("watermill-sql publish: %w", err)
		case <-timeout:
			return Result{}, fmt.Errorf("watermill-sql: received %d of %d after 10 minutes", received, len(evs))
		}
	}
	elapsed := time.Since(start)
	wg.Wait()
	cleanup := context.WithoutCancel(ctx)
	pool.Exec(cleanup, fmt.Sprintf(`DROP TABLE IF EXISTS "watermill_%s"; DROP TABLE IF EXISTS "watermill_offsets_%s"`, topic, topic)) //nolint:errcheck
	return Result{Name: "watermill-sql, one event per message", Events: len(evs), Elapsed: elapsed}, nil
}
