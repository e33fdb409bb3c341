package oauth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth"
)

// seen is one request as the server received it.
type seen struct {
	method, path, rawQuery, requestURI, contentType, auth string
	form                                                  url.Values
}

// shapeServer records the single request it gets and answers with body.
func shapeServer(t *testing.T, body string) (*httptest.Server, *seen) {
	t.Helper()
	var got seen
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		if n > 1 {
			t.Errorf("request %d to %s: one call must make exactly one request", n, r.URL.Path)
		}
		raw, _ := io.ReadAll(r.Body)
		got = seen{
			method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery, requestURI: r.RequestURI,
			contentType: r.Header.Get("Content-Type"), auth: r.Header.Get("Authorization"),
		}
		got.form, _ = url.ParseQuery(string(raw))
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

const tokenBody = `{"access_token":"1000.newaccess.aaa","api_domain":"https://www.zohoapis.eu","token_type":"Bearer","expires_in":3600}`

func shapeProfile(server string, typ model.ClientType) model.Profile {
	p := errProfile(server)
	p.ClientType = typ
	return p
}

// checkShape asserts method, path, content type and the exact form, and
// that no secret travels in the URL.
func checkShape(t *testing.T, got *seen, method, path string, form url.Values, secrets ...string) {
	t.Helper()
	if got.method != method || got.path != path {
		t.Errorf("request %s %s, want %s %s", got.method, got.path, method, path)
	}
	if got.rawQuery != "" {
		t.Errorf("request has a query string %q: parameters belong in the body", got.rawQuery)
	}
	if method == http.MethodPost && got.contentType != "application/x-www-form-urlencoded" {
		t.Errorf("content type %q, want a form", got.contentType)
	}
	if form != nil && !reflect.DeepEqual(got.form, form) {
		t.Errorf("form\n got %v\nwant %v", got.form, form)
	}
	assertNoSecrets(t, got.requestURI, secrets...)
}

func TestExchangeRequest(t *testing.T) {
	t.Run("redirect code with PKCE", func(t *testing.T) {
		srv, got := shapeServer(t, tokenBody)
		p := shapeProfile(srv.URL, model.ServerClient)
		if _, err := oauth.NewClient(model.DataCenters{}).Exchange(ctx(t), p, oauth.Grant{Code: secretCode}, "verifier-abc"); err != nil {
			t.Fatal(err)
		}
		checkShape(t, got, "POST", "/oauth/v2/token", url.Values{
			"grant_type": {"authorization_code"}, "code": {secretCode}, "client_id": {p.ClientID},
			"client_secret": {secretClient}, "redirect_uri": {p.RedirectURI}, "code_verifier": {"verifier-abc"},
		}, secretCode, secretClient, "verifier-abc")
	})
	t.Run("self client code", func(t *testing.T) {
		srv, got := shapeServer(t, tokenBody)
		p := shapeProfile(srv.URL, model.SelfClient) // has a RedirectURI, which must not be sent
		if _, err := oauth.NewClient(model.DataCenters{}).Exchange(ctx(t), p, oauth.Grant{Code: secretCode}, ""); err != nil {
			t.Fatal(err)
		}
		checkShape(t, got, "POST", "/oauth/v2/token", url.Values{
			"grant_type": {"authorization_code"}, "code": {secretCode}, "client_id": {p.ClientID}, "client_secret": {secretClient},
		}, secretCode, secretClient)
	})
	t.Run("goes where the grant says", func(t *testing.T) {
		srv, got := shapeServer(t, tokenBody)
		p := shapeProfile("https://accounts.zoho.eu", model.ServerClient)
		var dcs model.DataCenters
		if err := dcs.Put(model.DataCenter{ID: "IN", AccountsServer: srv.URL}); err != nil {
			t.Fatal(err)
		}
		res, err := oauth.NewClient(dcs).Exchange(ctx(t), p, oauth.Grant{Code: secretCode, AccountsServer: srv.URL}, "")
		if err != nil {
			t.Fatal(err)
		}
		if got.path != "/oauth/v2/token" || res.AccountsServer != srv.URL {
			t.Errorf("exchanged at %s, want the grant's server", res.AccountsServer)
		}
	})
}

func TestRefreshRequest(t *testing.T) {
	srv, got := shapeServer(t, tokenBody)
	p := shapeProfile(srv.URL, model.ServerClient)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := oauth.NewClient(model.DataCenters{})
	c.Now = func() time.Time { return now }
	res, err := c.Refresh(ctx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	checkShape(t, got, "POST", "/oauth/v2/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {secretRefresh}, "client_id": {p.ClientID}, "client_secret": {secretClient},
	}, secretRefresh, secretClient, secretAccess)
	want := model.Token{
		AccessToken: "1000.newaccess.aaa", RefreshToken: secretRefresh, TokenType: "Bearer",
		ObtainedAt: now, ExpiresAt: now.Add(time.Hour), LastRefreshAt: now,
		GrantedScopes: p.Scopes, Health: model.HealthOK,
	}
	if !reflect.DeepEqual(res.Token, want) {
		t.Errorf("token\n got %+v\nwant %+v", res.Token, want)
	}
	if res.APIDomain != "https://www.zohoapis.eu" || res.AccountsServer != srv.URL {
		t.Errorf("result = %+v", res)
	}
}

func TestRevokeRequest(t *testing.T) {
	srv, got := shapeServer(t, `{"status":"success"}`)
	p := shapeProfile(srv.URL, model.ServerClient)
	if err := oauth.NewClient(model.DataCenters{}).Revoke(ctx(t), p, secretRefresh); err != nil {
		t.Fatal(err)
	}
	checkShape(t, got, "POST", "/oauth/v2/revoke/token", url.Values{"token": {secretRefresh}, "token_type": {"refresh_token"}}, secretRefresh, secretClient)
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(p.ClientID+":"+secretClient))
	if got.auth != wantAuth {
		t.Errorf("Authorization = %q, want HTTP Basic with the client id and secret", model.Redact(got.auth))
	}

	srv, got = shapeServer(t, `{"status":"success"}`)
	p = shapeProfile(srv.URL, model.ServerClient)
	if err := oauth.NewClient(model.DataCenters{}).RevokeToken(ctx(t), p, secretAccess, oauth.AccessTokenKind); err != nil {
		t.Fatal(err)
	}
	checkShape(t, got, "POST", "/oauth/v2/revoke/token", url.Values{"token": {secretAccess}, "token_type": {"access_token"}}, secretAccess, secretClient)
}

