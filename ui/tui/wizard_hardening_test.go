package tui

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"ztm/model"
	"ztm/oauth"
	"ztm/oauth/fakezoho"
	"ztm/vault"
)

// Regression tests for the wizard's items of the hardening issue, and the
// tick chain of the spine issue.

func TestWizardSecondGrantAttemptDoesNotDoubleTheTicks(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.key("a")
	h.fillWizard(selfClient("my-crm", ""))
	h.key("enter")
	h.wantStep(wsGrant)
	// The first attempt fails; r starts a second one, and esc and enter a
	// third: each arms a tick.
	code := h.zoho.SelfClientCode(fakezoho.DemoSelfClientID, "US", []string{oauth.UserInfoScope}, time.Minute)
	h.clock.Advance(2 * time.Minute) // the code dies before it is pasted
	h.paste(code)
	h.key("enter")
	h.wantStep(wsFailed)
	h.key("r")
	h.keys("esc", "enter")
	h.wantStep(wsGrant)

	// Every armed tick fires; only the live attempt's arms a next one.
	if fired, rearmed := h.fireWizTicks(); fired != 3 || rearmed != 1 {
		t.Fatalf("%d ticks fired, %d re-armed; want 3 and 1", fired, rearmed)
	}
	if fired, rearmed := h.fireWizTicks(); fired != 1 || rearmed != 1 {
		t.Fatalf("next period: %d ticks fired, %d re-armed; want 1 and 1", fired, rearmed)
	}
}

func TestWizardTickStopsWhenTheGrantStepCloses(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.key("a")
	h.fillWizard(selfClient("my-crm", ""))
	h.key("enter")
	h.key("esc")
	h.wantStep(wsScopes)
	if fired, rearmed := h.fireWizTicks(); fired != 1 || rearmed != 0 {
		t.Fatalf("after leaving the grant step: %d ticks fired, %d re-armed; want 1 and 0", fired, rearmed)
	}
}

// noBrowser makes opening a URL fail, as on a machine without one.
func (h *harness) noBrowser() {
	h.browser = func(string) error { return errors.New("no browser here") }
}

func TestWizardPasteURLNoteNamesTheRealCopyKey(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.noBrowser()
	h.addProfile(pasteURLProfile("app-crm", "EU"))
	h.wantStep(wsGrant)
	cons := h.openedURLs()[0]
	h.wantView("no browser could be opened", "copy it with ctrl+y")
	h.dontWantView("with c ")

	h.key("ctrl+y")
	if got := h.clip.get(); got != cons {
		t.Fatalf("ctrl+y copied %q, want the consent URL", got)
	}
	// c is text in the paste box, as the screen says nothing else.
	h.key("c")
	if got := h.app.wiz.pasteValue(); got != "c" {
		t.Fatalf("c did not type into the paste box: %q", got)
	}
}

func TestWizardRegisterCtrlOWithoutBrowserSaysSoAndShowsTheURL(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.noBrowser()
	h.key("a")
	h.fillWizardTo(selfClient("my-crm", "EU"), wsRegister)
	h.wantStep(wsRegister)
	h.key("ctrl+o")
	console := h.dcs.All()[1].APIConsole
	h.wantView("no browser could be opened (no browser here)", "copy it with ctrl+y")
	if !strings.Contains(h.view(), "\n    "+console+"\n") && !strings.Contains(h.view(), "\n"+console+"\n") {
		t.Fatalf("the console URL is not shown on a line of its own:\n%s", h.view())
	}
}

func TestWizardFitsASmallWindow(t *testing.T) {
	h := dashboardHarness(t, 60, 15)
	h.key("a")
	h.wantView("Profile name")
	// The last field of the first step comes into sight when focused.
	h.keys("tab", "tab")
	h.wantView("Environment", "production")
	h.keys("shift+tab", "shift+tab")
	h.typeText("small")
	h.key("enter")
	h.key("down") // loopback: the register step with the most fields
	h.key("enter")
	h.wantStep(wsRegister)
	h.wantView("Redirect port", "Client ID", "Client secret")
	h.keys("tab", "tab")
	h.wantView("Client secret")
	if lines := strings.Count(h.view(), "\n") + 1; lines != 15 {
		t.Fatalf("the screen has %d lines, want 15", lines)
	}
}

