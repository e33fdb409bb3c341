package service

import (
	"context"
	"fmt"
	"time"

	"filippo.io/age"

	"ztm/ui/app"
	"ztm/vault"
)

// AgentIdentity is an age identity held by the agent: Unwrap sends the
// stanzas of a file's header to the agent and gets the file key back, as an
// age identity plugin does. The process never holds the vault's identity.
type AgentIdentity struct {
	Client *Client
	// Timeout bounds one unwrap; default 10 s.
	Timeout time.Duration
}

// Unwrap implements [age.Identity].
func (a AgentIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	d := a.Timeout
	if d <= 0 {
		d = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return a.Client.Unwrap(ctx, stanzas)
}

// AgentKeyring is a vault key whose only identity is the agent's, for
// [vault.Open]. It fails with an error wrapping [ErrNoAgent] when no agent
// runs and with [ErrLocked] when it runs locked: then the caller unlocks
// the vault itself, as without an agent.
func AgentKeyring(ctx context.Context, c *Client, p vault.Paths) (*vault.Keyring, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return nil, err
	}
	if !st.Unlocked {
		return nil, ErrLocked
	}
	if st.Vault != p.Vault {
		return nil, fmt.Errorf("%w: the agent serves %s, not %s", ErrLocked, st.Vault, p.Vault)
	}
	return vault.NewKeyring(vault.ModeAgent, p.Identity, "held by the agent", []age.Identity{AgentIdentity{Client: c}}, nil), nil
}

// OpenWithAgent opens the vault at p with the agent's help instead of a
// passphrase: what [app.Open] does, minus the prompt and the scrypt.
func OpenWithAgent(ctx context.Context, env app.Env, c *Client, p vault.Paths, o app.OpenOptions) (*app.Session, error) {
	key, err := AgentKeyring(ctx, c, p)
	if err != nil {
		return nil, err
	}
	dcs, err := app.LoadDataCenters(env)
	if err != nil {
		return nil, err
	}
	v, err := vault.Open(p, key, app.VaultOptions(env, o.Lazy))
	if err != nil {
		return nil, err
	}
	return app.NewSession(env, v, dcs), nil
}
