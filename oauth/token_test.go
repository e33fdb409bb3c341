package oauth_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth"
)

func TestParseTokenResponse(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name, body string
		life       time.Duration
		refresh    string
		apiDomain  string
		scopes     []string
		err        string
	}{
		{name: "current format",
			body: `{"access_token":"1000.a.b","refresh_token":"1000.r.s","api_domain":"https://www.zohoapis.in","token_type":"Bearer","expires_in":3600}`,
			life: time.Hour, refresh: "1000.r.s", apiDomain: "https://www.zohoapis.in"},
		{name: "legacy milliseconds",
			body: `{"access_token":"1000.a.b","expires_in_sec":3600,"expires_in":3600000,"api_domain":"https://www.zohoapis.com","token_type":"Bearer"}`,
			life: time.Hour, apiDomain: "https://www.zohoapis.com"},
		{name: "lone milliseconds", body: `{"access_token":"1000.a.b","expires_in":3600000}`, life: time.Hour},
		{name: "numbers as strings", body: `{"access_token":"1000.a.b","expires_in":"1800"}`, life: 30 * time.Minute},
		{name: "no expiry means an hour", body: `{"access_token":"1000.a.b"}`, life: time.Hour},
		{name: "scopes comma or space", body: `{"access_token":"x","expires_in":60,"scope":"ZohoCRM.modules.ALL AaaServer.profile.READ,ZohoBooks.fullaccess.all"}`,
			life: time.Minute, scopes: []string{"ZohoCRM.modules.ALL", "AaaServer.profile.READ", "ZohoBooks.fullaccess.all"}},
		{name: "odd api_domain dropped, token kept", body: `{"access_token":"x","expires_in":60,"api_domain":"javascript:alert(1)"}`, life: time.Minute},
		{name: "zero expiry", body: `{"access_token":"x","expires_in":0}`, err: "cannot read"},
		{name: "absurd expiry", body: `{"access_token":"x","expires_in_sec":1e30}`, err: "cannot read"},
		{name: "no token", body: `{"expires_in":3600}`, err: "no access_token"},
		{name: "error body", body: `{"error":"invalid_code"}`, err: "invalid_code"},
		{name: "empty", body: ``, err: "not JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := oauth.ParseTokenResponse([]byte(tc.body), now)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				var e *oauth.Error
				if !errors.As(err, &e) {
					t.Errorf("err is %T, want *oauth.Error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tok := res.Token
			if got := tok.ExpiresAt.Sub(now); got != tc.life || !tok.ObtainedAt.Equal(now) {
				t.Errorf("life %v, want %v", got, tc.life)
			}
			if tok.RefreshToken != tc.refresh || res.APIDomain != tc.apiDomain {
				t.Errorf("refresh %q api %q", tok.RefreshToken, res.APIDomain)
			}
			if strings.Join(tok.GrantedScopes, " ") != strings.Join(tc.scopes, " ") {
				t.Errorf("scopes %v, want %v", tok.GrantedScopes, tc.scopes)
			}
			wantHealth := model.HealthMissing
			if tc.refresh != "" {
				wantHealth = model.HealthOK
			}
			if tok.Health != wantHealth {
				t.Errorf("health %q, want %q", tok.Health, wantHealth)
			}
		})
	}
}

func TestLoadDataCenters(t *testing.T) {
	dcs := realDCs(t)
	if got := strings.Join(dcs.IDs(), ","); got != "US,EU,IN,AU,JP,CA,SA,UK,CN,AE" {
		t.Errorf("built-in IDs %s", got)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "dcs.json")
	os.WriteFile(file, []byte(`[
  {"id": "eu", "accounts_server": "http://127.0.0.1:9001"},
  {"id": "XT", "name": "Test Region", "accounts_server": "https://accounts.zoho.test"}
]`), 0o600)
	env := func(k string) string {
		if k == oauth.DataCentersEnv {
			return file
		}
		return ""
	}
	dcs, err := oauth.LoadDataCenters(env)
	if err != nil {
		t.Fatal(err)
	}
	eu, _ := dcs.ByID("EU")
	if eu.AccountsServer != "http://127.0.0.1:9001" || eu.Name != "Europe" || eu.APIDomain != "https://www.zohoapis.eu" {
		t.Errorf("overridden EU = %+v: only the accounts server should change", eu)
	}
	xt, ok := dcs.ByLocation("xt")
	if !ok || xt.Name != "Test Region" || len(dcs.IDs()) != 11 {
		t.Errorf("added XT = %+v, %v; %d DCs", xt, ok, len(dcs.IDs()))
	}

	os.WriteFile(file, []byte("[\n  {\"id\": \"EU\",}\n]"), 0o600)
	_, err = oauth.LoadDataCenters(env)
	if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad JSON: %v, want the file name and line", err)
	}

	os.WriteFile(file, []byte(`[{"id": "XX", "accounts_server": "http://accounts.example.com"}]`), 0o600)
	if _, err = oauth.LoadDataCenters(env); err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Errorf("plain http DC: %v", err)
	}

	os.Remove(file)
	if _, err = oauth.LoadDataCenters(env); err == nil || !strings.Contains(err.Error(), "ZTM_DATACENTERS") {
		t.Errorf("missing file: %v", err)
	}
}

// TestBuiltInUAEIsMarkedUnconfirmed: the UAE is in the table, and the
// fields no Zoho page lists yet say so.
func TestBuiltInUAEIsMarkedUnconfirmed(t *testing.T) {
	ae, ok := realDCs(t).ByID("AE")
	if !ok || ae.AccountsServer != "https://accounts.zoho.ae" || ae.APIDomain != "https://www.zohoapis.ae" ||
		ae.APIConsole != "https://api-console.zoho.ae" || ae.Location != "ae" {
		t.Fatalf("AE = %+v, %v", ae, ok)
	}
	if ae.Confirmed("accounts_server") || ae.Confirmed("api_console") || !ae.Confirmed("api_domain") {
		t.Errorf("AE unconfirmed fields = %v, want the accounts server and console only", ae.Unconfirmed)
	}
	if us, _ := realDCs(t).ByID("US"); !us.Confirmed("accounts_server") || len(us.Unconfirmed) != 0 {
		t.Errorf("US marked unconfirmed: %v", us.Unconfirmed)
	}
}
