package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of govpulse serve (other subcommands use a subset).
type Config struct {
	DatabaseURL string
	HTTPAddr    string
	// PortalAddr, when set, serves the portal (pages, feeds, /api/v1) on
	// an address of its own, and the main address no longer serves it.
	PortalAddr string
	// PortalRate is how many searches, matches and feed reads per second
	// one portal client may make, PortalBurst how many at once.
	PortalRate      float64
	PortalBurst     int
	SourcesFile     string
	AdminToken      string
	Bus             string
	NATSURL         string
	NATSReplicas    int
	CatalogFile     string
	SynonymsFile    string
	CalendarDir     string
	TimeZone        string
	TargetsFile     string
	TargetsInterval time.Duration
	// TargetsAsOf, when set (YYYY-MM-DD), evaluates the targets as of that
	// date instead of today: for a demo of a past year's data.
	TargetsAsOf string
	// PortalAsOf, when set (YYYY-MM-DD), is the portal's today: validity,
	// application windows closing soon and days left, feeds' deadlines are
	// judged on that date, and the pages say so. For a past year's demo.
	PortalAsOf      string
	Consumers       string
	MaxBodyBytes    int64
	MaxBatchEvents  int
	RatePerSource   float64
	RateBurst       int
	MaxClockSkew    time.Duration
	ShutdownTimeout time.Duration
	LogLevel        string
	LogFormat       string
	// PprofAddr, when set, serves net/http/pprof on this address (keep it
	// on loopback): for profiling, e.g. by govpulse bench.
	PprofAddr string
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		DatabaseURL:     "postgres://postgres@127.0.0.1:5432/govpulse?sslmode=disable",
		HTTPAddr:        "127.0.0.1:8080",
		PortalRate:      5,
		PortalBurst:     20,
		Bus:             "postgres",
		NATSURL:         "nats://127.0.0.1:4222",
		NATSReplicas:    1,
		MaxBodyBytes:    10 << 20,
		MaxBatchEvents:  5000,
		RatePerSource:   100,
		RateBurst:       200,
		MaxClockSkew:    5 * time.Minute,
		TargetsInterval: time.Minute,
		Consumers:       "all",
		TimeZone:        "Asia/Shanghai",
		ShutdownTimeout: 30 * time.Second,
		LogLevel:        "info",
		LogFormat:       "text",
	}
}

// setting is one flag and its environment variable.
type setting struct {
	flag, env, help string
	ptr             any
}

