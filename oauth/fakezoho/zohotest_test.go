package fakezoho_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
)

// newFake starts the fake with opts through the shared fixture, without
// the demo clients, on a clock the test moves.
func newFake(t *testing.T, opts fakezoho.Options) (*fakezoho.Cluster, *fakezohotest.Clock) {
	t.Helper()
	f := fakezohotest.Start(t, fakezohotest.NoDemoClients(), fakezohotest.At(time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)),
		fakezohotest.WithOptions(func(o *fakezoho.Options) { *o = opts }))
	return f.Zoho, f.Clock
}

var scopes = []string{"ZohoCRM.modules.ALL", "AaaServer.profile.READ"}

const secret = "s3cret-value-0123"

func selfClient(z *fakezoho.Cluster, id, dc string) {
	z.AddClient(fakezoho.Client{ID: id, Secret: secret, Type: model.SelfClient, HomeDC: dc})
}

// post sends a form and decodes the JSON answer.
func post(t *testing.T, u string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("answer is not JSON: %s", raw)
	}
	return resp.StatusCode, body
}

func exchange(t *testing.T, z *fakezoho.Cluster, dc, clientID, code string) map[string]any {
	t.Helper()
	_, body := post(t, z.URL(dc)+"/oauth/v2/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "client_id": {clientID}, "client_secret": {secret},
	})
	return body
}

func refresh(t *testing.T, z *fakezoho.Cluster, dc, clientID, rt string) (int, map[string]any) {
	t.Helper()
	return post(t, z.URL(dc)+"/oauth/v2/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {clientID}, "client_secret": {secret},
	})
}

// TestCredentialsInURLAreRefused: the fake reads only bodies, so a client
// that puts secrets in the URL fails loudly.
func TestCredentialsInURLAreRefused(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	selfClient(z, "1000.CLIENTAAAAAA", "EU")
	rt := z.MintRefreshToken("1000.CLIENTAAAAAA", fakezoho.DefaultUser("EU"), "EU", scopes)
	q := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"1000.CLIENTAAAAAA"}, "client_secret": {secret}}
	resp, err := http.Post(z.URL("EU")+"/oauth/v2/token?"+q.Encode(), "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(raw), `"error"`) || strings.Contains(string(raw), "access_token") {
		t.Errorf("credentials in the URL got %s", raw)
	}
}

func TestFifteenLiveAccessTokens(t *testing.T) {
	z, clk := newFake(t, fakezoho.Options{})
	selfClient(z, "1000.CLIENTBBBBBB", "IN")
	rt := z.MintRefreshToken("1000.CLIENTBBBBBB", fakezoho.DefaultUser("IN"), "IN", scopes)
	var tokens []string
	for i := range 16 {
		if i == 10 {
			clk.Advance(10 * time.Minute) // past the throttle window, well within the hour
		}
		status, body := refresh(t, z, "IN", "1000.CLIENTBBBBBB", rt)
		if status != 200 || body["access_token"] == nil {
			t.Fatalf("refresh %d: %d %v", i+1, status, body)
		}
		tokens = append(tokens, body["access_token"].(string))
	}
	if n := z.LiveAccessTokens(rt); n != fakezoho.MaxAccessTokens {
		t.Errorf("%d live access tokens, want %d", n, fakezoho.MaxAccessTokens)
	}
	if z.ValidAccessToken(tokens[0]) || !z.ValidAccessToken(tokens[1]) || !z.ValidAccessToken(tokens[15]) {
		t.Error("the 16th access token must invalidate the oldest only")
	}
}

func TestThrottleAnswerShape(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	selfClient(z, "1000.CLIENTCCCCCC", "US")
	rt := z.MintRefreshToken("1000.CLIENTCCCCCC", fakezoho.DefaultUser("US"), "US", scopes)
	for range 10 {
		refresh(t, z, "US", "1000.CLIENTCCCCCC", rt)
	}
	status, body := refresh(t, z, "US", "1000.CLIENTCCCCCC", rt)
	if status != 400 || body["status"] != "failure" || body["error"] != "Access Denied" || body["error_description"] == nil {
		t.Errorf("11th refresh: %d %v", status, body)
	}
}

