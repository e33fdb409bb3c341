package app

import (
	"context"
	"strings"

	"ztm/model"
	"ztm/oauth"
	"ztm/vault"
)

// SaveGrant exchanges a grant for tokens and stores the profile with them,
// creating it (ID 0) or updating it. It exchanges at the accounts server the
// grant named, if Zoho moved the consent to another data center, and
// records that on the profile. When the scopes allow, it fills in the
// account's email. A refresh token the profile held before is revoked at
// Zoho (best effort) so that re-consents do not pile up towards Zoho's
// limit of 20 per client.
func (s *Session) SaveGrant(ctx context.Context, p model.Profile, g oauth.Grant, verifier string) (model.Profile, error) {
	if err := s.CheckGrant(p, g); err != nil {
		return p, err
	}
	r, err := s.Zoho.Exchange(ctx, p, g, verifier)
	if err != nil {
		return p, err
	}
	return s.SaveResult(ctx, p, r)
}

// CheckGrant is the one rule for where a grant may be exchanged: the
// accounts server a pasted redirect names must be one of Zoho's (the
// table, Zoho's server list) or the profile's own, since the client secret
// goes there. Faces call it as soon as a URL is pasted, to say so before
// anything is sent; SaveGrant calls it again.
func (s *Session) CheckGrant(p model.Profile, g oauth.Grant) error {
	if g.AccountsServer == "" || sameServer(g.AccountsServer, p.AccountsServer) {
		return nil
	}
	return s.Zoho.TrustAccountsServer(g.AccountsServer, p.AccountsServer)
}

// SaveResult stores the tokens of a grant already exchanged (by the device
// flow, or by [Session.SaveGrant]); see SaveGrant.
func (s *Session) SaveResult(ctx context.Context, p model.Profile, r oauth.Result) (model.Profile, error) {
	before := p
	r.ApplyTo(&p)
	if dc, ok := s.DCs.ByAccountsServer(p.AccountsServer); ok {
		p.DC = dc.ID
	}
	if oauth.CanReadUserInfo(p.Token.GrantedScopes) || oauth.CanReadUserInfo(p.Scopes) {
		if info, err := s.Zoho.UserInfo(ctx, p, p.Token.AccessToken); err == nil && info.Email != "" {
			p.Account = info.Email
		}
	}
	if err := s.Vault.Update(ctx, func(tx *vault.Tx) error { return storeGrant(tx, &p) }); err != nil {
		return p, err
	}
	// Only once the new token is safe, retire the old one at Zoho.
	if old := before.Token; old != nil && old.RefreshToken != "" && old.RefreshToken != p.Token.RefreshToken {
		s.retire(ctx, before, old.RefreshToken)
	}
	return p, nil
}

// storeGrant writes a profile with its new tokens and the exchange event.
func storeGrant(tx *vault.Tx, p *model.Profile) error {
	if p.ID == 0 {
		if err := tx.CreateProfile(p); err != nil {
			return err
		}
	} else {
		if err := tx.UpdateProfile(p); err != nil {
			return err
		}
		if err := tx.SetToken(p.Name, *p.Token); err != nil {
			return err
		}
	}
	if err := tx.AddEvent(model.Event{Profile: p.Name, Kind: model.EventExchange, Detail: "tokens from " + p.AccountsServer}); err != nil {
		return err
	}
	if p.Token.RefreshToken == "" {
		return nil
	}
	return tx.RecordGrant(p.Name, p.ClientID)
}

// retire revokes a replaced refresh token at Zoho, best effort: the new
// one is already saved, and a failure only leaves the old one to age out
// under Zoho's 20-per-client rule.
func (s *Session) retire(ctx context.Context, p model.Profile, refreshToken string) {
	if s.Zoho.Revoke(ctx, p, refreshToken) != nil {
		return
	}
	s.Vault.Update(ctx, func(tx *vault.Tx) error {
		if err := tx.RevokeGrants(p.Name, true); err != nil {
			return err
		}
		return tx.AddEvent(model.Event{Profile: p.Name, Kind: model.EventRevoke, Detail: "the previous refresh token, replaced by the new consent"})
	})
}

func sameServer(a, b string) bool {
	return strings.EqualFold(model.NormalizeServerURL(a), model.NormalizeServerURL(b))
}
