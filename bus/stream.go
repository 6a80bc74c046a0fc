package bus

import (
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
)

// ensureStream creates the JetStream stream that carries the batches, on
// disk with the configured replicas, or raises an existing stream's
// replicas to them. Watermill would create it with one replica, which a
// cluster loses with the node that holds it; consumer groups inherit the
// stream's replicas.
func (b *Bus) ensureStream() error {
	js, err := b.nc.JetStream()
	if err != nil {
		return fmt.Errorf("bus: JetStream: %w", err)
	}
	info, err := js.StreamInfo(TopicBatches)
	switch {
	case errors.Is(err, nats.ErrStreamNotFound):
		_, err = js.AddStream(&nats.StreamConfig{
			Name:     TopicBatches,
			Subjects: []string{TopicBatches},
			Storage:  nats.FileStorage,
			Replicas: b.cfg.NATSReplicas,
		})
		if err != nil && !errors.Is(err, nats.ErrStreamNameAlreadyInUse) {
			return fmt.Errorf("bus: create JetStream stream %s with %d replicas: %w", TopicBatches, b.cfg.NATSReplicas, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("bus: JetStream stream %s: %w", TopicBatches, err)
	case info.Config.Replicas != b.cfg.NATSReplicas:
		cfg := info.Config
		cfg.Replicas = b.cfg.NATSReplicas
		if _, err := js.UpdateStream(&cfg); err != nil {
			return fmt.Errorf("bus: change JetStream stream %s from %d to %d replicas: %w", TopicBatches, info.Config.Replicas, b.cfg.NATSReplicas, err)
		}
		b.log.Info("changed the replicas of the JetStream stream", "stream", TopicBatches, "from", info.Config.Replicas, "to", b.cfg.NATSReplicas)
	}
	return nil
}
