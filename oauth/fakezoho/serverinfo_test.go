package fakezoho_test

import (
	"net/http"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
)

func TestServerInfoNamesTheFakesServers(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	status, body := getJSON(t, z.URL("US")+"/oauth/serverinfo", "")
	locs, _ := body["locations"].(map[string]any)
	if status != 200 || body["result"] != "success" || len(locs) != len(z.IDs()) {
		t.Fatalf("serverinfo: %d %v", status, body)
	}
	for _, id := range z.IDs() {
		dc, _ := z.DataCenters().ByID(id)
		if locs[dc.Location] != z.URL(id) {
			t.Errorf("location %s = %v, want %s", dc.Location, locs[dc.Location], z.URL(id))
		}
	}
}

// TestServerInfoChanges: a data center opens, one moves, one closes.
func TestServerInfoChanges(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	z.SetServerLocation("AE", "https://accounts.zoho.ae")
	z.SetServerLocation("eu", z.URL("IN"))
	z.SetServerLocation("jp", "")
	_, body := getJSON(t, z.URL("US")+"/oauth/serverinfo", "")
	locs := body["locations"].(map[string]any)
	if locs["ae"] != "https://accounts.zoho.ae" || locs["eu"] != z.URL("IN") || locs["jp"] != nil || locs["us"] != z.URL("US") {
		t.Errorf("locations after changes: %v", locs)
	}
	if n := z.Requests(fakezoho.EndpointServerInfo); n != 1 {
		t.Errorf("Requests(serverinfo) = %d", n)
	}
}

// TestDateHeaderFollowsTheFakeClock: clock-skew checks see the test's time
// on the accounts servers and on the API hosts.
func TestDateHeaderFollowsTheFakeClock(t *testing.T) {
	z, clk := newFake(t, fakezoho.Options{})
	for _, u := range []string{z.URL("EU") + "/oauth/serverinfo", z.APIURL("EU") + "/crm/v8/org", z.URL("EU") + "/nowhere"} {
		resp, _ := call(t, http.MethodGet, u, "", nil)
		if got := resp.Header.Get("Date"); got != clk.Now().Format(http.TimeFormat) {
			t.Errorf("%s: Date %q, want %q", u, got, clk.Now().Format(http.TimeFormat))
		}
	}
	clk.Advance(90 * time.Minute)
	resp, _ := call(t, http.MethodGet, z.URL("EU")+"/oauth/serverinfo", "", nil)
	if got, _ := http.ParseTime(resp.Header.Get("Date")); !got.Equal(clk.Now()) {
		t.Errorf("after advancing: Date %v, want %v", got, clk.Now())
	}
}

func TestLocalAPIDomain(t *testing.T) {
	zoho, _ := newFake(t, fakezoho.Options{})
	eu, _ := zoho.DataCenters().ByID("EU")
	if eu.APIDomain != "https://www.zohoapis.eu" {
		t.Errorf("by default the API domain stays Zoho's: %s", eu.APIDomain)
	}

	z, _ := newFake(t, fakezoho.Options{LocalAPIDomain: true})
	eu, _ = z.DataCenters().ByID("EU")
	if eu.APIDomain != z.APIURL("EU") || z.APIURL("EU") == z.URL("EU") {
		t.Errorf("API domain %s, want the fake's API host %s (not the accounts server)", eu.APIDomain, z.APIURL("EU"))
	}
	selfClient(z, "1000.LOCALAPI0001", "EU")
	rt := z.MintRefreshToken("1000.LOCALAPI0001", fakezoho.DefaultUser("EU"), "EU", scopes)
	if _, body := refresh(t, z, "EU", "1000.LOCALAPI0001", rt); body["api_domain"] != z.APIURL("EU") {
		t.Errorf("token response api_domain %v, want %s", body["api_domain"], z.APIURL("EU"))
	}
	// Hosts keep to their jobs, as Zoho's do.
	if resp, _ := call(t, http.MethodGet, z.URL("EU")+"/crm/v8/org", "", nil); resp.StatusCode != 404 {
		t.Errorf("the accounts server answered a CRM path: %d", resp.StatusCode)
	}
	if resp, _ := call(t, http.MethodPost, z.APIURL("EU")+"/oauth/v2/token", "", nil); resp.StatusCode != 404 {
		t.Errorf("the API host answered the token endpoint: %d", resp.StatusCode)
	}
}
