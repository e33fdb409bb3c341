package fakezohotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
)

// DefaultScopes are the scopes a profile gets when a helper is given none.
var DefaultScopes = []string{"ZohoCRM.modules.ALL", "AaaServer.profile.READ"}

// DefaultRedirectURI is the redirect a new server-based client registers
// unless told otherwise.
const DefaultRedirectURI = "http://localhost:8765/callback"

// NewClient registers a client of typ homed in dc, with an id and secret
// no other client of the fixture has, and returns it. A server-based
// client gets [DefaultRedirectURI]. mods change the client before it is
// registered (MultiDC, RequireSOID, DCSecrets, RedirectURIs).
func (f *Fixture) NewClient(dc string, typ model.ClientType, mods ...func(*fakezoho.Client)) fakezoho.Client {
	f.mu.Lock()
	f.n++
	n := f.n
	f.mu.Unlock()
	dc = strings.ToUpper(dc)
	cl := fakezoho.Client{
		ID:     fmt.Sprintf("1000.%s%s%08d", strings.ToUpper(strings.ReplaceAll(string(typ), "-", "")), dc, n),
		Secret: fmt.Sprintf("secret-%d-0123456789abcdef", n),
		Type:   typ, HomeDC: dc,
	}
	if typ == model.ServerClient {
		cl.RedirectURIs = []string{DefaultRedirectURI}
	}
	for _, m := range mods {
		m(&cl)
	}
	f.Zoho.AddClient(cl)
	return cl
}

// Profile is a profile for cl in dc before any grant, as the add wizard
// builds it: no token yet.
func (f *Fixture) Profile(name, dc string, cl fakezoho.Client, scopes ...string) model.Profile {
	f.t.Helper()
	d := f.DC(dc)
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	p := model.Profile{
		Name: name, DC: d.ID, AccountsServer: d.AccountsServer, APIDomain: d.APIDomain,
		ClientType: cl.Type, ClientID: cl.ID, ClientSecret: cl.Secret,
		Scopes: append([]string(nil), scopes...), Consent: model.UserConsent,
	}
	if cl.Type == model.ServerClient && len(cl.RedirectURIs) > 0 {
		p.RedirectURI = cl.RedirectURIs[0]
	}
	return p
}

// SelfClientProfile registers a new Self Client in dc, generates a code in
// its console and exchanges it over HTTP, as a user pasting the code
// would: the profile ztm stores after that grant, tokens and all.
func (f *Fixture) SelfClientProfile(name, dc string, scopes ...string) model.Profile {
	f.t.Helper()
	cl := f.NewClient(dc, model.SelfClient)
	p := f.Profile(name, dc, cl, scopes...)
	code := f.Zoho.SelfClientCode(cl.ID, p.DC, p.Scopes, 0)
	tok, apiDomain := f.Exchange(p.DC, cl, code)
	p.Token, p.APIDomain, p.Account = &tok, apiDomain, fakezoho.DefaultUser(p.DC)
	p.Token.GrantedScopes = append([]string(nil), p.Scopes...)
	return p
}

// SeededProfile is a profile as an earlier session left it, made without
// any request to the fake: a refresh token minted for the user of dc and
// an access token that has left to live (negative: expired that long
// ago; zero: expiring now). It uses the demo client of typ when the fixture has the demo
// clients, else a new client.
func (f *Fixture) SeededProfile(name, dc string, typ model.ClientType, left time.Duration, scopes ...string) model.Profile {
	f.t.Helper()
	cl := f.clientFor(dc, typ)
	p := f.Profile(name, dc, cl, scopes...)
	p.Account = fakezoho.DefaultUser(p.DC)
	rt := f.Zoho.MintRefreshToken(cl.ID, p.Account, p.DC, p.Scopes)
	ttl := left
	if ttl == 0 {
		ttl = -time.Nanosecond // expiring exactly now: dead already
	}
	now := f.Now()
	obtained := now.Add(left - time.Hour)
	p.Token = &model.Token{
		AccessToken: f.Zoho.MintAccessToken(rt, ttl), RefreshToken: rt, TokenType: "Bearer",
		ObtainedAt: obtained, ExpiresAt: now.Add(left), GrantedScopes: append([]string(nil), p.Scopes...),
		Health: model.HealthOK, LastRefreshAt: obtained,
	}
	return p
}

func (f *Fixture) clientFor(dc string, typ model.ClientType) fakezoho.Client {
	if f.demo {
		for _, cl := range fakezoho.DemoClients() {
			if cl.Type == typ {
				return cl
			}
		}
	}
	return f.NewClient(dc, typ)
}

// AccessToken is a live access token for scopes (default
// [DefaultScopes]) in dc, of a new Self Client, minted without a request:
// what a test of an API call needs.
func (f *Fixture) AccessToken(dc string, scopes ...string) string {
	f.t.Helper()
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	cl := f.NewClient(dc, model.SelfClient)
	rt := f.Zoho.MintRefreshToken(cl.ID, fakezoho.DefaultUser(dc), dc, scopes)
	return f.Zoho.MintAccessToken(rt, 0)
}

// Exchange trades a grant code for tokens at dc's token endpoint, over
// plain HTTP as Zoho documents it, and returns the token and api_domain;
// the test fails on any error answer.
func (f *Fixture) Exchange(dc string, cl fakezoho.Client, code string) (model.Token, string) {
	f.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {cl.ID}, "client_secret": {cl.Secret}}
	if cl.Type == model.ServerClient && len(cl.RedirectURIs) > 0 {
		form.Set("redirect_uri", cl.RedirectURIs[0])
	}
	resp, err := http.PostForm(f.DC(dc).AccountsServer+"/oauth/v2/token", form)
	if err != nil {
		f.t.Fatalf("fakezohotest: exchange: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		APIDomain    string `json:"api_domain"`
		TokenType    string `json:"token_type"`
		ExpiresIn    int64  `json:"expires_in"`
		Error        string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		// The error code names what went wrong and holds no secret.
		f.t.Fatalf("fakezohotest: exchange answered HTTP %d, error %q (%v)", resp.StatusCode, body.Error, err)
	}
	now := f.Now()
	return model.Token{
		AccessToken: body.AccessToken, RefreshToken: body.RefreshToken, TokenType: body.TokenType,
		ObtainedAt: now, ExpiresAt: now.Add(time.Duration(body.ExpiresIn) * time.Second), Health: model.HealthOK,
	}, body.APIDomain
}
