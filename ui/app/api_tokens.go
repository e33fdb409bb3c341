package app

import (
	"context"
	"time"

	"ztm/model"
)

// APITokens is the vault as a [TokenSource]: tokens from
// [Session.FreshToken], renewed by a forced refresh of one profile.
func (s *Session) APITokens() TokenSource { return sessionTokens{s} }

type sessionTokens struct{ s *Session }

func (t sessionTokens) Target(ctx context.Context, name string) (model.Profile, error) {
	p, err := t.s.Vault.Profile(name)
	p.Token = nil
	p.ClientSecret = ""
	return p, err
}

func (t sessionTokens) Token(ctx context.Context, name string, minValid time.Duration) (string, error) {
	f, err := t.s.FreshToken(ctx, name, minValid)
	if err != nil {
		return "", err
	}
	return f.Profile.Token.AccessToken, nil
}

// Renew refreshes only when the stored token is still the refused one:
// another process may have refreshed it since this one read it.
func (t sessionTokens) Renew(ctx context.Context, name, refused string) (string, error) {
	if _, err := t.s.Vault.ReloadIfChanged(); err != nil {
		return "", err
	}
	if p, err := t.s.Vault.Profile(name); err == nil && p.Token != nil && p.Token.AccessToken != refused && p.Token.ValidFor(t.s.Now(), 0) {
		return p.Token.AccessToken, nil
	}
	out, err := t.s.Refresh(ctx, []string{name}, RefreshOptions{Force: true})
	if err != nil {
		return "", err
	}
	if out[0].Err != nil {
		return "", out[0].Err
	}
	return out[0].Profile.Token.AccessToken, nil
}
