// Package pgtest gives tests a real PostgreSQL: the one named by
// ZTM_TEST_POSTGRES (CI starts it, see .ci/run), or else a throwaway
// cluster it starts itself from the server binaries on this machine, in a
// temporary directory, on loopback, for the life of the test binary.
//
// Use [Main] from TestMain and [URL] in each test: every call to URL gets
// its own schema, so tests in one database never see each other's vaults.
// Without a server the tests that need one skip and say why, except when
// ZTM_REQUIRE_POSTGRES=1 (CI), where they fail.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables shared with .ci/run.
const (
	// EnvURL is the URL of a running server the tests may use.
	EnvURL = "ZTM_TEST_POSTGRES"
	// EnvLog is the server's log file, when known (the canary scan reads it).
	EnvLog = "ZTM_TEST_POSTGRES_LOG"
	// EnvRequire turns a missing server into a failure.
	EnvRequire = "ZTM_REQUIRE_POSTGRES"
)

// started is the cluster Main started, if any; written once before the
// tests run.
var started *Cluster

// why says why there is no server, for the skip message.
var why string

// Main starts a cluster when none is configured and the binaries exist,
// runs the tests, stops the cluster, and returns the exit code.
func Main(m *testing.M) int {
	if os.Getenv(EnvURL) == "" {
		c, err := Start()
		if err != nil {
			why = err.Error()
		} else {
			started = c
			os.Setenv(EnvURL, c.URL)
			os.Setenv(EnvLog, c.Log)
		}
	}
	code := m.Run()
	if started != nil {
		started.Stop()
	}
	return code
}

// Base returns the server's URL, or skips (fails under ZTM_REQUIRE_POSTGRES=1).
func Base(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvURL)
	if u != "" {
		return u
	}
	msg := "no PostgreSQL for this test: set " + EnvURL + " or install the server binaries (initdb, pg_ctl)"
	if why != "" {
		msg += " (" + why + ")"
	}
	if os.Getenv(EnvRequire) == "1" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// URL returns the URL of a new, empty schema for tb on the server (see
// [Base]); the schema is dropped when tb ends.
func URL(tb testing.TB) string {
	tb.Helper()
	base := Base(tb)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("pgtest: cannot connect to the test server: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	})
	return WithParam(base, "search_path", schema)
}

// WithParam adds a query parameter to a connection URL.
func WithParam(base, key, value string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// Cluster is a throwaway PostgreSQL server.
type Cluster struct {
	// URL reaches it as the superuser ztm, with a password.
	URL string
	// Log is the server's log file.
	Log string
	// Password is the superuser's password (a canary for log scans).
	Password string

	dir, data, port string
	runAs           []string
}

// Start makes a cluster in a new temporary directory and starts it on a
// free loopback port. As root it runs the server as nobody, since
// PostgreSQL refuses to run as root.
func Start() (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ztm-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, data: filepath.Join(dir, "data"), Log: filepath.Join(dir, "server.log")}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			return nil, fmt.Errorf("running as root and there is no user nobody to run PostgreSQL as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		c.runAs = []string{"setpriv", "--reuid=" + u.Uid, "--regid=" + u.Gid, "--clear-groups", "--"}
	}
	pw := make([]byte, 12)
	rand.Read(pw)
	c.Password = "pw" + hex.EncodeToString(pw)
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte(c.Password+"\n"), 0o644); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		u, _ := user.Lookup("nobody")
		uid, _ := strconv.Atoi(u.Uid)
		os.Chown(pwFile, uid, -1)
	}
	out, err := c.run(filepath.Join(bin, "initdb"), "-D", c.data, "-U", "ztm", "--auth=scram-sha-256",
		"--pwfile="+pwFile, "--no-sync", "-E", "UTF8", "--locale=C")
	os.Remove(pwFile)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	c.port, err = freePort()
	if err != nil {
		return nil, err
	}
	if err := c.Restart(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	c.URL = fmt.Sprintf("postgres://ztm:%s@127.0.0.1:%s/postgres?sslmode=disable", c.Password, c.port)
	return c, nil
}

// Restart starts the server (again, after [Cluster.StopServer]), on the
// same port, and waits until it accepts connections.
func (c *Cluster) Restart() error {
	bin, err := binDir()
	if err != nil {
		return err
	}
	opts := "-p " + c.port + " -k " + c.dir + " -c listen_addresses=127.0.0.1 -c fsync=off" +
		" -c log_statement=all -c max_connections=200"
	out, err := c.run(filepath.Join(bin, "pg_ctl"), "-D", c.data, "-l", c.Log, "-o", opts, "-w", "-t", "60", "start")
	if err != nil {
		return fmt.Errorf("pg_ctl start: %v: %s", err, out)
	}
	return nil
}

// StopServer stops the server fast, keeping its data (see [Cluster.Restart]).
func (c *Cluster) StopServer() error {
	bin, err := binDir()
	if err != nil {
		return err
	}
	out, err := c.run(filepath.Join(bin, "pg_ctl"), "-D", c.data, "-m", "fast", "-w", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	return nil
}

// Stop stops the server and removes its directory.
func (c *Cluster) Stop() {
	c.StopServer()
	os.RemoveAll(c.dir)
}

func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	argv := append(append(append([]string(nil), c.runAs...), name), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir
	return cmd.CombinedOutput()
}

// binDir finds the directory of initdb and pg_ctl.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) > 0 {
		return filepath.Dir(matches[len(matches)-1]), nil
	}
	return "", fmt.Errorf("the PostgreSQL server binaries (initdb, pg_ctl) are not installed")
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, _ := strings.Cut(l.Addr().String(), ":")
	return port, nil
}

// Started returns the cluster [Main] started, or nil when the tests use a
// server from ZTM_TEST_POSTGRES (which they cannot restart).
func Started() *Cluster { return started }
