package service

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// EnvAgentSock overrides where the agent's socket is.
const EnvAgentSock = "ZTM_AGENT_SOCK"

// AgentSocketPath is where the agent listens: $ZTM_AGENT_SOCK, else
// ztm/agent.sock under $XDG_RUNTIME_DIR (a per-user tmpfs on Linux), else
// under a per-user directory in the system's temp dir (per-user already on
// macOS).
func AgentSocketPath(getenv func(string) string) string {
	if p := getenv(EnvAgentSock); p != "" {
		return p
	}
	if d := getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "ztm", "agent.sock")
	}
	return filepath.Join(os.TempDir(), "ztm-"+strconv.Itoa(os.Getuid()), "agent.sock")
}

// ErrAgentRunning means another agent already answers on the socket.
var ErrAgentRunning = errors.New("an agent already runs")

// ListenAgent makes the socket's directory (mode 0700, refusing one that
// another user owns or others can enter), takes over a stale socket, and
// listens. Every connection's peer uid is checked against uid before a
// byte is read; others are closed and logged to log (which may be nil).
func ListenAgent(path string, uid int, log *slog.Logger) (net.Listener, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot make the agent's directory: %w", err)
	}
	if err := checkDir(dir, uid); err != nil {
		return nil, err
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("%w on %s: ztm agent status shows it; ztm lock forgets its key", ErrAgentRunning, path)
	}
	os.Remove(path) // a socket left by an agent that died
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &peerListener{Listener: ln, uid: uid, log: log}, nil
}

// checkDir refuses a directory another user owns or can enter, fixing the
// mode of one we own.
func checkDir(dir string, uid int) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if owner, ok := fileOwner(fi); ok && owner != uid {
		return fmt.Errorf("the agent's directory %s belongs to uid %d, not you: remove it or set %s", dir, owner, EnvAgentSock)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("the agent's directory %s is open to others and cannot be closed: %w", dir, err)
		}
	}
	return nil
}

// peerListener accepts only connections from one uid.
type peerListener struct {
	net.Listener
	uid int
	log *slog.Logger
}

func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, err := peerUID(c)
		if err == nil && uid == l.uid {
			return c, nil
		}
		if err != nil {
			l.log.Warn("refused a connection", "reason", err.Error())
		} else {
			l.log.Warn("refused a connection", "reason", "another user", "uid", uid)
		}
		c.Close()
	}
}

// ErrTLSRequired means a token server off loopback was asked to start
// without TLS.
var ErrTLSRequired = errors.New("TLS is required off loopback")

// ListenTCP listens for the token server on addr. Off loopback it needs a
// certificate and key and serves TLS (1.2 or later) only; on loopback TLS
// is optional.
func ListenTCP(addr, certFile, keyFile string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--listen %q: give host:port, e.g. 127.0.0.1:8377", addr)
	}
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("give both --tls-cert and --tls-key")
	}
	if certFile == "" && !isLoopback(host) {
		return nil, fmt.Errorf("%w: --listen %s reaches other machines, so tokens would cross the network in clear; give --tls-cert and --tls-key, or listen on 127.0.0.1", ErrTLSRequired, addr)
	}
	var conf *tls.Config
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("cannot load the TLS certificate: %w", err)
		}
		conf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	if conf != nil {
		return tls.NewListener(ln, conf), nil
	}
	return ln, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serve answers h on ln until ctx ends, then shuts down gracefully.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		<-done
		return nil
	}
}
