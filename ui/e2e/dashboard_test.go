package e2e

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/vault"
)

// seedVault creates the test's vault in this process, with o choosing the
// key, and stores p (with its token) in it. It returns the identity path.
func (f *fixture) seedVault(o vault.CreateOptions, profiles ...model.Profile) string {
	f.t.Helper()
	p := f.paths
	if o.GenerateKeyFile {
		p.Identity = filepath.Join(p.Dir, vault.KeyFileIdentity)
	}
	v, err := vault.Create(p, o, vault.Options{})
	if err != nil {
		f.t.Fatal(err)
	}
	defer v.Close()
	err = v.Update(context.Background(), func(tx *vault.Tx) error {
		for i := range profiles {
			if err := tx.CreateProfile(&profiles[i]); err != nil {
				return err
			}
			if profiles[i].Token != nil {
				if err := tx.RecordGrant(profiles[i].Name, profiles[i].ClientID); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return p.Identity
}

// selfClientProfile is a Self Client profile in dc as an earlier session
// left it: a refresh token the fake knows and an access token with left to
// live (negative: expired that long ago).
func (f *fixture) selfClientProfile(name, dcID string, left time.Duration) model.Profile {
	f.t.Helper()
	return f.fx.SeededProfile(name, dcID, model.SelfClient, left, "ZohoBooks.fullaccess.all", "AaaServer.profile.READ")
}

// TestDashboardRefresh: an expired profile shows as expired; r refreshes it
// at Zoho (once) and the row counts down from 59m again, with a status line
// saying so. A refresh by another ztm process while the dashboard runs
// shows on it within two seconds, without a key press.
func TestDashboardRefresh(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const name = "books-eu"
	id := f.seedVault(vault.CreateOptions{GenerateKeyFile: true}, f.selfClientProfile(name, "EU", -10*time.Minute))
	stored := func() *model.Token {
		t.Helper()
		p, err := f.openVault(id, "").Profile(name)
		if err != nil || p.Token == nil {
			t.Fatalf("%s in the vault: %+v, %v", name, p, err)
		}
		return p.Token
	}

	tm := startTerm(t, f.env)
	s := tm.waitFor("expired 10m ago", 10*time.Second)
	if !strings.Contains(lineWith(s, name+" "), "expired 10m ago") || !strings.Contains(s, "1 expired") {
		t.Fatalf("the expired profile is not shown as expired:\n%s", frame(s))
	}

	tm.keys("r")
	s = tm.waitFor("refreshed "+name+": valid for 59m", 10*time.Second)
	if !strings.Contains(s, "1 of 10 refreshes used") {
		t.Errorf("the status line does not count Zoho's refresh budget:\n%s", frame(s))
	}
	tm.waitUntil(name+" to count down from 59m", slow(5*time.Second), func(s string) bool {
		return strings.Contains(lineWith(s, name+" "), " 59m ")
	})
	if n := f.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refresh requests at Zoho, want 1", n)
	}
	first := stored()
	if !f.zoho.ValidAccessToken(first.AccessToken) {
		t.Errorf("the vault holds %q, not a live token", first.AccessToken)
	}

	// The detail pane, secrets revealed, shows the new token.
	tm.keys("Enter")
	tm.waitFor("Access token", 5*time.Second)
	tm.keys("v")
	tm.waitFor(first.AccessToken, 5*time.Second)

	// Another process refreshes: the dashboard follows by itself.
	out, status := f.ztm(f.env, "refresh", name)
	changed := time.Now()
	if status != 0 || !strings.HasPrefix(out, name+": refreshed, valid until") {
		t.Fatalf("ztm refresh %s: exit %d: %s", name, status, out)
	}
	second := stored()
	if second.AccessToken == first.AccessToken || !f.zoho.ValidAccessToken(second.AccessToken) {
		t.Fatalf("ztm refresh stored %q after %q", second.AccessToken, first.AccessToken)
	}
	s = tm.waitUntil("the dashboard to show the token another process got", 2*time.Second, func(s string) bool {
		return strings.Contains(s, second.AccessToken)
	})
	t.Logf("the dashboard showed the other process's refresh %s after it", time.Since(changed).Round(10*time.Millisecond))
	if strings.Contains(s, first.AccessToken) {
		t.Errorf("the dashboard still shows the replaced token:\n%s", frame(s))
	}
	if n := f.zoho.Requests(fakezoho.EndpointRefresh); n != 2 {
		t.Errorf("%d refresh requests at Zoho, want 2", n)
	}
}

// TestUnlockWrongPassphrase: a wrong passphrase at the unlock screen says so
// and asks again; the right one opens the dashboard. The passphrase never
// shows on the screen.
func TestUnlockWrongPassphrase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const pass = "tangerine kettle orbit"
	p := f.selfClientProfile("crm-in", "IN", 40*time.Minute)
	f.seedVault(vault.CreateOptions{Passphrase: pass, ScryptWorkFactor: 10}, p)

	tm := startTerm(t, f.env)
	tm.waitFor("Unlock the vault", 10*time.Second)
	tm.typeText("Tangerine kettle orbit")
	tm.keys("Enter")
	s := tm.waitFor("Wrong passphrase.", 10*time.Second)
	for _, want := range []string{"Try again: passphrases are case-sensitive.", "Passphrase:"} {
		if !strings.Contains(s, want) {
			t.Errorf("after a wrong passphrase the screen lacks %q:\n%s", want, frame(s))
		}
	}
	if strings.Contains(s, "crm-in") || strings.Contains(s, "kettle") {
		t.Errorf("after a wrong passphrase:\n%s", frame(s))
	}

	// The field is empty again: typing the right one is enough.
	tm.typeText(pass)
	s = tm.waitFor("Passphrase: "+strings.Repeat("•", len(pass)), 5*time.Second)
	if strings.Contains(s, "kettle") {
		t.Errorf("the passphrase is shown as typed:\n%s", frame(s))
	}
	tm.keys("Enter")
	s = tm.waitUntil("the dashboard to show crm-in", slow(10*time.Second), func(s string) bool {
		return strings.Contains(lineWith(s, "crm-in "), " IN ")
	})
	row := lineWith(s, "crm-in ")
	if !strings.Contains(row, " IN ") || !regexp.MustCompile(`\b(39m \d\ds|40m 00s)\b`).MatchString(row) {
		t.Errorf("dashboard row: %q\n%s", row, frame(s))
	}
	if strings.Contains(s, "Wrong passphrase") {
		t.Errorf("the dashboard still says wrong passphrase:\n%s", frame(s))
	}
	tm.keys("q")
	if code := tm.waitExit(5 * time.Second); code != 0 {
		t.Errorf("ztm exited with %d after q", code)
	}
}
