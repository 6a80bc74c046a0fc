package faults

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgCluster is a PostgreSQL server the test owns: its own data directory
// (initdb) and port, so the test can stop and restart it without touching
// the machine's shared server. It runs as the postgres user when the test
// runs as root (PostgreSQL refuses to run as root), and is stopped and
// removed when the test ends, whatever happened.
type pgCluster struct {
	t    testing.TB
	bin  string
	dir  string
	Port int
	proc *process
}

// postgresBinDir finds the server's programs: GOVPULSE_PG_BINDIR, else the
// newest /usr/lib/postgresql/*/bin (Debian's layout).
func postgresBinDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("GOVPULSE_PG_BINDIR"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	t.Fatal("no PostgreSQL server programs (initdb, postgres) found: install them (apt-get install -y postgresql) or set GOVPULSE_PG_BINDIR")
	return ""
}

// newPGCluster creates and starts a cluster on a free port.
func newPGCluster(t testing.TB) *pgCluster {
	t.Helper()
	c := &pgCluster{t: t, bin: postgresBinDir(t), Port: freePort(t)}
	dir, err := os.MkdirTemp("", "govpulse-faults-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	t.Cleanup(func() {
		if c.proc != nil {
			// Immediate shutdown, then SIGKILL if it lingers.
			c.proc.Signal(syscall.SIGQUIT, 10*time.Second)
		}
		os.RemoveAll(dir)
	})
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL needs an unprivileged user: %v (apt-get install -y postgresql creates postgres)", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		// The server reads its directory as postgres.
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "data")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	initdb := execCommandContext(ctx, filepath.Join(c.bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	initdb.SysProcAttr.Credential = cred
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.proc = newProcess(t, "postgres", filepath.Join(c.bin, "postgres"),
		[]string{"-D", data, "-p", strconv.Itoa(c.Port), "-k", dir, "-c", "listen_addresses=127.0.0.1"}, os.Environ())
	c.proc.cred = cred
	c.Start()
	return c
}

// URL is the URL of database db on the cluster.
func (c *pgCluster) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, db)
}

// Start starts the server and waits until it accepts connections.
func (c *pgCluster) Start() {
	c.t.Helper()
	c.proc.Start()
	waitFor(c.t, "PostgreSQL accepting connections", time.Minute, func() error {
		select {
		case <-c.proc.Exited():
			c.t.Fatalf("postgres exited at start")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err != nil {
			return err
		}
		return conn.Close(ctx)
	})
}

// Crash stops the server the way a crash does: immediate shutdown
// (SIGQUIT), without a checkpoint, so the next start recovers from the WAL.
func (c *pgCluster) Crash() { c.proc.Signal(syscall.SIGQUIT, 30*time.Second) }
