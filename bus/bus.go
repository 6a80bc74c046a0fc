package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/components/forwarder"
	wmetrics "github.com/ThreeDotsLabs/watermill/components/metrics"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/postgres"
)

// Kinds of bus.
const (
	KindPostgres = "postgres"
	KindNATS     = "nats"
)

// Topics.
const (
	// TopicBatches carries one message per appended batch.
	TopicBatches = "govpulse_batches"
	// topicOutbox is the Postgres topic the forwarder drains into NATS.
	topicOutbox = "govpulse_outbox"
	// topicPoison names the poison queue in message metadata; the queue
	// itself is the poison_messages table.
	topicPoison = "govpulse_poison"
)

// Config configures a Bus. Zero values take the documented defaults.
type Config struct {
	// Kind is KindPostgres (default) or KindNATS.
	Kind string
	// NATSURL is the NATS server for KindNATS, or a comma list of a
	// cluster's servers.
	NATSURL string
	// NATSReplicas is how many JetStream servers keep the batch stream
	// (and the consumer groups). Default 1; 3 on a three-node cluster.
	NATSReplicas int
	// PollInterval is how often the Postgres subscriber looks for new
	// batches when idle. Default 100ms.
	PollInterval time.Duration
	// MaxRetries is how often a batch a consumer fails on is retried, with
	// exponential backoff from RetryInterval (doubling, at most 10s),
	// before it goes to the poison queue. The batch waits for its retries
	// in poison_messages while later batches go on (retry.go). A failure
	// because the database is unreachable is retried in place with the
	// same backoff and then redelivered, never poisoned. Default 5.
	MaxRetries int
	// RetryInterval is the first retry's delay. Default 200ms.
	RetryInterval time.Duration
	// AckWait is how long NATS waits for an ack before redelivering.
	// Default 60s.
	AckWait time.Duration
	// ApplyAhead is how many of the batches that follow a delivered batch
	// in the log a consumer applies with it, in one transaction, when it
	// has not applied them yet (postgres.EventStore.ApplyAhead); their own
	// deliveries are then skipped. A consumer that falls behind catches up
	// with one transaction for many batches. Default 20; negative applies
	// every batch alone.
	ApplyAhead int
	// ApplyAheadEvents bounds how far past the delivered batch those
	// batches reach, in events (what one transaction reads and folds).
	// Default 20,000.
	ApplyAheadEvents int64
	// CatchUpOnAppend makes every consumer running here apply a batch
	// this process appends as soon as the append commits (Appended,
	// catchup.go), instead of waiting for its delivery, which is then
	// skipped. Deliveries still bring every batch, so nothing depends on
	// it; serve turns it on.
	CatchUpOnAppend bool
}

func (c *Config) setDefaults() {
	if c.Kind == "" {
		c.Kind = KindPostgres
	}
	if c.PollInterval == 0 {
		c.PollInterval = 100 * time.Millisecond
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 5
	}
	if c.RetryInterval == 0 {
		c.RetryInterval = 200 * time.Millisecond
	}
	if c.NATSReplicas == 0 {
		c.NATSReplicas = 1
	}
	if c.AckWait == 0 {
		c.AckWait = 60 * time.Second
	}
	if c.ApplyAhead == 0 {
		c.ApplyAhead = 20
	}
	if c.ApplyAheadEvents == 0 {
		c.ApplyAheadEvents = 20_000
	}
}

// ahead is how far a consumer applies past a delivered batch.
func (c *Config) ahead() postgres.Ahead {
	return postgres.Ahead{Batches: max(c.ApplyAhead, 0), Events: max(c.ApplyAheadEvents, 0)}
}

// Bus wires the outbox, the router and the consumers.
type Bus struct {
	cfg     Config
	pool    *pgxpool.Pool
	store   *postgres.EventStore
	log     *slog.Logger
	wlog    watermill.LoggerAdapter
	metrics wmetrics.PrometheusMetricsBuilder

	router     *message.Router
	nc         *nats.Conn
	consumers  map[string]*consumerHandler
	deliveries *prometheus.CounterVec
	// appliedAhead counts batches applied with an earlier one (ApplyAhead).
	appliedAhead *prometheus.CounterVec
	// caughtUp counts batches applied by a catch-up on append.
	caughtUp *prometheus.CounterVec
	catchUps []*catchUp
	// consumerMiddleware wraps every consumer's handler.
	consumerMiddleware []message.HandlerMiddleware
	Poison             *PoisonQueue
	closers            []func() error
	started            atomic.Bool
}

