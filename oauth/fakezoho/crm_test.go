package fakezoho_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
)

func TestCRMAuthErrors(t *testing.T) {
	z, clk := newFake(t, fakezoho.Options{})
	live, _ := liveToken(t, z, "EU", "ZohoCRM.modules.ALL")
	expired, _ := liveToken(t, z, "EU", "ZohoCRM.org.READ")
	revokedAT, revokedRT := liveToken(t, z, "EU", "ZohoCRM.settings.ALL")
	usToken, _ := liveToken(t, z, "US", "ZohoCRM.modules.ALL")
	noCRM, _ := liveToken(t, z, "EU", "AaaServer.profile.READ")
	aged, _ := liveToken(t, z, "EU", "ZohoCRM.users.READ")
	if !z.ExpireAccessToken(expired) || !z.RevokeRefreshToken(revokedRT) {
		t.Fatal("controls did not find the tokens")
	}
	org := z.APIURL("EU") + "/crm/v8/org"
	cases := []struct {
		name, auth string
		status     int
		code       string
	}{
		{"no header", "", 401, "AUTHENTICATION_FAILURE"},
		{"garbage", "Zoho-oauthtoken not-a-token", 401, "AUTHENTICATION_FAILURE"},
		{"Bearer scheme", "Bearer " + live, 401, "AUTHENTICATION_FAILURE"},
		{"expired by the control", "Zoho-oauthtoken " + expired, 401, "INVALID_TOKEN"},
		{"refresh token revoked", "Zoho-oauthtoken " + revokedAT, 401, "INVALID_TOKEN"},
		{"token of another data center", "Zoho-oauthtoken " + usToken, 401, "INVALID_TOKEN"},
		{"no CRM scope", "Zoho-oauthtoken " + noCRM, 401, "OAUTH_SCOPE_MISMATCH"},
	}
	for _, tc := range cases {
		req, _ := http.NewRequest(http.MethodGet, org, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, raw := call2(t, req)
		body := decode(t, raw)
		if resp.StatusCode != tc.status || body["code"] != tc.code || body["status"] != "error" {
			t.Errorf("%s: %d %v, want %d %s", tc.name, resp.StatusCode, body, tc.status, tc.code)
		}
	}

	z.SetNoPermission(fakezoho.DefaultUser("EU"), true)
	if status, body := getJSON(t, org, live); status != 403 || body["code"] != "NO_PERMISSION" {
		t.Errorf("no API permission: %d %v", status, body)
	}
	z.SetNoPermission(fakezoho.DefaultUser("EU"), false)
	status, body := getJSON(t, org, live)
	orgs, _ := body["org"].([]any)
	if status != 200 || len(orgs) != 1 || orgs[0].(map[string]any)["id"] != z.OrgID("EU") {
		t.Errorf("live token: %d %v", status, body)
	}
	clk.Advance(time.Hour)
	if status, body := getJSON(t, org, aged); status != 401 || body["code"] != "INVALID_TOKEN" {
		t.Errorf("token past its hour: %d %v", status, body)
	}
	if n := z.Requests(fakezoho.EndpointCRMOrg); n != len(cases)+3 {
		t.Errorf("Requests(crm.org) = %d, want %d", n, len(cases)+3)
	}
}

// crmPage fetches one page of a module and returns its ids and info.
func crmPage(t *testing.T, z *fakezoho.Cluster, token, module string, q url.Values) ([]string, map[string]any) {
	t.Helper()
	status, body := getJSON(t, z.APIURL("IN")+"/crm/v8/"+module+"?"+q.Encode(), token)
	if status != 200 {
		t.Fatalf("%s?%s: %d %v", module, q.Encode(), status, body)
	}
	var ids []string
	for _, r := range body["data"].([]any) {
		ids = append(ids, r.(map[string]any)["id"].(string))
	}
	return ids, body["info"].(map[string]any)
}

// TestCRMEveryRecordOnceInOrder walks 2,345 leads as a client must: page
// and per_page up to record 2,000, then next_page_token.
func TestCRMEveryRecordOnceInOrder(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	z.SetRecords(fakezoho.CRM, "Leads", 2345)
	tok, _ := liveToken(t, z, "IN", "ZohoCRM.modules.ALL")
	var all []string
	var info map[string]any
	for page := 1; page <= 10; page++ {
		var ids []string
		ids, info = crmPage(t, z, tok, "Leads", url.Values{"page": {fmt.Sprint(page)}, "per_page": {"200"}})
		all = append(all, ids...)
		if info["more_records"] != true || info["page"] != float64(page) {
			t.Fatalf("page %d info: %v", page, info)
		}
	}
	status, body := getJSON(t, z.APIURL("IN")+"/crm/v8/Leads?page=11&per_page=200", tok)
	if status != 400 || body["code"] != "DISCRETE_PAGINATION_LIMIT_EXCEEDED" {
		t.Errorf("page past record 2,000: %d %v", status, body)
	}
	for info["more_records"] == true {
		next, _ := info["next_page_token"].(string)
		if next == "" {
			t.Fatalf("more_records without next_page_token: %v", info)
		}
		var ids []string
		ids, info = crmPage(t, z, tok, "Leads", url.Values{"page_token": {next}, "per_page": {"200"}})
		all = append(all, ids...)
	}
	if len(all) != 2345 {
		t.Fatalf("%d records, want 2345", len(all))
	}
	seen := map[string]bool{}
	for i, id := range all {
		if seen[id] {
			t.Fatalf("record %s seen twice", id)
		}
		seen[id] = true
		if i > 0 && id <= all[i-1] {
			t.Fatalf("records out of order at %d: %s after %s", i, id, all[i-1])
		}
	}
	if info["next_page_token"] != nil {
		t.Errorf("last page still offers a token: %v", info)
	}
	// Seeded records are the same in another fake.
	other, _ := newFake(t, fakezoho.Options{})
	otherTok, _ := liveToken(t, other, "IN", "ZohoCRM.modules.ALL")
	ids, _ := crmPage(t, other, otherTok, "Leads", url.Values{"per_page": {"1"}})
	if ids[0] != all[0] {
		t.Errorf("first lead %s in one fake, %s in another", all[0], ids[0])
	}
}

func TestCRMModules(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{Records: 3})
	z.SetRecords(fakezoho.CRM, "Quotes", 0)
	tok, _ := liveToken(t, z, "IN", "ZohoCRM.modules.ALL")
	if ids, info := crmPage(t, z, tok, "Contacts", nil); len(ids) != 3 || info["more_records"] != false {
		t.Errorf("Options.Records=3: %d contacts, %v", len(ids), info)
	}
	if resp, raw := call(t, http.MethodGet, z.APIURL("IN")+"/crm/v8/Quotes", tok, nil); resp.StatusCode != 204 || len(raw) != 0 {
		t.Errorf("an empty module: %d %q, want 204 and no body", resp.StatusCode, raw)
	}
	if status, body := getJSON(t, z.APIURL("IN")+"/crm/v8/Nonsense", tok); status != 400 || body["code"] != "INVALID_MODULE" {
		t.Errorf("unknown module: %d %v", status, body)
	}
	if status, body := getJSON(t, z.APIURL("IN")+"/crm/v8/Leads?page_token=bogus", tok); status != 400 || body["code"] != "INVALID_DATA" {
		t.Errorf("bad page_token: %d %v", status, body)
	}
	if status, body := getJSON(t, z.APIURL("IN")+"/crm/v8/Leads?per_page=201", tok); status != 400 || body["code"] != "INVALID_DATA" {
		t.Errorf("per_page 201: %d %v", status, body)
	}
}

