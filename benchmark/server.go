package benchmark

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/govpulse/govpulse/internal/freeport"
)

// Server is a `govpulse serve` process the benchmark measures: a process
// of its own, so that its peak RSS and CPU profile are the service's
// alone, not the load generator's.
type Server struct {
	// URL is the API's base URL; PprofURL its net/http/pprof listener's.
	URL, PprofURL string

	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	waitErr error
}

// StartServer starts exe serve with env (GOVPULSE_* settings; the HTTP
// and pprof addresses are chosen here) and waits until /readyz answers.
func StartServer(ctx context.Context, exe, dir string, env map[string]string) (*Server, error) {
	addr, err := freeport.Addr()
	if err != nil {
		return nil, err
	}
	pprofAddr, err := freeport.Addr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.CreateTemp(dir, "serve-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "serve")
	cmd.Env = append(os.Environ(), "GOVPULSE_HTTP_ADDR="+addr, "GOVPULSE_PPROF_ADDR="+pprofAddr, "GOVPULSE_LOG_LEVEL=warn")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s serve: %w", exe, err)
	}
	logFile.Close()
	s := &Server{URL: "http://" + addr, PprofURL: "http://" + pprofAddr, cmd: cmd, logPath: logFile.Name(), exited: make(chan struct{})}
	go func() { s.waitErr = cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body) //nolint:errcheck
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("govpulse serve exited before it was ready: %v; its log:\n%s", s.waitErr, s.LogTail())
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("govpulse serve not ready after 60s; its log:\n%s", s.LogTail())
		}
	}
}

// Stop stops the server with SIGTERM (SIGKILL after 30 s) and returns its
// peak RSS in bytes (VmHWM), read just before: getrusage's figure for a
// child counts the parent's memory at fork, which is the load generator's.
func (s *Server) Stop() (peakRSS int64, err error) {
	select {
	case <-s.exited:
	default:
		peakRSS = PeakRSS(s.cmd.Process.Pid)
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
	if s.waitErr != nil && !s.cmd.ProcessState.Success() {
		err = fmt.Errorf("govpulse serve: %v; its log:\n%s", s.waitErr, s.LogTail())
	}
	_ = os.Remove(s.logPath)
	return peakRSS, err
}

// LogTail is the end of the server's log.
func (s *Server) LogTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return strings.TrimSpace(string(b))
}

// CPUProfile fetches a CPU profile of the server over d into dir and
// returns the file's path. Start it beside the load it should see.
func (s *Server) CPUProfile(ctx context.Context, d time.Duration, dir, name string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", s.PprofURL, int(d.Seconds())), nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("cpu profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("cpu profile: HTTP %d", resp.StatusCode)
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(f, resp.Body)
	return path, errors.Join(err, f.Close())
}
