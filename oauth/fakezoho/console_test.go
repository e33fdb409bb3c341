package fakezoho_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
)

// newConsoleFake starts the fake with the demo clients through the shared
// fixture, on a clock the test moves.
func newConsoleFake(t *testing.T) (*fakezoho.Cluster, *fakezohotest.Clock) {
	t.Helper()
	f := fakezohotest.Start(t, fakezohotest.At(time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)))
	return f.Zoho, f.Clock
}

func consoleGet(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func consolePost(t *testing.T, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := http.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// consoleExchange trades a code at the token endpoint, as ztm does.
func consoleExchange(t *testing.T, z *fakezoho.Cluster, dc, code string) map[string]any {
	t.Helper()
	resp, err := http.PostForm(z.URL(dc)+"/oauth/v2/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {fakezoho.DemoSelfClientID}, "client_secret": {fakezoho.DemoSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body
}

var consoleCodeRE = regexp.MustCompile(`<code id="code" class="code">([^<]*)</code>`)

// TestConsolePage: the root of every data center's server is an API Console
// page naming the data center, listing the clients enabled there with their
// secrets, with the Generate Code form and a link to the device page.
func TestConsolePage(t *testing.T) {
	z, _ := newConsoleFake(t)
	for _, dc := range []string{"EU", "US", "CN"} {
		resp, page := consoleGet(t, z.URL(dc)+"/")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: GET / = %d %s", dc, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, want := range []string{
			"<title>Fake Zoho API Console (" + dc + ")</title>",
			fakezoho.DemoSelfClientID, fakezoho.DemoServerClientID, fakezoho.DemoDeviceClientID,
			fakezoho.DemoSecret, html.EscapeString(fakezoho.DemoRedirectURI),
			`action="/console/self-client-code"`, `name="scope"`, `name="client_id"`,
			`<option value="3">3 minutes`, `<option value="5">5 minutes`, `<option value="7">7 minutes`,
			`<option value="10" selected>10 minutes`,
			`href="/oauth/v3/device"`, fakezoho.DefaultUser(dc),
		} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the console page lacks %q", dc, want)
			}
		}
		if strings.Contains(page, `id="code"`) {
			t.Errorf("%s: the console page shows a code before one was asked for", dc)
		}
		if strings.Contains(page, "src=") || strings.Contains(page, "<link") || strings.Contains(page, `href="http`) {
			t.Errorf("%s: the page loads or links something external", dc)
		}
	}
	// The device page it links to is there.
	if resp, _ := consoleGet(t, z.URL("EU")+"/oauth/v3/device"); resp.StatusCode != 200 {
		t.Errorf("device page: %d", resp.StatusCode)
	}
	// Only the root is the console.
	if resp, _ := consoleGet(t, z.URL("EU")+"/nothing-here"); resp.StatusCode != 404 {
		t.Errorf("GET /nothing-here = %d, want 404", resp.StatusCode)
	}
	// A scope in the query fills the form in.
	if _, page := consoleGet(t, z.URL("EU")+"/?scope=ZohoCRM.modules.ALL"); !strings.Contains(page, `value="ZohoCRM.modules.ALL"`) {
		t.Error("?scope= does not fill the scope field")
	}
	// A client enabled only in another data center is not listed.
	z.AddClient(fakezoho.Client{ID: "1000.ONLYINJP", Secret: "jp-secret-0123", Type: "self", HomeDC: "JP"})
	if _, page := consoleGet(t, z.URL("EU")+"/"); strings.Contains(page, "1000.ONLYINJP") {
		t.Error("the EU console lists a client that lives in JP only")
	}
	if _, page := consoleGet(t, z.URL("JP")+"/"); !strings.Contains(page, "1000.ONLYINJP") || !strings.Contains(page, "jp-secret-0123") {
		t.Error("the JP console does not list its own client")
	}
	if n := z.Requests(fakezoho.EndpointConsole); n < 6 {
		t.Errorf("console requests counted: %d", n)
	}
}

