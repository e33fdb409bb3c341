package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"ztm/model"
)

// Result is a successful answer of the token endpoint.
type Result struct {
	// Token is ready to store: access token, expiry, scopes and, after an
	// exchange with offline access, the refresh token.
	Token model.Token
	// APIDomain is Zoho's api_domain; empty when Zoho sent none (or sent
	// something that is not a server URL).
	APIDomain string
	// AccountsServer is the accounts server that issued the token; every
	// later refresh must go there.
	AccountsServer string
}

// ApplyTo stores the result in p: the token, and the accounts server and
// API domain when the answer named them.
func (r Result) ApplyTo(p *model.Profile) {
	t := r.Token
	t.GrantedScopes = append([]string(nil), r.Token.GrantedScopes...)
	p.Token = &t
	if r.AccountsServer != "" {
		p.AccountsServer = r.AccountsServer
	}
	if r.APIDomain != "" {
		p.APIDomain = r.APIDomain
	}
}

// Exchange trades a grant code for tokens at the accounts server the grant
// named (g.AccountsServer, else the data center of g.Location), or at the
// profile's. verifier is the PKCE code verifier of the consent, or empty.
//
// redirect_uri is sent only for redirect codes: a Self Client code has none.
func (c *Client) Exchange(ctx context.Context, p model.Profile, g Grant, verifier string) (Result, error) {
	if g.Error != "" {
		return Result{}, &Error{Op: "consent", Code: g.Error, Description: scrub(g.ErrorDescription, nil), DC: c.profileDC(p)}
	}
	code := strings.TrimSpace(g.Code)
	if code == "" {
		return Result{}, errors.New("code exchange: there is no grant code: paste the code, or the whole URL the browser landed on")
	}
	if p.ClientID == "" {
		return Result{}, errors.New("code exchange: the profile has no client id: copy it from the API Console")
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"client_id":     {p.ClientID},
		"client_secret": {p.ClientSecret},
	}
	if p.RedirectURI != "" && p.ClientType != model.SelfClient {
		form.Set("redirect_uri", p.RedirectURI)
	}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	server := c.grantServer(p, g)
	if g.AccountsServer != "" {
		if err := c.TrustAccountsServer(server, p.AccountsServer); err != nil {
			return Result{}, fmt.Errorf("code exchange: %w", err)
		}
	}
	k := call{
		op: "exchange", server: server, path: "/oauth/v2/token", form: form,
		secrets: []string{p.ClientSecret, code, verifier}, dc: c.profileDC(p), movedTo: c.movedTo(p, server),
	}
	res, err := c.tokenRequest(ctx, k)
	if err != nil {
		return Result{}, err
	}
	if len(res.Token.GrantedScopes) == 0 {
		res.Token.GrantedScopes = append([]string(nil), p.Scopes...)
	}
	return res, nil
}

// grantServer picks where a code must be exchanged: Zoho binds a code to
// the data center of the user who consented, which it names on the
// redirect.
func (c *Client) grantServer(p model.Profile, g Grant) string {
	if g.AccountsServer != "" {
		return g.AccountsServer
	}
	if g.Location != "" {
		if dc, ok := c.DCs.ByLocation(g.Location); ok {
			return dc.AccountsServer
		}
	}
	return p.AccountsServer
}

// Refresh gets a new access token with the profile's refresh token, at the
// profile's accounts server. It makes exactly one request.
//
// The returned token keeps the refresh token (Zoho does not send it back),
// and is stamped with the client's clock.
//
// A client-credentials profile has no refresh token: for it Refresh asks
// for a new token with the client-credentials grant instead (see
// [Client.ClientCredentials]), so the vault's single-flight and budget
// paths serve both kinds unchanged.
func (c *Client) Refresh(ctx context.Context, p model.Profile) (Result, error) {
	if p.ClientCredentials {
		return c.clientCredentials(ctx, p, "refresh")
	}
	if p.Token == nil || p.Token.RefreshToken == "" {
		return Result{}, fmt.Errorf("refresh: %w: get a new grant with offline access", ErrNoRefreshToken)
	}
	rt := p.Token.RefreshToken
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {rt},
		"client_id":     {p.ClientID},
		"client_secret": {p.ClientSecret},
	}
	k := call{
		op: "refresh", server: p.AccountsServer, path: "/oauth/v2/token", form: form,
		secrets: []string{p.ClientSecret, rt, p.Token.AccessToken}, dc: c.profileDC(p),
	}
	res, err := c.tokenRequest(ctx, k)
	if err != nil {
		return Result{}, err
	}
	tok := *p.Token
	tok.AccessToken = res.Token.AccessToken
	if res.Token.RefreshToken != "" {
		tok.RefreshToken = res.Token.RefreshToken
	}
	tok.TokenType = res.Token.TokenType
	tok.ObtainedAt = res.Token.ObtainedAt
	tok.ExpiresAt = res.Token.ExpiresAt
	tok.GrantedScopes = res.Token.GrantedScopes
	if len(tok.GrantedScopes) == 0 {
		tok.GrantedScopes = append([]string(nil), p.Scopes...)
	}
	tok.Health = model.HealthOK
	tok.LastRefreshAt = res.Token.ObtainedAt
	tok.LastError = ""
	res.Token = tok
	return res, nil
}

