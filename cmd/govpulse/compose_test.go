package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.yaml.in/yaml/v3"

	"github.com/govpulse/govpulse/internal/pgtest"
)

// repoRoot is the repository, where docker-compose.yml lives.
var repoRoot = filepath.Join("..", "..")

// composeService is what the test reads of a service in the output of
// "docker-compose config".
type composeService struct {
	Image       string         `yaml:"image"`
	Build       any            `yaml:"build"`
	Profiles    []string       `yaml:"profiles"`
	Command     []string       `yaml:"command"`
	Environment map[string]any `yaml:"environment"`
	Ports       []any          `yaml:"ports"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test    []string `yaml:"test"`
		Disable bool     `yaml:"disable"`
	} `yaml:"healthcheck"`
	Volumes []string `yaml:"volumes"`
}

// composeConfig runs Debian's docker-compose (1.29; no engine needed for
// "config") on docker-compose.yml and returns the resolved file. Warnings
// fail the test: every variable in the file has a default.
func composeConfig(t *testing.T, args ...string) (services map[string]composeService, volumes map[string]any) {
	t.Helper()
	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		t.Fatalf("docker-compose not found: install it with scripts/install-test-tools.sh (apt-get install -y --no-install-recommends docker-compose), which make test-deps runs")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(append([]string{"-f", "docker-compose.yml"}, args...), "config")...)
	cmd.Dir = repoRoot
	// Only what compose needs: no COMPOSE_* or stack variables from the
	// machine running the test.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("docker-compose %v config: %v\n%s", args, err, &stderr)
	}
	if stderr.Len() > 0 {
		t.Errorf("docker-compose %v config warns:\n%s", args, &stderr)
	}
	var cfg struct {
		Services map[string]composeService `yaml:"services"`
		Volumes  map[string]any            `yaml:"volumes"`
	}
	if err := yaml.Unmarshal(stdout.Bytes(), &cfg); err != nil {
		t.Fatalf("docker-compose config output: %v\n%s", err, &stdout)
	}
	return cfg.Services, cfg.Volumes
}

// docker-compose.yml is valid for Debian's docker-compose, and describes
// the whole stack: every service with a health check (govpulse's through
// "govpulse healthcheck", the image has no shell), started in order of
// health, data in named volumes, the demo loader behind a profile, the
// generated configuration mounted from deploy/, every published port in
// the README.
func TestComposeFileDescribesTheStack(t *testing.T) {
	services, volumes := composeConfig(t, "--profile", "demo")
	want := []string{"alert-webhook", "alertmanager", "demo", "govpulse", "grafana", "nats", "postgres", "prometheus"}
	var names []string
	for name := range services {
		names = append(names, name)
	}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Fatalf("services %v, want %v", names, want)
	}
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range services {
		if s.Healthcheck == nil || s.Healthcheck.Disable || len(s.Healthcheck.Test) < 2 {
			t.Errorf("%s: no health check", name)
		}
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, "/") || strings.HasPrefix(src, ".") {
				rel, err := filepath.Rel(root, src)
				if err != nil || strings.HasPrefix(rel, "..") {
					t.Errorf("%s: mounts %s from outside the repository", name, src)
					continue
				}
				if _, err := os.Stat(filepath.Join(repoRoot, rel)); err != nil {
					t.Errorf("%s: mounts %s, which does not exist: %v", name, rel, err)
				}
			} else if _, ok := volumes[src]; !ok {
				t.Errorf("%s: volume %s is not a named volume of the file", name, src)
			}
		}
	}
	for _, name := range []string{"govpulse", "demo"} {
		test := services[name].Healthcheck.Test
		if len(test) < 3 || test[0] != "CMD" || filepath.Base(test[1]) != "govpulse" || test[2] != "healthcheck" {
			t.Errorf("%s: health check %v, want the binary's own healthcheck (the image has no shell)", name, test)
		}
	}
	for service, deps := range map[string][]string{
		"govpulse":     {"nats", "postgres"},
		"demo":         {"govpulse"},
		"grafana":      {"postgres", "prometheus"},
		"prometheus":   {"alertmanager"},
		"alertmanager": {"alert-webhook"},
	} {
		for _, d := range deps {
			if c := services[service].DependsOn[d].Condition; c != "service_healthy" {
				t.Errorf("%s starts after %s is %q, want service_healthy", service, d, c)
			}
		}
	}
	if d := services["demo"]; !slices.Equal(d.Profiles, []string{"demo"}) || !slices.Contains(d.Command, "demo") {
		t.Errorf("demo loader: profiles %v, command %v", d.Profiles, d.Command)
	}
	for _, v := range []string{"postgres-data", "nats-data", "prometheus-data", "alertmanager-data", "grafana-data"} {
		if _, ok := volumes[v]; !ok {
			t.Errorf("no named volume %s", v)
		}
	}
	grafanaMounts := strings.Join(services["grafana"].Volumes, "\n")
	for _, dir := range []string{"provisioning/datasources", "provisioning/dashboards", "provisioning/alerting", "dashboards"} {
		if !strings.Contains(grafanaMounts, filepath.Join("deploy", "grafana", dir)) {
			t.Errorf("grafana does not mount deploy/grafana/%s", dir)
		}
	}
	if pw := services["grafana"].Environment["GOVPULSE_BOARDS_PASSWORD"]; pw == nil || pw != services["postgres"].Environment["GOVPULSE_BOARDS_PASSWORD"] {
		t.Errorf("Grafana's boards password %v is not the one PostgreSQL's init script sets (%v)", pw, services["postgres"].Environment["GOVPULSE_BOARDS_PASSWORD"])
	}
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range services {
		for _, p := range s.Ports {
			published := portOf(p)
			if published == "" || !strings.Contains(string(readme), "| "+published+" |") {
				t.Errorf("%s publishes port %v, which the README's table of ports does not list", name, p)
			}
		}
	}
	// Only the demo loader waits for a profile; "up" starts the rest.
	for name, s := range services {
		if name != "demo" && len(s.Profiles) > 0 {
			t.Errorf("%s is behind profiles %v: docker compose up would not start it", name, s.Profiles)
		}
	}
}

// portOf is the published (host) port of a compose port entry, in the
// long form compose 1.29 writes or the short one.
func portOf(p any) string {
	switch v := p.(type) {
	case map[string]any:
		if s, ok := v["published"]; ok {
			return strings.TrimSpace(strings.Trim(yamlScalar(s), `"`))
		}
	case string:
		parts := strings.Split(v, ":")
		if len(parts) >= 2 {
			return parts[len(parts)-2]
		}
	}
	return ""
}

