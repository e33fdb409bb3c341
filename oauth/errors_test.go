package oauth_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/oauth/fakezoho"
)

// Secrets used by the error tests; none may ever show in a message.
const (
	secretClient  = "SECRET-client-4b1e9d"
	secretRefresh = "1000.refreshsecret9a8b.7c6d5e"
	secretAccess  = "1000.accesssecret1a2b.3c4d5e"
	secretCode    = "1000.codesecret77aa.88bb99"
)

func errProfile(server string) model.Profile {
	return model.Profile{
		Name: "crm-eu", DC: "EU", AccountsServer: server, ClientType: model.ServerClient,
		ClientID: "1000.ABCDEFGHIJ12345", ClientSecret: secretClient, RedirectURI: "http://localhost:8765/callback",
		Scopes: []string{"ZohoCRM.modules.ALL"},
		Token:  &model.Token{AccessToken: secretAccess, RefreshToken: secretRefresh},
	}
}

// TestZohoErrorsTellWhatToDo runs every error Zoho is known to send through
// refresh or exchange and checks the sentence a user reads, and how the
// vault will classify it.
func TestZohoErrorsTellWhatToDo(t *testing.T) {
	cases := []struct {
		name        string
		op          string // exchange or refresh
		status      int
		contentType string
		body        string
		want        string // the whole message
		revoked     bool
		throttled   bool
		denied      bool
		unreachable bool // a gateway answered, not Zoho: exit 5, "try later"
	}{
		{name: "expired code", op: "exchange", body: `{"error":"invalid_code"}`,
			want: "code exchange: the grant code has expired or was already used (invalid_code); generate a new code and exchange it at once: a redirect code lives about 1-2 minutes, a Self Client code 3-10 minutes"},
		{name: "revoked refresh token", op: "refresh", body: `{"error":"invalid_code"}`, revoked: true,
			want: "refresh: Zoho no longer accepts this refresh token (invalid_code): it was revoked, or deleted after 20 newer ones were made; consent again to get a new one"},
		{name: "wrong client or DC", op: "refresh", body: `{"error":"invalid_client"}`,
			want: "refresh: the client id or secret is wrong, or the client is registered in another data center (invalid_client): you chose EU; check both in that data center's API Console, or choose the data center where the client was made"},
		{name: "wrong secret", op: "exchange", body: `{"error":"invalid_client_secret"}`,
			want: "code exchange: the client secret is wrong (invalid_client_secret); copy it again from the API Console: with Multi-DC each data center has its own secret"},
		{name: "redirect mismatch", op: "exchange", body: `{"error":"invalid_redirect_uri"}`,
			want: "code exchange: the redirect URI differs from the one registered in the API Console (invalid_redirect_uri); it must match exactly, scheme, port and path included"},
		{name: "bad scope", op: "exchange", body: `{"error":"invalid_scope"}`,
			want: "code exchange: Zoho refused the scopes (invalid_scope); check that each is spelled Service.scope.OPERATION and exists in EU"},
		{name: "denied", op: "exchange", body: `{"error":"access_denied"}`, denied: true,
			want: "code exchange: the consent was denied (access_denied); start again and choose Accept"},
		{name: "throttled", op: "refresh", status: 400,
			body:      `{"error":"Access Denied","error_description":"You have made too many requests continuously. Please try again after some time.","status":"failure"}`,
			throttled: true,
			want:      "refresh: Zoho is throttling requests (too many in a short time); wait about 10 minutes before trying again: Zoho allows 10 refreshes per 10 minutes for each refresh token"},
		{name: "throttled, localized", op: "refresh", status: 400,
			body: `{"error":"Zugriff verweigert","error_description":"Zu viele Anfragen.","status":"failure"}`, throttled: true,
			want: "refresh: Zoho is throttling requests (too many in a short time); wait about 10 minutes before trying again: Zoho allows 10 refreshes per 10 minutes for each refresh token"},
		{name: "throttled with 200", op: "refresh", body: `{"error":"Accès refusé","status":"failure"}`, throttled: true,
			want: "refresh: Zoho is throttling requests (too many in a short time); wait about 10 minutes before trying again: Zoho allows 10 refreshes per 10 minutes for each refresh token"},
		{name: "502 page", op: "refresh", status: 502, contentType: "text/html", unreachable: true,
			body: "<html><body><h1>502 Bad Gateway</h1></body></html>",
			want: "refresh: Zoho answered with a web page instead of JSON (HTTP 502); the accounts server may be down, or a proxy or captive portal is in the way; try again later"},
		{name: "html without content type", op: "exchange", status: 200, contentType: "text/plain", body: "  <!DOCTYPE html><p>login</p>", unreachable: true,
			want: "code exchange: Zoho answered with a web page instead of JSON (HTTP 200); the accounts server may be down, or a proxy or captive portal is in the way; try again later"},
		{name: "500 without body", op: "refresh", status: 500, contentType: "application/json", body: "", unreachable: true,
			want: "refresh: Zoho answered HTTP 500 without an error code; try again later"},
		{name: "garbage", op: "refresh", body: "ok", unreachable: true,
			want: "refresh: Zoho sent an answer ztm cannot read (not JSON) with HTTP 200; try again later, and report it if it persists"},
		{name: "proxy 503 with its own JSON", op: "refresh", status: 503, body: `{"message":"upstream connect error"}`, unreachable: true,
			want: "refresh: Zoho answered HTTP 503 without an error code; try again later"},
		{name: "gateway 504 with an unknown code", op: "refresh", status: 504, body: `{"error":"gateway_timeout"}`, unreachable: true,
			want: "refresh: Zoho's server failed with HTTP 504 (gateway_timeout); nothing is wrong with the profile: try again later"},
		{name: "revoked token, even with 500", op: "refresh", status: 500, body: `{"error":"invalid_code"}`, revoked: true,
			want: "refresh: Zoho no longer accepts this refresh token (invalid_code): it was revoked, or deleted after 20 newer ones were made; consent again to get a new one"},
		{name: "no access token", op: "refresh", body: `{"token_type":"Bearer"}`,
			want: "refresh: Zoho sent an answer ztm cannot read (no access_token) with HTTP 200; try again later, and report it if it persists"},
		{name: "unknown code", op: "exchange", body: `{"error":"unsupported_grant_type","error_description":"grant type not supported"}`,
			want: "code exchange: Zoho refused the request (unsupported_grant_type: grant type not supported); check the profile's client, scopes and data center, and report it if it persists"},
		{name: "echoed secret is scrubbed", op: "refresh", body: `{"error":"invalid_request","error_description":"bad client_secret=` + secretClient + ` for ` + secretRefresh + `"}`,
			want: "refresh: Zoho refused the request (invalid_request: bad client_secret=[redacted] for [redacted]); check the profile's client, scopes and data center, and report it if it persists"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ct := tc.contentType
				if ct == "" {
					ct = "application/json"
				}
				w.Header().Set("Content-Type", ct)
				if tc.status != 0 {
					w.WriteHeader(tc.status)
				}
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			dcs := model.DataCenters{}
			c := oauth.NewClient(dcs)
			p := errProfile(srv.URL)
			var err error
			if tc.op == "refresh" {
				_, err = c.Refresh(ctx(t), p)
			} else {
				_, err = c.Exchange(ctx(t), p, oauth.Grant{Code: secretCode}, "")
			}
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != tc.want {
				t.Errorf("message\n got %q\nwant %q", err, tc.want)
			}
			if got := errors.Is(err, model.ErrRefreshRevoked); got != tc.revoked {
				t.Errorf("errors.Is(ErrRefreshRevoked) = %v", got)
			}
			if got := errors.Is(err, model.ErrThrottled); got != tc.throttled {
				t.Errorf("errors.Is(ErrThrottled) = %v", got)
			}
			if got := errors.Is(err, oauth.ErrAccessDenied); got != tc.denied {
				t.Errorf("errors.Is(ErrAccessDenied) = %v", got)
			}
			if got := oauth.IsNetwork(err); got != tc.unreachable {
				t.Errorf("IsNetwork = %v, want %v: only a gateway's answer or none is the unreachable kind", got, tc.unreachable)
			}
			if got := errors.Is(err, model.ErrUnreachable); got != tc.unreachable {
				t.Errorf("errors.Is(ErrUnreachable) = %v", got)
			}
			assertNoSecrets(t, err.Error(), secretClient, secretRefresh, secretAccess, secretCode)
		})
	}
}