// tokenRequest posts to a token endpoint and reads a token answer.
func (c *Client) tokenRequest(ctx context.Context, k call) (Result, error) {
	a, err := c.do(ctx, k)
	if err != nil {
		return Result{}, err
	}
	if err := c.check(k, a); err != nil {
		return Result{}, err
	}
	return c.tokenAnswer(k, a)
}

// tokenAnswer reads a token answer that has passed check.
func (c *Client) tokenAnswer(k call, a answer) (Result, error) {
	res, err := ParseTokenResponse(a.body, c.now())
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Op, e.Server, e.DC, e.Status = k.op, model.NormalizeServerURL(k.server), k.dc, a.status
			e.answeredBy = k.movedTo
			e.Code, e.Description = scrub(e.Code, k.secrets), scrub(e.Description, k.secrets)
		}
		return Result{}, err
	}
	res.AccountsServer = model.NormalizeServerURL(k.server)
	return res, nil
}

// tokenJSON is a token answer in either of Zoho's formats.
type tokenJSON struct {
	AccessToken  string      `json:"access_token"`
	RefreshToken string      `json:"refresh_token"`
	APIDomain    looseString `json:"api_domain"`
	TokenType    looseString `json:"token_type"`
	ExpiresIn    looseNumber `json:"expires_in"`
	ExpiresInSec looseNumber `json:"expires_in_sec"`
	Scope        looseString `json:"scope"`
}

// maxLifetime bounds a believable access-token life. Zoho's is an hour.
const maxLifetime = 366 * 24 * time.Hour

// ParseTokenResponse reads a token endpoint's body, issued at now. It
// accepts both of Zoho's formats: `expires_in` in seconds, and the older
// `expires_in_sec` in seconds beside `expires_in` in milliseconds. A body
// with an `error` member is returned as an *Error (Op empty).
//
// A lone `expires_in` above two days is read as milliseconds: no Zoho token
// lives that long, and the legacy format sometimes reaches us without
// `expires_in_sec`. A missing expiry means Zoho's documented hour.
func ParseTokenResponse(body []byte, now time.Time) (Result, error) {
	if e := classify(0, "", body); e != nil {
		return Result{}, e
	}
	var t tokenJSON
	if err := json.Unmarshal(body, &t); err != nil {
		return Result{}, &Error{Code: CodeBadResponse, Description: "malformed token answer"}
	}
	if strings.TrimSpace(t.AccessToken) == "" {
		return Result{}, &Error{Code: CodeBadResponse, Description: "no access_token"}
	}
	life, err := lifetime(t.ExpiresIn, t.ExpiresInSec)
	if err != nil {
		return Result{}, &Error{Code: CodeBadResponse, Description: err.Error()}
	}
	tok := model.Token{
		AccessToken:   strings.TrimSpace(t.AccessToken),
		RefreshToken:  strings.TrimSpace(t.RefreshToken),
		TokenType:     string(t.TokenType),
		ObtainedAt:    now,
		ExpiresAt:     now.Add(life),
		GrantedScopes: splitScopes(string(t.Scope)),
		Health:        model.HealthOK,
	}
	if tok.RefreshToken == "" {
		tok.Health = model.HealthMissing
	}
	res := Result{Token: tok}
	if d := model.NormalizeServerURL(string(t.APIDomain)); d != "" && model.ValidateServerURL(d) == nil {
		res.APIDomain = d
	}
	return res, nil
}

func lifetime(in, sec looseNumber) (time.Duration, error) {
	var s float64
	switch {
	case sec.set:
		s = sec.v
	case in.set && in.v > 2*24*3600:
		s = in.v / 1000
	case in.set:
		s = in.v
	default:
		return time.Hour, nil
	}
	if !(s >= 1) || s > maxLifetime.Seconds() {
		return 0, fmt.Errorf("expiry of %g seconds", s)
	}
	return time.Duration(s * float64(time.Second)), nil
}

func splitScopes(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	if len(f) == 0 {
		return nil
	}
	return f
}

// looseNumber accepts a JSON number or a numeric string; null or absent
// leaves it unset.
type looseNumber struct {
	v   float64
	set bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *looseNumber) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*n = looseNumber{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(strings.TrimSpace(s))
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("not a number: %.20q", b)
	}
	*n = looseNumber{v: v, set: true}
	return nil
}
