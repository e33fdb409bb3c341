package model

import (
	"strings"
	"testing"
	"time"
)

func TestValidateScope(t *testing.T) {
	good := []string{"ZohoCRM.modules.ALL", "ZohoCRM.settings.fields.READ", "ZohoBooks.fullaccess.all",
		"AaaServer.profile.READ", "SalesIQ.chatdetails.UPDATE", "ZOHOPEOPLE.forms.CREATE", "Desk.tickets.DELETE",
		"ZohoCRM.mass_update.leads.UPDATE"}
	for _, s := range good {
		if err := ValidateScope(s); err != nil {
			t.Errorf("%s refused: %v", s, err)
		}
	}
	bad := map[string]string{
		"ZohoCRM.modules":         "Service.scope.OPERATION",
		"ZohoCRM.modules.WRITE":   "must be one of",
		"ZohoCRM..ALL":            "single dots",
		"ZohoCRM.modules.ALL ":    "letters, digits",
		"ZohoCRM modules ALL":     "Service.scope.OPERATION",
		"ZohoCRM.modules-all.ALL": "letters, digits",
	}
	for s, says := range bad {
		if err := ValidateScope(s); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("%q: got %v, want an error saying %q", s, err, says)
		}
	}
}

func TestParseScopes(t *testing.T) {
	got, err := ParseScopes(" ZohoCRM.modules.ALL, ZohoCRM.users.READ ,\nZohoCRM.modules.ALL")
	if err != nil || JoinScopes(got) != "ZohoCRM.modules.ALL,ZohoCRM.users.READ" {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := ParseScopes(" , "); err == nil {
		t.Error("an empty list was accepted")
	}
}

func TestShortScopesGroupsByService(t *testing.T) {
	s := ShortScopes([]string{"ZohoCRM.modules.ALL", "ZohoCRM.users.READ", "AaaServer.profile.READ"}, 100)
	if s != "ZohoCRM:modules.ALL,users.READ AaaServer:profile.READ" {
		t.Errorf("got %q", s)
	}
	if s := ShortScopes([]string{"ZohoCRM.modules.ALL", "ZohoCRM.users.READ"}, 12); s != "ZohoCRM:mod…" {
		t.Errorf("cut: %q", s)
	}
}

func TestHasScope(t *testing.T) {
	if !HasScope([]string{"AaaServer.profile.ALL"}, "AaaServer.profile.READ") {
		t.Error("ALL does not cover READ")
	}
	if HasScope([]string{"ZohoCRM.modules.ALL"}, "AaaServer.profile.READ") {
		t.Error("unrelated scope matched")
	}
}

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"crm-eu", "books.prod", "a", "me@acme"} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-x", "has space", "semi;colon", strings.Repeat("a", 65)} {
		if err := ValidateName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestValidateClientIDDoesNotEchoSecrets(t *testing.T) {
	if err := ValidateClientID("1000.ABCDEFGHIJ1234567890ABCDEFGHIJ"); err != nil {
		t.Error(err)
	}
	err := ValidateClientID("d3b07384d113edec49eaa6238ad5ff00ab12cd34ef")
	if err == nil || strings.Contains(err.Error(), "d3b07384d113edec") || !strings.Contains(err.Error(), "1000.XXXXXXXX") {
		t.Errorf("a pasted secret in the id field: %v", err)
	}
}

func TestLoopbackRedirect(t *testing.T) {
	port, path, ok := LoopbackRedirect("http://localhost:8765/callback")
	if !ok || port != 8765 || path != "/callback" {
		t.Errorf("got %d %q %v", port, path, ok)
	}
	for _, no := range []string{"https://localhost:8765/cb", "http://example.com:80/cb", "http://localhost/cb"} {
		if _, _, ok := LoopbackRedirect(no); ok {
			t.Errorf("%s taken as loopback", no)
		}
	}
	p := Profile{ClientType: ServerClient, RedirectURI: "https://app.example.com/oauth"}
	if p.GrantMethod() != GrantPasteURL {
		t.Errorf("server client with public redirect: %s", p.GrantMethod())
	}
}