func TestErrorsComeWithHTTP200(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	selfClient(z, "1000.CLIENTDDDDDD", "EU")
	cases := map[string]url.Values{
		"invalid_client":         {"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {"1000.NOSUCHCLIENT"}, "client_secret": {secret}},
		"invalid_code":           {"grant_type": {"refresh_token"}, "refresh_token": {"1000.no.such"}, "client_id": {"1000.CLIENTDDDDDD"}, "client_secret": {secret}},
		"unsupported_grant_type": {"grant_type": {"password"}, "client_id": {"1000.CLIENTDDDDDD"}, "client_secret": {secret}},
	}
	for want, form := range cases {
		status, body := post(t, z.URL("EU")+"/oauth/v2/token", form)
		if status != 200 || body["error"] != want {
			t.Errorf("%s: %d %v", want, status, body)
		}
	}
	// Wrong secret is invalid_client too.
	form := url.Values{"grant_type": {"authorization_code"}, "code": {z.SelfClientCode("1000.CLIENTDDDDDD", "EU", scopes, 0)},
		"client_id": {"1000.CLIENTDDDDDD"}, "client_secret": {"wrong"}}
	if _, body := post(t, z.URL("EU")+"/oauth/v2/token", form); body["error"] != "invalid_client" {
		t.Errorf("wrong secret: %v", body)
	}
}

func TestMultiDCSecretsPerDC(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	z.AddClient(fakezoho.Client{ID: "1000.MULTIDCCLIENT", Secret: secret, Type: model.SelfClient, MultiDC: true,
		DCSecrets: map[string]string{"EU": "eu-secret-0000"}})
	code := z.SelfClientCode("1000.MULTIDCCLIENT", "EU", scopes, 0)
	if body := exchange(t, z, "EU", "1000.MULTIDCCLIENT", code); body["error"] != "invalid_client" {
		t.Errorf("the US secret in the EU: %v", body)
	}
	_, body := post(t, z.URL("EU")+"/oauth/v2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {"1000.MULTIDCCLIENT"}, "client_secret": {"eu-secret-0000"}})
	if body["access_token"] == nil {
		t.Errorf("the EU secret in the EU: %v", body)
	}
}

func TestFaults(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	selfClient(z, "1000.CLIENTEEEEEE", "EU")
	rt := z.MintRefreshToken("1000.CLIENTEEEEEE", fakezoho.DefaultUser("EU"), "EU", scopes)
	z.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Status: 502, Body: "<html>bad gateway</html>", ContentType: "text/html", Count: 2, DC: "EU"})
	for i := range 2 {
		if status, _ := rawRefresh(t, z, "US", rt); status == 502 {
			t.Errorf("fault limited to EU fired in the US")
		}
		if status, body := rawRefresh(t, z, "EU", rt); status != 502 || !strings.Contains(body, "bad gateway") {
			t.Errorf("fault %d: %d %s", i+1, status, body)
		}
	}
	if status, body := rawRefresh(t, z, "EU", rt); status != 200 || !strings.Contains(body, "access_token") {
		t.Errorf("after the fault's count: %d %s", status, body)
	}
	if z.Requests(fakezoho.EndpointRefresh) != 5 || z.RequestsAt("EU", fakezoho.EndpointRefresh) != 3 {
		t.Errorf("counts: %d total, %d EU", z.Requests(fakezoho.EndpointRefresh), z.RequestsAt("EU", fakezoho.EndpointRefresh))
	}

	z.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Delay: 60 * time.Millisecond})
	start := time.Now()
	if status, _ := rawRefresh(t, z, "EU", rt); status != 200 || time.Since(start) < 60*time.Millisecond {
		t.Errorf("a delay fault answers normally, late: %d after %v", status, time.Since(start))
	}
}

