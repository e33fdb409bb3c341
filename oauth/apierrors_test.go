package oauth_test

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"ztm/model"
	"ztm/oauth"
)

func TestClassifyAPIError(t *testing.T) {
	cases := []struct {
		name    string
		product oauth.Product
		status  int
		body    string
		code    string
		dead    bool
		says    string // part of the explanation; "" means none
	}{
		{"CRM dead token", oauth.CRM, 401, `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`, "INVALID_TOKEN", true, "refresh it once"},
		{"CRM scope mismatch", oauth.CRM, 401, `{"code":"OAUTH_SCOPE_MISMATCH","details":{},"message":"invalid oauth scope","status":"error"}`, "OAUTH_SCOPE_MISMATCH", false, "consent again"},
		{"CRM no token", oauth.CRM, 401, `{"code":"AUTHENTICATION_FAILURE","details":{},"message":"Authentication failed","status":"error"}`, "AUTHENTICATION_FAILURE", false, "Zoho-oauthtoken"},
		{"CRM no permission", oauth.CRM, 403, `{"code":"NO_PERMISSION","details":{},"message":"permission denied","status":"error"}`, "NO_PERMISSION", false, "administrator"},
		{"CRM record-level code", oauth.CRM, 401, `{"data":[{"code":"INVALID_TOKEN"}]}`, "INVALID_TOKEN", true, "expired or was revoked"},
		{"Books bad token", oauth.Books, 401, `{"code":14,"message":"Invalid value passed for authtoken."}`, "14", false, "code 14"},
		{"Books dead token", oauth.Books, 401, `{"code":57,"message":"You are not authorized to perform this operation"}`, "57", true, "ZohoBooks scope"},
		{"Desk dead token", oauth.Desk, 401, `{"errorCode":"INVALID_OAUTH","message":"The OAuth Token you provided is invalid."}`, "INVALID_OAUTH", true, "refresh it once"},
		{"Desk unauthorized", oauth.Desk, 401, `{"errorCode":"UNAUTHORIZED","message":"You are not authenticated to perform this operation."}`, "UNAUTHORIZED", false, "Desk scope"},
		{"Desk org mismatch", oauth.Desk, 400, `{"errorCode":"OAUTH_ORG_MISMATCH","message":"org mismatch"}`, "OAUTH_ORG_MISMATCH", false, "orgId"},
		{"Accounts dead token", oauth.Accounts, 401, `{"code":"INVALID_OAUTHTOKEN","message":"invalid"}`, "INVALID_OAUTHTOKEN", true, "refresh it once"},
		{"dead-token code with another status", oauth.CRM, 400, `{"code":"INVALID_TOKEN"}`, "INVALID_TOKEN", false, "expired or was revoked"},
		{"another product's code", oauth.Books, 401, `{"code":"INVALID_TOKEN"}`, "INVALID_TOKEN", false, ""},
		{"unknown code", oauth.CRM, 400, `{"code":"INVALID_DATA","message":"invalid data"}`, "INVALID_DATA", false, ""},
		{"not JSON", oauth.Desk, 502, `<html>bad gateway</html>`, "", false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := oauth.ClassifyAPIError(c.product, c.status, []byte(c.body))
			if v.Code != c.code || v.DeadToken != c.dead {
				t.Errorf("verdict = %+v, want code %q dead %v", v, c.code, c.dead)
			}
			if c.says == "" && v.Explanation != "" || !strings.Contains(v.Explanation, c.says) {
				t.Errorf("explanation %q, want one saying %q", v.Explanation, c.says)
			}
		})
	}
}

func TestProductOf(t *testing.T) {
	for raw, want := range map[string]oauth.Product{
		"https://www.zohoapis.eu/crm/v8/Leads":              oauth.CRM,
		"https://sandbox.zohoapis.com/crm/v8/org":           oauth.CRM,
		"https://www.zohoapis.in/books/v3/invoices":         oauth.Books,
		"https://books.zoho.com/api/v3/organizations":       oauth.Books,
		"https://desk.zoho.eu/api/v1/tickets":               oauth.Desk,
		"https://accounts.zoho.com/oauth/user/info":         oauth.Accounts,
		"http://127.0.0.1:9001/api/v1/organizations":        oauth.Desk,
		"https://www.zohoapis.com/workdrive/api/v1/files/x": "",
	} {
		u, _ := url.Parse(raw)
		got, ok := oauth.ProductOf(u)
		if got != want || ok != (want != "") {
			t.Errorf("ProductOf(%s) = %q, %v; want %q", raw, got, ok, want)
		}
	}
}