// TestConsoleGenerateCode: the form mints a code, shown once, that the
// token endpoint of the same data center exchanges once, within the chosen
// duration only.
func TestConsoleGenerateCode(t *testing.T) {
	z, clk := newConsoleFake(t)
	generate := func(dc, minutes string) string {
		t.Helper()
		resp, page := consolePost(t, z.URL(dc)+fakezoho.ConsoleCodePath, url.Values{
			"client_id": {fakezoho.DemoSelfClientID}, "scope": {"ZohoCRM.modules.ALL, AaaServer.profile.READ"},
			"duration": {minutes}, "description": {"ztm <test>"},
		})
		m := consoleCodeRE.FindStringSubmatch(page)
		if resp.StatusCode != 200 || m == nil {
			t.Fatalf("generate code: %d %s", resp.StatusCode, page)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("the code page may be cached: Cache-Control %q", resp.Header.Get("Cache-Control"))
		}
		for _, want := range []string{minutes + " minutes", "ztm &lt;test&gt;", "<code>ZohoCRM.modules.ALL</code>", "<code>AaaServer.profile.READ</code>"} {
			if !strings.Contains(page, want) {
				t.Errorf("the code page lacks %q", want)
			}
		}
		return html.UnescapeString(m[1])
	}

	code := generate("EU", "5")
	body := consoleExchange(t, z, "EU", code)
	at, _ := body["access_token"].(string)
	if at == "" || body["refresh_token"] == nil || !z.ValidAccessToken(at) {
		t.Fatalf("exchange of a console code: %v", body)
	}
	if body["scope"] != "ZohoCRM.modules.ALL AaaServer.profile.READ" {
		t.Errorf("granted scope %v", body["scope"])
	}
	if again := consoleExchange(t, z, "EU", code); again["error"] != "invalid_code" {
		t.Errorf("second exchange of the same code: %v", again)
	}

	// The duration chosen is the code's life.
	code = generate("EU", "5")
	clk.Advance(5*time.Minute + time.Second)
	if late := consoleExchange(t, z, "EU", code); late["error"] != "invalid_code" {
		t.Errorf("a 5-minute code 5m01s later: %v", late)
	}
	code = generate("EU", "7")
	clk.Advance(6*time.Minute + 50*time.Second)
	if ok := consoleExchange(t, z, "EU", code); ok["access_token"] == nil {
		t.Errorf("a 7-minute code 6m50s later: %v", ok)
	}
}

// TestConsoleGenerateCodeErrors: a bad form comes back with the message and
// what was typed, and mints nothing.
func TestConsoleGenerateCodeErrors(t *testing.T) {
	z, _ := newConsoleFake(t)
	for name, tc := range map[string]struct {
		form url.Values
		want string
	}{
		"no scope":       {url.Values{"client_id": {fakezoho.DemoSelfClientID}, "duration": {"3"}}, "Scope: no scopes given"},
		"bad scope":      {url.Values{"client_id": {fakezoho.DemoSelfClientID}, "scope": {"not a scope"}, "duration": {"3"}}, "Scope: "},
		"odd duration":   {url.Values{"client_id": {fakezoho.DemoSelfClientID}, "scope": {"ZohoCRM.modules.ALL"}, "duration": {"60"}}, "3, 5, 7 or 10 minutes"},
		"server client":  {url.Values{"client_id": {fakezoho.DemoServerClientID}, "scope": {"ZohoCRM.modules.ALL"}, "duration": {"3"}}, "Choose a Self Client"},
		"unknown client": {url.Values{"client_id": {"1000.NOSUCH"}, "scope": {"ZohoCRM.modules.ALL"}, "duration": {"3"}}, "Choose a Self Client"},
	} {
		resp, page := consolePost(t, z.URL("IN")+fakezoho.ConsoleCodePath, tc.form)
		if resp.StatusCode != 400 || !strings.Contains(page, tc.want) || consoleCodeRE.MatchString(page) {
			t.Errorf("%s: %d, want 400 with %q and no code:\n%s", name, resp.StatusCode, tc.want, page)
		}
		if s := tc.form.Get("scope"); s != "" && !strings.Contains(page, `value="`+s+`"`) {
			t.Errorf("%s: the scope typed was lost", name)
		}
	}
	if resp, _ := consoleGet(t, z.URL("IN")+fakezoho.ConsoleCodePath); resp.StatusCode != 405 {
		t.Errorf("GET %s = %d, want 405", fakezoho.ConsoleCodePath, resp.StatusCode)
	}
}
