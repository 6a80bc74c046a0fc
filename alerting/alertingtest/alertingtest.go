package alertingtest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govpulse/govpulse/internal/freeport"
)

// InstallHint says how to get the tools on Debian.
const InstallHint = "install them with scripts/install-test-tools.sh " +
	"(apt-get install -y --no-install-recommends prometheus prometheus-alertmanager), " +
	"which make test-deps runs"

// Tool returns the path of the first of names found on $PATH and fails
// the test when there is none. Debian names the Alertmanager binary
// prometheus-alertmanager, upstream alertmanager.
func Tool(t testing.TB, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Fatalf("%s not found on $PATH: %s", strings.Join(names, " or "), InstallHint)
	return ""
}

// Run runs a tool with args and returns its combined output; a non-zero
// exit fails the test with that output.
func Run(t testing.TB, tool string, args ...string) string {
	t.Helper()
	out, err := Try(t, tool, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(tool), strings.Join(args, " "), err, out)
	}
	return out
}

// Try runs a tool with args, at most a minute, and returns its combined
// output and exit error.
func Try(t testing.TB, tool string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, tool, args...).CombinedOutput()
	return string(out), err
}

// Server is a Prometheus or Alertmanager process started by the test.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:port.
	URL string
	cmd *exec.Cmd
	log *lockedBuffer
}

// Log is what the server wrote so far.
func (s *Server) Log() string { return s.log.String() }

// StartPrometheus runs Prometheus with the configuration config (YAML;
// relative paths in it resolve against dir, where it is written) and waits
// until it is ready.
func StartPrometheus(t testing.TB, dir, config string) *Server {
	t.Helper()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return start(t, []string{"prometheus"},
		"--config.file="+cfg,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
	)
}

// StartAlertmanager runs Alertmanager with the configuration file config,
// clustering off, and waits until it is ready.
func StartAlertmanager(t testing.TB, dir, config string) *Server {
	t.Helper()
	return start(t, []string{"alertmanager", "prometheus-alertmanager"},
		"--config.file="+config,
		"--storage.path="+filepath.Join(dir, "alertmanager-data"),
		"--cluster.listen-address=",
	)
}

// start runs the first of the binaries names found (names[0] names the
// server in messages) with args and the flags both servers share, a listen
// address from below the ephemeral range (see internal/freeport) and
// warnings-only logging, and waits until it is ready.
func start(t testing.TB, names []string, args ...string) *Server {
	t.Helper()
	name, bin := names[0], Tool(t, names...)
	addr, err := freeport.Addr()
	if err != nil {
		t.Fatal(err)
	}
	args = append(args, "--web.listen-address="+addr, "--log.level=warn")
	s := &Server{URL: "http://" + addr, log: &lockedBuffer{}}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("%s log:\n%s", name, s.Log())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("%s exited: %v\n%s", name, err, s.Log())
		default:
		}
		if resp, err := client.Get(s.URL + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready on %s after 30s\n%s", name, addr, s.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// String implements fmt.Stringer for test messages.
func (s *Server) String() string { return fmt.Sprintf("%s (pid %d)", s.URL, s.cmd.Process.Pid) }
