package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"ztm/model"
	"ztm/ui/app"
	"ztm/vault"
)

// Factory is what every command is built from (cli/cli's cmdutil.Factory):
// the environment, and the global flags once cobra has parsed them. A
// command's options struct keeps a pointer to it, so a test of flag
// parsing needs neither a vault nor a terminal.
type Factory struct {
	Env Env
	// VaultFlag and IdentityFlag are --vault and --identity.
	VaultFlag, IdentityFlag string
	// Executable is the ztm binary `ztm unlock` starts an agent with;
	// empty means this process's own (os.Executable).
	Executable string
	// named is the command that was given no profile name, for the
	// message when no default stands in either.
	named *cobra.Command
	// change says the command changes the vault (see ForChange).
	change bool
}

// ForChange is f for a command that changes the vault. Its opens read the
// whole vault at once, as the change will need it, rather than lazily and
// then again; a vault in PostgreSQL is read on the session the change
// then takes (a reader's open ends its own).
func (f *Factory) ForChange() *Factory {
	g := *f
	g.change = true
	return &g
}

// appEnv is the part of the environment the use cases need.
func (f *Factory) appEnv() app.Env {
	return app.Env{Now: f.Env.Now, HTTP: f.Env.HTTP, Getenv: f.Env.Getenv}
}

// Paths works out the vault's files from the flags and the environment.
func (f *Factory) Paths() (vault.Paths, error) {
	return vault.ResolvePaths(f.VaultFlag, f.IdentityFlag, f.Env.Getenv)
}

// Open unlocks the vault and returns a session of use cases on it:
// through the agent when one runs unlocked on this vault, else with a
// passphrase from ZTM_PASSPHRASE or the terminal (identity files and SSH
// keys need none). The vault is opened lazily: most commands only read,
// and the first change loads it fully; see [Factory.ForChange].
func (f *Factory) Open() (*app.Session, error) {
	p, err := f.Paths()
	if err != nil {
		return nil, err
	}
	if s, ok, err := f.openWithAgent(p); ok {
		if err != nil {
			return nil, err
		}
		f.prepare(s)
		return s, nil
	}
	return f.OpenOwnKey()
}

// prepare readies an open session for the command line: it warns about
// the vault's files, makes refusals that need a new consent say how (the
// dashboard key and the command, from their tables), and trusts Zoho's
// server list as ztm dc sync kept it for pasted redirects (without it only
// the table and the profile's own server are).
func (f *Factory) prepare(s *app.Session) {
	f.warn(s.Vault)
	s.ConsentHow = grantHint
	if err := s.TrustServerList(); err != nil {
		fmt.Fprintf(f.Env.Stderr, "ztm: warning: %s\n", oneLine(err))
	}
}

// OpenOwnKey is Open without the agent: for the commands that need the
// vault's own key in this process (a new passphrase wraps the identity,
// which the agent never hands out; recipients are compared with it).
func (f *Factory) OpenOwnKey() (*app.Session, error) {
	p, err := f.Paths()
	if err != nil {
		return nil, err
	}
	s, err := app.Open(f.appEnv(), p, f.passphrase(p), app.OpenOptions{Lazy: !f.change})
	if err != nil {
		return nil, err
	}
	f.prepare(s)
	return s, nil
}

// OpenProfile opens the session and reads one profile from it; an empty
// name is the default profile (see defaultName).
func (f *Factory) OpenProfile(name string) (*app.Session, model.Profile, error) {
	s, err := f.Open()
	if err != nil {
		return nil, model.Profile{}, err
	}
	if err := f.resolveName(s.Vault, &name); err != nil {
		s.Close()
		return nil, model.Profile{}, err
	}
	p, err := s.Vault.Profile(name)
	if err != nil {
		s.Close()
		return nil, model.Profile{}, err
	}
	return s, p, nil
}

// openVault unlocks the vault without loading the data-center table:
// ztm token on a valid token (before every API call a script makes) needs
// neither it nor Zoho. [withZoho] completes the session when a refresh is
// needed after all.
func (f *Factory) openVault() (*vault.Vault, error) {
	p, err := f.Paths()
	if err != nil {
		return nil, err
	}
	if !p.Exists() {
		return nil, fmt.Errorf("%w at %s: run ztm to create one (or ztm vault init), or point ZTM_VAULT or --vault at yours", vault.ErrNoVault, p.Vault)
	}
	pass := f.passphrase(p)
	v, err := vault.OpenKeyed(p, func() (*vault.Keyring, error) { return vault.LoadKey(p.Identity, pass) }, app.VaultOptions(f.appEnv(), true))
	if err != nil {
		return nil, err
	}
	f.warn(v)
	return v, nil
}

// withZoho makes a session of a vault opened by openVault.
func (f *Factory) withZoho(v *vault.Vault) (*app.Session, error) {
	dcs, err := app.LoadDataCenters(f.appEnv())
	if err != nil {
		return nil, err
	}
	return app.NewSession(f.appEnv(), v, dcs), nil
}

func (f *Factory) warn(v *vault.Vault) {
	for _, w := range v.Warnings() {
		fmt.Fprintf(f.Env.Stderr, "ztm: warning: %s\n", w)
	}
}

// passphrase returns how to get the passphrase when the key needs one:
// ZTM_PASSPHRASE, else a prompt on the terminal, else an error that says
// what would work.
func (f *Factory) passphrase(p vault.Paths) vault.PassphraseFunc {
	e := f.Env
	return func() (string, error) {
		if pass := e.Getenv(vault.EnvPassphrase); pass != "" {
			return pass, nil
		}
		if e.Prompt == nil {
			return "", fmt.Errorf("%w for %s and there is no terminal to ask on: set %s, or use a key file (ZTM_IDENTITY)", vault.ErrNoPassphrase, p.Identity, vault.EnvPassphrase)
		}
		return e.Prompt.Secret("Passphrase for " + p.Identity + ": ")
	}
}