// TestInvalidClientFromAnotherDC: the grant came back from India while the
// profile chose Europe; the message says so, and what to do.
func TestInvalidClientFromAnotherDC(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	p := f.newProfile(t, "EU", model.ServerClient, "https://example.com/cb", false)
	f.Zoho.InjectFault(fakezoho.EndpointExchange, fakezoho.Fault{Body: `{"error":"invalid_client"}`})
	_, err := f.client.Exchange(ctx(t), p, oauth.Grant{Code: secretCode, AccountsServer: f.Zoho.URL("IN")}, "")
	want := "code exchange: the client id or secret is wrong, or the client is not enabled in IN (invalid_client): you chose EU but Zoho sent this grant to IN; enable Multi-DC for the client in the API Console, or choose IN"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if f.Zoho.RequestsAt("IN", fakezoho.EndpointExchange) != 1 {
		t.Error("the exchange did not go to the server the grant named")
	}
}

// TestNetworkErrors: no answer at all becomes a *NetworkError that names
// the host, says why, and suggests checking the network.
func TestNetworkErrors(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		server := "http://127.0.0.1:" + strconv.Itoa(freePort(t))
		_, err := oauth.NewClient(model.DataCenters{}).Refresh(ctx(t), errProfile(server))
		wantNetwork(t, err, "could not reach 127.0.0.1:"+strings.TrimPrefix(server, "http://127.0.0.1:")+": connection refused; check your network or proxy")
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		defer srv.Close()
		defer close(release)
		c := oauth.NewClient(model.DataCenters{})
		c.Timeout = 50 * time.Millisecond
		_, err := c.Refresh(ctx(t), errProfile(srv.URL))
		wantNetwork(t, err, "could not reach "+strings.TrimPrefix(srv.URL, "http://")+": no answer within 50ms; check your network or proxy")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a timeout should match context.DeadlineExceeded: %v", err)
		}
	})
	t.Run("connection closed", func(t *testing.T) {
		f := newFixture(t, fakezoho.Options{})
		f.Zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{CloseConnection: true})
		_, err := f.client.Refresh(ctx(t), errProfile(f.Zoho.URL("EU")))
		wantNetwork(t, err, "could not reach "+strings.TrimPrefix(f.Zoho.URL("EU"), "http://")+": the connection closed before an answer came; check your network or proxy")
		if n := f.Zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
			t.Errorf("%d refresh requests after a dropped connection, want 1: ztm must not retry", n)
		}
	})
	t.Run("dns", func(t *testing.T) {
		c := oauth.NewClient(model.DataCenters{})
		c.HTTP = &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return nil, &net.DNSError{Err: "no such host", Name: "accounts.zoho.eu", IsNotFound: true}
			},
		}}
		_, err := c.Refresh(ctx(t), errProfile("https://accounts.zoho.eu"))
		wantNetwork(t, err, "could not reach accounts.zoho.eu: the host name does not resolve; check your network or proxy")
	})
	t.Run("cancelled by the caller", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		defer srv.Close()
		defer close(release)
		cctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		_, err := oauth.NewClient(model.DataCenters{}).Refresh(cctx, errProfile(srv.URL))
		if !errors.Is(err, context.Canceled) || oauth.IsNetwork(err) {
			t.Errorf("err = %v, want context.Canceled and not a network error", err)
		}
	})
}

