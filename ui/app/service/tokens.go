package service

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"time"

	"ztm/model"
	"ztm/vault"
)

// MaxMinValid caps min_valid: Zoho's access tokens live an hour, so no
// refresh can promise more than that.
const MaxMinValid = 50 * time.Minute

// Caller is who asks: the owner (a process of the agent's own user, on the
// socket) or a reader (a bearer credential, on TCP).
type Caller struct {
	// Reader is the credential's name; empty for the owner.
	Reader string
	// Globs are the profiles a reader may read (path.Match patterns).
	Globs []string
	// Owner may read every profile and use the agent-only endpoints.
	Owner bool
}

// Owner is the caller of the agent's socket.
var Owner = Caller{Owner: true}

// May reports whether c may read profile.
func (c Caller) May(profile string) bool {
	if c.Owner {
		return true
	}
	for _, g := range c.Globs {
		if ok, _ := path.Match(g, profile); ok {
			return true
		}
	}
	return false
}

func (c Caller) name() string {
	if c.Owner {
		return "owner"
	}
	return c.Reader
}

// Token is what a reader gets: an access token and where to use it, never
// a refresh token or a client secret.
type Token struct {
	AccessToken string    `json:"access_token"`
	ExpiresAt   time.Time `json:"expires_at"`
	APIDomain   string    `json:"api_domain"`
	DC          string    `json:"dc"`
}

// ErrNotAllowed means the credential's globs do not match the profile.
var ErrNotAllowed = errors.New("this credential may not read that profile")

// Token returns profile's access token valid for at least minValid,
// refreshing it once for every caller that asks meanwhile. Each answer is
// logged as one line.
func (s *Service) Token(ctx context.Context, c Caller, profile string, minValid time.Duration) (Token, error) {
	minValid = min(max(minValid, 0), MaxMinValid)
	tok, err := s.token(ctx, c, profile, minValid)
	result := resultOf(err)
	s.metrics.request(metricProfile(profile, result), result)
	attrs := []any{"reader", c.name(), "profile", profile, "result", result}
	if err != nil {
		attrs = append(attrs, "err", err.Error())
	}
	s.o.Log.Log(ctx, levelOf(err), "token", attrs...)
	return tok, err
}

func (s *Service) token(ctx context.Context, c Caller, profile string, minValid time.Duration) (Token, error) {
	if !c.May(profile) {
		return Token{}, fmt.Errorf("%w: %s matches none of %q; ask for a credential that covers it (ztm serve grant)", ErrNotAllowed, profile, c.Globs)
	}
	sess, release, err := s.session()
	if err != nil {
		return Token{}, err
	}
	s.noteAsked(profile)
	// A valid token in memory costs no lock, no stat and no write.
	p, err := sess.Vault.Profile(profile)
	release()
	if err == nil && p.Token.ValidFor(s.now(), minValid) {
		return tokenOf(p), nil
	}
	// The wait for the flight holds no lock, so ztm lock never waits for a
	// reader; the flight itself holds it while it uses the vault.
	f, err := s.flights.do(ctx, profile, func(ctx context.Context) (vault.Fresh, error) {
		return s.fresh(ctx, sess, profile, minValid)
	})
	if err == nil && !f.Profile.Token.ValidFor(s.now(), minValid) {
		// The flight served an earlier caller with a smaller min_valid.
		f, err = s.fresh(ctx, sess, profile, minValid)
	}
	if err != nil {
		return Token{}, err
	}
	return tokenOf(f.Profile), nil
}

func tokenOf(p model.Profile) Token {
	return Token{AccessToken: p.Token.AccessToken, ExpiresAt: p.Token.ExpiresAt, APIDomain: p.APIDomain, DC: p.DC}
}

// ProfileInfo describes a profile a caller may read.
type ProfileInfo struct {
	Name      string    `json:"name"`
	DC        string    `json:"dc"`
	APIDomain string    `json:"api_domain"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Profiles lists the profiles c may read, by name.
func (s *Service) Profiles(c Caller) ([]ProfileInfo, error) {
	sess, release, err := s.session()
	if err != nil {
		return nil, err
	}
	defer release()
	ps, err := sess.Vault.Profiles()
	if err != nil {
		return nil, err
	}
	out := []ProfileInfo{}
	for _, p := range ps {
		if !c.May(p.Name) {
			continue
		}
		in := ProfileInfo{Name: p.Name, DC: p.DC, APIDomain: p.APIDomain}
		if p.Token != nil {
			in.ExpiresAt = p.Token.ExpiresAt
		}
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// metricProfile is the profile label of a request: a name nobody stores
// (mistyped, or probing) counts as "-", so strangers cannot grow the
// metrics without bound.
func metricProfile(profile, result string) string {
	switch result {
	case CodeNotAllowed, CodeNoProfile, CodeUnauthorized:
		return "-"
	}
	return profile
}
