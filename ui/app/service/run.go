package service

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"

	"ztm/ui/app"
	"ztm/vault"
)

// RunAgent is `ztm agent`: it disables core dumps, listens on socket, and
// serves until ctx ends, forgetting the key then. Zero Idle and Max in o
// take [DefaultIdle] and [DefaultMax]. It starts locked; ready, if not
// nil, is called once it listens (with the service, which a key-file vault
// may unlock at once with [Service.Unlock]).
func RunAgent(ctx context.Context, o Options, socket string, ready func(*Service)) error {
	if o.Idle <= 0 {
		o.Idle = DefaultIdle
	}
	if o.Max <= 0 {
		o.Max = DefaultMax
	}
	s := New(o)
	if err := vault.DisableCoreDumps(); err != nil {
		s.o.Log.Warn("cannot disable core dumps", "err", err.Error())
	}
	ln, err := ListenAgent(socket, os.Getuid(), s.o.Log)
	if err != nil {
		return err
	}
	return s.serve(ctx, ln, true, ready)
}

// RunServer is `ztm serve`: it serves sess (opened as any command opens
// the vault) on ln (from [ListenTCP]) until ctx ends. It never forgets the
// key on its own; o.Idle and o.Max are ignored.
func RunServer(ctx context.Context, o Options, sess *app.Session, key *vault.Keyring, ln net.Listener, ready func(*Service)) error {
	o.Idle, o.Max = 0, 0
	s := New(o)
	if err := s.Attach(sess, key); err != nil {
		return err
	}
	return s.serve(ctx, ln, false, ready)
}

func (s *Service) serve(ctx context.Context, ln net.Listener, agent bool, ready func(*Service)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	if ready != nil {
		ready(s)
	}
	err := Serve(ctx, ln, s.Handler(agent))
	cancel()
	<-done
	return err
}

// SpawnAgent starts `exe args...` (the ztm binary and `agent` with its
// flags) in the background, in its own session, and waits up to timeout
// for it to answer on socket. `ztm unlock` calls it when [Client.Status]
// says no agent runs, then hands the agent the passphrase with
// [Client.Unlock].
// extraEnv (KEY=value) is added to the agent's environment: what must not
// show in its process arguments, such as a vault URL with a password.
func SpawnAgent(ctx context.Context, exe string, args []string, socket string, timeout time.Duration, extraEnv ...string) error {
	cmd := exec.Command(exe, args...)
	cmd.Env = append(agentEnviron(os.Environ()), extraEnv...)
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	c := NewAgentClient(socket)
	deadline := time.Now().Add(timeout)
	for {
		sctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := c.Status(sctx)
		cancel()
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case time.Now().After(deadline):
			return errors.New("the agent did not start in time: run ztm agent in a terminal to see why")
		}
		select {
		case err := <-exited:
			return errors.Join(errors.New("the agent stopped at once: run ztm agent in a terminal to see why"), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// agentEnviron is the spawned agent's environment without the passphrases
// the command that starts it may have been given: the agent gets the
// passphrase once, in the unlock request, and must not keep it for hours
// in an environment that `ps e` shows (macOS shows a user's own
// processes' environments to that user).
func agentEnviron(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if k != vault.EnvPassphrase && k != "ZTM_BUNDLE_PASSPHRASE" {
			out = append(out, kv)
		}
	}
	return out
}