func TestUserInfoRequest(t *testing.T) {
	srv, got := shapeServer(t, `{"First_Name":"Ada","Last_Name":"L","Display_Name":"ada","Email":"ada@example.com","ZUID":123456789012}`)
	p := shapeProfile(srv.URL, model.ServerClient)
	info, err := oauth.NewClient(model.DataCenters{}).UserInfo(ctx(t), p, secretAccess)
	if err != nil {
		t.Fatal(err)
	}
	checkShape(t, got, "GET", "/oauth/user/info", nil, secretAccess, secretClient)
	if got.auth != "Zoho-oauthtoken "+secretAccess {
		t.Errorf("Authorization = %q, want the Zoho-oauthtoken scheme", model.Redact(got.auth))
	}
	want := oauth.UserInfo{Email: "ada@example.com", FirstName: "Ada", LastName: "L", DisplayName: "ada", ZUID: "123456789012"}
	if info != want {
		t.Errorf("info = %+v, want %+v", info, want)
	}
}

func TestDeviceRequests(t *testing.T) {
	t.Run("code", func(t *testing.T) {
		srv, got := shapeServer(t, `{"user_code":"ABCDEFGH","device_code":"1000.dev.code","verification_url":"https://accounts.zoho.eu/oauth/v3/device","expires_in":300,"interval":30}`)
		p := shapeProfile(srv.URL, model.NonBrowserClient)
		now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		c := oauth.NewClient(model.DataCenters{})
		c.Now = func() time.Time { return now }
		d, err := c.StartDevice(ctx(t), p)
		if err != nil {
			t.Fatal(err)
		}
		checkShape(t, got, "POST", "/oauth/v3/device/code", url.Values{
			"grant_type": {"device_request"}, "client_id": {p.ClientID}, "scope": {"ZohoCRM.modules.ALL"},
			"access_type": {"offline"}, "prompt": {"consent"},
		}, secretClient)
		want := oauth.DeviceCode{UserCode: "ABCDEFGH", DeviceCode: "1000.dev.code", VerificationURL: "https://accounts.zoho.eu/oauth/v3/device",
			ExpiresAt: now.Add(5 * time.Minute), Interval: 30 * time.Second, AccountsServer: srv.URL}
		if d != want {
			t.Errorf("device code\n got %+v\nwant %+v", d, want)
		}
	})
	t.Run("token", func(t *testing.T) {
		srv, got := shapeServer(t, tokenBody)
		p := shapeProfile(srv.URL, model.NonBrowserClient)
		c := oauth.NewClient(model.DataCenters{})
		c.Sleep = func(context.Context, time.Duration) error { return nil }
		d := oauth.DeviceCode{DeviceCode: "1000.dev.code", Interval: time.Second, AccountsServer: srv.URL}
		if _, err := c.PollDevice(ctx(t), p, d, nil); err != nil {
			t.Fatal(err)
		}
		checkShape(t, got, "POST", "/oauth/v3/device/token", url.Values{
			"grant_type": {"device_token"}, "code": {"1000.dev.code"}, "client_id": {p.ClientID}, "client_secret": {secretClient},
		}, secretClient, "1000.dev.code")
	})
}

