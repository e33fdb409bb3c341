package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"time"

	"ztm/model"
	"ztm/vault"
)

var tokenCmd = &command{
	name:    "token",
	summary: "print a valid access token for a profile",
	usage: `ztm token NAME [--min-valid 5m] [--json]

Prints only the token on stdout, refreshing it first (once, whatever the
number of ztm processes asking) when it has less than --min-valid left.

Examples:
  curl -H "Authorization: Zoho-oauthtoken $(ztm token crm-eu)" https://www.zohoapis.eu/crm/v8/org
  ztm token books --json | jq -r .expires_at`,
	run: runToken,
}

var headerCmd = &command{
	name:    "header",
	summary: "print the Authorization header for a profile",
	usage: `ztm header NAME [--min-valid 5m]

Example:
  curl -H "$(ztm header crm-eu)" https://www.zohoapis.eu/crm/v8/org`,
	run: runHeader,
}

var execCmd = &command{
	name:    "exec",
	summary: "run a command with a profile's token in its environment",
	usage: `ztm exec NAME [--min-valid 5m] -- COMMAND [ARGS...]

The command gets ZOHO_ACCESS_TOKEN, ZOHO_API_DOMAIN, ZOHO_ACCOUNTS_SERVER and
ZOHO_DC, but not ZTM_PASSPHRASE; ztm exits with its exit code.

Example:
  ztm exec crm-eu -- sh -c 'curl -H "Authorization: Zoho-oauthtoken $ZOHO_ACCESS_TOKEN" $ZOHO_API_DOMAIN/crm/v8/org'`,
	run: runExec,
}

// tokenFlags are the options of token, header and exec.
type tokenFlags struct {
	minValid time.Duration
	json     bool
}

func (t *tokenFlags) add(fs *flag.FlagSet, withJSON bool) {
	fs.DurationVar(&t.minValid, "min-valid", 5*time.Minute, "refresh when the token has less than this left")
	if withJSON {
		fs.BoolVar(&t.json, "json", false, "print token, expiry, API domain and DC as JSON")
	}
}

// freshToken unlocks the vault and returns name with a token valid for at
// least minValid.
func freshToken(ctx context.Context, e Env, g *globals, name string, minValid time.Duration) (model.Profile, error) {
	s, err := openVault(e, g)
	if err != nil {
		return model.Profile{}, err
	}
	defer s.close()
	// The common case, a valid token, needs neither the lock nor Zoho's
	// table of data centers: ztm token runs before every API call a script
	// makes.
	if p, err := s.v.Profile(name); err == nil && p.Token != nil && p.Token.ValidFor(e.Now(), minValid) {
		return p, nil
	}
	if err := s.loadOAuth(); err != nil {
		return model.Profile{}, err
	}
	f, err := s.v.FreshToken(ctx, name, vault.FreshOptions{Margin: minValid}, s.refresh())
	return f.Profile, err
}

// parseName parses a command's flags and the one profile name it takes.
func parseName(fs *flag.FlagSet, args []string, what string) (string, error) {
	args, err := parse(fs, args)
	if err != nil {
		return "", err
	}
	return oneName(args, what)
}

func oneName(args []string, what string) (string, error) {
	if len(args) != 1 {
		return "", usagef("%s needs one profile name: ztm %s NAME", what, what)
	}
	return args[0], nil
}

func runToken(ctx context.Context, e Env, g *globals, c *command, args []string) error {
	var t tokenFlags
	fs := newFlags(e, c, g)
	t.add(fs, true)
	name, err := parseName(fs, args, "token")
	if err != nil {
		return err
	}
	p, err := freshToken(ctx, e, g, name, t.minValid)
	if err != nil {
		return err
	}
	if !t.json {
		_, err = fmt.Fprintln(e.Stdout, p.Token.AccessToken)
		return err
	}
	return writeJSON(e, map[string]any{
		"access_token":    p.Token.AccessToken,
		"expires_at":      p.Token.ExpiresAt.UTC().Format(time.RFC3339),
		"expires_in":      int(p.Token.Remaining(e.Now()).Seconds()),
		"api_domain":      p.APIDomain,
		"accounts_server": p.AccountsServer,
		"dc":              p.DC,
		"header":          "Zoho-oauthtoken " + p.Token.AccessToken,
	})
}

func runHeader(ctx context.Context, e Env, g *globals, c *command, args []string) error {
	var t tokenFlags
	fs := newFlags(e, c, g)
	t.add(fs, false)
	name, err := parseName(fs, args, "header")
	if err != nil {
		return err
	}
	p, err := freshToken(ctx, e, g, name, t.minValid)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.Stdout, model.AuthorizationHeader(p.Token.AccessToken))
	return err
}

func runExec(ctx context.Context, e Env, g *globals, c *command, args []string) error {
	var t tokenFlags
	fs := newFlags(e, c, g)
	t.add(fs, false)
	args, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(args) < 2 {
		return usagef("exec needs a profile and a command: ztm exec NAME -- COMMAND [ARGS...]")
	}
	p, err := freshToken(ctx, e, g, args[0], t.minValid)
	if err != nil {
		return err
	}
	cmd := exec.Command(args[1], args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.Stdin, e.Stdout, e.Stderr
	cmd.Env = append(childEnv(os.Environ()),
		"ZOHO_ACCESS_TOKEN="+p.Token.AccessToken,
		"ZOHO_API_DOMAIN="+p.APIDomain,
		"ZOHO_ACCOUNTS_SERVER="+p.AccountsServer,
		"ZOHO_DC="+p.DC,
	)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot run %s: %w", args[1], err)
	}
	// The terminal sends ^C to the whole process group: let the command
	// decide what to do with it, and exit with its status.
	signal.Ignore(os.Interrupt)
	defer signal.Reset(os.Interrupt)
	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exitStatus(exit.ExitCode())
	}
	return err
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

// exitStatus passes a child's exit code through, with no message.
type exitStatus int

func (s exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(s)) }

func writeJSON(e Env, v any) error {
	enc := json.NewEncoder(e.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
