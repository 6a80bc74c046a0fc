package faults

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// binDir holds the binaries TestMain builds for the package's tests.
var binDir string

// govpulseBin is the govpulse binary built from this tree.
func govpulseBin() string { return filepath.Join(binDir, "govpulse") }

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "govpulse-faults-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = dir
	start := time.Now()
	if err := goBuild(filepath.Join(dir, "govpulse"), "./cmd/govpulse"); err != nil {
		fmt.Fprintln(os.Stderr, "faults: build govpulse:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "faults: built govpulse in %s\n", time.Since(start).Round(time.Millisecond))
	return m.Run()
}

// goCommand finds the go tool: on $PATH, else beside the toolchain that
// built this test.
func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// goBuild builds pkg (a path in this module, or a module package it
// requires) to out, from the module root.
func goBuild(out, pkg string) error {
	cmd := exec.Command(goCommand(), "build", "-o", out, pkg)
	cmd.Dir = ".."
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

var (
	natsBinOnce sync.Once
	natsBinErr  error
)

// natsServerBin builds nats-server from the module this project already
// requires (the same server the other tests embed), once, so that a test
// can run and SIGKILL it as a process of its own.
func natsServerBin(t testing.TB) string {
	t.Helper()
	out := filepath.Join(binDir, "nats-server")
	natsBinOnce.Do(func() {
		start := time.Now()
		natsBinErr = goBuild(out, "github.com/nats-io/nats-server/v2")
		t.Logf("built nats-server in %s", time.Since(start).Round(time.Millisecond))
	})
	if natsBinErr != nil {
		t.Fatalf("build nats-server: %v", natsBinErr)
	}
	return out
}