func wantNetwork(t *testing.T, err error, want string) {
	t.Helper()
	if !oauth.IsNetwork(err) {
		t.Fatalf("err = %v (%T), want a network error", err, err)
	}
	if err.Error() != want {
		t.Errorf("message\n got %q\nwant %q", err, want)
	}
	if !errors.Is(err, model.ErrUnreachable) {
		t.Error("a network error should match model.ErrUnreachable")
	}
	if errors.Is(err, model.ErrRefreshRevoked) || errors.Is(err, model.ErrThrottled) {
		t.Error("a network error is neither revoked nor throttled")
	}
	assertNoSecrets(t, err.Error(), secretClient, secretRefresh, secretAccess)
}

// TestUserInfoAndRevokeErrors: the answers of the other two endpoints.
func TestUserInfoAndRevokeErrors(t *testing.T) {
	f := newFixture(t, fakezoho.Options{})
	p := f.newProfile(t, "EU", model.SelfClient, "", false)
	p.Scopes = []string{"ZohoCRM.modules.ALL"}
	res, err := f.client.Exchange(ctx(t), p, oauth.Grant{Code: f.Zoho.SelfClientCode(p.ClientID, "EU", p.Scopes, 0)}, "")
	if err != nil {
		t.Fatal(err)
	}
	res.ApplyTo(&p)
	if oauth.CanReadUserInfo(p.Token.GrantedScopes) {
		t.Error("CanReadUserInfo without AaaServer.profile.READ")
	}
	_, err = f.client.UserInfo(ctx(t), p, p.Token.AccessToken)
	if want := "user info: the token lacks the AaaServer.profile.READ scope (OAUTH_SCOPE_MISMATCH); add it to the profile's scopes and consent again"; err == nil || err.Error() != want {
		t.Errorf("no scope: %v", err)
	}
	f.Clock.Advance(time.Hour)
	_, err = f.client.UserInfo(ctx(t), p, p.Token.AccessToken)
	if want := "user info: the access token is invalid or expired (INVALID_OAUTHTOKEN); refresh it and try again"; err == nil || err.Error() != want {
		t.Errorf("expired token: %v", err)
	}
	assertNoSecrets(t, err.Error(), p.Token.AccessToken, p.ClientSecret)

	if err := f.client.Revoke(ctx(t), p, p.Token.RefreshToken); err != nil {
		t.Fatal(err)
	}
	err = f.client.Revoke(ctx(t), p, p.Token.RefreshToken)
	if want := "revoke: Zoho does not know this refresh token (invalid_token); it was probably revoked already, so nothing is left to do"; err == nil || err.Error() != want {
		t.Errorf("second revoke: %v", err)
	}
	if !errors.Is(err, model.ErrRefreshRevoked) {
		t.Error("revoking a dead token should read as revoked")
	}
	assertNoSecrets(t, err.Error(), p.Token.RefreshToken)
}

