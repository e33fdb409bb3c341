package oauth_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/oauth/fakezoho"
)

// TestRedirectFlowInEveryDC walks a newcomer's whole life with a token in
// every data center, in both of Zoho's token formats: consent, paste the
// URL the browser landed on, exchange, refresh, read the email, revoke,
// and find the refresh token dead afterwards.
func TestRedirectFlowInEveryDC(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		f := newFixture(t, fakezoho.Options{Legacy: legacy})
		for _, dc := range f.Zoho.IDs() {
			name := dc
			if legacy {
				name += "/legacy"
			}
			t.Run(name, func(t *testing.T) {
				p := f.newProfile(t, dc, model.ServerClient, "https://example.com/cb", false)
				if legacy {
					p.Consent = model.OrgConsent
				}
				consent, err := f.client.NewConsent(p, oauth.ConsentOptions{PKCE: true})
				if err != nil {
					t.Fatal(err)
				}
				landed := f.Consent(consent.URL)
				if !strings.HasPrefix(landed, "https://example.com/cb?") {
					t.Fatalf("landed on %q, want the redirect URI", landed)
				}

				g, err := oauth.ParsePasted("  "+landed+"\n", consent.State, f.DCs)
				if err != nil {
					t.Fatalf("ParsePasted: %v", err)
				}
				if g.AccountsServer != f.Zoho.URL(dc) || !strings.EqualFold(g.Location, dc) {
					t.Errorf("grant names %s (%s), want %s's server", g.AccountsServer, g.Location, dc)
				}
				if other, ok := g.OtherDC(p, f.DCs); ok {
					t.Errorf("grant from the chosen DC reported as coming from %s", other.ID)
				}

				res, err := f.client.Exchange(ctx(t), p, g, consent.Verifier)
				if err != nil {
					t.Fatalf("Exchange: %v", err)
				}
				wantDC, _ := f.DCs.ByID(dc)
				if res.AccountsServer != f.Zoho.URL(dc) || res.APIDomain != wantDC.APIDomain {
					t.Errorf("result server %s, api domain %s; want %s, %s", res.AccountsServer, res.APIDomain, f.Zoho.URL(dc), wantDC.APIDomain)
				}
				tok := res.Token
				if tok.RefreshToken == "" || tok.Health != model.HealthOK || tok.TokenType != "Bearer" {
					t.Errorf("exchange token = %+v, want a refresh token and health ok", tok)
				}
				if got := tok.ExpiresAt.Sub(tok.ObtainedAt); got != time.Hour {
					t.Errorf("access token lives %v, want 1h", got)
				}
				if !model.HasScope(tok.GrantedScopes, "ZohoCRM.modules.ALL") {
					t.Errorf("granted scopes %v lack the requested one", tok.GrantedScopes)
				}
				res.ApplyTo(&p)

				f.Clock.Advance(55 * time.Minute)
				before := f.Zoho.RequestsAt(dc, fakezoho.EndpointRefresh)
				ref, err := f.client.Refresh(ctx(t), p)
				if err != nil {
					t.Fatalf("Refresh: %v", err)
				}
				if n := f.Zoho.RequestsAt(dc, fakezoho.EndpointRefresh) - before; n != 1 {
					t.Errorf("refresh made %d requests, want exactly 1", n)
				}
				rt := ref.Token
				if rt.AccessToken == tok.AccessToken || rt.RefreshToken != tok.RefreshToken {
					t.Errorf("refresh must bring a new access token and keep the refresh token")
				}
				if !rt.LastRefreshAt.Equal(f.Clock.Now()) || !rt.ExpiresAt.Equal(f.Clock.Now().Add(time.Hour)) {
					t.Errorf("refresh stamped %v / %v, want now and now+1h", rt.LastRefreshAt, rt.ExpiresAt)
				}
				ref.ApplyTo(&p)

				if !oauth.CanReadUserInfo(p.Token.GrantedScopes) {
					t.Fatal("AaaServer.profile.READ was granted but CanReadUserInfo says no")
				}
				info, err := f.client.UserInfo(ctx(t), p, p.Token.AccessToken)
				if err != nil {
					t.Fatalf("UserInfo: %v", err)
				}
				if info.Email != fakezoho.DefaultUser(dc) || info.ZUID == "" {
					t.Errorf("user info = %+v, want %s", info, fakezoho.DefaultUser(dc))
				}

				if err := f.client.Revoke(ctx(t), p, p.Token.RefreshToken); err != nil {
					t.Fatalf("Revoke: %v", err)
				}
				if f.Zoho.ValidAccessToken(p.Token.AccessToken) {
					t.Error("revoking the refresh token left its access token alive")
				}
				_, err = f.client.Refresh(ctx(t), p)
				if !errors.Is(err, model.ErrRefreshRevoked) {
					t.Fatalf("refresh after revoke: %v, want ErrRefreshRevoked", err)
				}
				if !strings.Contains(err.Error(), "consent again") {
					t.Errorf("message %q does not tell the user to consent again", err)
				}
			})
		}
	}
}