// New builds a bus on the event store's database: the Postgres bus's
// tables, the outbox and the poison queue live there, and consumers apply
// batches through store.ApplyOnce. It does not start the bus; add
// consumers, then Run. Ingest stages batches on the bus (set it as the
// store's Outbox).
func New(ctx context.Context, cfg Config, store *postgres.EventStore, log *slog.Logger, reg prometheus.Registerer) (*Bus, error) {
	cfg.setDefaults()
	if cfg.Kind != KindPostgres && cfg.Kind != KindNATS {
		return nil, fmt.Errorf("bus: kind %q: must be %q or %q", cfg.Kind, KindPostgres, KindNATS)
	}
	pool := store.Pool
	b := &Bus{
		cfg:   cfg,
		pool:  pool,
		store: store,
		log:   log,
		wlog: watermill.NewSlogLoggerWithLevelMapping(log.With("component", "bus"),
			// Watermill narrates every start and stop at info; keep that for debug.
			map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug}),
		metrics:   wmetrics.NewPrometheusMetricsBuilder(reg, "govpulse", "bus"),
		consumers: make(map[string]*consumerHandler),
	}
	var err error
	b.router, err = message.NewRouter(message.RouterConfig{CloseTimeout: 30 * time.Second}, b.wlog)
	if err != nil {
		return nil, fmt.Errorf("bus: router: %w", err)
	}
	b.metrics.AddPrometheusRouterMetrics(b.router)
	counters := []struct {
		c          **prometheus.CounterVec
		name, help string
		labels     []string
	}{
		{&b.deliveries, "govpulse_bus_batch_deliveries_total",
			"Batches handed to a consumer (deliveries, retries and poison-queue replays), by consumer and outcome: applied, skipped (applied before: a redelivery, or applied ahead with an earlier batch) or failed (retried, then poisoned).",
			[]string{"consumer", "outcome"}},
		{&b.appliedAhead, "govpulse_bus_batches_applied_ahead_total",
			"Batches a consumer applied in the transaction of an earlier batch's delivery, catching up (their own deliveries count as skipped), by consumer.",
			[]string{"consumer"}},
		{&b.caughtUp, "govpulse_bus_batches_caught_up_total",
			"Batches a consumer applied as soon as this instance appended them, before their delivery (which is then skipped), by consumer (Config.CatchUpOnAppend).",
			[]string{"consumer"}},
	}
	for _, c := range counters {
		*c.c = prometheus.NewCounterVec(prometheus.CounterOpts{Name: c.name, Help: c.help}, c.labels)
		if err := reg.Register(*c.c); err != nil {
			return nil, fmt.Errorf("bus: register %s: %w", c.name, err)
		}
	}
	if recent := store.Recent; recent != nil {
		for outcome, n := range map[string]func() int64{"hit": recent.Hits, "miss": recent.Misses} {
			c := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "govpulse_bus_recent_batches_total",
				Help:        "Batches a consumer read from the events this instance appended and kept in memory (hit) or, lacking them there, from the log (miss) (postgres.RecentBatches).",
				ConstLabels: prometheus.Labels{"outcome": outcome}}, func() float64 { return float64(n()) })
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("bus: register govpulse_bus_recent_batches_total: %w", err)
			}
		}
	}
	b.Poison = &PoisonQueue{pool: pool, bus: b}
	// A batch a consumer fails on is stored for its retries and its
	// message acknowledged, so later batches go on; unless the database is
	// away, which no later batch would find either.
	retryLater, err := middleware.PoisonQueueWithFilter(b.Poison, topicPoison, func(err error) bool { return !postgres.IsUnavailable(err) })
	if err != nil {
		return nil, err
	}
	b.router.AddMiddleware(middleware.CorrelationID)
	// Retries and the poison queue are for consumers only (AddConsumer): a
	// batch the forwarder cannot publish while NATS is down must wait in
	// the outbox, not be given up on.
	b.consumerMiddleware = []message.HandlerMiddleware{
		middleware.Retry{
			MaxRetries:      cfg.MaxRetries,
			InitialInterval: cfg.RetryInterval,
			MaxInterval:     maxRetryInterval,
			Multiplier:      2,
			Logger:          b.wlog,
		}.Middleware,
		retryLater,
		middleware.Recoverer,
	}
	// Make sure the outbox table exists before ingest stages into it
	// inside its transactions (where watermill may not create tables).
	if err := postgres.WithSchemaLock(ctx, pool, func() error { return initTopic(ctx, pool, b.outboxTopic(), b.wlog) }); err != nil {
		return nil, err
	}
	if cfg.Kind == KindNATS {
		if err := b.setUpNATS(); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// outboxTopic is the Postgres topic ingest writes batches to.
func (b *Bus) outboxTopic() string {
	if b.cfg.Kind == KindNATS {
		return topicOutbox
	}
	return TopicBatches
}

// Kind reports which bus this is.
func (b *Bus) Kind() string { return b.cfg.Kind }

// setUpNATS connects to NATS and adds the forwarder that moves outbox rows
// into JetStream.
func (b *Bus) setUpNATS() error {
	nc, err := nats.Connect(b.cfg.NATSURL, nats.Name("govpulse"), nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("bus: connect to NATS at %s: %w", b.cfg.NATSURL, err)
	}
	b.nc = nc
	b.closers = append(b.closers, func() error { nc.Close(); return nil })
	if err := b.ensureStream(); err != nil {
		return err
	}
	pub, err := b.natsPublisher()
	if err != nil {
		return err
	}
	sub, err := b.sqlSubscriber("forwarder")
	if err != nil {
		return err
	}
	// No retry limit and no poison queue: a message that cannot be
	// published is nacked and tried again until NATS takes it.
	_, err = forwarder.NewForwarder(sub, pub, b.wlog, forwarder.Config{
		ForwarderTopic: topicOutbox,
		Router:         b.router,
		Middlewares:    []message.HandlerMiddleware{middleware.Recoverer},
	})
	if err != nil {
		return fmt.Errorf("bus: forwarder: %w", err)
	}
	return nil
}

// Run starts the router and the retries of failed batches, and blocks
// until ctx is done, Close is called or the router fails.
func (b *Bus) Run(ctx context.Context) error {
	b.started.Store(true)
	ctx, cancel := context.WithCancel(ctx)
	retried, caughtUp := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(retried)
		b.retryFailed(ctx)
	}()
	// The catch-ups apply only batches appended from now on: the ones
	// before are the deliveries' (a consumer that starts behind catches
	// up through them). Read before the router runs, so that every batch
	// appended once Running is closed is caught up.
	after, catchUp := b.catchUpFrom(ctx)
	go func() {
		defer close(caughtUp)
		if catchUp {
			b.runCatchUps(ctx, after)
		}
	}()
	err := b.router.Run(ctx)
	cancel()
	<-retried
	<-caughtUp
	return err
}

// Running is closed once the router runs.
func (b *Bus) Running() chan struct{} { return b.router.Running() }

// IsRunning reports whether the router is running.
func (b *Bus) IsRunning() bool { return b.router.IsRunning() }

// Connected reports whether the bus can deliver: for NATS, whether the
// connection is up.
func (b *Bus) Connected() error {
	if b.nc != nil && !b.nc.IsConnected() {
		return errors.New("NATS connection is " + b.nc.Status().String())
	}
	return nil
}

// Close stops consumers, waiting for in-flight batches, and disconnects.
func (b *Bus) Close() error {
	var err error
	if b.started.Load() {
		// A router that never ran has no handlers to wait for; closing it
		// would wait out its whole close timeout.
		err = b.router.Close()
	}
	for _, c := range b.closers {
		err = errors.Join(err, c())
	}
	return err
}