// TestRevokedRefreshTokenNamesTheWayToConsent: a revoked refresh token
// says to consent again; the face adds how (its key and its command), and
// the decorated error still reads as revoked for the vault and the faces.
func TestRevokedRefreshTokenNamesTheWayToConsent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"error":"invalid_code"}`))
	}))
	defer srv.Close()
	c := oauth.NewClient(model.DataCenters{})
	_, err := c.Refresh(ctx(t), errProfile(srv.URL))
	if !oauth.NeedsConsent(err) {
		t.Fatalf("a revoked refresh token does not need consent? %v", err)
	}
	how := "press n in the dashboard, or run ztm consent crm-eu"
	hinted := oauth.WithConsentHint(fmt.Errorf("crm-eu: %w", err), how)
	if !strings.HasSuffix(hinted.Error(), "consent again to get a new one: "+how) {
		t.Errorf("message %q does not end with the way to consent", hinted)
	}
	var zerr *oauth.Error
	if !errors.Is(hinted, model.ErrRefreshRevoked) || !errors.As(hinted, &zerr) || zerr.Code != "invalid_code" {
		t.Errorf("the hint hides what the error is: %v", hinted)
	}
	assertNoSecrets(t, hinted.Error(), secretClient, secretRefresh, secretAccess)

	// An already-revoked token on delete needs no consent, nor does a network error.
	p := errProfile(srv.URL)
	revokeErr := &oauth.Error{Op: "revoke", Code: "invalid_token"}
	if got := oauth.WithConsentHint(revokeErr, how); got != error(revokeErr) {
		t.Errorf("revoke of a dead token decorated: %v", got)
	}
	p.AccountsServer = "http://127.0.0.1:" + strconv.Itoa(freePort(t))
	_, netErr := c.Refresh(ctx(t), p)
	if got := oauth.WithConsentHint(netErr, how); got.Error() != netErr.Error() {
		t.Errorf("network error decorated: %v", got)
	}
	p.Token = &model.Token{AccessToken: secretAccess}
	_, noRT := c.Refresh(ctx(t), p)
	if got := oauth.WithConsentHint(noRT, how); !strings.HasSuffix(got.Error(), how) {
		t.Errorf("no refresh token: %v, want the way to consent", got)
	}
}