// TestLoopbackFlow catches the redirect for real with the receiver, as the
// wizard does for a http://localhost:PORT redirect.
func TestLoopbackFlow(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	redirect := "http://localhost:" + strconv.Itoa(freePort(t)) + "/callback"
	p := f.newProfile(t, "EU", model.ServerClient, redirect, false)
	consent, err := f.client.NewConsent(p, oauth.ConsentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	recv, err := oauth.Listen(redirect, consent.State)
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()

	// The "browser" follows every redirect, ending at the receiver.
	resp, err := http.Get(consent.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("receiver page answered %d", resp.StatusCode)
	}
	g, err := recv.Wait(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.client.Exchange(ctx(t), p, g, "")
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if res.AccountsServer != f.Zoho.URL("EU") || res.Token.RefreshToken == "" {
		t.Errorf("result = %+v", res)
	}
}

// TestSelfClientFlow: the user generates a code in the console and pastes
// it, quotes and all; no redirect URI is involved.
func TestSelfClientFlow(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	for _, dc := range f.Zoho.IDs() {
		t.Run(dc, func(t *testing.T) {
			p := f.newProfile(t, dc, model.SelfClient, "", false)
			code := f.Zoho.SelfClientCode(p.ClientID, dc, p.Scopes, 3*time.Minute)
			g, err := oauth.ParsePasted(" \""+code+"\"\n", "", f.DCs)
			if err != nil {
				t.Fatal(err)
			}
			if g.AccountsServer != "" {
				t.Errorf("a bare code named server %q", g.AccountsServer)
			}
			res, err := f.client.Exchange(ctx(t), p, g, "")
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			res.ApplyTo(&p)
			if _, err := f.client.Refresh(ctx(t), p); err != nil {
				t.Fatalf("Refresh: %v", err)
			}
		})
	}
}

// TestConsentMovesToHomeDC: an Indian user starts consent at the US server;
// Zoho sends them home, and the code must be exchanged in India.
func TestConsentMovesToHomeDC(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	f.Zoho.AddUser(fakezoho.User{Email: "priya@example.in", HomeDC: "IN", ZUID: "42"})
	f.Zoho.SignIn("priya@example.in")
	p := f.newProfile(t, "US", model.ServerClient, "https://example.com/cb", true)
	consent, err := f.client.NewConsent(p, oauth.ConsentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g, err := oauth.ParsePasted(f.Consent(consent.URL), consent.State, f.DCs)
	if err != nil {
		t.Fatal(err)
	}
	other, ok := g.OtherDC(p, f.DCs)
	if !ok || other.ID != "IN" {
		t.Fatalf("OtherDC = %v, %v; want IN", other.ID, ok)
	}
	res, err := f.client.Exchange(ctx(t), p, g, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.AccountsServer != f.Zoho.URL("IN") || f.Zoho.RequestsAt("IN", fakezoho.EndpointExchange) != 1 {
		t.Errorf("exchanged at %s, want India's server", res.AccountsServer)
	}
	res.ApplyTo(&p)
	info, err := f.client.UserInfo(ctx(t), p, p.Token.AccessToken)
	if err != nil || info.Email != "priya@example.in" {
		t.Errorf("user info = %+v, %v", info, err)
	}
}

// TestWrongDCSaysWhichDC: a client made in the EU console, used with the US
// chosen, fails with invalid_client and the message names the choice.
func TestWrongDCSaysWhichDC(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	p := f.newProfile(t, "EU", model.SelfClient, "", false)
	code := f.Zoho.SelfClientCode(p.ClientID, "EU", p.Scopes, 0)
	p.DC, p.AccountsServer = "US", f.Zoho.URL("US")
	_, err := f.client.Exchange(ctx(t), p, oauth.Grant{Code: code}, "")
	var e *oauth.Error
	if !errors.As(err, &e) || e.Code != "invalid_client" {
		t.Fatalf("err = %v, want invalid_client", err)
	}
	if !strings.Contains(err.Error(), "you chose US") {
		t.Errorf("message %q does not name the chosen DC", err)
	}
	assertNoSecrets(t, err.Error(), p.ClientSecret, code)
}

func TestCodesAreSingleUseAndExpire(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	p := f.newProfile(t, "AU", model.SelfClient, "", false)

	code := f.Zoho.SelfClientCode(p.ClientID, "AU", p.Scopes, 3*time.Minute)
	if _, err := f.client.Exchange(ctx(t), p, oauth.Grant{Code: code}, ""); err != nil {
		t.Fatal(err)
	}
	_, err := f.client.Exchange(ctx(t), p, oauth.Grant{Code: code}, "")
	if want := "expired or was already used"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("second use: %v, want %q", err, want)
	}
	if errors.Is(err, model.ErrRefreshRevoked) {
		t.Error("an expired grant code is not a revoked refresh token")
	}

	code = f.Zoho.SelfClientCode(p.ClientID, "AU", p.Scopes, 3*time.Minute)
	f.Clock.Advance(3*time.Minute + time.Second)
	if _, err := f.client.Exchange(ctx(t), p, oauth.Grant{Code: code}, ""); err == nil || !strings.Contains(err.Error(), "generate a new code") {
		t.Errorf("expired code: %v", err)
	}

	// A redirect code lives two minutes.
	sp := f.newProfile(t, "AU", model.ServerClient, "https://example.com/cb", false)
	consent, _ := f.client.NewConsent(sp, oauth.ConsentOptions{})
	g, err := oauth.ParsePasted(f.Consent(consent.URL), consent.State, f.DCs)
	if err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(2*time.Minute + time.Second)
	if _, err := f.client.Exchange(ctx(t), sp, g, ""); err == nil || !strings.Contains(err.Error(), "invalid_code") {
		t.Errorf("redirect code after 2 minutes: %v", err)
	}
}

// TestThrottledAfterTenRefreshes: Zoho's budget is 10 refreshes per 10
// minutes per refresh token; the 11th is refused until the window moves.
func TestThrottledAfterTenRefreshes(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	p := f.newProfile(t, "JP", model.SelfClient, "", false)
	res, err := f.client.Exchange(ctx(t), p, oauth.Grant{Code: f.Zoho.SelfClientCode(p.ClientID, "JP", p.Scopes, 0)}, "")
	if err != nil {
		t.Fatal(err)
	}
	res.ApplyTo(&p)
	for i := range 10 {
		f.Clock.Advance(time.Second)
		if _, err := f.client.Refresh(ctx(t), p); err != nil {
			t.Fatalf("refresh %d: %v", i+1, err)
		}
	}
	_, err = f.client.Refresh(ctx(t), p)
	if !errors.Is(err, model.ErrThrottled) {
		t.Fatalf("11th refresh: %v, want ErrThrottled", err)
	}
	if !strings.Contains(err.Error(), "wait about 10 minutes") {
		t.Errorf("message %q does not say to wait", err)
	}
	if errors.Is(err, model.ErrRefreshRevoked) {
		t.Error("throttling must not look like a revoked token")
	}
	if n := f.Zoho.Requests(fakezoho.EndpointRefresh); n != 11 {
		t.Errorf("%d refresh requests, want 11 (no retries)", n)
	}
	f.Clock.Advance(10 * time.Minute)
	if _, err := f.client.Refresh(ctx(t), p); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

// TestTwentyFirstRefreshTokenDeletesOldest: every new consent makes a new
// refresh token; the 21st silently kills the first.
func TestTwentyFirstRefreshTokenDeletesOldest(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	p := f.newProfile(t, "CA", model.SelfClient, "", false)
	var tokens []model.Token
	for range 21 {
		res, err := f.client.Exchange(ctx(t), p, oauth.Grant{Code: f.Zoho.SelfClientCode(p.ClientID, "CA", p.Scopes, 0)}, "")
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, res.Token)
	}
	if n := f.Zoho.RefreshTokens(p.ClientID, fakezoho.DefaultUser("CA")); n != 20 {
		t.Errorf("user holds %d refresh tokens, want 20", n)
	}
	first, second := p, p
	first.Token, second.Token = &tokens[0], &tokens[1]
	if _, err := f.client.Refresh(ctx(t), first); !errors.Is(err, model.ErrRefreshRevoked) {
		t.Errorf("oldest token: %v, want ErrRefreshRevoked", err)
	}
	if _, err := f.client.Refresh(ctx(t), second); err != nil {
		t.Errorf("second-oldest token: %v", err)
	}
}

func TestRefreshWithoutRefreshToken(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	p := f.newProfile(t, "US", model.SelfClient, "", false)
	_, err := f.client.Refresh(ctx(t), p)
	if !errors.Is(err, oauth.ErrNoRefreshToken) || f.Zoho.Requests(fakezoho.EndpointRefresh) != 0 {
		t.Errorf("err = %v after %d requests; want ErrNoRefreshToken and no request", err, f.Zoho.Requests(fakezoho.EndpointRefresh))
	}
}

// TestOnlineAccessHasNoRefreshToken: access_type=online gives an access
// token only, and the token says its refresh health is missing.
func TestOnlineAccessHasNoRefreshToken(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	p := f.newProfile(t, "UK", model.ServerClient, "https://example.com/cb", false)
	consent, _ := f.client.NewConsent(p, oauth.ConsentOptions{AccessType: "online"})
	g, err := oauth.ParsePasted(f.Consent(consent.URL), consent.State, f.DCs)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.client.Exchange(ctx(t), p, g, "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Token.RefreshToken != "" || res.Token.RefreshHealth() != model.HealthMissing {
		t.Errorf("online access gave %+v", res.Token)
	}
}

func TestDeniedConsent(t *testing.T) {
	f := newFixture(t, fakezoho.Options{Consent: fakezoho.AutoDeny})
	p := f.newProfile(t, "SA", model.ServerClient, "https://example.com/cb", false)
	consent, _ := f.client.NewConsent(p, oauth.ConsentOptions{})
	g, err := oauth.ParsePasted(f.Consent(consent.URL), consent.State, f.DCs)
	if !errors.Is(err, oauth.ErrAccessDenied) || g.Error != "access_denied" {
		t.Fatalf("ParsePasted = %+v, %v; want access_denied", g, err)
	}
	if !strings.Contains(err.Error(), "choose Accept") {
		t.Errorf("message %q", err)
	}
	if _, err := f.client.Exchange(ctx(t), p, g, ""); !errors.Is(err, oauth.ErrAccessDenied) || f.Zoho.Requests(fakezoho.EndpointExchange) != 0 {
		t.Errorf("exchanging a denied grant: %v", err)
	}
}
