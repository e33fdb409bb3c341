package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"ztm/ui/app/service"
	"ztm/vault"
)

// UnlockOptions are the options of ztm unlock.
type UnlockOptions struct {
	F *Factory
	// Idle and Max are the agent's --idle and --max, for an agent this
	// command starts; a running agent keeps its own.
	Idle, Max time.Duration
	// timesGiven says --idle or --max was given.
	timesGiven bool
}

// spawnTimeout bounds how long ztm unlock waits for the agent it started
// to answer on its socket.
const spawnTimeout = 10 * time.Second

// NewCmdUnlock is `ztm unlock`.
func NewCmdUnlock(f *Factory, runF func(context.Context, *UnlockOptions) error) *cobra.Command {
	o := &UnlockOptions{F: f}
	cmd := &cobra.Command{
		Use:   "unlock [--idle 15m] [--max 12h]",
		Short: "unlock the vault once for this session, in the agent",
		Long: `Starts the agent (ztm agent) in the background if none runs, and hands it the
passphrase (from ZTM_PASSPHRASE or the terminal; a key-file vault needs none).
Until the agent forgets the key (after --idle without use, at --max, on
ztm lock, or when it stops), ztm token and every other command get what they
need from it without asking for the passphrase. Read the Security section of
the README first: any process of yours can ask the agent while it is unlocked.`,
		Example: `  ztm unlock
  ztm unlock --idle 1h --max 8h`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.timesGiven = cmd.Flags().Changed("idle") || cmd.Flags().Changed("max")
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runUnlock(cmd.Context(), o)
		},
	}
	addAgentTimeFlags(cmd, &o.Idle, &o.Max)
	return cmd
}

// addAgentTimeFlags registers --idle and --max, shared by unlock and agent.
func addAgentTimeFlags(cmd *cobra.Command, idle, maxTime *time.Duration) {
	cmd.Flags().DurationVar(idle, "idle", service.DefaultIdle, "forget the key after this long without use")
	cmd.Flags().DurationVar(maxTime, "max", service.DefaultMax, "forget the key this long after unlocking, used or not")
}

func runUnlock(ctx context.Context, o *UnlockOptions) error {
	f, e := o.F, o.F.Env
	p, err := f.existingPaths()
	if err != nil {
		return err
	}
	sock := service.AgentSocketPath(e.Getenv)
	c := service.NewAgentClient(sock)
	st, err := c.Status(ctx)
	running := err == nil
	if err != nil && !errors.Is(err, service.ErrNoAgent) {
		return serviceFailure(err, "", false)
	}
	if running && st.Vault != p.Vault {
		return usagef("the agent on %s serves %s, not %s: stop it (ztm agent stop), or set %s to run another beside it",
			sock, st.Vault, p.Vault, service.EnvAgentSock)
	}
	if running && o.timesGiven {
		fmt.Fprintln(e.Stderr, "ztm: note: the agent already runs and keeps its own --idle and --max; ztm agent stop, then ztm unlock, to change them")
	}
	if st.Unlocked {
		fmt.Fprintf(e.Stdout, "already unlocked until %s\n", clockTime(st.ForgetAt, e.Now()))
		return nil
	}
	// The passphrase first: without one there is no point starting an
	// agent that would stay locked.
	pass := ""
	if needsPassphrase(p) {
		if pass, err = f.passphrase(p)(); err != nil {
			return err
		}
	}
	if !running {
		if err := o.spawn(ctx, p, sock); err != nil {
			return err
		}
	}
	st, err = c.Unlock(ctx, pass)
	pass = ""
	if err != nil {
		return serviceFailure(err, "", false)
	}
	fmt.Fprintf(e.Stdout, "unlocked until %s\n", clockTime(st.ForgetAt, e.Now()))
	return nil
}

// spawn starts the agent for the vault at p in the background and waits
// until it answers on sock.
func (o *UnlockOptions) spawn(ctx context.Context, p vault.Paths, sock string) error {
	exe := o.F.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return fmt.Errorf("cannot find the ztm binary to start the agent with (%v): run ztm agent in another terminal, then ztm unlock", err)
		}
	}
	// The resolved paths, not the flags: the agent must serve exactly
	// the vault this command names, whatever its working directory.
	args := []string{"agent", "--identity", p.Identity, "--idle", o.Idle.String(), "--max", o.Max.String()}
	// The vault goes in the environment, not the arguments: a PostgreSQL
	// URL may carry a password, which process arguments would show.
	vaultEnv := vault.EnvVault + "=" + p.Vault
	if p.URL != "" {
		vaultEnv = vault.EnvVault + "=" + p.URL
	}
	err := service.SpawnAgent(ctx, exe, args, sock, spawnTimeout, vaultEnv)
	if err != nil && !errors.Is(err, context.Canceled) {
		return exitStatus{code: ExitNetwork, msg: "cannot start the agent: " + oneLine(err)}
	}
	return err
}

// errAsked stops vault.LoadKey at the passphrase prompt.
var errAsked = errors.New("a passphrase is needed")

// needsPassphrase says whether the vault's key is wrapped by a passphrase.
// It reads the identity file without unlocking it (no scrypt): only a
// wrapped key asks for a passphrase.
func needsPassphrase(p vault.Paths) bool {
	asked := false
	vault.LoadKey(p.Identity, func() (string, error) {
		asked = true
		return "", errAsked
	})
	return asked
}

// clockTime is a time of day, with the date when it is not within a day.
func clockTime(t, now time.Time) string {
	if t.IsZero() {
		return "it is locked or stopped"
	}
	if d := t.Sub(now); d > 20*time.Hour || d < -20*time.Hour {
		return t.Local().Format("2006-01-02 15:04")
	}
	return t.Local().Format("15:04")
}

// NewCmdLock is `ztm lock`.
func NewCmdLock(f *Factory, runF func(context.Context) error) *cobra.Command {
	return &cobra.Command{
		Use:   "lock",
		Short: "make the agent forget the vault's key now",
		Long: `The agent keeps running, locked: the next command asks for the passphrase
again (or ztm unlock hands it over once more). With no agent, nothing to do.`,
		Example: "  ztm lock",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context())
			}
			_, err := f.agentClient().Lock(cmd.Context())
			switch {
			case errors.Is(err, service.ErrNoAgent):
				fmt.Fprintln(f.Env.Stdout, "no agent runs")
				return nil
			case err != nil:
				return serviceFailure(err, "", false)
			}
			fmt.Fprintln(f.Env.Stdout, "forgotten")
			return nil
		},
	}
}
