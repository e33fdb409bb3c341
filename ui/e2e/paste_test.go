package e2e

import (
	"strings"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
	"ztm/vault"
)

// TestWizardTakesPastes: people paste the client id, the secret and the
// grant code from the API Console rather than type them. The terminal
// delivers each as one bracketed paste, which must reach the wizard's
// fields (not the dashboard behind it), trimmed of the spaces and line end
// that come along.
func TestWizardTakesPastes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const name = "paste-eu"
	f.seedVault(vault.CreateOptions{GenerateKeyFile: true})

	tm := startTerm(t, f.env)
	tm.waitFor("No profiles yet.", 10*time.Second)
	tm.keys("a")
	tm.waitFor("step 1 of 5: Name and data center", 5*time.Second)
	tm.typeText(name)
	tm.keys("Tab")
	tm.chooseInList("●", "EU  Europe", 12)
	tm.keys("Enter")
	tm.waitFor("step 2 of 5: Client type", 5*time.Second)
	tm.keys("Enter") // Self Client

	tm.waitFor("step 3 of 5: Register the client", 5*time.Second)
	tm.paste(fakezoho.DemoSelfClientID)
	tm.waitFor(fakezoho.DemoSelfClientID, 5*time.Second)
	tm.keys("Tab")
	tm.paste(fakezoho.DemoSecret + "\n") // copied with the line end
	// The secret is masked, and the line end did not move on to the next
	// step.
	s := tm.waitFor("> "+strings.Repeat("*", len(fakezoho.DemoSecret)), 5*time.Second)
	if strings.Contains(s, fakezoho.DemoSecret) || !strings.Contains(s, "step 3 of 5") {
		t.Fatalf("after pasting the secret:\n%s", frame(s))
	}
	tm.keys("Enter")

	tm.waitFor("step 4 of 5: Scopes", 5*time.Second)
	tm.keys("Enter")
	tm.waitFor("open your Self Client and its Generate Code tab", 5*time.Second)
	code := f.zoho.SelfClientCode(fakezoho.DemoSelfClientID, "EU", []string{"AaaServer.profile.READ"}, 3*time.Minute)
	tm.paste(" " + code + "\n")
	tm.waitGone("paste here", 5*time.Second)
	tm.keys("Enter")
	tm.waitFor("✓ "+name+" is ready.", 15*time.Second)
	if n := f.zoho.Requests(fakezoho.EndpointExchange); n != 1 {
		t.Errorf("%d code exchanges, want 1", n)
	}
}