func TestWizardErrorsDoNotFollowToOtherSteps(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.key("a")
	h.fillWizardTo(selfClient("my-crm", ""), wsRegister)
	h.paste("not a client id")
	h.key("enter")
	h.wantView("does not look like a Zoho client id")
	h.key("esc")
	h.wantStep(wsType)
	h.dontWantView("does not look like a Zoho client id")
	h.key("enter")
	h.wantStep(wsRegister)
	h.dontWantView("does not look like a Zoho client id")

	// A note of the grant step stays there too.
	h.clearField(len("not a client id"))
	h.paste(fakezoho.DemoSelfClientID)
	h.key("tab")
	h.paste(fakezoho.DemoSecret)
	h.keys("enter", "enter")
	h.wantStep(wsGrant)
	h.paste(fakezoho.DemoSelfClientID)
	h.key("enter")
	h.wantView("this looks like a client id, not a grant code")
	h.key("esc")
	h.wantStep(wsScopes)
	h.dontWantView("this looks like a client id")
}

func TestWizardScopeFieldPlaceholderIsNotAScopeList(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.key("a")
	h.fillWizard(selfClient("my-crm", ""))
	h.key("space") // untick the default: nothing chosen
	h.dontWantView("[x]", "ZohoCRM.modules.ALL,", "AaaServer.profile.READ,")
	if l := h.line("> "); !strings.Contains(h.view(), "Other scopes") || strings.Contains(l, ".ALL") {
		t.Fatalf("the other-scopes field looks filled: %q", l)
	}
	h.key("enter")
	h.wantStep(wsScopes)
	h.wantView("no scopes given")
}

func TestWizardShowsTheClientIDItRefuses(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.key("a")
	h.fillWizardTo(selfClient("my-crm", ""), wsRegister)
	h.paste("1000-NOTANID-abcdef")
	h.key("enter")
	h.wantView(`"1000-NOTANID-abcdef" does not look like a Zoho client id`)
	h.dontWantView("1000********")
}

func TestWizardPrintsLongURLsWhole(t *testing.T) {
	h := dashboardHarness(t, 80, 24)
	h.addProfile(pasteURLProfile("app-crm", "EU"))
	h.wantStep(wsGrant)
	cons := h.openedURLs()[0]
	if len(cons) <= 80 {
		t.Fatalf("the consent URL is too short for this test: %d", len(cons))
	}
	// The URL's pieces start in the first column: selecting them picks up
	// no indent, and put together they are the URL.
	var joined strings.Builder
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.HasPrefix(l, cons[:20]) || joined.Len() > 0 && joined.Len() < len(cons) && strings.HasPrefix(cons[joined.Len():], l) {
			joined.WriteString(l)
		}
	}
	if joined.String() != cons {
		t.Fatalf("the URL on screen is %q, want %q", joined.String(), cons)
	}
	// Each piece links to the whole URL.
	if raw := h.app.View().Content; strings.Count(raw, ansi.SetHyperlink(cons)) < 2 {
		t.Fatal("the URL's pieces are not hyperlinks to the whole URL")
	}
}

func TestWizardRefusesARedirectToAnUnknownServerInTheStep(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.addProfile(pasteURLProfile("app-crm", "EU"))
	land, err := url.Parse(landing(t, h.openedURLs()[0]))
	if err != nil {
		t.Fatal(err)
	}
	q := land.Query()
	q.Set("accounts-server", "https://accounts.evil.example")
	land.RawQuery = q.Encode()
	h.paste(land.String())
	h.key("enter")
	h.wantStep(wsGrant)
	h.wantView("https://accounts.evil.example", "which is not a Zoho data center")
	if got := h.app.wiz.pasteValue(); got != land.String() {
		t.Fatalf("the paste box lost what was pasted: %q", got)
	}
	if n := h.zoho.Requests(fakezoho.EndpointExchange); n != 0 {
		t.Fatalf("%d exchanges: the secret went out", n)
	}
	// The right URL still goes through.
	h.clearField(len(land.String()))
	h.paste(landing(t, h.openedURLs()[0]))
	h.key("enter")
	h.wantStep(wsDone)
}

