package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"ztm/ui/app/service"
)

// AgentOptions are the options of ztm agent.
type AgentOptions struct {
	F         *Factory
	Idle, Max time.Duration
}

// NewCmdAgent is `ztm agent`, with its status and stop subcommands.
func NewCmdAgent(f *Factory, runF func(context.Context, *AgentOptions) error) *cobra.Command {
	o := &AgentOptions{F: f}
	cmd := &cobra.Command{
		Use:   "agent [--idle 15m] [--max 12h]",
		Short: "hold the vault's key for this session (ztm unlock starts it)",
		Long: `Runs in the foreground until stopped, listening on a Unix socket that only your
user can reach ($ZTM_AGENT_SOCK, else ztm/agent.sock in $XDG_RUNTIME_DIR or a
per-user temp dir). It starts locked: ztm unlock hands it the passphrase. It
forgets the key after --idle without use, at --max, on ztm lock, and when it
stops. It logs one JSON line per request on stderr, never a secret.`,
		Example: `  ztm agent --idle 30m &
  ztm agent status
  ztm agent stop`,
		Args: noArgsButSubcommands,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runAgent(cmd.Context(), o)
		},
	}
	addAgentTimeFlags(cmd, &o.Idle, &o.Max)
	cmd.AddCommand(newCmdAgentStatus(f), newCmdAgentStop(f))
	return cmd
}

// runAgent serves until the command's context ends (Ctrl+C, SIGTERM, the
// terminal closing: Main's signals), then forgets the key.
func runAgent(ctx context.Context, o *AgentOptions) error {
	f := o.F
	p, err := f.existingPaths()
	if err != nil {
		return err
	}
	sock := service.AgentSocketPath(f.Env.Getenv)
	log := slog.New(slog.NewJSONHandler(f.Env.Stderr, nil))
	opts := service.Options{Env: f.appEnv(), Paths: p, Idle: o.Idle, Max: o.Max, Log: log}
	// Another agent on the socket (service.ErrAgentRunning) is exit 1,
	// with the service's sentence naming what to do.
	return service.RunAgent(ctx, opts, sock, func(*service.Service) {
		log.Info("listening", "socket", sock, "vault", p.Vault, "pid", os.Getpid(), "idle", o.Idle.String(), "max", o.Max.String())
	})
}

func newCmdAgentStatus(f *Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [--json]",
		Short: "say whether the agent runs and holds the key",
		Long: `One line: "running since ... (pid N), unlocked, forgets the key at ..." or
"running since ... (pid N), locked", or "no agent runs". It exits 0 in all
three cases (the answer is on stdout; --json for scripts), and 5 only when
something holds the socket but does not answer.`,
		Example: `  ztm agent status
  ztm agent status --json | jq .unlocked`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return agentStatus(cmd.Context(), f, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print running, unlocked, pid, vault, started and forget_at as JSON")
	return cmd
}

func agentStatus(ctx context.Context, f *Factory, asJSON bool) error {
	e := f.Env
	st, err := f.agentClient().Status(ctx)
	running := err == nil
	if err != nil && !errors.Is(err, service.ErrNoAgent) {
		return serviceFailure(err, "", false)
	}
	if asJSON {
		out := map[string]any{"running": running, "unlocked": st.Unlocked}
		if running {
			out["pid"], out["vault"], out["started"] = st.PID, st.Vault, st.Started.UTC().Format(time.RFC3339)
		}
		if st.Unlocked {
			out["forget_at"] = st.ForgetAt.UTC().Format(time.RFC3339)
		}
		return writeJSON(e, out)
	}
	now := e.Now()
	switch {
	case !running:
		fmt.Fprintln(e.Stdout, "no agent runs")
	case st.Unlocked:
		fmt.Fprintf(e.Stdout, "running since %s (pid %d) for %s, unlocked, forgets the key at %s\n",
			clockTime(st.Started, now), st.PID, st.Vault, clockTime(st.ForgetAt, now))
	default:
		fmt.Fprintf(e.Stdout, "running since %s (pid %d) for %s, locked\n", clockTime(st.Started, now), st.PID, st.Vault)
	}
	return nil
}

// stopWait bounds how long ztm agent stop waits for the agent to go.
const stopWait = 10 * time.Second

func newCmdAgentStop(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "stop",
		Short:   "stop the agent (it forgets the key as it goes)",
		Example: "  ztm agent stop",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return agentStop(cmd.Context(), f)
		},
	}
}

func agentStop(ctx context.Context, f *Factory) error {
	e := f.Env
	c := f.agentClient()
	st, err := c.Status(ctx)
	switch {
	case errors.Is(err, service.ErrNoAgent):
		fmt.Fprintln(e.Stdout, "no agent runs")
		return nil
	case err != nil:
		return serviceFailure(err, "", false)
	}
	// Forget first: the key is gone even if the signal is not delivered.
	if _, err := c.Lock(ctx); err != nil {
		return serviceFailure(err, "", false)
	}
	// The socket's peer check makes the answer come from a process of
	// ours, so its pid is not someone else's to signal.
	proc, err := os.FindProcess(st.PID)
	if err == nil {
		err = proc.Signal(syscall.SIGTERM)
	}
	if err != nil {
		return fmt.Errorf("the agent (pid %d) forgot its key but could not be stopped: %v", st.PID, err)
	}
	deadline := time.Now().Add(stopWait)
	for {
		if _, err := c.Status(ctx); errors.Is(err, service.ErrNoAgent) {
			fmt.Fprintf(e.Stdout, "stopped (pid %d)\n", st.PID)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the agent (pid %d) forgot its key but is still running after %s", st.PID, stopWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
