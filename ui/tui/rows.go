package tui

import (
	"ztm/model"
	"ztm/vault"
)

// sortMode orders the dashboard; s cycles through them.
type sortMode int

const (
	sortByName sortMode = iota
	sortByExpiry
	groupByDC
)

func (m sortMode) String() string {
	return [...]string{"by name", "by expiry", "grouped by DC"}[m]
}

// announce is what the status line says when s switches to m.
func (m sortMode) announce() string {
	return [...]string{"sorted by name", "sorted by expiry, soonest first", "grouped by data center"}[m]
}

// row is a line of the profile list: a profile, or a DC group's heading.
type row struct {
	// p indexes the profile slice; -1 for a heading.
	p      int
	header string
}

// expiryKey sorts profiles without a token last.
func expiryKey(t *vault.TokenState) (k timeKey) {
	if !t.Present || !t.HasAccess {
		return timeKey{none: true}
	}
	return timeKey{t: t.Expires}
}

// stored stands, in a stand-in token, for a secret that is stored.
const stored = "(stored)"

// tokenOf is a stand-in for a row's token: its times and health, and a
// marker where a secret is stored, so that the model's rules (urgency,
// remaining life, refresh health, keep-alive) judge a row as they judge a
// profile. It holds no secret, and only those rules ever see it.
func tokenOf(s *vault.TokenState) *model.Token {
	if !s.Present {
		return nil
	}
	t := &model.Token{ExpiresAt: s.ExpiresAt(), ObtainedAt: s.ObtainedAt(), LastRefreshAt: s.LastRefreshAt(), Health: s.Health}
	if s.HasAccess {
		t.AccessToken = stored
	}
	if s.HasRefresh {
		t.RefreshToken = stored
	}
	return t
}

// profileOf is a stand-in profile for a row, for the rules that take a
// profile (app.CanRefresh, app.KeepAliveDue); see tokenOf.
func profileOf(r *vault.ProfileSummary) model.Profile {
	p := model.Profile{ID: r.ID, Name: r.Name, DC: r.DC, Account: r.Account, ClientType: r.ClientType,
		Environment: r.Environment, KeepAlive: r.KeepAlive, ClientCredentials: r.ClientCredentials, Token: tokenOf(&r.Token)}
	if r.HasSecret {
		p.ClientSecret = stored
	}
	return p
}

type timeKey struct {
	t    int64
	none bool
}

func (a timeKey) Equal(b timeKey) bool { return a == b }
func (a timeKey) Before(b timeKey) bool {
	if a.none != b.none {
		return !a.none
	}
	return a.t < b.t
}
