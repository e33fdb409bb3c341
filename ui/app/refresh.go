package app

import (
	"context"
	"errors"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/vault"
)

// refreshConcurrency bounds parallel refreshes in a batch. Each profile has
// its own refresh token and budget at Zoho, so a batch can go wide; what
// must never happen, two refreshes of one refresh token at once, is ruled
// out by [Refreshable] keeping one profile per refresh token and by the
// vault's lock.
const refreshConcurrency = 16

// FreshToken returns profile name with an access token valid for at least
// minValid, refreshing it (once across every process) if needed.
func (s *Session) FreshToken(ctx context.Context, name string, minValid time.Duration) (vault.Fresh, error) {
	f, err := s.Vault.FreshToken(ctx, name, vault.FreshOptions{Margin: minValid}, s.Refresher())
	return f, s.hint(name, err)
}

// hint adds the way to consent again to an error that needs it, however
// it arose (Zoho's answer now, or a refusal the vault remembers).
func (s *Session) hint(name string, err error) error {
	if err == nil || s.ConsentHow == nil {
		return err
	}
	var h interface{ ConsentHinted() bool }
	if errors.As(err, &h) {
		return err
	}
	return oauth.WithConsentHint(err, s.ConsentHow(name))
}

// RefreshOptions tune [Session.Refresh].
type RefreshOptions struct {
	// Force refreshes even a token that is still valid for Margin.
	Force bool
	// Margin is how long a token must stay valid not to be refreshed.
	Margin time.Duration
	// OverBudget allows refreshes past Zoho's 10 in 10 minutes.
	OverBudget bool
	// Progress, when set, is called as each profile settles.
	Progress func(vault.Fresh)
}

// Refresh refreshes the named profiles in one save, a batch at a time, and
// returns each one's outcome in order.
func (s *Session) Refresh(ctx context.Context, names []string, o RefreshOptions) ([]vault.Fresh, error) {
	fo := vault.FreshOptions{Force: o.Force, Margin: o.Margin, OverBudget: o.OverBudget, Concurrency: refreshConcurrency}
	out, err := s.Vault.FreshTokens(ctx, names, fo, s.Refresher(), o.Progress)
	for i := range out {
		out[i].Err = s.hint(names[i], out[i].Err)
	}
	return out, err
}

// Refreshable is the one rule for "what refresh-all takes": profiles that
// can be refreshed (a refresh token, or client credentials) whose access
// token is missing, expired or has less than margin left, one per refresh
// token. Both faces call it, so the dashboard's R and ztm refresh --all
// agree.
func Refreshable(profiles []model.Profile, now time.Time, margin time.Duration) []string {
	var names []string
	seen := map[string]bool{}
	for _, p := range profiles {
		if !CanRefresh(p) {
			continue
		}
		if p.Token != nil && p.Token.ValidFor(now, margin) {
			continue
		}
		key := p.Name
		if p.Token != nil && p.Token.RefreshToken != "" {
			key = "rt:" + p.Token.RefreshToken
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		names = append(names, p.Name)
	}
	return names
}

// CanRefresh reports whether ztm can get a new access token for p without
// a person: it holds a refresh token, or its tokens come from client
// credentials.
func CanRefresh(p model.Profile) bool {
	if p.ClientCredentials {
		return p.ClientSecret != ""
	}
	return p.Token != nil && p.Token.RefreshToken != ""
}

// RefreshExpiring refreshes every profile [Refreshable] selects and returns
// the names it took with their outcomes; none taken means nothing needed it.
func (s *Session) RefreshExpiring(ctx context.Context, margin time.Duration, o RefreshOptions) ([]string, []vault.Fresh, error) {
	profiles, err := s.Vault.Profiles()
	if err != nil {
		return nil, nil, err
	}
	names := Refreshable(profiles, s.Now(), margin)
	if len(names) == 0 {
		return nil, nil, nil
	}
	o.Margin = margin
	out, err := s.Refresh(ctx, names, o)
	return names, out, err
}
