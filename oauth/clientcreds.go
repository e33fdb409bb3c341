package oauth

import (
	"context"
	"errors"
	"net/url"

	"ztm/model"
)

// ClientCredentials gets an access token with Zoho's client-credentials
// grant (Self Client only): the client id and secret, the profile's scopes
// and, when set, its soid (ZohoCRM.<org id>). There is no consent and no
// refresh token; at expiry [Client.Refresh] asks again the same way. This
// is the first token of such a profile; it makes exactly one request.
func (c *Client) ClientCredentials(ctx context.Context, p model.Profile) (Result, error) {
	return c.clientCredentials(ctx, p, "clientcreds")
}

// clientCredentials posts the grant; op is "clientcreds" for the first
// token and "refresh" when [Client.Refresh] stands in for a refresh, so
// the vault reads throttling and failures as it does for any refresh.
func (c *Client) clientCredentials(ctx context.Context, p model.Profile, op string) (Result, error) {
	if p.ClientType != model.SelfClient {
		return Result{}, errors.New(opLabel(op) + ": client credentials work only with a Self Client: use a consent for this client")
	}
	if p.ClientID == "" || p.ClientSecret == "" {
		return Result{}, errors.New(opLabel(op) + ": the profile needs the Self Client's id and secret: copy both from the API Console's Client Secret tab")
	}
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {p.ClientID},
		"client_secret": {p.ClientSecret},
		"scope":         {model.JoinScopes(p.Scopes)},
	}
	if p.SOID != "" {
		form.Set("soid", p.SOID)
	}
	secrets := []string{p.ClientSecret}
	if p.Token != nil {
		secrets = append(secrets, p.Token.AccessToken)
	}
	k := call{op: op, server: p.AccountsServer, path: "/oauth/v2/token", form: form, secrets: secrets, dc: c.profileDC(p)}
	res, err := c.tokenRequest(ctx, k)
	if err != nil {
		return Result{}, err
	}
	tok := res.Token
	tok.RefreshToken = ""
	if len(tok.GrantedScopes) == 0 {
		tok.GrantedScopes = append([]string(nil), p.Scopes...)
	}
	tok.LastRefreshAt = tok.ObtainedAt
	res.Token = tok
	return res, nil
}
