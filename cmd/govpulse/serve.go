package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/govpulse/govpulse/bus"
	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/config"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/httpapi"
	"github.com/govpulse/govpulse/portal/store"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
	"github.com/govpulse/govpulse/projections/collector"
	"github.com/govpulse/govpulse/projections/read"
	"github.com/govpulse/govpulse/sources"
	"github.com/govpulse/govpulse/targets"
)

// Main is a running govpulse service: Open starts it, Close stops it.
type Main struct {
	Config config.Config
	Logger *slog.Logger
	// Getenv resolves token_env entries of the sources file.
	Getenv func(string) string
	// Now is the service's clock for validation (how late an event may
	// be) and target evaluation (which windows are current); nil means
	// time.Now. Tests set a fixed one.
	Now func() time.Time

	// What Open's steps open, in their order.
	catalog   *events.Catalog
	sources   *sources.Registry
	calendar  *calendar.Calendar
	consumers consumerSet
	pool      *pgxpool.Pool
	store     *postgres.EventStore
	bus       *bus.Bus
	registry  *prometheus.Registry
	evaluator *targets.Evaluator
	// routes serves HTTP: the API at /, and whatever a later step mounts.
	routes   *http.ServeMux
	server   *http.Server
	pprof    *http.Server
	listener net.Listener

	// Portal reads the policies read model for the portal's pages and API.
	Portal *store.Store
	// portalStopped stops the portal's change listener and waits for it.
	portalStopped func()
	usage         *portalUsage
	portal        *portalServer

	busDone   chan error
	evalDone  chan struct{}
	closeOnce sync.Once
	closeErr  error
	cancel    context.CancelFunc

	// totalsDone closes when projections.VacuumTotals has returned.
	totalsDone chan struct{}
}

// NewMain returns a Main with the default configuration.
func NewMain() *Main {
	return &Main{Config: config.Default(), Logger: slog.Default()}
}

// Addr is the address the API listens on, once Open has returned.
func (m *Main) Addr() string { return m.listener.Addr().String() }

// URL is the API's base URL.
func (m *Main) URL() string { return "http://" + m.Addr() }

// openStep is one step of Open.
type openStep struct {
	name string
	open func(ctx context.Context) error
}

// steps are Open's steps, in order; each uses what the ones before it
// opened. A new part of the service is a step of its own: a consumer is
// added to the consumer set (newConsumerSet), HTTP handlers are mounted on
// m.routes by a step between "api" and "http".
func (m *Main) steps() []openStep {
	return []openStep{
		{"config", m.openConfig},
		{"store", m.openStore},
		{"bus", m.openBus},
		{"metrics", m.openMetrics},
		{"api", m.openAPI},
		{"portal-data", m.openPortalData},
		{"usage", m.openUsage},
		{"portal", m.openPortal},
		{"http", m.serveHTTP},
	}
}

// Open validates the configuration, migrates the database and starts the
// bus, the consumers, the target evaluation and the HTTP API, in the
// steps of steps(). It returns once they are serving; after a failure,
// Close releases what the steps before it opened.
func (m *Main) Open(ctx context.Context) error {
	for _, step := range m.steps() {
		if err := step.open(ctx); err != nil {
			return err
		}
		m.Logger.Debug("opened", "step", step.name)
	}
	m.Logger.Info("govpulse serving", "addr", m.Addr(), "bus", m.Config.Bus, "sources", len(m.sources.Sources()))
	return nil
}

// openConfig validates the configuration and loads the files it names:
// the catalogue, the sources, the working-day calendar (and so the time
// zone, once), and builds the consumer set on them.
func (m *Main) openConfig(ctx context.Context) error {
	cfg := m.Config
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.SourcesFile == "" {
		return errors.New("--sources-file (GOVPULSE_SOURCES_FILE): required; see examples/sources.yaml")
	}
	var err error
	if m.catalog, err = catalog.Load(cfg.CatalogFile); err != nil {
		return err
	}
	if m.sources, err = sources.Load(cfg.SourcesFile, m.Getenv, m.catalog); err != nil {
		return err
	}
	if m.calendar, err = openCalendar(cfg.CalendarDir, cfg.TimeZone); err != nil {
		return err
	}
	m.consumers = newConsumerSet(m.calendar, m.catalog, m.Logger)
	return nil
}

