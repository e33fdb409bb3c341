package oauth

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"

	"ztm/model"
)

// TokenKind says which token [Client.RevokeToken] revokes.
type TokenKind string

// The kinds of token Zoho revokes.
const (
	// RefreshTokenKind revokes a refresh token and its access tokens.
	RefreshTokenKind TokenKind = "refresh_token"
	// AccessTokenKind revokes one access token.
	AccessTokenKind TokenKind = "access_token"
)

// Revoke revokes a refresh token, and with it its access tokens, at the
// profile's accounts server; see [Client.RevokeToken].
func (c *Client) Revoke(ctx context.Context, p model.Profile, refreshToken string) error {
	return c.RevokeToken(ctx, p, refreshToken, RefreshTokenKind)
}

// RevokeToken revokes token at the profile's accounts server with Zoho's
// newer form: POST /oauth/v2/revoke/token, the client id and secret in
// HTTP Basic, token and token_type in the body.
//
// Only when that endpoint does not exist there (HTTP 404 or 405 without a
// Zoho error code) does it fall back to the older POST
// /oauth/v2/token/revoke?token=..., which knows refresh tokens only. The
// token goes in the query, as Zoho documents that form, and in the body
// too, where servers that read only the body (and earlier ztm) put it.
// The URL then holds a secret, so no error of this package ever quotes a
// request URL. A token Zoho no longer knows is an error matching
// [model.ErrRefreshRevoked], never a reason to fall back.
func (c *Client) RevokeToken(ctx context.Context, p model.Profile, token string, kind TokenKind) error {
	if token == "" {
		return fmt.Errorf("revoke: %w to revoke", ErrNoRefreshToken)
	}
	if kind != RefreshTokenKind && kind != AccessTokenKind {
		return fmt.Errorf("revoke: unknown token kind %s: use refresh_token or access_token", model.Echo(string(kind)))
	}
	secrets := []string{token, p.ClientSecret}
	k := call{
		op: "revoke", server: p.AccountsServer, path: "/oauth/v2/revoke/token",
		form:  url.Values{"token": {token}, "token_type": {string(kind)}},
		basic: [2]string{p.ClientID, p.ClientSecret}, secrets: secrets, dc: c.profileDC(p),
	}
	missing, err := c.revokeAnswer(ctx, k)
	if !missing || kind != RefreshTokenKind {
		return err
	}
	k = call{
		op: "revoke", server: p.AccountsServer, path: "/oauth/v2/token/revoke",
		form: url.Values{"token": {token}}, query: url.Values{"token": {token}}, secrets: secrets, dc: c.profileDC(p),
	}
	_, err = c.revokeAnswer(ctx, k)
	return err
}

// revokeAnswer sends one revoke request. missing reports an endpoint the
// server does not have: 404 or 405 without one of Zoho's error codes.
func (c *Client) revokeAnswer(ctx context.Context, k call) (missing bool, err error) {
	a, err := c.do(ctx, k)
	if err != nil {
		return false, err
	}
	if a.status >= 200 && a.status <= 299 && len(bytes.TrimSpace(a.body)) == 0 {
		return false, nil
	}
	err = c.check(k, a)
	if e, ok := err.(*Error); ok && (a.status == http.StatusNotFound || a.status == http.StatusMethodNotAllowed) && !knownCodes[e.Code] {
		return true, err
	}
	return false, err
}
