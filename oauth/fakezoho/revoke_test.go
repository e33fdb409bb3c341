package fakezoho_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ztm/oauth/fakezoho"
)

// revokeNew calls POST /oauth/v2/revoke/token with HTTP Basic id:pass.
func revokeNew(t *testing.T, z *fakezoho.Cluster, dc, id, pass string, form url.Values) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, z.URL(dc)+"/oauth/v2/revoke/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, pass)
	resp, raw := call2(t, req)
	if resp.StatusCode != 200 {
		t.Errorf("revoke answered HTTP %d: %s", resp.StatusCode, raw)
	}
	return decode(t, raw)
}

func TestRevokeNewerForm(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	const id = "1000.REVOKE000001"
	selfClient(z, id, "EU")
	rt := z.MintRefreshToken(id, fakezoho.DefaultUser("EU"), "EU", scopes)
	_, b1 := refresh(t, z, "EU", id, rt)
	_, b2 := refresh(t, z, "EU", id, rt)
	at1, at2 := b1["access_token"].(string), b2["access_token"].(string)

	if body := revokeNew(t, z, "EU", id, secret, url.Values{"token": {at1}, "token_type": {"access_token"}}); body["status"] != "success" {
		t.Fatalf("revoke an access token: %v", body)
	}
	if z.ValidAccessToken(at1) || !z.ValidAccessToken(at2) || !z.ValidRefreshToken(rt) {
		t.Error("revoking an access token must end that one only")
	}
	if body := revokeNew(t, z, "EU", id, secret, url.Values{"token": {rt}, "token_type": {"refresh_token"}}); body["status"] != "success" {
		t.Fatalf("revoke a refresh token: %v", body)
	}
	if z.ValidRefreshToken(rt) || z.ValidAccessToken(at2) {
		t.Error("revoking a refresh token must end it and its access tokens")
	}
	if n, old := z.Requests(fakezoho.EndpointRevokeToken), z.Requests(fakezoho.EndpointRevoke); n != 2 || old != 0 {
		t.Errorf("counts: revoke_token %d, revoke %d; want 2, 0", n, old)
	}
}

func TestRevokeNewerFormRefusals(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	selfClient(z, "1000.REVOKE000002", "US")
	selfClient(z, "1000.REVOKE000003", "US")
	rt := z.MintRefreshToken("1000.REVOKE000002", fakezoho.DefaultUser("US"), "US", scopes)
	cases := []struct {
		name, id, pass, tokenType, want string
	}{
		{"wrong secret", "1000.REVOKE000002", "wrong", "refresh_token", "invalid_client"},
		{"no credentials", "", "", "refresh_token", "invalid_client"},
		{"another client's token", "1000.REVOKE000003", secret, "refresh_token", "invalid_token"},
		{"no token_type", "1000.REVOKE000002", secret, "", "invalid_request"},
	}
	for _, tc := range cases {
		form := url.Values{"token": {rt}}
		if tc.tokenType != "" {
			form.Set("token_type", tc.tokenType)
		}
		if body := revokeNew(t, z, "US", tc.id, tc.pass, form); body["error"] != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, body, tc.want)
		}
	}
	if !z.ValidRefreshToken(rt) {
		t.Error("a refused revoke revoked the token")
	}
}

func TestRevokeOlderFormStillWorks(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	selfClient(z, "1000.REVOKE000004", "JP")
	rt := z.MintRefreshToken("1000.REVOKE000004", fakezoho.DefaultUser("JP"), "JP", scopes)
	if _, body := post(t, z.URL("JP")+"/oauth/v2/token/revoke", url.Values{"token": {rt}}); body["status"] != "success" {
		t.Errorf("older revoke: %v", body)
	}
	if z.ValidRefreshToken(rt) {
		t.Error("the older revoke left the token working")
	}
	if n, newer := z.Requests(fakezoho.EndpointRevoke), z.Requests(fakezoho.EndpointRevokeToken); n != 1 || newer != 0 {
		t.Errorf("counts: revoke %d, revoke_token %d; want 1, 0", n, newer)
	}
}