// TestConsentURL checks every parameter of the consent URL, and that it
// carries nothing secret.
func TestConsentURL(t *testing.T) {
	c := oauth.NewClient(model.DataCenters{})
	c.Rand = bytes.NewReader(bytes.Repeat([]byte{7}, 128))
	p := shapeProfile("https://accounts.zoho.eu/", model.ServerClient)
	p.Scopes = []string{"ZohoCRM.modules.ALL", "ZohoCRM.settings.READ"}
	got, err := c.NewConsent(p, oauth.ConsentOptions{PKCE: true})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(got.URL)
	if u.Scheme+"://"+u.Host+u.Path != "https://accounts.zoho.eu/oauth/v2/auth" {
		t.Errorf("consent at %s", got.URL)
	}
	want := url.Values{
		"client_id": {p.ClientID}, "response_type": {"code"}, "redirect_uri": {p.RedirectURI},
		"scope": {"ZohoCRM.modules.ALL,ZohoCRM.settings.READ"}, "access_type": {"offline"}, "prompt": {"consent"},
		"state": {got.State}, "code_challenge": {u.Query().Get("code_challenge")}, "code_challenge_method": {"S256"},
	}
	if !reflect.DeepEqual(u.Query(), want) {
		t.Errorf("query\n got %v\nwant %v", u.Query(), want)
	}
	// 32 bytes of 7s, base64url: the state comes from c.Rand.
	if got.State != strings.Repeat("BwcH", 10)+"Bwc" || len(got.Verifier) != 43 {
		t.Errorf("state %q, verifier %q", got.State, got.Verifier)
	}
	assertNoSecrets(t, got.URL, secretClient, secretRefresh, secretAccess)

	p.Consent, p.RedirectURI = model.OrgConsent, ""
	org, err := c.NewConsent(p, oauth.ConsentOptions{AccessType: "online", Prompt: "none"})
	if err != nil {
		t.Fatal(err)
	}
	ou, _ := url.Parse(org.URL)
	q := ou.Query()
	if ou.Path != "/oauth/v2/org/auth" || q.Has("redirect_uri") || q.Get("access_type") != "online" || q.Get("prompt") != "none" || q.Has("code_challenge") {
		t.Errorf("org consent URL %s", org.URL)
	}

	p.ClientType = model.SelfClient
	if _, err := c.NewConsent(p, oauth.ConsentOptions{}); err == nil || !strings.Contains(err.Error(), "Generate Code") {
		t.Errorf("Self Client consent: %v", err)
	}
}

// TestUserInfoRefusesEscapesFromZoho: the email from Zoho becomes the
// profile's account and is shown in terminals; one carrying a terminal
// escape (or a bidi override) is refused, not stored.
func TestUserInfoRefusesEscapesFromZoho(t *testing.T) {
	for name, body := range map[string]string{
		"email with OSC": `{"Email":"ada@example.com\u001b]2;owned\u0007","ZUID":1}`,
		"email bidi":     `{"Email":"moc.elpmaxe@\u202eada","ZUID":1}`,
		"name with CSI":  `{"Email":"ada@example.com","Display_Name":"\u009b2J","ZUID":1}`,
		"email too long": `{"Email":"` + strings.Repeat("a", 300) + `@example.com","ZUID":1}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv, _ := shapeServer(t, body)
			_, err := oauth.NewClient(model.DataCenters{}).UserInfo(ctx(t), shapeProfile(srv.URL, model.ServerClient), secretAccess)
			if err == nil || !strings.Contains(err.Error(), "not plain text") {
				t.Errorf("UserInfo = %v, want a refusal", err)
			}
			if err != nil && strings.ContainsAny(err.Error(), "\x1b\x07\u009b\u202e") {
				t.Errorf("the error repeats the escape: %q", err)
			}
		})
	}
}

// TestParsePastedCapsItsInput: a huge paste is refused without being
// echoed or parsed.
func TestParsePastedCapsItsInput(t *testing.T) {
	huge := "https://example.com/cb?code=" + secretCode + "&pad=" + strings.Repeat("1", 100000)
	_, err := oauth.ParsePasted(huge, "", model.DataCenters{})
	if err == nil || len(err.Error()) > 300 || strings.Contains(err.Error(), secretCode) {
		t.Errorf("a 100 KB paste: %.300v", err)
	}
}