func TestCleanPasted(t *testing.T) {
	for in, want := range map[string]string{
		"  1000.abc.def \n":    "1000.abc.def",
		`"1000.abc"`:           "1000.abc",
		"'<http://x/?code=1>'": "http://x/?code=1",
	} {
		if got := CleanPasted(in); got != want {
			t.Errorf("CleanPasted(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCountdown(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tok := &Token{AccessToken: "x", ObtainedAt: now.Add(-time.Hour + 42*time.Minute + 13*time.Second), ExpiresAt: now.Add(42*time.Minute + 13*time.Second)}
	if got := FormatRemaining(tok.Remaining(now)); got != "42m 13s" {
		t.Errorf("got %q", got)
	}
	if got := FormatRemaining(-5 * time.Minute); got != "expired 5m ago" {
		t.Errorf("got %q", got)
	}
	if got := FormatRemaining(400 * time.Millisecond); got != "1s" {
		t.Errorf("sub-second remainder shows %q, want 1s (never 0s while valid)", got)
	}
	if got := FormatRemaining(90 * time.Minute); got != "1h 30m" {
		t.Errorf("got %q", got)
	}
	cases := map[time.Duration]Urgency{
		30 * time.Minute: UrgencyOK, 10 * time.Minute: UrgencySoon, 2 * time.Minute: UrgencyCritical, 0: UrgencyExpired,
	}
	for left, want := range cases {
		tok.ExpiresAt = now.Add(left)
		if got := tok.Urgency(now); got != want {
			t.Errorf("%s left: urgency %d, want %d", left, got, want)
		}
	}
	var none *Token
	if none.Urgency(now) != UrgencyNone || none.RefreshHealth() != HealthMissing {
		t.Error("a missing token is not reported as none/missing")
	}
	tok.ExpiresAt = now.Add(15 * time.Minute)
	tok.ObtainedAt = now.Add(-45 * time.Minute)
	if f := tok.LifeLeft(now); f < 0.249 || f > 0.251 {
		t.Errorf("life left %f, want 0.25", f)
	}
}

func TestBudget(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var times []time.Time
	for i := 0; i < 10; i++ {
		times = append(times, now.Add(-time.Duration(9-i)*time.Minute))
	}
	times = append(times, now.Add(-11*time.Minute)) // outside the window
	b := BudgetAt(times, now)
	if b.Used != 10 || b.Left != 0 || !b.NextFree.Equal(now.Add(time.Minute)) {
		t.Errorf("got %+v", b)
	}
	if b := BudgetAt(times[5:], now); b.Left != 5 || !b.NextFree.IsZero() {
		t.Errorf("got %+v", b)
	}
}

func TestDataCenters(t *testing.T) {
	dcs, err := ParseDataCenters([]byte(`[
		{"id":"us","accounts_server":"https://accounts.zoho.com"},
		{"id":"EU","name":"Europe","accounts_server":"https://accounts.zoho.eu"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if dc, ok := dcs.ByLocation("eu"); !ok || dc.Name != "Europe" {
		t.Errorf("ByLocation: %+v %v", dc, ok)
	}
	if dc, ok := dcs.ByAccountsServer("https://ACCOUNTS.zoho.com/"); !ok || dc.ID != "US" {
		t.Errorf("ByAccountsServer: %+v %v", dc, ok)
	}
	if err := dcs.Put(DataCenter{ID: "eu", AccountsServer: "http://127.0.0.1:9999"}); err != nil {
		t.Fatal(err)
	}
	if dc, _ := dcs.ByID("EU"); dc.Name != "Europe" || dc.AccountsServer != "http://127.0.0.1:9999" {
		t.Errorf("override lost fields: %+v", dc)
	}
	if err := dcs.Put(DataCenter{ID: "XX", AccountsServer: "http://accounts.example.com"}); err == nil {
		t.Error("plain http to a public host accepted")
	}
	if got := dcs.Describe("https://accounts.zoho.com"); got != "US" {
		t.Errorf("Describe: %q", got)
	}
}

func TestUnconfirmedFields(t *testing.T) {
	dcs, err := ParseDataCenters([]byte(`[{"id":"AE","accounts_server":"https://accounts.zoho.ae","unconfirmed":["accounts_server"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	ae, _ := dcs.ByID("AE")
	if ae.Confirmed("accounts_server") || !ae.Confirmed("api_domain") {
		t.Errorf("AE = %+v", ae)
	}
	if err := dcs.Put(DataCenter{ID: "AE", Unconfirmed: []string{}}); err != nil {
		t.Fatal(err)
	}
	if ae, _ := dcs.ByID("AE"); !ae.Confirmed("accounts_server") {
		t.Error("an override with an empty list did not confirm the accounts server")
	}
	if _, err := ParseDataCenters([]byte(`[{"id":"X","accounts_server":"https://a.example","unconfirmed":["url"]}]`)); err == nil {
		t.Error("an unknown field name in unconfirmed accepted")
	}
}

func TestAPIHostFollowsTheEnvironment(t *testing.T) {
	cases := []struct {
		domain string
		env    Environment
		host   string
		base   string
	}{
		{"https://www.zohoapis.eu", "", "www.zohoapis.eu", "https://www.zohoapis.eu"},
		{"https://www.zohoapis.eu", Production, "www.zohoapis.eu", "https://www.zohoapis.eu"},
		{"https://www.zohoapis.eu", Sandbox, "sandbox.zohoapis.eu", "https://sandbox.zohoapis.eu"},
		{"https://www.zohoapis.com.au/", Developer, "developer.zohoapis.com.au", "https://developer.zohoapis.com.au"},
		{"https://zohoapis.in", Sandbox, "sandbox.zohoapis.in", "https://sandbox.zohoapis.in"},
		{"http://127.0.0.1:9001", Sandbox, "127.0.0.1:9001", "http://127.0.0.1:9001"},
		{"", Sandbox, "", ""},
		{"https://www.zohoapis.eu@evil.example", Production, "", ""},
	}
	for _, c := range cases {
		p := Profile{APIDomain: c.domain, Environment: c.env}
		if got := APIHost(p); got != c.host {
			t.Errorf("APIHost(%s, %s) = %q, want %q", c.domain, c.env, got, c.host)
		}
		if got := APIBase(p); got != c.base {
			t.Errorf("APIBase(%s, %s) = %q, want %q", c.domain, c.env, got, c.base)
		}
	}
}
