package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
	"ztm/vault"
)

// TestFirstRunWithPassphrase: a newcomer starts ztm with nothing set up,
// chooses a passphrase (mistyping it once), and the guided set-up takes
// them through a Self Client profile in EU: the console opens in the
// browser, they type the code it generated, and the dashboard shows the
// profile with a fresh countdown. Afterwards `ztm token` prints the token
// Zoho issued, with no refresh.
func TestFirstRunWithPassphrase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const (
		name = "sales-eu"
		pass = "correct horse battery"
	)
	scopes := []string{"AaaServer.profile.READ", "ZohoCRM.modules.ALL"}

	tm := startTerm(t, f.env)
	s := tm.waitFor("Welcome to ztm", 10*time.Second)
	if len(f.paths.Vault) < termWidth-4 && !strings.Contains(s, f.paths.Vault) {
		t.Errorf("the welcome does not say where the vault goes (%s)", f.paths.Vault)
	}
	tm.keys("p")
	tm.waitFor("Choose a passphrase", 5*time.Second)
	tm.typeText(pass)
	s = tm.waitFor("strength: strong", 5*time.Second)
	if strings.Contains(s, pass) || strings.Contains(s, "horse") {
		t.Errorf("the passphrase is shown as typed")
	}
	tm.keys("Enter")
	tm.typeText("correct horse battery!")
	tm.keys("Enter")
	tm.waitFor("the two passphrases differ: type it again", 5*time.Second)
	if _, err := os.Stat(f.paths.Vault); err == nil {
		t.Fatal("a vault was created with mismatched passphrases")
	}
	tm.typeText(pass)
	tm.keys("Enter")

	// The vault is created (one scrypt at age's default cost) and the
	// guided set-up opens by itself.
	tm.waitFor("Add a profile · step 1 of 5: Name and data center", 30*time.Second)
	tm.typeText(name)
	tm.keys("Tab")
	tm.chooseInList("●", "EU  Europe", 12)
	tm.keys("Enter")

	s = tm.waitFor("step 2 of 5: Client type", 5*time.Second)
	if !strings.Contains(lineWith(s, "●"), "Self Client") {
		t.Fatalf("Self Client is not the first choice:\n%s", frame(s))
	}
	tm.keys("Enter")

	s = tm.waitFor("step 3 of 5: Register the client", 5*time.Second)
	if !strings.Contains(s, "API Console for Europe (EU)") || !strings.Contains(s, f.zoho.URL("EU")) {
		t.Errorf("the register step does not point at the EU console (%s):\n%s", f.zoho.URL("EU"), frame(s))
	}
	tm.typeText(fakezoho.DemoSelfClientID)
	tm.keys("Tab")
	tm.typeText(fakezoho.DemoSecret)
	s = tm.waitFor(fakezoho.DemoSelfClientID, 5*time.Second)
	if strings.Contains(s, fakezoho.DemoSecret) {
		t.Error("the client secret is shown as typed")
	}
	tm.keys("Enter")

	// The scopes step: the list has AaaServer.profile.READ ticked; a scope
	// typed under "Other scopes" joins it.
	tm.waitFor("step 4 of 5: Scopes", 5*time.Second)
	tm.keys("Tab")
	tm.typeText("ZohoCRM.modules.ALL")
	tm.waitFor("> ZohoCRM.modules.ALL", 5*time.Second)
	tm.keys("Enter")

	// The grant step: ctrl+o opens the fake's API Console in the browser.
	s = tm.waitFor("open your Self Client and its Generate Code tab", 5*time.Second)
	if !strings.Contains(s, "Scope:        AaaServer.profile.READ,ZohoCRM.modules.ALL") {
		t.Errorf("the grant step does not show the scopes to type in the console:\n%s", frame(s))
	}
	tm.keys("C-o")
	tm.waitFor("opened in your browser", 5*time.Second)
	v := f.waitVisits(1, slow(10*time.Second))[0]
	if v.Start != f.zoho.URL("EU") || v.Status != 200 ||
		!strings.Contains(v.Body, "<title>Fake Zoho API Console (EU)</title>") || !strings.Contains(v.Body, fakezoho.DemoSelfClientID) {
		t.Errorf("the browser opened %s and got %d %.200q, want the EU console page", v.Start, v.Status, v.Body)
	}

	// The user generates a code in the console and types it.
	code := f.zoho.SelfClientCode(fakezoho.DemoSelfClientID, "EU", scopes, 5*time.Minute)
	tm.typeText(code)
	tm.keys("Enter")
	tm.waitFor("✓ "+name+" is ready.", 15*time.Second)
	s = tm.waitFor("Access token valid for 59m", 5*time.Second)
	for _, want := range []string{"Account: " + fakezoho.DefaultUser("EU"), "ztm token " + name} {
		if !strings.Contains(s, want) {
			t.Errorf("the done page lacks %q:\n%s", want, frame(s))
		}
	}
	tm.keys("Enter")

	tm.waitFor("saved "+name, 5*time.Second)
	s = tm.waitUntil("the row to count down from 59m", slow(5*time.Second), func(s string) bool {
		return strings.Contains(lineWith(s, name+" "), " 59m ")
	})
	row := lineWith(s, name+" ")
	for _, want := range []string{" EU ", "59m", "ok", fakezoho.DefaultUser("EU")} {
		if !strings.Contains(row, want) {
			t.Errorf("the dashboard row lacks %q: %q", want, row)
		}
	}
	tm.keys("q")
	if code := tm.waitExit(5 * time.Second); code != 0 {
		t.Errorf("ztm exited with %d after q", code)
	}

	// A script gets the token Zoho issued at the exchange: the fake issued
	// one access token (one exchange, no refresh) and this is it, live.
	out, status := f.ztm(f.withEnv(vault.EnvPassphrase+"="+pass), "token", name, "--json")
	var got struct {
		AccessToken    string `json:"access_token"`
		ExpiresIn      int    `json:"expires_in"`
		DC             string `json:"dc"`
		AccountsServer string `json:"accounts_server"`
	}
	if err := json.Unmarshal([]byte(out), &got); status != 0 || err != nil {
		t.Fatalf("ztm token %s --json: exit %d, %v: %q", name, status, err, out)
	}
	if !f.zoho.ValidAccessToken(got.AccessToken) {
		t.Errorf("ztm token printed %q, which is not a live token of the fake", got.AccessToken)
	}
	if n := f.zoho.Requests(fakezoho.EndpointExchange); n != 1 {
		t.Errorf("%d code exchanges, want 1", n)
	}
	if n := f.zoho.Requests(fakezoho.EndpointRefresh); n != 0 {
		t.Errorf("%d refreshes: ztm token should have printed the token from the exchange", n)
	}
	if got.DC != "EU" || got.AccountsServer != f.zoho.URL("EU") || got.ExpiresIn < 3000 {
		t.Errorf("ztm token --json: %+v", got)
	}
	// Passphrase mode, and no secret in the vault file in plaintext.
	if _, err := os.Stat(filepath.Join(f.paths.Dir, vault.PassphraseIdentity)); err != nil {
		t.Errorf("no passphrase identity: %v", err)
	}
	raw, err := os.ReadFile(f.paths.Vault)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{got.AccessToken, fakezoho.DemoSecret, fakezoho.DemoSelfClientID} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the vault file holds %.12s... in plaintext", secret)
		}
	}
}
