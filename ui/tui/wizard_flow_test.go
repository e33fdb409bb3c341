package tui

import (
	"fmt"
	"net"
	"testing"

	"ztm/oauth/fakezoho"
)

// Tests of the wizard as a view over app.GrantFlow: what the flow does
// while the person acts on the screen.

func TestWizardLoopbackEscEndsTheFlowAndFreesThePort(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	port := freePort(t)
	id := h.loopbackClient(port)
	h.addProfile(newProfile{name: "web-crm", kind: kindLoopback, port: fmt.Sprint(port), clientID: id, secret: fakezoho.DemoSecret})
	h.wantStep(wsGrant)
	h.wantView("waiting for Zoho to send the browser back")
	h.key("esc")
	h.wantStep(wsScopes)
	// esc waited for the flow to end: its receiver is closed already.
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("port %d still taken after esc: %v", port, err)
	}
	ln.Close()
	h.mustUntil("the end of the flow's reads", func() bool { return h.backgroundWaits() == 0 })
	if _, err := h.vault().Profile("web-crm"); err == nil {
		t.Fatal("a cancelled grant saved the profile")
	}
}

func TestWizardLoopbackTakesThePastedURLInstead(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	port := freePort(t)
	id := h.loopbackClient(port)
	h.addProfile(newProfile{name: "web-crm", dc: "EU", kind: kindLoopback, port: fmt.Sprint(port), clientID: id, secret: fakezoho.DemoSecret})
	h.wantStep(wsGrant)
	// The browser is on another machine: it never reaches ztm's port, and
	// the person pastes the URL it landed on.
	land := landing(t, h.openedURLs()[0])
	h.key("p")
	h.wantView("Paste the URL the browser landed on:")
	h.paste(land)
	h.key("enter")
	h.mustUntil("the end", func() bool { return h.wizStep() == wsDone })
	h.wantView("✓ web-crm is ready.", "Data center: EU")
	if n := h.zoho.Requests(fakezoho.EndpointExchange); n != 1 {
		t.Fatalf("%d exchanges, want 1", n)
	}
	if p := h.profile("web-crm"); p.Token == nil || p.Token.RefreshToken == "" {
		t.Fatalf("saved: %+v", p.Token)
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("port %d still taken after the pasted grant: %v", port, err)
	}
	ln.Close()
}

func TestWizardMistypedPasteKeepsTheConsent(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.addProfile(pasteURLProfile("app-crm", "EU"))
	h.wantStep(wsGrant)
	consent := h.openedURLs()[0]
	h.paste("https://example.com/ztm/callback?nothing=here")
	h.key("enter")
	h.wantStep(wsGrant)
	if h.app.wiz.note == "" {
		t.Fatalf("no word on the refused paste:\n%s", h.view())
	}
	// The same consent page still answers: the flow asked again rather
	// than starting over.
	h.paste(landing(t, consent))
	h.key("enter")
	h.wantStep(wsDone)
	if got := h.openedURLs(); len(got) != 1 {
		t.Fatalf("opened %d consent pages, want the one kept across the pastes", len(got))
	}
}

// The loopback flow asks for a paste while it listens; when the browser
// comes back at the same moment, the ask can reach the wizard after the
// exchange began. The wizard must still read the flow's end: it once sat
// on "exchanging" for ever. The order is the goroutines' to pick, so the
// race is run several times.
func TestWizardLoopbackLateAskStillEnds(t *testing.T) {
	for i := range 12 {
		h := dashboardHarness(t, 100, 32)
		port := freePort(t)
		id := h.loopbackClient(port)
		browser := &realBrowser{}
		h.browser = browser.open
		h.addProfile(newProfile{name: "web-crm", kind: kindLoopback, port: fmt.Sprint(port), clientID: id, secret: fakezoho.DemoSecret})
		if !h.until(func() bool { return h.wizStep() == wsDone }) {
			t.Fatalf("run %d never ended; screen:\n%s", i, h.view())
		}
		browser.last()
	}
}
