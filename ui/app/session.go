package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/vault"
)

// Env is the outside world the use cases need; main builds it, tests
// replace its parts.
type Env struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HTTP talks to Zoho; nil means the oauth package's default client.
	HTTP *http.Client
	// Getenv reads the environment (ZTM_DATACENTERS and friends); nil reads
	// nothing.
	Getenv func(string) string
}

func (e Env) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

func (e Env) getenv(k string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(k)
}

// Session is an open vault with Zoho at hand: what every use case works on.
type Session struct {
	Vault *vault.Vault
	DCs   model.DataCenters
	Zoho  *oauth.Client
	// ConsentHow, when set, says how to consent again for a profile (the
	// dashboard key and the command, which this package does not know);
	// errors that need a new consent carry it.
	ConsentHow func(profile string) string
	env        Env
}

// OpenOptions tune [Open].
type OpenOptions struct {
	// Lazy opens the vault for reading only what a lookup touches; the
	// first change loads it fully. Commands that mostly read use it.
	Lazy bool
}

// Open unlocks the vault at p (asking pass for a passphrase when its key
// needs one) and loads the data-center table. The vault's warnings (files
// readable by others) are in Session.Vault.Warnings.
func Open(env Env, p vault.Paths, pass vault.PassphraseFunc, o OpenOptions) (*Session, error) {
	if !p.Exists() {
		return nil, fmt.Errorf("%w at %s: run ztm to create one (or ztm vault init), or point ZTM_VAULT or --vault at yours", vault.ErrNoVault, p.Vault)
	}
	dcs, err := LoadDataCenters(env)
	if err != nil {
		return nil, err
	}
	v, err := vault.OpenKeyed(p, func() (*vault.Keyring, error) { return vault.LoadKey(p.Identity, pass) }, VaultOptions(env, o.Lazy))
	if err != nil {
		return nil, err
	}
	return NewSession(env, v, dcs), nil
}

// VaultOptions are how a face opens the vault: a lazy open of a vault in
// PostgreSQL keeps a copy of its ciphertext in the user's cache.
func VaultOptions(env Env, lazy bool) vault.Options {
	o := vault.Options{Now: env.Now, Lazy: lazy}
	if lazy {
		o.CacheDir = vault.CacheDir(env.getenv)
	}
	return o
}

// NewSession wraps a vault the caller opened itself (the dashboard unlocks
// on its own screen).
func NewSession(env Env, v *vault.Vault, dcs model.DataCenters) *Session {
	return &Session{Vault: v, DCs: dcs, Zoho: NewOAuthClient(env, dcs), env: env}
}

// LoadDataCenters reads the built-in table with any ZTM_DATACENTERS
// overrides.
func LoadDataCenters(env Env) (model.DataCenters, error) {
	return oauth.LoadDataCenters(env.getenv)
}

// NewOAuthClient builds the Zoho client both faces share, on env's clock
// and HTTP client.
func NewOAuthClient(env Env, dcs model.DataCenters) *oauth.Client {
	c := oauth.NewClient(dcs)
	if env.HTTP != nil {
		c.HTTP = env.HTTP
	}
	if env.Now != nil {
		c.Now = env.Now
	}
	return c
}

// Close releases the vault.
func (s *Session) Close() error { return s.Vault.Close() }

// Now is the session's clock.
func (s *Session) Now() time.Time { return s.env.now() }

// Refresher adapts the Zoho client to the vault, which knows nothing of
// OAuth. The accounts server and API domain stay as stored: a refresh is
// answered by the server the profile already names.
func (s *Session) Refresher() vault.RefreshFunc {
	zoho, how := s.Zoho, s.ConsentHow
	return func(ctx context.Context, p model.Profile) (model.Token, error) {
		r, err := zoho.Refresh(ctx, p)
		if err != nil {
			if how != nil {
				err = oauth.WithConsentHint(err, how(p.Name))
			}
			return model.Token{}, err
		}
		return r.Token, nil
	}
}

// Profiles reads every profile with its refresh budget.
func (s *Session) Profiles() ([]model.Profile, map[string]model.RefreshBudget, error) {
	var ps []model.Profile
	var budgets map[string]model.RefreshBudget
	err := s.Vault.View(func(tx *vault.Tx) error {
		var err error
		if ps, err = tx.Profiles(); err != nil {
			return err
		}
		budgets, err = tx.RefreshBudgets()
		return err
	})
	return ps, budgets, err
}

// Events reads a profile's latest events, newest first.
func (s *Session) Events(name string, limit int) ([]model.Event, error) {
	var evs []model.Event
	err := s.Vault.View(func(tx *vault.Tx) error {
		var err error
		evs, err = tx.Events(name, limit)
		return err
	})
	return evs, err
}

// NewSessionWithClient is NewSession with a Zoho client the caller built
// (the dashboard's tests tune its device-flow sleep).
func NewSessionWithClient(env Env, v *vault.Vault, dcs model.DataCenters, zoho *oauth.Client) *Session {
	return &Session{Vault: v, DCs: dcs, Zoho: zoho, env: env}
}