func yamlScalar(v any) string {
	b, _ := yaml.Marshal(v)
	return strings.TrimSpace(string(b))
}

// The postgres container's init script gives the boards' role a login
// and a password, and running it again only sets the password again. The
// test runs it on this machine's server for a role of its own.
func TestBoardsLoginScript(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Fatalf("psql not found: install PostgreSQL's client (apt-get install -y postgresql-client)")
	}
	url := pgtest.NewDatabase(t)
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	role := "govpulse_boards_login_" + hex.EncodeToString(b)
	pgtest.DropRoleAtEnd(t, role)
	script := filepath.Join(repoRoot, "deploy", "postgres", "initdb", "10-govpulse-boards.sh")
	for _, password := range []string{"it's a secret", "another one"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, "sh", script)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PGHOST=" + cfg.Host, "PGPORT=" + strconv.Itoa(int(cfg.Port)),
			"POSTGRES_USER=" + cfg.User, "POSTGRES_DB=" + cfg.Database,
			"GOVPULSE_BOARDS_ROLE=" + role, "GOVPULSE_BOARDS_PASSWORD=" + password}
		if cfg.Password != "" {
			cmd.Env = append(cmd.Env, "PGPASSWORD="+cfg.Password)
		}
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
	}
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var login, hasPassword bool
	if err := c.QueryRow(context.Background(), `SELECT rolcanlogin, rolpassword IS NOT NULL FROM pg_authid WHERE rolname = $1`, role).Scan(&login, &hasPassword); err != nil {
		t.Fatalf("role %s: %v", role, err)
	}
	if !login || !hasPassword {
		t.Errorf("role %s: login %v, password set %v; want both", role, login, hasPassword)
	}
	cmd := exec.Command("sh", script)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "GOVPULSE_BOARDS_PASSWORD") {
		t.Errorf("without a password the script says %q (%v), want it to ask for GOVPULSE_BOARDS_PASSWORD", out, err)
	}
}
