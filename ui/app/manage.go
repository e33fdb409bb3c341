package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"ztm/model"
	"ztm/vault"
)

// Deleted says what [Session.Delete] did besides deleting.
type Deleted struct {
	// Revoked says Zoho revoked the refresh token at ztm's request.
	Revoked bool
	// AlreadyRevoked says Zoho no longer knew the refresh token: what a
	// revoke wanted was already true.
	AlreadyRevoked bool
}

// Delete deletes profile name, first revoking its refresh token at Zoho
// when revoke is set. If that revoke fails the profile is kept, so nobody
// loses the only copy of a token that still works. A revoke event is
// recorded only when there was a refresh token to revoke.
func (s *Session) Delete(ctx context.Context, name string, revoke bool) (Deleted, error) {
	var d Deleted
	p, err := s.Vault.Profile(name)
	if err != nil {
		return d, err
	}
	if revoke && p.Token != nil && p.Token.RefreshToken != "" {
		err := s.Zoho.Revoke(ctx, p, p.Token.RefreshToken)
		d.AlreadyRevoked = errors.Is(err, model.ErrRefreshRevoked)
		if err != nil && !d.AlreadyRevoked {
			return d, fmt.Errorf("%w; %s was kept", err, p.Name)
		}
		d.Revoked = !d.AlreadyRevoked
	}
	err = s.Vault.Update(ctx, func(tx *vault.Tx) error {
		if d.Revoked || d.AlreadyRevoked {
			if err := tx.AddEvent(model.Event{Profile: p.Name, Kind: model.EventRevoke}); err != nil {
				return err
			}
			if err := tx.RevokeGrants(p.Name, false); err != nil {
				return err
			}
		}
		return tx.DeleteProfile(p.Name)
	})
	return d, err
}

// Rename renames a profile, keeping its tokens and history.
func (s *Session) Rename(ctx context.Context, oldName, newName string) error {
	if err := model.ValidateName(newName); err != nil {
		return err
	}
	if oldName == newName {
		return nil
	}
	return s.Vault.Update(ctx, func(tx *vault.Tx) error { return tx.RenameProfile(oldName, newName) })
}

// SetKeepAlive switches whether a running dashboard or token service keeps
// the profile's access token fresh.
func (s *Session) SetKeepAlive(ctx context.Context, name string, on bool) error {
	return s.Vault.Update(ctx, func(tx *vault.Tx) error {
		p, err := tx.Profile(name)
		if err != nil {
			return err
		}
		p.KeepAlive = on
		return tx.UpdateProfile(&p)
	})
}

// NeedsConsent reports whether an edit changes what the grant was made
// for, so that Zoho must be asked again: the server, client, client type,
// redirect URI, consent kind, scopes or environment.
func NeedsConsent(old, p model.Profile) bool {
	return !strings.EqualFold(old.AccountsServer, p.AccountsServer) || old.ClientID != p.ClientID ||
		old.ClientType != p.ClientType || old.RedirectURI != p.RedirectURI || old.Consent != p.Consent ||
		model.JoinScopes(old.Scopes) != model.JoinScopes(p.Scopes) ||
		old.Environment.OrDefault() != p.Environment.OrDefault() ||
		old.ClientCredentials != p.ClientCredentials || old.SOID != p.SOID
}

// Edited says what [Session.Edit] did.
type Edited struct {
	// NeedsConsent says the change was not saved: it changes what the
	// grant was made for, so it needs a new consent (save it with
	// [Session.SaveGrant], which keeps the profile's history).
	NeedsConsent bool
	// Profile is the profile as saved (or as it would be after consent).
	Profile model.Profile
}

// Edit stores p over old (p.ID must be old's), renaming first when the
// name changed. A change that needs a new consent on a profile that holds
// a refresh token is not saved: the result says so and the face offers
// the consent. A client-credentials profile never needs a consent: its
// next token is asked for with the new settings.
func (s *Session) Edit(ctx context.Context, old, p model.Profile, source string) (Edited, error) {
	p.ID = old.ID
	if err := p.Validate(); err != nil {
		return Edited{Profile: p}, err
	}
	holds := old.Token != nil && old.Token.RefreshToken != ""
	if holds && !p.ClientCredentials && NeedsConsent(old, p) {
		return Edited{NeedsConsent: true, Profile: p}, nil
	}
	if err := s.Rename(ctx, old.Name, p.Name); err != nil {
		return Edited{Profile: p}, err
	}
	err := s.Vault.Update(ctx, func(tx *vault.Tx) error {
		if err := tx.UpdateProfile(&p); err != nil {
			return err
		}
		if p.ClientCredentials && NeedsConsent(old, p) {
			// The stored token was asked for with the old settings.
			if err := tx.ClearToken(p.Name); err != nil {
				return err
			}
		}
		return tx.AddEvent(model.Event{Profile: p.Name, Kind: model.EventEdit, Detail: "edited " + source})
	})
	return Edited{Profile: p}, err
}

// KeepAliveLead is how long before expiry a kept-alive profile is
// refreshed; KeepAliveRetry is how long after a failed attempt it waits.
const (
	KeepAliveLead  = 5 * time.Minute
	KeepAliveRetry = 2 * time.Minute
)

// KeepAliveDue is the rule for keep-alive: profiles marked for it whose
// refresh token is healthy, whose access token has less than
// [KeepAliveLead] left, whose budget is not spent, and that were not tried
// in the last [KeepAliveRetry] (lastTried, which the caller keeps).
func KeepAliveDue(profiles []model.Profile, budgets map[string]model.RefreshBudget, now time.Time, lastTried map[string]time.Time) []string {
	var names []string
	// By index: a dashboard asks every second, and copying each profile
	// of 100,000 to look at one flag was most of the cost.
	for i := range profiles {
		p := &profiles[i]
		if !p.KeepAlive || p.Token == nil || p.Token.RefreshHealth() != model.HealthOK ||
			p.Token.ValidFor(now, KeepAliveLead) || budgets[p.Name].Left == 0 && budgets[p.Name].Used > 0 ||
			now.Sub(lastTried[p.Name]) < KeepAliveRetry {
			continue
		}
		names = append(names, p.Name)
	}
	return names
}