func TestLivenessProbe(t *testing.T) {
	base := model.Profile{AccountsServer: "https://accounts.zoho.eu", APIDomain: "https://www.zohoapis.eu"}
	cases := []struct {
		scopes []string
		env    model.Environment
		want   oauth.Probe
	}{
		{[]string{"ZohoCRM.modules.ALL", "AaaServer.profile.READ"}, "", oauth.Probe{Product: oauth.CRM, Method: "GET", URL: "https://www.zohoapis.eu/crm/v8/org"}},
		{[]string{"ZohoCRM.org.READ"}, model.Sandbox, oauth.Probe{Product: oauth.CRM, Method: "GET", URL: "https://sandbox.zohoapis.eu/crm/v8/org"}},
		{[]string{"ZohoBooks.fullaccess.all"}, "", oauth.Probe{Product: oauth.Books, Method: "GET", URL: "https://www.zohoapis.eu/books/v3/organizations"}},
		{[]string{"Desk.tickets.READ"}, "", oauth.Probe{Product: oauth.Desk, Method: "GET", URL: "https://desk.zoho.eu/api/v1/organizations"}},
		{[]string{"WorkDrive.files.ALL", "AaaServer.profile.READ"}, "", oauth.Probe{Product: oauth.Accounts, Method: "GET", URL: "https://accounts.zoho.eu/oauth/user/info"}},
	}
	for _, c := range cases {
		p := base
		p.Scopes, p.Environment = c.scopes, c.env
		got, ok := oauth.LivenessProbe(p)
		if !ok || got != c.want {
			t.Errorf("%v %s: %+v, %v; want %+v", c.scopes, c.env, got, ok, c.want)
		}
	}
	p := base
	p.Scopes = []string{"WorkDrive.files.ALL", "AaaServer.profile.CREATE"}
	if got, ok := oauth.LivenessProbe(p); ok {
		t.Errorf("no product with a probe: got %+v", got)
	}
	p.Scopes, p.APIDomain = []string{"ZohoCRM.modules.ALL"}, ""
	if got, ok := oauth.LivenessProbe(p); ok {
		t.Errorf("no api_domain yet: got %+v", got)
	}
	ca := model.Profile{AccountsServer: "https://accounts.zohocloud.ca", APIDomain: "https://www.zohoapis.ca", Scopes: []string{"Desk.basic.READ"}}
	if got, _ := oauth.LivenessProbe(ca); got.URL != "https://desk.zohocloud.ca/api/v1/organizations" {
		t.Errorf("Canada's Desk probe: %s", got.URL)
	}
}

func TestZohoAPIHosts(t *testing.T) {
	dcs := realDCs(t)
	p := model.Profile{DC: "EU", AccountsServer: "https://accounts.zoho.eu", APIDomain: "https://www.zohoapis.eu"}
	want := []string{"www.zohoapis.eu", "sandbox.zohoapis.eu", "developer.zohoapis.eu", "accounts.zoho.eu", "desk.zoho.eu"}
	if got := oauth.APIHosts(p, dcs); !reflect.DeepEqual(got, want) {
		t.Errorf("APIHosts = %v, want %v", got, want)
	}
	for host, ok := range map[string]bool{
		"www.zohoapis.eu": true, "WWW.ZOHOAPIS.EU:443": true, "sandbox.zohoapis.eu": true, "desk.zoho.eu": true,
		"www.zohoapis.com": false, "www.zohoapis.eu.evil.example": false, "evil.example": false, "www.zohoapis.eu:8443": false, "": false,
	} {
		if got := oauth.IsZohoAPIHost(p, dcs, host); got != ok {
			t.Errorf("IsZohoAPIHost(%q) = %v, want %v", host, got, ok)
		}
	}
	fake := model.Profile{AccountsServer: "http://127.0.0.1:9001", APIDomain: "http://127.0.0.1:9002"}
	if !oauth.IsZohoAPIHost(fake, dcs, "127.0.0.1:9002") || oauth.IsZohoAPIHost(fake, dcs, "127.0.0.1:9003") {
		t.Error("a fake's hosts: only its own API and accounts hosts count")
	}
}
