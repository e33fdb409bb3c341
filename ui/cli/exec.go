package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"ztm/model"
	"ztm/vault"
)

// NewCmdExec is `ztm exec NAME -- COMMAND [ARGS...]`.
func NewCmdExec(f *Factory, runF func(context.Context, *TokenOptions) error) *cobra.Command {
	o := &TokenOptions{F: f}
	cmd := &cobra.Command{
		Use:   "exec NAME [--min-valid 5m] [--strict] -- COMMAND [ARGS...]",
		Short: "run a command with a profile's token in its environment",
		Long: `The command gets ZOHO_ACCESS_TOKEN, ZOHO_API_DOMAIN (the sandbox or developer
host for such a profile), ZOHO_ACCOUNTS_SERVER, ZOHO_DC and ZOHO_ENVIRONMENT
(production, sandbox or developer), but not ZTM_PASSPHRASE; ztm exits with its exit code (128+N when a
signal N killed it). Everything after -- is the command, verbatim.`,
		Example: `  ztm exec crm-eu -- sh -c 'curl -H "Authorization: Zoho-oauthtoken $ZOHO_ACCESS_TOKEN" $ZOHO_API_DOMAIN/crm/v8/org'`,
		Args: func(cmd *cobra.Command, args []string) error {
			// The profile may be left to the default: ztm exec -- CMD.
			if dash := cmd.ArgsLenAtDash(); dash < 0 || dash > 1 || len(args) <= dash {
				return usagef("exec needs a profile and a command: %s", usageLine(cmd))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			dash := cmd.ArgsLenAtDash()
			o.Name, o.Command = f.nameArg(cmd, args[:dash]), args[dash:]
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runExec(cmd.Context(), o)
		},
	}
	addTokenFlags(cmd, o)
	return cmd
}

func runExec(ctx context.Context, o *TokenOptions) error {
	e := o.F.Env
	p, err := freshToken(ctx, o)
	if err != nil {
		return err
	}
	cmd := exec.Command(o.Command[0], o.Command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.Stdin, e.Stdout, e.Stderr
	cmd.Env = append(childEnv(os.Environ()),
		"ZOHO_ACCESS_TOKEN="+p.Token.AccessToken,
		"ZOHO_API_DOMAIN="+apiDomain(p),
		"ZOHO_ACCOUNTS_SERVER="+p.AccountsServer,
		"ZOHO_DC="+p.DC,
		"ZOHO_ENVIRONMENT="+string(p.Environment.OrDefault()),
	)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot run %s: %w", cut(o.Command[0]), err)
	}
	// The terminal sends ^C to the whole process group: let the command
	// decide what to do with it, and exit with its status.
	signal.Ignore(os.Interrupt)
	defer signal.Reset(os.Interrupt)
	return childStatus(o.Command[0], cmd.Wait())
}

// apiDomain is where the profile's API calls go: its api_domain, or for
// a sandbox or developer org that environment's own host beside it.
func apiDomain(p model.Profile) string {
	if b := model.APIBase(p); b != "" {
		return b
	}
	return p.APIDomain
}

// childStatus turns how the command ended into ztm's exit: its own code,
// or, when a signal killed it, 128 plus the signal's number (what a shell
// reports) with one line saying so.
func childStatus(name string, err error) error {
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return err
	}
	if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		sig := ws.Signal()
		return exitStatus{code: 128 + int(sig), msg: fmt.Sprintf("%s was killed by signal %d (%v)", cut(name), int(sig), sig)}
	}
	return exitStatus{code: exit.ExitCode()}
}

// childEnv is the environment of ztm exec's command, without the
// passphrases ztm itself may have been given: the command gets a token,
// not the key to every token in the vault.
func childEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if strings.HasPrefix(kv, vault.EnvPassphrase+"=") || strings.HasPrefix(kv, "ZTM_BUNDLE_PASSPHRASE=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}
