package bus

import (
	"context"
	"fmt"
	"regexp"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
)

// Consumer is a read model or any other reader of the event stream.
//
// Apply is called with the events of one appended batch, or of several
// consecutive ones (a consumer catching up applies the batches after a
// delivered one with it, Config.ApplyAhead), in log order, inside tx.
// Whatever Apply writes through tx commits together with the record that
// each of those batches was applied, so a redelivered or replayed batch
// is skipped and a failed one leaves nothing behind. Apply must not commit
// or roll back tx. An error is retried with backoff, then the batch goes to
// the poison queue.
//
// Name must be stable: it identifies the consumer group and the applied
// batches, so renaming a consumer makes it consume the whole log again.
type Consumer interface {
	Name() string
	Apply(ctx context.Context, tx pgx.Tx, evs []events.Recorded) error
}

// EnvelopeTypes is implemented by a Consumer that reads the envelopes of
// some event types only (a read model folding one type): the bus hands it
// every event of a batch, the others without their envelope (nil).
type EnvelopeTypes interface {
	EnvelopeTypes() []string
}

// EventTypes is implemented by a Consumer that folds the events of some
// types only: the bus hands it those events of a batch alone, with their
// envelopes (and the database sends it nothing else). It takes precedence
// over EnvelopeTypes.
type EventTypes interface {
	EventTypes() []string
}

var consumerName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// consumerHandler applies batches to one consumer exactly once.
type consumerHandler struct {
	bus      *Bus
	consumer Consumer
	// caught are the batches this process's catch-up applied whose
	// delivery has not come yet.
	caught caughtBatches
}

// AddConsumer subscribes c to the batches topic as its own consumer group.
// Call it before Run.
func (b *Bus) AddConsumer(c Consumer) error {
	name := c.Name()
	if !consumerName.MatchString(name) {
		return fmt.Errorf("bus: consumer name %q: use lower-case letters, digits and underscores", name)
	}
	if _, dup := b.consumers[name]; dup {
		return fmt.Errorf("bus: consumer %q added twice", name)
	}
	sub, err := b.subscriber(name)
	if err != nil {
		return err
	}
	h := &consumerHandler{bus: b, consumer: c}
	b.consumers[name] = h
	b.catchUps = append(b.catchUps, &catchUp{h: h, wake: make(chan struct{}, 1)})
	b.router.AddConsumerHandler(name, TopicBatches, sub, h.handle).AddMiddleware(b.consumerMiddleware...)
	return nil
}

// reading is which events of a batch the consumer reads.
func (h *consumerHandler) reading() postgres.Reading {
	var read postgres.Reading // every event with its envelope
	if et, ok := h.consumer.(EventTypes); ok {
		read = postgres.Reading{EnvelopeTypes: et.EventTypes(), Only: true}
	} else if et, ok := h.consumer.(EnvelopeTypes); ok {
		read.EnvelopeTypes = et.EnvelopeTypes()
	}
	return read
}

// Delivery outcomes, the outcome label of govpulse_bus_batch_deliveries_total.
const (
	OutcomeApplied = "applied"
	OutcomeSkipped = "skipped"
	OutcomeFailed  = "failed"
)

func (h *consumerHandler) handle(msg *message.Message) error {
	batch, err := parseBatch(msg.Payload)
	if err != nil {
		h.bus.deliveries.WithLabelValues(h.consumer.Name(), OutcomeFailed).Inc()
		return fmt.Errorf("message %s: %w", msg.UUID, err)
	}
	if h.caught.take(batch.First) {
		// Committed by this process's catch-up: the ledger holds it.
		h.bus.deliveries.WithLabelValues(h.consumer.Name(), OutcomeSkipped).Inc()
		return nil
	}
	_, err = h.apply(msg.Context(), batch, true)
	return err
}

// apply applies batch unless it was applied before, with the batches
// after it that the consumer lacks (Config.ApplyAhead), counting a
// delivery by its outcome, or the batches a catch-up on append applied
// (delivered false); it reports whether it applied batch.
func (h *consumerHandler) apply(ctx context.Context, batch events.Batch, delivered bool) (bool, error) {
	n, err := h.bus.store.ApplyAhead(ctx, h.consumer.Name(), batch, h.reading(), h.bus.cfg.ahead(), h.consumer.Apply)
	if !delivered {
		h.bus.caughtUp.WithLabelValues(h.consumer.Name()).Add(float64(n))
		return n > 0, err
	}
	outcome := OutcomeApplied
	switch {
	case err != nil:
		outcome = OutcomeFailed
	case n == 0:
		outcome = OutcomeSkipped
	}
	h.bus.deliveries.WithLabelValues(h.consumer.Name(), outcome).Inc()
	if n > 1 {
		h.bus.appliedAhead.WithLabelValues(h.consumer.Name()).Add(float64(n - 1))
	}
	return n > 0, err
}