func (c *Config) settings() []setting {
	return []setting{
		{"database-url", "GOVPULSE_DATABASE_URL", "PostgreSQL connection URL", &c.DatabaseURL},
		{"http-addr", "GOVPULSE_HTTP_ADDR", "address the HTTP API listens on (host:port)", &c.HTTPAddr},
		{"portal-addr", "GOVPULSE_PORTAL_ADDR", "address the public portal (pages, feeds, /api/v1) listens on by itself (host:port); empty: the portal is on --http-addr", &c.PortalAddr},
		{"portal-rate", "GOVPULSE_PORTAL_RATE", "portal searches, matches and feed reads per second allowed per client", &c.PortalRate},
		{"portal-burst", "GOVPULSE_PORTAL_BURST", "portal searches, matches and feed reads a client may make at once above its rate", &c.PortalBurst},
		{"sources-file", "GOVPULSE_SOURCES_FILE", "YAML file of sending systems and their tokens", &c.SourcesFile},
		{"admin-token", "GOVPULSE_ADMIN_TOKEN", "token for admin endpoints (empty disables them)", &c.AdminToken},
		{"bus", "GOVPULSE_BUS", "message bus: postgres or nats", &c.Bus},
		{"nats-url", "GOVPULSE_NATS_URL", "NATS server URL, or a comma list of a cluster's servers (for --bus=nats)", &c.NATSURL},
		{"nats-replicas", "GOVPULSE_NATS_REPLICAS", "JetStream replicas of the batch stream: 1, or 3 (or 5) on a cluster so it survives a lost node", &c.NATSReplicas},
		{"catalog-file", "GOVPULSE_CATALOG_FILE", "reference catalogue file replacing the shipped one", &c.CatalogFile},
		{"synonyms-file", "GOVPULSE_SYNONYMS_FILE", "portal search synonyms file (plain word: [official terms]) replacing the shipped catalog/synonyms.yaml", &c.SynonymsFile},
		{"calendar-dir", "GOVPULSE_CALENDAR_DIR", "directory of holiday files (holiday-cn format) adding or replacing years", &c.CalendarDir},
		{"time-zone", "GOVPULSE_TIME_ZONE", "IANA time zone that administrative dates are counted in", &c.TimeZone},
		{"targets-file", "GOVPULSE_TARGETS_FILE", "targets file replacing the shipped targets", &c.TargetsFile},
		{"targets-interval", "GOVPULSE_TARGETS_INTERVAL", "how often the targets are evaluated", &c.TargetsInterval},
		{"targets-as-of", "GOVPULSE_TARGETS_AS_OF", "evaluate the targets as of this date (YYYY-MM-DD) instead of today, e.g. for a past year's demo data", &c.TargetsAsOf},
		{"portal-as-of", "GOVPULSE_PORTAL_AS_OF", "judge validity and application windows in the portal as of this date (YYYY-MM-DD) instead of today, and say so on its pages, e.g. for a past year's demo data", &c.PortalAsOf},
		{"consumers", "GOVPULSE_CONSUMERS", "bus consumers this instance runs: all, none, or a comma list (ingest_tally, case_stats, license_stats, lawsuit_stats, portal_views, portal_searches, policies)", &c.Consumers},
		{"max-body-bytes", "GOVPULSE_MAX_BODY_BYTES", "largest ingest request body in bytes", &c.MaxBodyBytes},
		{"max-batch-events", "GOVPULSE_MAX_BATCH_EVENTS", "most events in one ingest request", &c.MaxBatchEvents},
		{"rate-per-source", "GOVPULSE_RATE_PER_SOURCE", "ingest requests per second allowed per source", &c.RatePerSource},
		{"rate-burst", "GOVPULSE_RATE_BURST", "ingest requests a source may send at once above its rate", &c.RateBurst},
		{"max-clock-skew", "GOVPULSE_MAX_CLOCK_SKEW", "how far in the future an event time may be", &c.MaxClockSkew},
		{"shutdown-timeout", "GOVPULSE_SHUTDOWN_TIMEOUT", "how long shutdown waits for in-flight work", &c.ShutdownTimeout},
		{"log-level", "GOVPULSE_LOG_LEVEL", "debug, info, warn or error", &c.LogLevel},
		{"log-format", "GOVPULSE_LOG_FORMAT", "text or json", &c.LogFormat},
		{"pprof-addr", "GOVPULSE_PPROF_ADDR", "address (host:port) of a net/http/pprof listener for profiling; empty: none. Keep it on loopback", &c.PprofAddr},
	}
}