// openStore creates the database if it is missing, migrates it and opens
// the event store on it.
func (m *Main) openStore(ctx context.Context) error {
	cfg := m.Config
	if created, err := postgres.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
		return err
	} else if created {
		m.Logger.Info("created database", "url", redactURL(cfg.DatabaseURL))
	}
	var err error
	if m.pool, err = postgres.Open(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	if n, err := postgres.Migrate(ctx, m.pool); err != nil {
		return err
	} else if n > 0 {
		m.Logger.Info("applied migrations", "count", n)
	}
	if err := projections.CheckTables(ctx, m.pool, m.consumers.ReadModels()); err != nil {
		return err
	}
	m.store = &postgres.EventStore{Pool: m.pool}
	m.registry = prometheus.NewRegistry()
	m.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return nil
}

// openBus builds the bus, makes it the event store's outbox, subscribes
// the consumers GOVPULSE_CONSUMERS selects and starts it.
func (m *Main) openBus(ctx context.Context) error {
	cfg := m.Config
	running, err := m.consumers.Select(cfg.Consumers)
	if err != nil {
		return err
	}
	if len(running) > 0 {
		// The consumers here apply this instance's batches from memory,
		// as ingest decoded them (the catch-up on append below).
		m.store.Recent = postgres.NewRecentBatches(len(running), postgres.DefaultRecentBatches, postgres.DefaultRecentBytes)
	}
	m.bus, err = bus.New(ctx, bus.Config{Kind: cfg.Bus, NATSURL: cfg.NATSURL, NATSReplicas: cfg.NATSReplicas, CatchUpOnAppend: true}, m.store, m.Logger, m.registry)
	if err != nil {
		return err
	}
	m.store.Outbox = m.bus
	for _, c := range running {
		if err := m.bus.AddConsumer(c); err != nil {
			return err
		}
	}
	busCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	m.busDone = make(chan error, 1)
	go func() { m.busDone <- m.bus.Run(busCtx) }()
	// The totals of the read models this instance applies stay small.
	var applied []*projections.Projection
	for _, c := range running {
		if p, ok := c.(*projections.Projection); ok {
			applied = append(applied, p)
		}
	}
	m.totalsDone = make(chan struct{})
	go func() {
		defer close(m.totalsDone)
		projections.VacuumTotals(busCtx, m.pool, applied, totalsVacuumInterval, m.Logger)
	}()
	select {
	case <-m.bus.Running():
		return nil
	case err := <-m.busDone:
		m.busDone <- err // for close
		return fmt.Errorf("start bus: %w", err)
	case <-time.After(30 * time.Second):
		return errors.New("start bus: not running after 30s")
	}
}

// totalsVacuumInterval is how often serve looks for totals tables to
// vacuum (projections.VacuumTotals): at 10 s, ingest at full speed had
// grown case_stats_totals to 2,000 pages between two looks.
const totalsVacuumInterval = 2 * time.Second

// openMetrics registers the collectors that read the read models at
// scrape time and starts the target evaluation, whose gauges they include.
func (m *Main) openMetrics(ctx context.Context) error {
	cfg := m.Config
	ts, err := targets.Load(cfg.TargetsFile, m.catalog)
	if err != nil {
		return err
	}
	m.evaluator = &targets.Evaluator{Pool: m.pool, Targets: ts, Location: m.calendar.Location(), Logger: m.Logger, Now: m.Now}
	if asOf, _ := cfg.TargetsAsOfDate(); !asOf.IsZero() { // checked by Validate
		m.evaluator.Now = func() time.Time { return asOf }
	}
	exporter := collector.New(m.pool, m.consumers.ReadModels(), m.consumers.OtherNames(), m.Logger)
	exporter.Entries = append(exporter.Entries, collector.Entry{Name: "poison_queue", Collector: m.bus.Poison})
	for _, c := range []prometheus.Collector{calendarGauge(m.calendar), exporter, m.evaluator} {
		if err := m.registry.Register(c); err != nil {
			return err
		}
	}
	evalCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	if prev := m.cancel; prev != nil {
		m.cancel = func() { cancel(); prev() }
	} else {
		m.cancel = cancel
	}
	m.evalDone = make(chan struct{})
	go func() {
		defer close(m.evalDone)
		m.evaluator.Run(evalCtx, cfg.TargetsInterval)
	}()
	return nil
}

