package faults

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The admin token and the department systems every deployment knows: each
// source may send every type for every department, as a city's service hub
// does, so a generator can spread its events freely.
const (
	adminToken  = "faults-admin-token-0123456789"
	sourceCount = 4
)

func sourceName(i int) string  { return fmt.Sprintf("qd-system-%d", i) }
func sourceToken(i int) string { return fmt.Sprintf("faults-source-token-%04d", i) }
func tokenEnv(i int) string    { return fmt.Sprintf("FAULTS_TOKEN_%d", i) }

// deployment is one govpulse installation: the files and settings that all
// of its instances share, as an operator would roll them out.
type deployment struct {
	t   testing.TB
	dir string
	// env is every instance's GOVPULSE_* settings (and token variables).
	env map[string]string
}

// newDeployment writes the sources and targets files for a govpulse on the
// database at dbURL.
func newDeployment(t testing.TB, dbURL string) *deployment {
	t.Helper()
	dir := t.TempDir()
	var src strings.Builder
	src.WriteString("sources:\n")
	for i := range sourceCount {
		fmt.Fprintf(&src, "  - name: %s\n    token_env: %s\n    departments: [\"*\"]\n    event_types: [\"*\"]\n", sourceName(i), tokenEnv(i))
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// testdata/targets.yaml: one target per measure kind the generated
	// events feed, with values the generator can work out.
	targetsFile, err := filepath.Abs(filepath.Join("testdata", "targets.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d := &deployment{t: t, dir: dir, env: map[string]string{
		"GOVPULSE_DATABASE_URL":     dbURL,
		"GOVPULSE_SOURCES_FILE":     write("sources.yaml", src.String()),
		"GOVPULSE_TARGETS_FILE":     targetsFile,
		"GOVPULSE_TARGETS_INTERVAL": "2s",
		"GOVPULSE_ADMIN_TOKEN":      adminToken,
		// The generator is one city's whole load from a few systems.
		"GOVPULSE_RATE_PER_SOURCE":  "100000",
		"GOVPULSE_RATE_BURST":       "100000",
		"GOVPULSE_LOG_LEVEL":        "warn",
		"GOVPULSE_LOG_FORMAT":       "json",
		"GOVPULSE_SHUTDOWN_TIMEOUT": "10s",
	}}
	for i := range sourceCount {
		d.env[tokenEnv(i)] = sourceToken(i)
	}
	return d
}

// writeFile writes a file into the deployment's directory and returns its
// path.
func (d *deployment) writeFile(name, content string) string {
	d.t.Helper()
	p := filepath.Join(d.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		d.t.Fatal(err)
	}
	return p
}

// environ is the environment of a govpulse process: this process's,
// without any GOVPULSE_ setting, plus the deployment's and extra.
func (d *deployment) environ(extra map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOVPULSE_") && !strings.HasPrefix(kv, "FAULTS_") {
			env = append(env, kv)
		}
	}
	for k, v := range d.env {
		if _, over := extra[k]; !over {
			env = append(env, k+"="+v)
		}
	}
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

// instance is one `govpulse serve` process of a deployment, on a port it
// keeps across restarts.
type instance struct {
	*process
	Addr string
	URL  string
	d    *deployment
}

// newInstance prepares a govpulse serve process; extra adds or overrides
// settings. Start it with Start.
func (d *deployment) newInstance(name string, extra map[string]string) *instance {
	d.t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(d.t))
	env := map[string]string{"GOVPULSE_HTTP_ADDR": addr}
	for k, v := range extra {
		env[k] = v
	}
	return &instance{
		process: newProcess(d.t, name, govpulseBin(), []string{"serve"}, d.environ(env)),
		Addr:    addr,
		URL:     "http://" + addr,
		d:       d,
	}
}

// Start starts the instance and waits until /readyz answers 200.
func (g *instance) Start() {
	g.t.Helper()
	if err := g.start(); err != nil {
		g.t.Fatal(err)
	}
}

// start is Start for any goroutine.
func (g *instance) start() error {
	if err := g.process.start(); err != nil {
		return err
	}
	return g.waitReady(60 * time.Second)
}

// WaitReady waits until /readyz answers 200; it fails the test if the
// process ends first or the deadline passes.
func (g *instance) WaitReady(timeout time.Duration) {
	g.t.Helper()
	if err := g.waitReady(timeout); err != nil {
		g.t.Fatal(err)
	}
}

func (g *instance) waitReady(timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	exited := g.Exited()
	for {
		select {
		case <-exited:
			return fmt.Errorf("%s exited before it was ready", g.name)
		default:
		}
		status, body, _, err := httpDo(context.Background(), client, http.MethodGet, g.URL+"/readyz", "")
		if err == nil && status == http.StatusOK {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %d %s %v", g.name, timeout, status, body, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startInstance prepares and starts an instance.
func (d *deployment) startInstance(name string, extra map[string]string) *instance {
	d.t.Helper()
	g := d.newInstance(name, extra)
	g.Start()
	return g
}

// runGovpulse runs a govpulse subcommand of the deployment to its end and
// returns its output; it fails the test if the command fails or runs past
// timeout.
func (d *deployment) runGovpulse(timeout time.Duration, extra map[string]string, args ...string) string {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := execCommandContext(ctx, govpulseBin(), args...)
	cmd.Env = d.environ(extra)
	out, err := cmd.CombinedOutput()
	if err != nil {
		d.t.Fatalf("govpulse %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
