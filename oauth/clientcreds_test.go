package oauth_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth"
)

func ccProfile(server string) model.Profile {
	p := shapeProfile(server, model.SelfClient)
	p.RedirectURI = ""
	p.ClientCredentials = true
	p.SOID = "ZohoCRM.12345678"
	p.Token = nil
	return p
}

const ccBody = `{"access_token":"1000.ccaccess.aaa","api_domain":"https://www.zohoapis.eu","token_type":"Bearer","expires_in":3600}`

func TestClientCredentialsRequest(t *testing.T) {
	srv, got := shapeServer(t, ccBody)
	p := ccProfile(srv.URL)
	c := oauth.NewClient(model.DataCenters{})
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c.Now = func() time.Time { return now }
	res, err := c.ClientCredentials(ctx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	checkShape(t, got, http.MethodPost, "/oauth/v2/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {p.ClientID}, "client_secret": {secretClient},
		"scope": {"ZohoCRM.modules.ALL"}, "soid": {"ZohoCRM.12345678"},
	}, secretClient)
	if res.Token.AccessToken != "1000.ccaccess.aaa" || res.Token.RefreshToken != "" || !res.Token.ExpiresAt.Equal(now.Add(time.Hour)) ||
		res.APIDomain != "https://www.zohoapis.eu" || res.AccountsServer != srv.URL {
		t.Errorf("result = %+v", res)
	}
}

// TestRefreshOfAClientCredentialsProfile: what the vault calls at expiry
// asks for a new token with the client credentials, since there is no
// refresh token; without a soid none is sent.
func TestRefreshOfAClientCredentialsProfile(t *testing.T) {
	srv, got := shapeServer(t, ccBody)
	p := ccProfile(srv.URL)
	p.SOID = ""
	p.Token = &model.Token{AccessToken: secretAccess, ExpiresAt: time.Now().Add(-time.Minute)}
	res, err := oauth.NewClient(model.DataCenters{}).Refresh(ctx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	checkShape(t, got, http.MethodPost, "/oauth/v2/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {p.ClientID}, "client_secret": {secretClient},
		"scope": {"ZohoCRM.modules.ALL"},
	}, secretClient, secretAccess)
	if res.Token.AccessToken != "1000.ccaccess.aaa" || res.Token.LastRefreshAt.IsZero() {
		t.Errorf("token = %+v", res.Token)
	}
}

func TestClientCredentialsErrors(t *testing.T) {
	srv, _ := shapeServer(t, `{"error":"missing_org_info"}`)
	p := ccProfile(srv.URL)
	p.SOID = ""
	_, err := oauth.NewClient(model.DataCenters{}).ClientCredentials(ctx(t), p)
	if err == nil || !strings.HasPrefix(err.Error(), "client credentials: ") || !strings.Contains(err.Error(), "--soid ZohoCRM.") {
		t.Errorf("missing_org_info: %v, want to be told to set --soid", err)
	}
	if oauth.IsNetwork(err) {
		t.Error("missing_org_info is Zoho's answer, not an unreachable server")
	}
	assertNoSecrets(t, err.Error(), secretClient)

	server := ccProfile("http://127.0.0.1:1") // never asked: the refusal comes first
	server.ClientType = model.ServerClient
	if _, err := oauth.NewClient(model.DataCenters{}).ClientCredentials(ctx(t), server); err == nil || !strings.Contains(err.Error(), "Self Client") {
		t.Errorf("a server-based client: %v", err)
	}
}