// Register adds a flag for every setting named in names (all when names is
// empty) to fs. Each flag's default is the environment variable's value
// when set (getenv), else the current value of c.
func (c *Config) Register(fs *flag.FlagSet, getenv func(string) string, names ...string) error {
	for _, s := range c.settings() {
		if len(names) > 0 && !contains(names, s.flag) {
			continue
		}
		help := s.help + " (env " + s.env + ")"
		env := getenv(s.env)
		switch p := s.ptr.(type) {
		case *string:
			if env != "" {
				*p = env
			}
			fs.StringVar(p, s.flag, *p, help)
		case *int:
			if env != "" {
				v, err := strconv.Atoi(env)
				if err != nil {
					return fmt.Errorf("%s=%q: not a whole number", s.env, env)
				}
				*p = v
			}
			fs.IntVar(p, s.flag, *p, help)
		case *int64:
			if env != "" {
				v, err := strconv.ParseInt(env, 10, 64)
				if err != nil {
					return fmt.Errorf("%s=%q: not a whole number", s.env, env)
				}
				*p = v
			}
			fs.Int64Var(p, s.flag, *p, help)
		case *float64:
			if env != "" {
				v, err := strconv.ParseFloat(env, 64)
				if err != nil {
					return fmt.Errorf("%s=%q: not a number", s.env, env)
				}
				*p = v
			}
			fs.Float64Var(p, s.flag, *p, help)
		case *time.Duration:
			if env != "" {
				v, err := time.ParseDuration(env)
				if err != nil {
					return fmt.Errorf("%s=%q: not a duration such as 30s or 5m", s.env, env)
				}
				*p = v
			}
			fs.DurationVar(p, s.flag, *p, help)
		}
	}
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// Validate checks every setting and reports all problems, each naming its
// flag and environment variable.
func (c *Config) Validate() error {
	var errs []error
	bad := func(flagName, format string, args ...any) {
		for _, s := range c.settings() {
			if s.flag == flagName {
				errs = append(errs, fmt.Errorf("--%s (%s): %s", s.flag, s.env, fmt.Sprintf(format, args...)))
			}
		}
	}
	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		bad("database-url", "must be a postgres:// URL, got %q", redact(c.DatabaseURL))
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		bad("http-addr", "must be host:port (e.g. 127.0.0.1:8080 or :8080), got %q", c.HTTPAddr)
	}
	if c.PortalAddr != "" {
		if _, _, err := net.SplitHostPort(c.PortalAddr); err != nil {
			bad("portal-addr", "must be host:port (e.g. 127.0.0.1:8081 or :8081), got %q", c.PortalAddr)
		} else if c.PortalAddr == c.HTTPAddr && !strings.HasSuffix(c.HTTPAddr, ":0") {
			bad("portal-addr", "is the same as --http-addr (%s); leave it empty to serve the portal there", c.HTTPAddr)
		}
	}
	if c.PortalRate <= 0 {
		bad("portal-rate", "must be above 0, got %v", c.PortalRate)
	}
	if c.PortalBurst < 1 {
		bad("portal-burst", "must be at least 1, got %d", c.PortalBurst)
	}
	switch c.Bus {
	case "postgres":
	case "nats":
		for _, s := range strings.Split(c.NATSURL, ",") {
			if u, err := url.Parse(strings.TrimSpace(s)); err != nil || u.Scheme != "nats" && u.Scheme != "tls" {
				bad("nats-url", "must be a nats:// URL or a comma list of them, got %q", c.NATSURL)
				break
			}
		}
		if c.NATSReplicas < 1 || c.NATSReplicas > 5 {
			bad("nats-replicas", "must be between 1 and 5, got %d", c.NATSReplicas)
		}
	default:
		bad("bus", "must be postgres or nats, got %q", c.Bus)
	}
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		bad("admin-token", "must be at least 16 characters")
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 1<<30 {
		bad("max-body-bytes", "must be between 1024 and 1073741824, got %d", c.MaxBodyBytes)
	}
	if c.MaxBatchEvents < 1 || c.MaxBatchEvents > 100000 {
		bad("max-batch-events", "must be between 1 and 100000, got %d", c.MaxBatchEvents)
	}
	if c.RatePerSource <= 0 {
		bad("rate-per-source", "must be above 0, got %v", c.RatePerSource)
	}
	if c.RateBurst < 1 {
		bad("rate-burst", "must be at least 1, got %d", c.RateBurst)
	}
	if c.MaxClockSkew < 0 || c.MaxClockSkew > 24*time.Hour {
		bad("max-clock-skew", "must be between 0 and 24h, got %v", c.MaxClockSkew)
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
		bad("time-zone", "%q is not an IANA time zone such as Asia/Shanghai", c.TimeZone)
	}
	if c.TargetsInterval < time.Second {
		bad("targets-interval", "must be at least 1s, got %v", c.TargetsInterval)
	}
	if _, err := c.TargetsAsOfDate(); err != nil {
		bad("targets-as-of", "%v", err)
	}
	if _, err := c.PortalAsOfDate(); err != nil {
		bad("portal-as-of", "%v", err)
	}
	if c.ShutdownTimeout <= 0 {
		bad("shutdown-timeout", "must be above 0, got %v", c.ShutdownTimeout)
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		bad("log-level", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("log-format", "must be text or json, got %q", c.LogFormat)
	}
	if c.PprofAddr != "" {
		if _, _, err := net.SplitHostPort(c.PprofAddr); err != nil {
			bad("pprof-addr", "must be host:port (e.g. 127.0.0.1:6060), got %q", c.PprofAddr)
		}
	}
	return errors.Join(errs...)
}

// TargetsAsOfDate is TargetsAsOf at noon in the configured time zone, or
// the zero time when it is not set.
func (c *Config) TargetsAsOfDate() (time.Time, error) { return c.asOf(c.TargetsAsOf) }

// PortalAsOfDate is PortalAsOf at noon in the configured time zone, or
// the zero time when it is not set.
func (c *Config) PortalAsOfDate() (time.Time, error) { return c.asOf(c.PortalAsOf) }

// asOf reads an as-of date setting: noon of the day in the configured
// time zone, the zero time for "".
func (c *Config) asOf(date string) (time.Time, error) {
	if date == "" {
		return time.Time{}, nil
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		loc = time.UTC // reported for time-zone
	}
	d, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("must be a date YYYY-MM-DD, got %q", date)
	}
	return d.Add(12 * time.Hour), nil
}

// redact hides a password in a database URL.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}
