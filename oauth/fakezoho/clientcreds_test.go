package fakezoho_test

import (
	"net/url"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
)

func clientCreds(t *testing.T, z *fakezoho.Cluster, dc, id, scope, soid string) (int, map[string]any) {
	t.Helper()
	f := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "scope": {scope}}
	if soid != "" {
		f.Set("soid", soid)
	}
	return post(t, z.URL(dc)+"/oauth/v2/token", f)
}

func TestClientCredentialsGivesAnAccessTokenOnly(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	selfClient(z, "1000.CCSELF000001", "EU")
	status, body := clientCreds(t, z, "EU", "1000.CCSELF000001", "ZohoMail.messages.ALL", "")
	at, _ := body["access_token"].(string)
	if status != 200 || at == "" || body["expires_in"] != float64(3600) {
		t.Fatalf("client credentials: %d %v", status, body)
	}
	if _, ok := body["refresh_token"]; ok {
		t.Error("client credentials must not give a refresh token")
	}
	if !z.ValidAccessToken(at) {
		t.Error("the access token does not work")
	}
	if n := z.Requests(fakezoho.EndpointToken); n != 1 {
		t.Errorf("Requests(token) = %d, want 1", n)
	}
}

func TestClientCredentialsRefusals(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	z.AddClient(fakezoho.Client{ID: "1000.CCSERVER0001", Secret: secret, Type: model.ServerClient, HomeDC: "EU",
		RedirectURIs: []string{"http://localhost:8765/cb"}})
	z.AddClient(fakezoho.Client{ID: "1000.CCCRM0000001", Secret: secret, Type: model.SelfClient, HomeDC: "EU", RequireSOID: true})
	selfClient(z, "1000.CCUSONLY0001", "US")
	cases := []struct{ name, dc, id, scope, soid, want string }{
		{"not a Self Client", "EU", "1000.CCSERVER0001", "ZohoCRM.modules.ALL", "", "unauthorized_client"},
		{"CRM without soid", "EU", "1000.CCCRM0000001", "ZohoCRM.modules.ALL", "", "missing_org_info"},
		{"CRM with a malformed soid", "EU", "1000.CCCRM0000001", "ZohoCRM.modules.ALL", "600000002", "missing_org_info"},
		{"client of another data center", "EU", "1000.CCUSONLY0001", "ZohoCRM.modules.ALL", "", "invalid_client"},
		{"bad scope", "US", "1000.CCUSONLY0001", "crm", "", "invalid_scope"},
	}
	for _, tc := range cases {
		status, body := clientCreds(t, z, tc.dc, tc.id, tc.scope, tc.soid)
		if status != 200 || body["error"] != tc.want || body["access_token"] != nil {
			t.Errorf("%s: %d %v, want HTTP 200 with %s", tc.name, status, body, tc.want)
		}
	}
	status, body := clientCreds(t, z, "EU", "1000.CCCRM0000001", "ZohoCRM.modules.ALL", "ZohoCRM."+z.OrgID("EU"))
	if status != 200 || body["access_token"] == nil {
		t.Errorf("CRM with soid: %d %v", status, body)
	}
}

// TestClientCredentialsBudget: ten grants per ten minutes per client and
// scope set, as for a refresh token.
func TestClientCredentialsBudget(t *testing.T) {
	z, clk := newFake(t, fakezoho.Options{})
	selfClient(z, "1000.CCBUDGET0001", "IN")
	for i := range 10 {
		scope := "ZohoMail.messages.ALL,ZohoMail.folders.READ"
		if i%2 == 1 {
			scope = "ZohoMail.folders.READ,ZohoMail.messages.ALL" // the same set in another order
		}
		if status, body := clientCreds(t, z, "IN", "1000.CCBUDGET0001", scope, ""); status != 200 || body["access_token"] == nil {
			t.Fatalf("grant %d: %d %v", i+1, status, body)
		}
	}
	status, body := clientCreds(t, z, "IN", "1000.CCBUDGET0001", "ZohoMail.messages.ALL,ZohoMail.folders.READ", "")
	if status != 400 || body["status"] != "failure" || body["access_token"] != nil {
		t.Errorf("11th grant: %d %v, want the throttle", status, body)
	}
	if status, body := clientCreds(t, z, "IN", "1000.CCBUDGET0001", "ZohoMail.messages.READ", ""); status != 200 || body["access_token"] == nil {
		t.Errorf("another scope set has its own budget: %d %v", status, body)
	}
	clk.Advance(10 * time.Minute)
	if status, body := clientCreds(t, z, "IN", "1000.CCBUDGET0001", "ZohoMail.messages.ALL,ZohoMail.folders.READ", ""); status != 200 {
		t.Errorf("after ten minutes: %d %v", status, body)
	}
	if n := z.Requests(fakezoho.EndpointToken); n != 13 {
		t.Errorf("Requests(token) = %d, want 13", n)
	}
}