func rawRefresh(t *testing.T, z *fakezoho.Cluster, dc, rt string) (int, string) {
	t.Helper()
	resp, err := http.PostForm(z.URL(dc)+"/oauth/v2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt},
		"client_id": {"1000.CLIENTEEEEEE"}, "client_secret": {secret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestLatency(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{Latency: 40 * time.Millisecond, DCs: []model.DataCenter{
		{ID: "XX", AccountsServer: "https://accounts.example.com", APIDomain: "https://api.example.com"}}})
	if ids := z.IDs(); len(ids) != 1 || ids[0] != "XX" {
		t.Fatalf("IDs = %v", ids)
	}
	start := time.Now()
	resp, _ := get(t, z.URL("XX")+"/oauth/user/info")
	if time.Since(start) < 40*time.Millisecond || resp.StatusCode != 401 {
		t.Errorf("answer after %v with %d", time.Since(start), resp.StatusCode)
	}
}

func TestUserInfoNeedsZohoScheme(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	selfClient(z, "1000.CLIENTFFFFFF", "EU")
	rt := z.MintRefreshToken("1000.CLIENTFFFFFF", fakezoho.DefaultUser("EU"), "EU", []string{"ZohoCRM.modules.ALL"})
	_, body := refresh(t, z, "EU", "1000.CLIENTFFFFFF", rt)
	at := body["access_token"].(string)
	ask := func(auth string) (int, string) {
		req, _ := http.NewRequest("GET", z.URL("EU")+"/oauth/user/info", nil)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, b := ask("Bearer " + at); status != 401 || !strings.Contains(b, "INVALID_OAUTHTOKEN") {
		t.Errorf("Bearer: %d %s", status, b)
	}
	if status, b := ask("Zoho-oauthtoken " + at); status != 401 || !strings.Contains(b, "OAUTH_SCOPE_MISMATCH") {
		t.Errorf("without the profile scope: %d %s", status, b)
	}
}

// TestFakeAPI drives the fake the way a separate process does.
func TestFakeAPI(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	base := z.URL("IN") + fakezoho.FakePrefix
	client, _ := json.Marshal(fakezoho.Client{ID: "1000.DEVICECLIENT", Secret: secret, Type: model.NonBrowserClient, HomeDC: "IN"})
	if resp, err := http.Post(base+"client", "application/json", strings.NewReader(string(client))); err != nil || resp.StatusCode != 200 {
		t.Fatalf("add client: %v", err)
	}
	selfClient(z, "1000.SELFCLIENT00", "IN")
	_, body := post(t, base+"self-client-code", url.Values{"client_id": {"1000.SELFCLIENT00"}, "scope": {"ZohoCRM.modules.ALL"}, "ttl": {"5m"}})
	code, _ := body["code"].(string)
	if tok := exchange(t, z, "IN", "1000.SELFCLIENT00", code); tok["refresh_token"] == nil {
		t.Errorf("exchange of a /__fake/ code: %v", tok)
	}

	_, dc := post(t, z.URL("IN")+"/oauth/v3/device/code", url.Values{"grant_type": {"device_request"}, "client_id": {"1000.DEVICECLIENT"},
		"scope": {"ZohoCRM.modules.ALL"}, "access_type": {"offline"}, "prompt": {"consent"}})
	if status, b := post(t, base+"device/approve", url.Values{"user_code": {dc["user_code"].(string)}}); status != 200 || b["status"] != "approved" {
		t.Errorf("approve: %d %v", status, b)
	}
	if status, b := post(t, base+"device/approve", url.Values{"user_code": {"NOPE"}}); status != 400 || b["error"] == nil {
		t.Errorf("approve unknown: %d %v", status, b)
	}
	fault, _ := json.Marshal(map[string]any{"endpoint": "userinfo", "fault": fakezoho.Fault{Status: 503, Body: "{}"}})
	http.Post(base+"fault", "application/json", strings.NewReader(string(fault)))
	if resp, _ := get(t, z.URL("IN")+"/oauth/user/info"); resp.StatusCode != 503 {
		t.Errorf("fault via /__fake/: %d", resp.StatusCode)
	}
	resp, err := http.Get(base + "requests")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var counts map[string]int
	json.NewDecoder(resp.Body).Decode(&counts)
	if counts["exchange"] != 1 || counts["device_code"] != 1 || counts["userinfo"] != 1 {
		t.Errorf("counts = %v", counts)
	}
}

func TestServe(t *testing.T) {
	c, cancel := context.WithCancel(context.Background())
	ready := make(chan *fakezoho.Cluster, 1)
	done := make(chan error, 1)
	go func() { done <- fakezoho.Serve(c, fakezoho.Options{}, func(z *fakezoho.Cluster) { ready <- z }) }()
	z := <-ready
	u := z.URL("EU")
	if !strings.HasPrefix(u, "http://127.0.0.1:") {
		t.Errorf("fake listens on %s, want loopback", u)
	}
	if _, body := post(t, u+fakezoho.FakePrefix+"self-client-code", url.Values{"client_id": {fakezoho.DemoSelfClientID}}); body["code"] == nil {
		t.Error("no code for the demo Self Client")
	} else if tok := exchangeDemo(t, u, body["code"].(string)); tok["access_token"] == nil {
		t.Errorf("demo exchange: %v", tok)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(u); err == nil {
		t.Error("still serving after cancel")
	}
}

func exchangeDemo(t *testing.T, server, code string) map[string]any {
	_, body := post(t, server+"/oauth/v2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {fakezoho.DemoSelfClientID}, "client_secret": {fakezoho.DemoSecret}})
	return body
}

// TestFakeAPIControls drives the API controls the way a separate process
// does.
func TestFakeAPIControls(t *testing.T) {
	z, _ := newFake(t, fakezoho.Options{})
	base := z.URL("EU") + fakezoho.FakePrefix
	tok, rt := liveToken(t, z, "EU", "ZohoCRM.modules.ALL")
	if _, b := post(t, base+"records", url.Values{"product": {"crm"}, "collection": {"Leads"}, "n": {"1"}}); b["status"] != "ok" {
		t.Errorf("records: %v", b)
	}
	if status, b := post(t, base+"records", url.Values{"product": {"mail"}, "collection": {"x"}, "n": {"1"}}); status != 400 || b["error"] == nil {
		t.Errorf("records of an unknown product: %d %v", status, b)
	}
	post(t, base+"no-permission", url.Values{"email": {fakezoho.DefaultUser("EU")}, "denied": {"true"}})
	if status, _ := getJSON(t, z.APIURL("EU")+"/crm/v8/Leads", tok); status != 403 {
		t.Errorf("no-permission: %d", status)
	}
	post(t, base+"no-permission", url.Values{"email": {fakezoho.DefaultUser("EU")}, "denied": {"false"}})
	if status, body := getJSON(t, z.APIURL("EU")+"/crm/v8/Leads", tok); status != 200 || len(body["data"].([]any)) != 1 {
		t.Errorf("one lead: %d %v", status, body)
	}
	if _, b := post(t, base+"expire-access-token", url.Values{"token": {tok}}); b["expired"] != true || z.ValidAccessToken(tok) {
		t.Errorf("expire-access-token: %v", b)
	}
	if _, b := post(t, base+"revoke-refresh-token", url.Values{"token": {rt}}); b["revoked"] != true || z.ValidRefreshToken(rt) {
		t.Errorf("revoke-refresh-token: %v", b)
	}
	post(t, base+"server-location", url.Values{"location": {"ae"}, "accounts_server": {"https://accounts.zoho.ae"}})
	if z.ServerLocations()["ae"] != "https://accounts.zoho.ae" {
		t.Errorf("server-location: %v", z.ServerLocations())
	}
}
