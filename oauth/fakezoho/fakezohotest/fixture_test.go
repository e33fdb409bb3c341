package fakezohotest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
)

func TestStartPointsTheTableAtTheFakeAndStopsWithTheTest(t *testing.T) {
	var accounts string
	t.Run("inner", func(t *testing.T) {
		f := fakezohotest.Start(t)
		eu := f.DC("EU")
		accounts = eu.AccountsServer
		if accounts != f.Zoho.URL("EU") || eu.APIDomain != "https://www.zohoapis.eu" {
			t.Errorf("EU: %+v", eu)
		}
		resp, err := http.Get(accounts + "/oauth/serverinfo")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got, _ := http.ParseTime(resp.Header.Get("Date")); !got.Equal(fakezohotest.Epoch) {
			t.Errorf("the fake's clock reads %v, want the fixture's %v", got, fakezohotest.Epoch)
		}
	})
	if _, err := http.Get(accounts + "/oauth/serverinfo"); err == nil {
		t.Error("the fake still serves after its test ended")
	}
}

func TestClock(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	f := fakezohotest.Start(t, fakezohotest.At(start))
	f.Clock.Advance(time.Minute)
	if err := f.Clock.Sleep(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if want := start.Add(61 * time.Minute); !f.Now().Equal(want) {
		t.Errorf("now %v, want %v", f.Now(), want)
	}
	f.Clock.Set(start.Add(-time.Hour))
	if !f.Clock.Now().Equal(start.Add(-time.Hour)) {
		t.Errorf("Set backwards: %v", f.Clock.Now())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if f.Clock.Sleep(ctx, time.Hour) == nil || !f.Clock.Now().Equal(start.Add(-time.Hour)) {
		t.Error("Sleep on a done context must fail without moving the clock")
	}
	wall := fakezohotest.Start(t, fakezohotest.WallClock())
	if wall.Clock != nil || time.Since(wall.Now()) > time.Minute {
		t.Errorf("WallClock: clock %v, now %v", wall.Clock, wall.Now())
	}
}

func TestDataCentersFile(t *testing.T) {
	f := fakezohotest.Start(t)
	path := f.DataCentersFile()
	if again := f.DataCentersFile(); again != path {
		t.Errorf("second call wrote %s, first %s", again, path)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var dcs []model.DataCenter
	if err := json.Unmarshal(raw, &dcs); err != nil || len(dcs) != len(f.Zoho.IDs()) {
		t.Fatalf("file holds %d data centers: %v", len(dcs), err)
	}
	for _, dc := range dcs {
		if dc.AccountsServer != f.Zoho.URL(dc.ID) {
			t.Errorf("%s points at %s", dc.ID, dc.AccountsServer)
		}
	}
}

func TestSelfClientProfileHoldsWorkingTokens(t *testing.T) {
	f := fakezohotest.Start(t, fakezohotest.LocalAPI())
	p := f.SelfClientProfile("crm-in", "IN")
	if p.Token == nil || !f.Zoho.ValidAccessToken(p.Token.AccessToken) || !f.Zoho.ValidRefreshToken(p.Token.RefreshToken) {
		t.Fatalf("tokens do not work: %+v", p.Token)
	}
	if p.APIDomain != f.Zoho.APIURL("IN") || p.AccountsServer != f.Zoho.URL("IN") || p.Account != fakezoho.DefaultUser("IN") {
		t.Errorf("profile %s %s %s", p.APIDomain, p.AccountsServer, p.Account)
	}
	if !p.Token.ExpiresAt.Equal(fakezohotest.Epoch.Add(time.Hour)) {
		t.Errorf("expires at %v", p.Token.ExpiresAt)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("profile does not validate: %v", err)
	}
	if n := f.Zoho.Requests(fakezoho.EndpointExchange); n != 1 {
		t.Errorf("%d exchanges, want 1", n)
	}
	// The profile's credentials refresh at its accounts server.
	resp, err := http.PostForm(p.AccountsServer+"/oauth/v2/token", url.Values{"grant_type": {"refresh_token"},
		"refresh_token": {p.Token.RefreshToken}, "client_id": {p.ClientID}, "client_secret": {p.ClientSecret}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	if body["access_token"] == nil {
		t.Errorf("refresh with the profile's credentials: %v", body)
	}
}

func TestSeededProfilesCostNoRequests(t *testing.T) {
	f := fakezohotest.Start(t)
	live := f.SeededProfile("crm-us", "US", model.ServerClient, 42*time.Minute)
	expired := f.SeededProfile("books-eu", "EU", model.SelfClient, -5*time.Minute, "ZohoBooks.fullaccess.all")
	if live.ClientID != fakezoho.DemoServerClientID || expired.ClientID != fakezoho.DemoSelfClientID || live.RedirectURI != fakezoho.DemoRedirectURI {
		t.Errorf("seeded profiles use clients %s, %s", live.ClientID, expired.ClientID)
	}
	if !f.Zoho.ValidAccessToken(live.Token.AccessToken) || f.Zoho.ValidAccessToken(expired.Token.AccessToken) {
		t.Error("the live token must work and the expired one not")
	}
	if !live.Token.ExpiresAt.Equal(f.Now().Add(42*time.Minute)) || !f.Zoho.ValidRefreshToken(expired.Token.RefreshToken) {
		t.Errorf("live expires %v; expired's refresh token valid: %v", live.Token.ExpiresAt, f.Zoho.ValidRefreshToken(expired.Token.RefreshToken))
	}
	f.Clock.Advance(43 * time.Minute)
	if f.Zoho.ValidAccessToken(live.Token.AccessToken) {
		t.Error("the fake and the profile disagree on when the token expires")
	}
	if n := len(f.Zoho.AllRequests()); n != 0 {
		t.Errorf("seeding made requests: %v", f.Zoho.AllRequests())
	}
	bare := fakezohotest.Start(t, fakezohotest.NoDemoClients())
	if p := bare.SeededProfile("x", "JP", model.NonBrowserClient, time.Hour); p.ClientID == fakezoho.DemoDeviceClientID || !bare.Zoho.ValidRefreshToken(p.Token.RefreshToken) {
		t.Errorf("without demo clients: %s", p.ClientID)
	}
}

func TestAccessTokenCallsAPIs(t *testing.T) {
	f := fakezohotest.Start(t, fakezohotest.WithOptions(func(o *fakezoho.Options) { o.Records = 2 }))
	tok := f.AccessToken("AU", "ZohoCRM.modules.ALL")
	req, _ := http.NewRequest(http.MethodGet, f.Zoho.APIURL("AU")+"/crm/v8/Deals", nil)
	req.Header.Set("Authorization", "Zoho-oauthtoken "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Data []map[string]any `json:"data"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != 200 || len(body.Data) != 2 {
		t.Errorf("deals: %d %v", resp.StatusCode, body.Data)
	}
}

func TestNewClientsAreDistinct(t *testing.T) {
	f := fakezohotest.Start(t)
	a := f.NewClient("EU", model.ServerClient)
	b := f.NewClient("EU", model.ServerClient, func(c *fakezoho.Client) { c.MultiDC = true; c.RedirectURIs = []string{"http://localhost:9999/cb"} })
	if a.ID == b.ID || a.Secret == b.Secret || a.RedirectURIs[0] != fakezohotest.DefaultRedirectURI || b.RedirectURIs[0] != "http://localhost:9999/cb" {
		t.Errorf("clients %+v and %+v", a, b)
	}
	p := f.Profile("srv", "EU", b)
	if p.RedirectURI != "http://localhost:9999/cb" || p.ClientSecret != b.Secret {
		t.Errorf("profile %+v", p)
	}
}

func TestConsentFollowsTheFakeToTheRedirect(t *testing.T) {
	f := fakezohotest.Start(t)
	cl := f.NewClient("EU", model.ServerClient, func(c *fakezoho.Client) { c.MultiDC = true })
	f.Zoho.SignIn(fakezoho.DefaultUser("EU"))
	q := url.Values{"client_id": {cl.ID}, "response_type": {"code"}, "redirect_uri": {fakezohotest.DefaultRedirectURI},
		"scope": {"ZohoCRM.modules.ALL"}, "access_type": {"offline"}, "prompt": {"consent"}, "state": {"s1"}}
	// Consent starts in the US; the EU user is sent home first.
	landed, err := url.Parse(f.Consent(f.Zoho.URL("US") + "/oauth/v2/auth?" + q.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	got := landed.Query()
	if landed.Host != "localhost:8765" || got.Get("state") != "s1" || got.Get("accounts-server") != f.Zoho.URL("EU") || got.Get("code") == "" {
		t.Fatalf("landed on %s", landed)
	}
	tok, _ := f.Exchange("EU", cl, got.Get("code"))
	if !f.Zoho.ValidRefreshToken(tok.RefreshToken) {
		t.Error("the code from consent did not exchange")
	}
}

func TestEnvPointsAProcessAtTheFake(t *testing.T) {
	f := fakezohotest.Start(t)
	env := f.Env()
	if fakezohotest.DataCentersEnv != oauth.DataCentersEnv || len(env) != 1 || env[0] != oauth.DataCentersEnv+"="+f.DataCentersFile() {
		t.Fatalf("Env() = %q", env)
	}
	// What a ztm process does with it: the table it loads is the fake's.
	name, value, _ := strings.Cut(env[0], "=")
	dcs, err := oauth.LoadDataCenters(func(k string) string {
		if k == name {
			return value
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range f.Zoho.IDs() {
		if dc, ok := dcs.ByID(id); !ok || dc.AccountsServer != f.Zoho.URL(id) {
			t.Errorf("%s loads as %+v", id, dc)
		}
	}
}

func TestSkewSetsTheFakeAheadOfTheFixture(t *testing.T) {
	for _, skew := range []time.Duration{3 * time.Minute, -90 * time.Second} {
		f := fakezohotest.Start(t, fakezohotest.Skew(skew))
		if !f.Now().Equal(fakezohotest.Epoch) {
			t.Errorf("the fixture's own time moved to %v", f.Now())
		}
		f.Clock.Advance(time.Hour)
		if got := zohoDate(t, f); !got.Equal(fakezohotest.Epoch.Add(time.Hour + skew)) {
			t.Errorf("skew %s: the fake reads %v, want the fixture's clock plus the skew", skew, got)
		}
	}
	wall := fakezohotest.Start(t, fakezohotest.WallClock(), fakezohotest.Skew(time.Hour))
	if ahead := time.Until(zohoDate(t, wall)); ahead < 59*time.Minute || ahead > 61*time.Minute {
		t.Errorf("on the wall clock the fake is %s ahead, want an hour", ahead)
	}
}

// zohoDate is the time the fake's Date header says.
func zohoDate(t *testing.T, f *fakezohotest.Fixture) time.Time {
	t.Helper()
	resp, err := http.Get(f.Zoho.URL("EU") + "/oauth/serverinfo")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestLatencyDelaysEveryAnswer(t *testing.T) {
	f := fakezohotest.Start(t, fakezohotest.Latency(150*time.Millisecond))
	begin := time.Now()
	zohoDate(t, f)
	if took := time.Since(begin); took < 150*time.Millisecond {
		t.Errorf("the answer took %s, want at least the 150ms latency", took)
	}
}
