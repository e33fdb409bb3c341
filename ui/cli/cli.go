package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/vault"
)

// Exit codes, documented in the README and in `ztm --help`.
const (
	ExitOK        = 0
	ExitUsage     = 1 // bad arguments, or any other failure
	ExitNoProfile = 2 // no such profile
	ExitLocked    = 3 // the vault could not be unlocked or locked
	ExitZoho      = 4 // Zoho refused, or could not be asked (no refresh token, budget spent)
	ExitNetwork   = 5 // Zoho could not be reached
	// ExitInterrupted is the shell's code for a process ended by Ctrl+C.
	ExitInterrupted = 130
)

// stopSignals end a command cleanly (its deferred clean-up runs): Ctrl+C,
// kill, and the terminal closing under it.
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// Main runs ztm with args (without the program name) and returns the exit
// code. With no command it starts the dashboard.
func Main(args []string, e Env) int {
	ctx := &signalContext{}
	defer ctx.stop()
	f := &Factory{Env: e}
	root := newCmdRootFor(f, args)
	root.SetArgs(args)
	root.SetIn(e.Stdin)
	root.SetOut(e.Stdout)
	root.SetErr(e.Stderr)
	err := root.ExecuteContext(ctx)
	return report(e, args, err)
}

// signalContext is the commands' context: cancelled by stopSignals, but
// it starts listening for them only when something first waits on it
// (Done: a refresh, a prompt, the agent, the dashboard). `ztm token` on a
// valid token never waits, so it skips the signal thread and goroutine
// (a tenth of a millisecond); a Ctrl+C before then ends the process as
// any signal does, with nothing to clean up.
type signalContext struct {
	mu      sync.Mutex
	ctx     context.Context // nil until something waits on it
	cancel  context.CancelFunc
	stopped bool
}

// listen is the context that stopSignals cancel, listening from the
// first call on; after stop, an already cancelled one.
func (s *signalContext) listen() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil {
		if s.stopped {
			s.ctx, s.cancel = context.WithCancel(context.Background())
			s.cancel()
		} else {
			s.ctx, s.cancel = signal.NotifyContext(context.Background(), stopSignals...)
		}
	}
	return s.ctx
}

// stop stops listening (as signal.NotifyContext's stop does), if it ever
// started.
func (s *signalContext) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	if s.cancel != nil {
		s.cancel()
	}
}

// Deadline is never set.
func (s *signalContext) Deadline() (time.Time, bool) { return time.Time{}, false }

// Done starts listening for stopSignals.
func (s *signalContext) Done() <-chan struct{} { return s.listen().Done() }

// Err is nil until a signal was caught, which needs listening first.
func (s *signalContext) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil {
		return nil
	}
	return s.ctx.Err()
}

// Value is the listening context's (nothing of ztm's own): once
// listening, that lets context.WithCancel and the like on this context
// find its cancellation directly instead of starting a goroutine to
// watch it.
func (s *signalContext) Value(key any) any {
	s.mu.Lock()
	ctx := s.ctx
	s.mu.Unlock()
	if ctx == nil {
		return nil
	}
	return ctx.Value(key)
}

// usageErr is a mistake in the command line (exit code 1).
type usageErr struct{ msg string }

func (u usageErr) Error() string { return u.msg }

func usagef(format string, a ...any) error { return usageErr{fmt.Sprintf(format, a...)} }

// exitStatus passes a child's exit code through; msg, when set, is the
// one line said about it.
type exitStatus struct {
	code int
	msg  string
}

func (s exitStatus) Error() string { return fmt.Sprintf("exit status %d", s.code) }

// exitCode maps an error to the documented exit codes.
func exitCode(err error) int {
	var zerr *oauth.Error
	var uerr usageErr
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &uerr):
		return ExitUsage
	case errors.Is(err, vault.ErrNoProfile):
		return ExitNoProfile
	case oauth.IsNetwork(err):
		return ExitNetwork
	case errors.As(err, &zerr), errors.Is(err, vault.ErrBudget), errors.Is(err, vault.ErrNoToken),
		errors.Is(err, model.ErrRefreshRevoked), errors.Is(err, model.ErrThrottled):
		return ExitZoho
	case errors.Is(err, vault.ErrWrongPassphrase), errors.Is(err, vault.ErrNoPassphrase),
		errors.Is(err, vault.ErrNoIdentity), errors.Is(err, vault.ErrBadIdentity),
		errors.Is(err, vault.ErrWrongIdentity), errors.Is(err, vault.ErrNoVault),
		errors.Is(err, vault.ErrNotVault), errors.Is(err, vault.ErrCorrupt),
		errors.Is(err, vault.ErrNewerSchema), errors.Is(err, vault.ErrLockTimeout),
		errors.Is(err, vault.ErrUnsafeDir),
		errors.Is(err, vault.ErrLockFailed):
		return ExitLocked
	}
	return ExitUsage
}

// report prints err as one line on stderr and returns its exit code.
// Long arguments are cut in the message: a pasted 100,000-character name
// must not flood the terminal back.
func report(e Env, args []string, err error) int {
	if err == nil {
		return ExitOK
	}
	var status exitStatus
	if errors.As(err, &status) {
		if status.msg != "" {
			fmt.Fprintf(e.Stderr, "ztm: %s\n", status.msg)
		}
		return status.code
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(e.Stderr, "ztm: interrupted; nothing was changed")
		return ExitInterrupted
	}
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	for _, a := range args {
		if len(a) > maxArg {
			msg = strings.ReplaceAll(msg, a, cut(a))
		}
	}
	if len(msg) > maxLine {
		msg = cut(msg[:maxLine])
	}
	fmt.Fprintf(e.Stderr, "ztm: %s\n", msg)
	return exitCode(err)
}

// An argument longer than maxArg is cut to maxEcho characters where a
// message repeats it; maxLine caps a whole error line.
const (
	maxArg  = 256
	maxEcho = 64
	maxLine = 2048
)

// cut shortens text typed by someone for a message.
func cut(s string) string {
	if r := []rune(s); len(r) > maxEcho {
		return string(r[:maxEcho]) + fmt.Sprintf("…(%d characters)", len(r))
	}
	return s
}
