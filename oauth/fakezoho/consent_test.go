package fakezoho_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"ztm/model"
	"ztm/oauth/fakezoho"
)

// noFollow is a browser that stops at every redirect.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func consentURL(z *fakezoho.Cluster, dc, clientID, redirect string, extra url.Values) string {
	q := url.Values{"client_id": {clientID}, "response_type": {"code"}, "redirect_uri": {redirect},
		"scope": {"ZohoCRM.modules.ALL"}, "access_type": {"offline"}, "prompt": {"consent"}, "state": {"st"}}
	for k, v := range extra {
		q[k] = v
	}
	return z.URL(dc) + "/oauth/v2/auth?" + q.Encode()
}

func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := noFollow.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestConsentChecks(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	z.AddClient(fakezoho.Client{ID: "1000.SERVERCLIENT", Secret: secret, Type: model.ServerClient, HomeDC: "EU",
		RedirectURIs: []string{"http://localhost:8765/cb"}})
	cases := []struct{ name, u, want string }{
		{"unknown client", consentURL(z, "EU", "1000.UNKNOWN0000", "http://localhost:8765/cb", nil), "invalid_client"},
		{"client of another DC", consentURL(z, "JP", "1000.SERVERCLIENT", "http://localhost:8765/cb", nil), "invalid_client"},
		{"redirect differs by port", consentURL(z, "EU", "1000.SERVERCLIENT", "http://localhost:8766/cb", nil), "invalid_redirect_uri"},
		{"bad scope", consentURL(z, "EU", "1000.SERVERCLIENT", "http://localhost:8765/cb", url.Values{"scope": {"crm"}}), "invalid_scope"},
	}
	for _, tc := range cases {
		resp, page := get(t, tc.u)
		if resp.StatusCode != 400 || !strings.Contains(page, tc.want) {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, page)
		}
	}
	resp, _ := get(t, consentURL(z, "EU", "1000.SERVERCLIENT", "http://localhost:8765/cb", nil))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	if resp.StatusCode != 302 || loc.Host != "localhost:8765" || q.Get("state") != "st" || q.Get("location") != "eu" ||
		q.Get("accounts-server") != z.URL("EU") || q.Get("code") == "" {
		t.Errorf("approved consent went to %s", resp.Header.Get("Location"))
	}
	if z.Requests(fakezoho.EndpointAuth) != 5 {
		t.Errorf("%d consent requests counted, want 5", z.Requests(fakezoho.EndpointAuth))
	}
}

func TestChinaIsSeparate(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	z.AddClient(fakezoho.Client{ID: "1000.SERVERCLIENT", Secret: secret, Type: model.ServerClient, MultiDC: true,
		RedirectURIs: []string{"http://localhost:8765/cb"}})
	z.AddUser(fakezoho.User{Email: "li@example.cn", HomeDC: "CN"})
	z.SignIn("li@example.cn")
	resp, page := get(t, consentURL(z, "US", "1000.SERVERCLIENT", "http://localhost:8765/cb", nil))
	if resp.StatusCode != 400 || !strings.Contains(page, "does not exist in this data center") {
		t.Errorf("CN user at the US server: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	z.SignIn("")
	z.AddUser(fakezoho.User{Email: "emma@example.eu", HomeDC: "EU"})
	z.SignIn("emma@example.eu")
	resp, _ = get(t, consentURL(z, "US", "1000.SERVERCLIENT", "http://localhost:8765/cb", nil))
	if resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"), z.URL("EU")+"/oauth/v2/auth?") {
		t.Errorf("EU user at the US server sent to %s", resp.Header.Get("Location"))
	}
}

// TestNoPromptNoNewRefreshToken: without prompt=consent a user who already
// granted the client gets no new refresh token, which is why ztm always
// sends it.
func TestNoPromptNoNewRefreshToken(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	z.AddClient(fakezoho.Client{ID: "1000.SERVERCLIENT", Secret: secret, Type: model.ServerClient, HomeDC: "US",
		RedirectURIs: []string{"https://example.com/cb"}})
	codeFrom := func(extra url.Values) string {
		resp, _ := get(t, consentURL(z, "US", "1000.SERVERCLIENT", "https://example.com/cb", extra))
		loc, _ := url.Parse(resp.Header.Get("Location"))
		return loc.Query().Get("code")
	}
	ex := func(code string) map[string]any {
		_, body := post(t, z.URL("US")+"/oauth/v2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"client_id": {"1000.SERVERCLIENT"}, "client_secret": {secret}, "redirect_uri": {"https://example.com/cb"}})
		return body
	}
	if b := ex(codeFrom(url.Values{"prompt": {""}})); b["refresh_token"] == nil {
		t.Errorf("first grant without prompt: %v", b)
	}
	if b := ex(codeFrom(url.Values{"prompt": {""}})); b["refresh_token"] != nil || b["access_token"] == nil {
		t.Errorf("second grant without prompt: %v", b)
	}
	if b := ex(codeFrom(nil)); b["refresh_token"] == nil {
		t.Errorf("grant with prompt=consent: %v", b)
	}
	// The code is bound to its redirect URI.
	code := codeFrom(nil)
	_, b := post(t, z.URL("US")+"/oauth/v2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {"1000.SERVERCLIENT"}, "client_secret": {secret}, "redirect_uri": {"https://example.com/other"}})
	if b["error"] != "invalid_redirect_uri" {
		t.Errorf("other redirect_uri: %v", b)
	}
}

// TestConsentPage: a person clicks Accept or Deny.
func TestConsentPage(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{Consent: fakezoho.ConsentPage})
	z.AddClient(fakezoho.Client{ID: "1000.SERVERCLIENT", Secret: secret, Type: model.ServerClient, HomeDC: "AU",
		RedirectURIs: []string{"https://example.com/cb"}})
	for _, decision := range []string{"accept", "deny"} {
		resp, page := get(t, consentURL(z, "AU", "1000.SERVERCLIENT", "https://example.com/cb", nil))
		id := regexp.MustCompile(`name="consent_id" value="([0-9a-f]+)"`).FindStringSubmatch(page)
		if resp.StatusCode != 200 || id == nil || !strings.Contains(page, "ZohoCRM.modules.ALL") || !strings.Contains(page, fakezoho.DefaultUser("AU")) {
			t.Fatalf("consent page: %d %s", resp.StatusCode, page)
		}
		r2, err := noFollow.PostForm(z.URL("AU")+"/oauth/v2/auth", url.Values{"consent_id": {id[1]}, "decision": {decision}})
		if err != nil {
			t.Fatal(err)
		}
		r2.Body.Close()
		loc, _ := url.Parse(r2.Header.Get("Location"))
		switch {
		case decision == "accept" && loc.Query().Get("code") == "":
			t.Errorf("accept went to %s", loc)
		case decision == "deny" && loc.Query().Get("error") != "access_denied":
			t.Errorf("deny went to %s", loc)
		}
		if loc.Query().Get("state") != "st" {
			t.Errorf("%s lost the state: %s", decision, loc)
		}
	}
}