func TestWizardEditKeepsTagsNotesAndEnvironment(t *testing.T) {
	h := newHarness(t)
	h.keyFileVault(func(tx *vault.Tx) error {
		if err := h.fill(samples...)(tx); err != nil {
			return err
		}
		p, err := tx.Profile("crm-us")
		if err != nil {
			return err
		}
		p.Notes = "the US org"
		return tx.UpdateProfile(&p)
	})
	h.start(100, 32)
	h.selectProfile("crm-us")
	h.key("e")
	w := h.app.wiz
	if w.tags.Value() != "prod" || w.notes.Value() != "the US org" || w.env != model.Production {
		t.Fatalf("the edit did not load tags %q, notes %q, environment %q", w.tags.Value(), w.notes.Value(), w.env)
	}
	h.keys("enter", "enter", "enter")
	h.wantStep(wsScopes)
	h.wantView("prod", "the US org")
	h.keys("tab", "tab", "tab")
	h.typeText(", second line")
	h.key("enter")
	h.wantStep(wsDone)
	p := h.profile("crm-us")
	if p.Notes != "the US org, second line" || len(p.Tags) != 1 || p.Tags[0] != "prod" {
		t.Fatalf("saved notes %q, tags %v", p.Notes, p.Tags)
	}

	// Another environment is another org: it needs a new consent.
	h.key("enter")
	h.key("e")
	h.keys("tab", "tab", "right")
	if h.app.wiz.env != model.Sandbox {
		t.Fatalf("environment after right: %q", h.app.wiz.env)
	}
	h.keys("enter", "enter", "enter", "enter")
	h.wantStep(wsGrant)
	if h.app.wiz.profile.Environment != model.Sandbox {
		t.Fatalf("the grant is for %q", h.app.wiz.profile.Environment)
	}
}

func TestWizardClientCredentials(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.key("a")
	h.fillWizardTo(newProfile{name: "cc-crm", kind: kindClientCredentials}, wsRegister)
	h.wantView("Org (soid)", "For CRM, give the org as ZohoCRM.<org id>")
	h.paste(fakezoho.DemoSelfClientID)
	h.key("tab")
	h.paste(fakezoho.DemoSecret)
	h.key("tab")
	h.typeText("ZohoCRM.123456")
	h.keys("enter", "enter")
	h.mustUntil("the end of the grant", func() bool { return h.wizStep() == wsDone || h.wizStep() == wsFailed })

	// No person is asked: no consent page, no browser, no code.
	if n := h.zoho.Requests(fakezoho.EndpointAuth) + h.zoho.Requests(fakezoho.EndpointExchange); n != 0 {
		t.Fatalf("client credentials asked for consent (%d requests)", n)
	}
	if len(h.openedURLs()) != 0 {
		t.Fatal("client credentials opened a browser")
	}
	h.wantStep(wsDone)
	h.wantView("✓ cc-crm is ready.", "Access token valid for")
	h.dontWantView("Zoho sent no refresh token")
	if p := h.app.wiz.savedAs; !p.ClientCredentials || p.SOID != "ZohoCRM.123456" || p.Token == nil || p.Token.RefreshToken != "" {
		t.Fatalf("saved: %+v", p)
	}
	// What another process reads: a client-credentials profile with its
	// org, its first token and no refresh token.
	p := h.profile("cc-crm")
	if !p.ClientCredentials || p.SOID != "ZohoCRM.123456" || p.Token == nil || p.Token.AccessToken == "" || p.Token.RefreshToken != "" {
		t.Fatalf("the vault holds: client credentials %v, soid %q, token %v", p.ClientCredentials, p.SOID, p.Token != nil)
	}
}

func TestWizardClientCredentialsFailureKeepsTheFields(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.key("a")
	h.fillWizardTo(newProfile{name: "cc-crm", kind: kindClientCredentials}, wsRegister)
	h.paste(fakezoho.DemoSelfClientID)
	h.key("tab")
	h.paste("not-the-secret-0123456789")
	h.keys("enter", "enter")
	h.mustUntil("the failure", func() bool { return h.wizStep() == wsFailed })
	h.key("b")
	h.wantStep(wsRegister)
	if w := h.app.wiz; w.clientID.Value() != fakezoho.DemoSelfClientID || w.kind != kindClientCredentials {
		t.Fatalf("after b: client %q, kind %d", w.clientID.Value(), w.kind)
	}
	if _, err := h.vault().Profile("cc-crm"); err == nil {
		t.Fatal("a failed first token saved the profile")
	}
}
