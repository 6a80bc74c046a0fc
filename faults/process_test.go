package faults

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/govpulse/govpulse/internal/freeport"
)

// process is a program the test runs, kills and restarts. Its output goes
// to a log file; when the test fails, the file's last lines are shown. It
// is killed when the test ends, and with the test process if that dies
// (Pdeathsig), so no run leaves one behind.
type process struct {
	t       testing.TB
	name    string
	bin     string
	args    []string
	env     []string
	logPath string
	cred    *syscall.Credential

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	starts  int
}

func newProcess(t testing.TB, name, bin string, args, env []string) *process {
	t.Helper()
	p := &process{t: t, name: name, bin: bin, args: args, env: env,
		logPath: fmt.Sprintf("%s/%s.log", t.TempDir(), name)}
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			p.dumpLog(80)
		}
	})
	return p
}

// Start starts the program; it must not be running.
func (p *process) Start() {
	p.t.Helper()
	if err := p.start(); err != nil {
		p.t.Fatal(err)
	}
}

// start is Start for any goroutine: it returns what went wrong.
func (p *process) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		select {
		case <-p.done:
		default:
			return fmt.Errorf("%s: started while running", p.name)
		}
	}
	f, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	p.starts++
	fmt.Fprintf(f, "===== %s start %d at %s\n", p.name, p.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Credential: p.cred}
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %v", p.name, err)
	}
	done := make(chan struct{})
	p.cmd, p.done = cmd, done
	go func() {
		err := cmd.Wait()
		f.Close()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// Running reports whether the program runs.
func (p *process) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Exited is closed when the current run ends.
func (p *process) Exited() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return p.done
}

// Signal sends sig and waits up to wait for the program to end; it kills
// the program if it is still running then. It reports whether the program
// ended by itself.
func (p *process) Signal(sig syscall.Signal, wait time.Duration) bool {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return true
	}
	select {
	case <-done:
		return true
	default:
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
		return true
	case <-time.After(wait):
	}
	_ = cmd.Process.Kill()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.t.Errorf("%s: still running 10s after SIGKILL", p.name)
	}
	return false
}

// Kill sends SIGKILL and waits for the program to end.
func (p *process) Kill() { p.Signal(syscall.SIGKILL, 10*time.Second) }

// Stop asks the program to end (SIGTERM), killing it after 20s.
func (p *process) Stop() bool { return p.Signal(syscall.SIGTERM, 20*time.Second) }

// Log returns what the program has written so far.
func (p *process) Log() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

func (p *process) dumpLog(lines int) {
	f, err := os.Open(p.logPath)
	if err != nil {
		return
	}
	defer f.Close()
	var tail []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		tail = append(tail, sc.Text())
		if len(tail) > lines {
			tail = tail[1:]
		}
	}
	p.t.Logf("last %d lines of %s's log (%s):\n%s", len(tail), p.name, p.logPath, strings.Join(tail, "\n"))
}

// freePort returns a port on 127.0.0.1 that nothing listens on now, from
// below the ephemeral range (see internal/freeport). A program given it
// keeps it across restarts.
func freePort(t testing.TB) int {
	t.Helper()
	port, err := freeport.Port()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// waitFor polls cond every interval until it returns nil or the deadline
// passes; then it fails the test with cond's last error.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// errStillWaiting is what a condition returns while it is not met yet.
var errStillWaiting = errors.New("still waiting")

// httpDo sends a request without a body to url with a deadline, with
// token as its bearer token unless empty.
func httpDo(ctx context.Context, client *http.Client, method, url, token string) (int, []byte, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	var sb strings.Builder
	_, err = bufio.NewReader(resp.Body).WriteTo(&sb)
	return resp.StatusCode, []byte(sb.String()), resp.Header, err
}

// execCommandContext is exec.CommandContext for a helper command that dies
// with the test process.
func execCommandContext(ctx context.Context, bin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 5 * time.Second
	return cmd
}