func TestCRMWrites(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	tok, _ := liveToken(t, z, "AU", "ZohoCRM.modules.ALL")
	u := z.APIURL("AU") + "/crm/v8/Leads"
	resp, raw := call(t, http.MethodPost, u, tok, strings.NewReader(`{"data":[{"Last_Name":"Hopper"},{"Last_Name":"Lamarr"}]}`))
	data, _ := decode(t, raw)["data"].([]any)
	if resp.StatusCode != 201 || len(data) != 2 {
		t.Fatalf("create: %d %s", resp.StatusCode, raw)
	}
	ids := map[any]bool{}
	for _, d := range data {
		rec := d.(map[string]any)
		ids[rec["details"].(map[string]any)["id"]] = true
		if rec["code"] != "SUCCESS" || rec["message"] != "record added" {
			t.Errorf("created record: %v", rec)
		}
	}
	if len(ids) != 2 {
		t.Errorf("two records got ids %v", ids)
	}
	resp, raw = call(t, http.MethodPut, u, tok, strings.NewReader(`{"data":[{"id":"42","Last_Name":"Noether"},{"Last_Name":"No id"}]}`))
	data, _ = decode(t, raw)["data"].([]any)
	if resp.StatusCode != 200 || len(data) != 2 || data[0].(map[string]any)["code"] != "SUCCESS" ||
		data[1].(map[string]any)["code"] != "MANDATORY_NOT_FOUND" {
		t.Errorf("update: %d %s", resp.StatusCode, raw)
	}
	if resp, raw := call(t, http.MethodPost, u, tok, strings.NewReader(`{not json`)); resp.StatusCode != 400 || decode(t, raw)["code"] != "INVALID_DATA" {
		t.Errorf("bad JSON: %d %s", resp.StatusCode, raw)
	}
	if resp, raw := call(t, http.MethodPost, u, "", strings.NewReader(`{"data":[{}]}`)); resp.StatusCode != 401 || decode(t, raw)["code"] != "AUTHENTICATION_FAILURE" {
		t.Errorf("write without a token: %d %s", resp.StatusCode, raw)
	}
	if n := z.Requests(fakezoho.EndpointCRMRecords); n != 4 {
		t.Errorf("Requests(crm.records) = %d, want 4", n)
	}
}

// TestAPIFaultsAndExpiryMidRun: a token dies between two calls of a run,
// and an injected outage hits one call.
func TestAPIFaultsAndExpiryMidRun(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	tok, _ := liveToken(t, z, "EU", "ZohoCRM.modules.ALL", "AaaServer.profile.READ")
	z.InjectFault(fakezoho.EndpointCRMRecords, fakezoho.Fault{Status: 503, Body: `{"code":"INTERNAL_ERROR"}`})
	if status, _ := getJSON(t, z.APIURL("EU")+"/crm/v8/Leads", tok); status != 503 {
		t.Errorf("fault: %d", status)
	}
	if status, _ := getJSON(t, z.APIURL("EU")+"/crm/v8/Leads", tok); status != 200 {
		t.Errorf("after the fault: %d", status)
	}
	z.ExpireAccessToken(tok)
	if status, body := getJSON(t, z.APIURL("EU")+"/crm/v8/Leads", tok); status != 401 || body["code"] != "INVALID_TOKEN" {
		t.Errorf("after ExpireAccessToken: %d %v", status, body)
	}
	if status, _ := getJSON(t, z.URL("EU")+"/oauth/user/info", tok); status != 401 {
		t.Errorf("user info still takes the expired token: %d", status)
	}
	if z.ExpireAccessToken(tok) {
		t.Error("expiring a dead token reported it live")
	}
}
