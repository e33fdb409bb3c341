package cli

import (
	"fmt"

	"ztm/model"
	"ztm/oauth"
	"ztm/ui/app"
	"ztm/vault"
)

// session is an unlocked vault and what commands use with it.
type session struct {
	e     Env
	paths vault.Paths
	v     *vault.Vault
	dcs   model.DataCenters
	zoho  *oauth.Client
	app   *app.Session
}

// resolve works out the vault's paths from flags and environment.
func resolve(e Env, g *globals) (vault.Paths, error) {
	return vault.ResolvePaths(g.vault, g.identity, e.Getenv)
}

// openSession unlocks the vault. A passphrase comes from ZTM_PASSPHRASE or
// the terminal; identity files and SSH keys need none.
func openSession(e Env, g *globals) (*session, error) {
	s, err := openVault(e, g)
	if err != nil {
		return nil, err
	}
	if err := s.loadOAuth(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// openVault is openSession without Zoho: for a caller that may not need
// it (a valid token), the data-center table is loaded by loadOAuth later.
func openVault(e Env, g *globals) (*session, error) {
	p, err := resolve(e, g)
	if err != nil {
		return nil, err
	}
	if !p.Exists() {
		return nil, fmt.Errorf("%w at %s: run ztm to create one (or ztm vault init), or point ZTM_VAULT or --vault at yours", vault.ErrNoVault, p.Vault)
	}
	key, err := vault.LoadKey(p.Identity, passphraseSource(e, p))
	if err != nil {
		return nil, err
	}
	// Lazy: most commands only read, and ztm token must start fast; a
	// change loads the vault fully first.
	v, err := vault.Open(p, key, vault.Options{Now: e.Now, Lazy: true})
	if err != nil {
		return nil, err
	}
	for _, w := range v.Warnings() {
		fmt.Fprintf(e.Stderr, "ztm: warning: %s\n", w)
	}
	return &session{e: e, paths: p, v: v}, nil
}

// openProfile opens the session and reads one profile from it.
func openProfile(e Env, g *globals, name string) (*session, model.Profile, error) {
	s, err := openSession(e, g)
	if err != nil {
		return nil, model.Profile{}, err
	}
	p, err := s.v.Profile(name)
	if err != nil {
		s.close()
		return nil, model.Profile{}, err
	}
	return s, p, nil
}

func (s *session) loadOAuth() error {
	dcs, err := oauth.LoadDataCenters(s.e.Getenv)
	if err != nil {
		return err
	}
	s.dcs = dcs
	env := app.Env{Now: s.e.Now, HTTP: s.e.HTTP, Getenv: s.e.Getenv}
	s.zoho = app.NewOAuthClient(env, dcs)
	s.app = app.NewSessionWithClient(env, s.v, dcs, s.zoho)
	return nil
}

func (s *session) close() { s.v.Close() }

// refresh is the vault's view of a Zoho refresh.
func (s *session) refresh() vault.RefreshFunc { return s.app.Refresher() }

// passphraseSource returns how to get the passphrase when the key needs
// one: ZTM_PASSPHRASE, else a prompt on the terminal, else an error that
// says what would work.
func passphraseSource(e Env, p vault.Paths) vault.PassphraseFunc {
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
