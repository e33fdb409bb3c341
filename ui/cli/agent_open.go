package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"ztm/model"
	"ztm/ui/app"
	"ztm/ui/app/service"
	"ztm/vault"
)

// How the command line uses a running agent or a token server. Every
// command first asks the agent (when one runs unlocked on this vault) so a
// passphrase vault costs one scrypt per session, not one per command; on
// no agent, or a locked one, it unlocks the vault itself as before.

// agentClient is a client of the agent this environment names
// ($ZTM_AGENT_SOCK, else the per-user default).
func (f *Factory) agentClient() *service.Client {
	return service.NewAgentClient(service.AgentSocketPath(f.Env.Getenv))
}

// agentAbsent says for certain that no agent runs: its socket does not
// exist. One lstat then spares the commands run without an agent (the
// common case for scripts on a key file) the HTTP client's set-up and a
// dial that can only fail; anything else (a socket that exists, an
// unreadable directory) is left to the client, which tells a stale socket
// from a live one.
func (f *Factory) agentAbsent() bool {
	_, err := os.Lstat(service.AgentSocketPath(f.Env.Getenv))
	return errors.Is(err, fs.ErrNotExist)
}

// existingPaths are the vault's paths, or the error every command gives
// when there is no vault there yet.
func (f *Factory) existingPaths() (vault.Paths, error) {
	p, err := f.Paths()
	if err == nil && !p.Exists() {
		err = fmt.Errorf("%w at %s: run ztm to create one (or ztm vault init), or point ZTM_VAULT or --vault at yours", vault.ErrNoVault, p.Vault)
	}
	return p, err
}

// noAgent says an answer means "open the vault yourself": no agent runs,
// it runs locked, or it serves another vault.
func noAgent(err error) bool {
	return errors.Is(err, service.ErrNoAgent) || errors.Is(err, service.ErrLocked)
}

// openWithAgent opens the vault at p through an unlocked agent; ok is
// false when there is none to use, and the caller opens it as before.
func (f *Factory) openWithAgent(p vault.Paths) (s *app.Session, ok bool, err error) {
	if !p.Exists() || f.agentAbsent() {
		return nil, false, nil
	}
	s, err = service.OpenWithAgent(context.Background(), f.appEnv(), f.agentClient(), p, app.OpenOptions{Lazy: !f.change})
	if noAgent(err) {
		return nil, false, nil
	}
	return s, true, err
}

// AgentKeyFunc returns what the dashboard needs to unlock through a
// running agent: a function giving the vault's key as held by the agent
// (an age identity that asks the agent to unwrap each file key), or an
// error wrapping [service.ErrNoAgent] or [service.ErrLocked] when the
// dashboard must ask for the passphrase itself.
func AgentKeyFunc(getenv func(string) string) func(ctx context.Context, p vault.Paths) (*vault.Keyring, error) {
	return func(ctx context.Context, p vault.Paths) (*vault.Keyring, error) {
		c := service.NewAgentClient(service.AgentSocketPath(getenv)).ForVault(p.Vault)
		return service.AgentKeyring(ctx, c, p)
	}
}

// tokenFromService asks the token server (--server or ZTM_SERVER) or
// else the agent for o.Name's token. ok is false when neither is there to
// ask (no server named; no agent, or a locked one): the caller reads the
// vault itself.
func tokenFromService(ctx context.Context, o *TokenOptions) (p model.Profile, ok bool, err error) {
	e := o.F.Env
	base, cred := service.ServerFromEnv(o.Server, e.Getenv)
	var c *service.Client
	server := base != ""
	if server {
		if c, err = service.NewServerClient(base, cred, nil); err != nil {
			return model.Profile{}, true, usageErr{err.Error()}
		}
	} else {
		paths, perr := o.F.Paths()
		if perr != nil || o.F.agentAbsent() {
			return model.Profile{}, false, nil
		}
		c = o.F.agentClient().ForVault(paths.Vault)
	}
	tok, err := c.Token(ctx, o.Name, o.MinValid)
	if !server && noAgent(err) {
		return model.Profile{}, false, nil
	}
	if err != nil && !o.Strict && refusedByZoho(err) {
		// As without a service: a token still valid beats none.
		if old, oerr := c.Token(ctx, o.Name, time.Nanosecond); oerr == nil {
			fmt.Fprintf(e.Stderr, "ztm: warning: %s was not refreshed (%s); using the stored token, valid for %s (--strict makes this an error)\n",
				cut(o.Name), oneLine(err), model.FormatRemaining(old.ExpiresAt.Sub(e.Now())))
			tok, err = old, nil
		}
	}
	if err != nil {
		return model.Profile{}, true, serviceFailure(err, o.Name, server)
	}
	return model.Profile{
		Name: o.Name, DC: tok.DC, APIDomain: tok.APIDomain,
		Token: &model.Token{AccessToken: tok.AccessToken, TokenType: "Bearer", ExpiresAt: tok.ExpiresAt},
	}, true, nil
}

// refusedByZoho says the service could not refresh: Zoho refused or could
// not be reached. A stored token may still be good for a while.
func refusedByZoho(err error) bool {
	var e *service.Error
	return errors.As(err, &e) && (errors.Is(err, service.ErrZoho) || e.Code == service.CodeZohoDown) && e.Code != service.CodeNoToken
}

// serviceFailure turns an error from the agent or the token server into
// the command line's exit code (service.ExitCode, which uses the same
// table) and one line; a refusal the owner can fix by consenting again
// says how, as the vault path does.
func serviceFailure(err error, name string, server bool) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	msg := oneLine(err)
	var e *service.Error
	if errors.As(err, &e) {
		if server {
			msg = "the token server says: " + msg
		} else if e.Code == service.CodeRevoked || e.Code == service.CodeNoToken {
			msg += ": " + grantHint(name)
		}
	}
	if len(name) > maxArg {
		msg = strings.ReplaceAll(msg, name, cut(name))
	}
	if len(msg) > maxLine {
		msg = cut(msg[:maxLine])
	}
	return exitStatus{code: service.ExitCode(err), msg: msg}
}
