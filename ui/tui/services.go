package tui

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/vault"
)

// NewOAuthClient builds the Zoho client the dashboard and the command line
// share; httpClient and now replace the defaults when set (tests, demo).
func NewOAuthClient(dcs model.DataCenters, httpClient *http.Client, now func() time.Time) *oauth.Client {
	c := oauth.NewClient(dcs)
	if httpClient != nil {
		c.HTTP = httpClient
	}
	if now != nil {
		c.Now = now
	}
	return c
}

// RefreshWith adapts the Zoho client to the vault, which knows nothing of
// OAuth. The accounts server and API domain stay as stored: a refresh is
// answered by the server the profile already names.
func RefreshWith(c *oauth.Client) vault.RefreshFunc {
	return func(ctx context.Context, p model.Profile) (model.Token, error) {
		r, err := c.Refresh(ctx, p)
		if err != nil {
			return model.Token{}, err
		}
		return r.Token, nil
	}
}

// SaveGrant exchanges a grant for tokens and stores the profile with them,
// creating it (ID 0) or updating it. It exchanges at the accounts server the
// grant named, if Zoho moved the consent to another data center, and
// records that on the profile. When the scopes allow, it fills in the
// account's email. A refresh token the profile held before is revoked at
// Zoho (best effort) so that re-consents do not pile up towards Zoho's
// limit of 20 per client.
func SaveGrant(ctx context.Context, c *oauth.Client, v *vault.Vault, p model.Profile, g oauth.Grant, verifier string) (model.Profile, error) {
	if g.AccountsServer != "" && !sameServer(g.AccountsServer, p.AccountsServer) {
		if _, known := c.DCs.ByAccountsServer(g.AccountsServer); !known {
			// The client secret would go to that server: only trust Zoho's.
			return p, fmt.Errorf("the pasted URL sends the code to %s, which is not a Zoho data center ztm knows; if it is a new one, add it with %s", g.AccountsServer, oauth.DataCentersEnv)
		}
	}
	r, err := c.Exchange(ctx, p, g, verifier)
	if err != nil {
		return p, err
	}
	return SaveResult(ctx, c, v, p, r)
}

// SaveResult stores the tokens of a grant already exchanged (by the device
// flow, or by [SaveGrant]); see SaveGrant.
func SaveResult(ctx context.Context, c *oauth.Client, v *vault.Vault, p model.Profile, r oauth.Result) (model.Profile, error) {
	before := p
	r.ApplyTo(&p)
	if dc, ok := c.DCs.ByAccountsServer(p.AccountsServer); ok {
		p.DC = dc.ID
	}
	if oauth.CanReadUserInfo(p.Token.GrantedScopes) || oauth.CanReadUserInfo(p.Scopes) {
		if info, err := c.UserInfo(ctx, p, p.Token.AccessToken); err == nil && info.Email != "" {
			p.Account = info.Email
		}
	}
	err := v.Update(ctx, func(tx *vault.Tx) error {
		if p.ID == 0 {
			if err := tx.CreateProfile(&p); err != nil {
				return err
			}
		} else {
			if err := tx.UpdateProfile(&p); err != nil {
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
	})
	if err != nil {
		return p, err
	}
	// Only once the new token is safe, retire the old one at Zoho.
	if old := before.Token; old != nil && old.RefreshToken != "" && old.RefreshToken != p.Token.RefreshToken {
		if c.Revoke(ctx, before, old.RefreshToken) == nil {
			v.Update(ctx, func(tx *vault.Tx) error {
				if err := tx.RevokeGrants(p.Name, true); err != nil {
					return err
				}
				return tx.AddEvent(model.Event{Profile: p.Name, Kind: model.EventRevoke, Detail: "the previous refresh token, replaced by the new consent"})
			})
		}
	}
	return p, nil
}

func sameServer(a, b string) bool {
	return strings.EqualFold(model.NormalizeServerURL(a), model.NormalizeServerURL(b))
}