// openAPI mounts the HTTP API at / on m.routes.
func (m *Main) openAPI(ctx context.Context) error {
	cfg := m.Config
	api := &httpapi.Server{
		Log:        m.store,
		Validator:  &events.Validator{Catalog: m.catalog, MaxClockSkew: cfg.MaxClockSkew, Now: m.Now},
		Catalog:    m.catalog,
		Sources:    m.sources,
		Poison:     m.bus.Poison,
		Readiness:  readiness{pool: m.pool, bus: m.bus},
		Stats:      read.Store{Pool: m.pool},
		Targets:    m.evaluator,
		ReadModels: m.consumers.Rebuilder(m.pool, m.rebuilt),
		Consumers:  m.consumers.OtherNames(),
		AdminToken: cfg.AdminToken,
		Limits: httpapi.Limits{
			MaxBodyBytes:   cfg.MaxBodyBytes,
			MaxBatchEvents: cfg.MaxBatchEvents,
			RatePerSource:  cfg.RatePerSource,
			RateBurst:      cfg.RateBurst,
		},
		Logger:   m.Logger,
		Registry: m.registry,
	}
	handler, err := api.Handler()
	if err != nil {
		return err
	}
	m.routes = http.NewServeMux()
	m.routes.Handle("/", handler)
	return nil
}

// rebuilt refreshes what holds a read model in memory once the admin API
// has rebuilt it: the portal's index of the policies (opened by a later
// step, before any request). The rebuild itself succeeded; a failed
// refresh is retried by the portal's next request.
func (m *Main) rebuilt(ctx context.Context, name string) {
	if name != projections.PoliciesName || m.Portal == nil {
		return
	}
	if err := m.Portal.Refresh(ctx); err != nil {
		m.Logger.Warn("portal: reload after the rebuild of the policies failed; the next request retries", "err", err)
	}
}

// serveHTTP listens on GOVPULSE_HTTP_ADDR and serves m.routes.
func (m *Main) serveHTTP(ctx context.Context) error {
	cfg := m.Config
	var err error
	if m.listener, m.server, err = m.startHTTPServer("--http-addr (GOVPULSE_HTTP_ADDR)", cfg.HTTPAddr, "http", m.routes, 2*time.Minute); err != nil {
		return err
	}
	if cfg.PprofAddr != "" {
		if m.pprof, err = startPprof(cfg.PprofAddr, m.Logger); err != nil {
			return err
		}
	}
	return nil
}

// maxHeaderBytes bounds a request's header on the API's and the portal's
// servers.
const maxHeaderBytes = 64 << 10

// startHTTPServer listens on addr and serves h there in the background,
// net/http's own refusals answered in JSON (httpapi.JSONErrorListener).
// setting names addr's flag and variable in an error, name the server in
// the log; timeout bounds reading a request and writing its answer.
func (m *Main) startHTTPServer(setting, addr, name string, h http.Handler, timeout time.Duration) (net.Listener, *http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", setting, addr, err)
	}
	ln = httpapi.JSONErrorListener(ln, maxHeaderBytes)
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       timeout,
		WriteTimeout:      timeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error(name+" server stopped", "err", err)
		}
	}()
	return ln, srv, nil
}

// Close finishes in-flight requests, stops the consumers cleanly and
// closes the database pool.
// It may be called more than once, and after a failed Open.
func (m *Main) Close() error {
	m.closeOnce.Do(func() { m.closeErr = m.close() })
	return m.closeErr
}

func (m *Main) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
	defer cancel()
	var errs []error
	if m.server != nil {
		errs = append(errs, m.server.Shutdown(ctx))
	}
	errs = append(errs, m.closePortal(ctx))
	m.closeUsage()
	if m.pprof != nil {
		errs = append(errs, m.pprof.Close())
	}
	if m.bus != nil {
		errs = append(errs, m.bus.Close())
	}
	if m.cancel != nil {
		m.cancel()
	}
	if m.busDone != nil {
		<-m.busDone
	}
	if m.totalsDone != nil {
		<-m.totalsDone
	}
	if m.evalDone != nil {
		<-m.evalDone
	}
	if m.portalStopped != nil {
		m.portalStopped()
	}
	if m.pool != nil {
		m.pool.Close()
	}
	return errors.Join(errs...)
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	m := NewMain()
	m.Getenv = getenv
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := m.Config.Register(fs, getenv); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger, err := newLogger(m.Config, stderr)
	if err != nil {
		return err
	}
	m.Logger = logger
	if err := m.Open(ctx); err != nil {
		m.Close()
		return err
	}
	<-ctx.Done()
	logger.Info("shutting down")
	return m.Close()
}

func newLogger(cfg config.Config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.ToLower(cfg.LogFormat) == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

func redactURL(s string) string {
	if i := strings.Index(s, "@"); i > 0 {
		if j := strings.Index(s, "://"); j > 0 && j < i {
			if k := strings.Index(s[j+3:i], ":"); k >= 0 {
				return s[:j+3+k] + ":xxxxx" + s[i:]
			}
		}
	}
	return s
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, fs, err := commandFlags("migrate", getenv, stderr, "database-url")
	if err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := postgres.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	n, err := postgres.Migrate(ctx, pool)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migration(s); the schema is current\n", n)
	return nil
}
