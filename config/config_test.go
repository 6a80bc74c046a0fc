package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestRegisterEnvAndFlags(t *testing.T) {
	c := Default()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	env := map[string]string{
		"GOVPULSE_BUS":              "nats",
		"GOVPULSE_MAX_BATCH_EVENTS": "100",
		"GOVPULSE_RATE_PER_SOURCE":  "2.5",
		"GOVPULSE_MAX_CLOCK_SKEW":   "1m",
		"GOVPULSE_HTTP_ADDR":        "127.0.0.1:1",
	}
	if err := c.Register(fs, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	// A flag wins over its environment variable.
	if err := fs.Parse([]string{"--http-addr", ":9999"}); err != nil {
		t.Fatal(err)
	}
	if c.Bus != "nats" || c.MaxBatchEvents != 100 || c.RatePerSource != 2.5 || c.MaxClockSkew != time.Minute || c.HTTPAddr != ":9999" {
		t.Errorf("config = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestRegisterBadEnv(t *testing.T) {
	for k, v := range map[string]string{
		"GOVPULSE_MAX_BATCH_EVENTS": "many",
		"GOVPULSE_RATE_PER_SOURCE":  "fast",
		"GOVPULSE_MAX_CLOCK_SKEW":   "5",
		"GOVPULSE_MAX_BODY_BYTES":   "10MB",
	} {
		c := Default()
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		err := c.Register(fs, func(key string) string {
			if key == k {
				return v
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: err = %v, want it named", k, v, err)
		}
	}
}

func TestValidateNamesEverySetting(t *testing.T) {
	c := Default()
	c.DatabaseURL = "mysql://x"
	c.HTTPAddr = "8080"
	c.Bus = "kafka"
	c.AdminToken = "short"
	c.MaxBodyBytes = 10
	c.MaxBatchEvents = 0
	c.RatePerSource = 0
	c.RateBurst = 0
	c.LogLevel = "loud"
	c.LogFormat = "xml"
	c.TargetsInterval = time.Millisecond
	c.TargetsAsOf = "31.12.2025"
	c.PortalAsOf = "2025-11-31"
	c.PortalAddr = "portal"
	c.PortalRate = 0
	c.PortalBurst = 0
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate accepted a bad configuration")
	}
	for _, want := range []string{
		"--database-url (GOVPULSE_DATABASE_URL): must be a postgres:// URL",
		"--http-addr (GOVPULSE_HTTP_ADDR)", "--bus (GOVPULSE_BUS): must be postgres or nats, got \"kafka\"",
		"--admin-token (GOVPULSE_ADMIN_TOKEN)", "--max-body-bytes", "--max-batch-events", "--rate-per-source", "--rate-burst",
		"--log-level", "--log-format", "--targets-interval",
		`--targets-as-of (GOVPULSE_TARGETS_AS_OF): must be a date YYYY-MM-DD, got "31.12.2025"`,
		`--portal-as-of (GOVPULSE_PORTAL_AS_OF): must be a date YYYY-MM-DD, got "2025-11-31"`,
		`--portal-addr (GOVPULSE_PORTAL_ADDR): must be host:port`, "--portal-rate (GOVPULSE_PORTAL_RATE)", "--portal-burst (GOVPULSE_PORTAL_BURST)",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	c = Default()
	c.PortalAddr = c.HTTPAddr
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--portal-addr (GOVPULSE_PORTAL_ADDR): is the same as --http-addr") {
		t.Errorf("the portal on the API's own address: %v", err)
	}
	c = Default()
	c.TargetsAsOf = "2025-12-31"
	if at, err := c.TargetsAsOfDate(); err != nil || at.Format(time.RFC3339) != "2025-12-31T12:00:00+08:00" {
		t.Errorf("TargetsAsOfDate = %v, %v; want noon of 2025-12-31 in Asia/Shanghai", at, err)
	}
	c = Default()
	if at, err := c.PortalAsOfDate(); err != nil || !at.IsZero() {
		t.Errorf("PortalAsOfDate unset = %v, %v; want the zero time (today)", at, err)
	}
	c.PortalAsOf = "2025-12-01"
	if at, err := c.PortalAsOfDate(); err != nil || at.Format(time.RFC3339) != "2025-12-01T12:00:00+08:00" {
		t.Errorf("PortalAsOfDate = %v, %v; want noon of 2025-12-01 in Asia/Shanghai", at, err)
	}
	c = Default()
	c.Bus, c.NATSURL = "nats", "http://x"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--nats-url (GOVPULSE_NATS_URL)") {
		t.Errorf("bad NATS URL: %v", err)
	}
	// A cluster's servers as a comma list, and a replicated stream.
	c.NATSURL, c.NATSReplicas = "nats://10.0.0.1:4222, nats://10.0.0.2:4222,nats://10.0.0.3:4222", 3
	if err := c.Validate(); err != nil {
		t.Errorf("NATS cluster list: %v", err)
	}
	c.NATSURL = "nats://10.0.0.1:4222,http://10.0.0.2:4222"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--nats-url (GOVPULSE_NATS_URL)") {
		t.Errorf("list with a bad URL: %v", err)
	}
	c.NATSURL, c.NATSReplicas = "nats://10.0.0.1:4222", 0
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--nats-replicas (GOVPULSE_NATS_REPLICAS): must be between 1 and 5, got 0") {
		t.Errorf("0 replicas: %v", err)
	}
}
