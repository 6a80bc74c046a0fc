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
	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/config"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/httpapi"
	"github.com/govpulse/govpulse/portal/store"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
	"github.com/govpulse/govpulse/projections/collector"
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

	// Portal reads the policies read model for the portal's pages and API.
	Portal *store.Store

	pool     *pgxpool.Pool
	bus      *bus.Bus
	server   *http.Server
	listener net.Listener
	busDone  chan error
	evalDone chan struct{}
	usage    *portalUsage
	// portalStopped waits for the portal's change listener to stop.
	portalStopped func()

	closeOnce sync.Once
	closeErr  error
	cancel    context.CancelFunc
}

// NewMain returns a Main with the default configuration.
func NewMain() *Main {
	return &Main{Config: config.Default(), Logger: slog.Default()}
}

// Addr is the address the API listens on, once Open has returned.
func (m *Main) Addr() string { return m.listener.Addr().String() }

// URL is the API's base URL.
func (m *Main) URL() string { return "http://" + m.Addr() }

// Open validates the configuration, migrates the database and starts the
// bus, the consumers and the HTTP API. It returns once they are serving.
func (m *Main) Open(ctx context.Context) error {
	cfg := m.Config
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.SourcesFile == "" {
		return errors.New("--sources-file (GOVPULSE_SOURCES_FILE): required; see examples/sources.yaml")
	}
	cat, err := catalog.Load(cfg.CatalogFile)
	if err != nil {
		return err
	}
	srcs, err := sources.Load(cfg.SourcesFile, m.Getenv, cat)
	if err != nil {
		return err
	}
	if created, err := postgres.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
		return err
	} else if created {
		m.Logger.Info("created database", "url", redactURL(cfg.DatabaseURL))
	}
	m.pool, err = postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	if n, err := postgres.Migrate(ctx, m.pool); err != nil {
		return err
	} else if n > 0 {
		m.Logger.Info("applied migrations", "count", n)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	store := &postgres.EventStore{Pool: m.pool}
	m.bus, err = bus.New(ctx, bus.Config{Kind: cfg.Bus, NATSURL: cfg.NATSURL, NATSReplicas: cfg.NATSReplicas}, store, m.Logger, reg)
	if err != nil {
		return err
	}
	store.Outbox = m.bus
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		return err
	}
	readModels, err := openReadModels(cfg.CalendarDir, cfg.TimeZone, cat, m.Logger)
	if err != nil {
		return err
	}
	if err := projections.CheckTables(ctx, m.pool, readModels); err != nil {
		return err
	}
	cal, err := openCalendar(cfg.CalendarDir, cfg.TimeZone)
	if err != nil {
		return err
	}
	if err := reg.Register(calendarGauge(cal)); err != nil {
		return err
	}
	policies, portalReader, err := openPortalData(cfg, m.pool, cat, m.Now, m.Logger)
	if err != nil {
		return err
	}
	m.Portal = portalReader
	consumers := []bus.Consumer{projections.IngestTally{Location: loc}, policies}
	for _, p := range readModels {
		consumers = append(consumers, p)
	}
	running, err := selectConsumers(cfg.Consumers, consumers)
	if err != nil {
		return err
	}
	for _, c := range running {
		if err := m.bus.AddConsumer(c); err != nil {
			return err
		}
	}
	otherConsumers := []string{projections.IngestTally{}.Name(), policies.Name()}
	if err := reg.Register(collector.New(m.pool, readModels, otherConsumers, m.Logger)); err != nil {
		return err
	}
	ts, err := targets.Load(cfg.TargetsFile, cat)
	if err != nil {
		return err
	}
	evaluator := &targets.Evaluator{Pool: m.pool, Targets: ts, Location: loc, Logger: m.Logger, Now: m.Now}
	if asOf, _ := cfg.TargetsAsOfDate(); !asOf.IsZero() { // checked by Validate
		evaluator.Now = func() time.Time { return asOf }
	}
	for _, c := range []prometheus.Collector{
		evaluator,
	} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	busCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	m.busDone = make(chan error, 1)
	go func() { m.busDone <- m.bus.Run(busCtx) }()
	m.portalStopped = listenPortal(busCtx, m.Portal)
	m.evalDone = make(chan struct{})
	go func() {
		defer close(m.evalDone)
		evaluator.Run(busCtx, cfg.TargetsInterval)
	}()
	select {
	case <-m.bus.Running():
	case err := <-m.busDone:
		return fmt.Errorf("start bus: %w", err)
	case <-time.After(30 * time.Second):
		return errors.New("start bus: not running after 30s")
	}

	validator := &events.Validator{Catalog: cat, MaxClockSkew: cfg.MaxClockSkew, Now: m.Now}
	if err := m.openUsage(store, validator, reg); err != nil {
		return err
	}
	api := &httpapi.Server{
		Pool:       m.pool,
		Store:      store,
		Validator:  validator,
		Catalog:    cat,
		Sources:    srcs,
		Bus:        m.bus,
		AdminToken: cfg.AdminToken,
		Limits: httpapi.Limits{
			MaxBodyBytes:   cfg.MaxBodyBytes,
			MaxBatchEvents: cfg.MaxBatchEvents,
			RatePerSource:  cfg.RatePerSource,
			RateBurst:      cfg.RateBurst,
		},
		Logger:     m.Logger,
		Registry:   reg,
		ReadModels: readModels,
		Targets:    evaluator,
		Consumers:  otherConsumers,
	}
	handler, err := api.Handler()
	if err != nil {
		return err
	}
	handler = withPortalAPI(handler, portalReader, m.Now, m.Logger)
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("--http-addr (GOVPULSE_HTTP_ADDR) %s: %w", cfg.HTTPAddr, err)
	}
	const maxHeaderBytes = 64 << 10
	m.listener = httpapi.JSONErrorListener(ln, maxHeaderBytes)
	m.server = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := m.server.Serve(m.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Error("http server stopped", "err", err)
		}
	}()
	m.Logger.Info("govpulse serving", "addr", m.Addr(), "bus", cfg.Bus, "sources", len(srcs.Sources()))
	return nil
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
	m.closeUsage()
	if m.bus != nil {
		errs = append(errs, m.bus.Close())
	}
	if m.cancel != nil {
		m.cancel()
	}
	if m.busDone != nil {
		<-m.busDone
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

// selectConsumers picks the consumers named in spec: "all", "none" or a
// comma list of names.
func selectConsumers(spec string, all []bus.Consumer) ([]bus.Consumer, error) {
	switch strings.TrimSpace(spec) {
	case "all", "":
		return all, nil
	case "none":
		return nil, nil
	}
	byName := map[string]bus.Consumer{}
	var names []string
	for _, c := range all {
		byName[c.Name()] = c
		names = append(names, c.Name())
	}
	var out []bus.Consumer
	for _, n := range strings.Split(spec, ",") {
		c, ok := byName[strings.TrimSpace(n)]
		if !ok {
			return nil, fmt.Errorf("--consumers (GOVPULSE_CONSUMERS): unknown consumer %q; known: all, none, %s", strings.TrimSpace(n), strings.Join(names, ", "))
		}
		out = append(out, c)
	}
	return out, nil
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
	cfg := config.Default()
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := cfg.Register(fs, getenv, "database-url"); err != nil {
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
