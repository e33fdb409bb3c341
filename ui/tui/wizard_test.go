package tui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/vault"
)

// newProfile is what a person types into the wizard.
type newProfile struct {
	name     string
	dc       string // data center ID; "" keeps US
	kind     grantKind
	port     string // loopback
	redirect string // paste URL
	clientID string
	secret   string
	scopes   string // "" keeps the default
}

// clearField deletes what the focused field holds.
func (h *harness) clearField(n int) {
	h.t.Helper()
	for range n {
		h.key("backspace")
	}
}

// fillWizard goes through the first four steps of an open wizard.
func (h *harness) fillWizard(p newProfile) {
	h.t.Helper()
	w := h.app.wiz
	if w == nil || w.step != wsName {
		h.t.Fatalf("the wizard is not at its first step:\n%s", h.view())
	}
	h.clearField(len(w.name.Value()))
	h.typeText(p.name)
	if p.dc != "" {
		h.key("tab")
		want := slices.Index(h.dcs.IDs(), p.dc)
		for h.app.wiz.dcIndex < want {
			h.key("down")
		}
	}
	h.key("enter")
	h.wantView("step 2 of 5: Client type")
	for h.app.wiz.kind < p.kind {
		h.key("down")
	}
	h.key("enter")
	h.wantView("step 3 of 5: Register the client")
	switch p.kind {
	case kindLoopback:
		h.clearField(len(h.app.wiz.port.Value()))
		h.typeText(p.port)
		h.key("tab")
	case kindPasteURL:
		h.paste(p.redirect)
		h.key("tab")
	}
	h.paste(p.clientID)
	h.key("tab")
	h.paste(p.secret)
	h.key("enter")
	h.wantView("step 4 of 5: Scopes")
	if p.scopes != "" {
		// Untick the default (the picker's first line), type the rest.
		h.key("space")
		h.key("tab")
		h.typeText(p.scopes)
	}
}

// addProfile opens the wizard from the dashboard, fills it in and presses
// enter on the scopes: on to the grant step.
func (h *harness) addProfile(p newProfile) {
	h.t.Helper()
	h.key("a")
	h.fillWizard(p)
	h.key("enter")
}

// wizStep is the wizard's step, or -1 when it is closed.
func (h *harness) wizStep() wizStep {
	if h.app.wiz == nil {
		return -1
	}
	return h.app.wiz.step
}

func (h *harness) wantStep(s wizStep) {
	h.t.Helper()
	if got := h.wizStep(); got != s {
		h.t.Fatalf("the wizard is at step %d (%s), want %d (%s):\n%s", got, stepTitles[got], s, stepTitles[s], h.view())
	}
}

func selfClient(name, dc string) newProfile {
	return newProfile{name: name, dc: dc, kind: kindSelf, clientID: fakezoho.DemoSelfClientID, secret: fakezoho.DemoSecret}
}

func TestWizardSelfClient(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.addProfile(selfClient("my-crm", "EU"))
	h.wantStep(wsGrant)
	h.wantView("Get the grant", "open your Self Client and its Generate Code tab", "Scope:        AaaServer.profile.READ",
		"a code generated now dies in at most 10m 00s")

	code := h.zoho.SelfClientCode(fakezoho.DemoSelfClientID, "EU", []string{"AaaServer.profile.READ"}, 10*time.Minute)
	h.paste(code)
	h.key("enter")
	h.wantStep(wsDone)
	h.wantView("✓ my-crm is ready.", "Access token valid for 1h 00m", "Account: eu.user@example.com",
		"Data center: EU", "ztm token my-crm")
	if n := h.zoho.RequestsAt("EU", fakezoho.EndpointExchange); n != 1 {
		t.Fatalf("%d exchanges at EU, want 1", n)
	}
	p := h.profile("my-crm")
	if p.Token == nil || !h.zoho.ValidRefreshToken(p.Token.RefreshToken) || p.DC != "EU" || p.Account != "eu.user@example.com" {
		t.Fatalf("saved profile: %+v", p)
	}

	h.key("enter")
	if h.app.wiz != nil {
		t.Fatal("enter on the last page did not close the wizard")
	}
	if cur := h.app.dash.current(); cur == nil || cur.Name != "my-crm" {
		t.Fatalf("the dashboard does not select the new profile: %v", cur)
	}
	h.wantView("saved my-crm", "7 profiles")
	if l := h.line("my-crm "); !strings.Contains(l, "1h 00m") {
		t.Fatalf("the new row: %q", l)
	}
}

func TestWizardSelfClientExpiredCodeThenRetry(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.addProfile(selfClient("my-crm", "EU"))
	code := h.zoho.SelfClientCode(fakezoho.DemoSelfClientID, "EU", []string{"AaaServer.profile.READ"}, 3*time.Minute)

	// The person takes their time; the step's countdown says so.
	h.clock.Advance(11 * time.Minute)
	h.wizTick()
	h.wantView("a code generated when this step opened has expired by now: generate a new one")

	h.paste(code)
	h.key("enter")
	h.wantStep(wsFailed)
	h.wantView("invalid_code", "Codes are single-use and short-lived. Press r and get a fresh one",
		"works only in the data center where it was generated: you chose EU")
	if f := h.footer(); !strings.Contains(f, "r try again") || !strings.Contains(f, "b back to the client details") {
		t.Fatalf("footer: %q", f)
	}
	if _, err := h.vault().Profile("my-crm"); err == nil {
		t.Fatal("a failed exchange saved the profile")
	}

	h.key("r")
	h.wantStep(wsGrant)
	w := h.app.wiz
	if w.name.Value() != "my-crm" || w.clientID.Value() != fakezoho.DemoSelfClientID || w.secret.Value() != fakezoho.DemoSecret ||
		w.dcChoices()[w.dcIndex].ID != "EU" {
		t.Fatalf("the retry lost what was typed: name %q, client %q, DC %d", w.name.Value(), w.clientID.Value(), w.dcIndex)
	}
	if w.pasteValue() != "" {
		t.Fatalf("the used code is still in the paste box: %q", w.pasteValue())
	}
	h.wantView("a code generated now dies in at most 10m 00s")

	code = h.zoho.SelfClientCode(fakezoho.DemoSelfClientID, "EU", []string{"AaaServer.profile.READ"}, 3*time.Minute)
	h.paste(code)
	h.key("enter")
	h.wantStep(wsDone)
}

func TestWizardSelfClientUsedCode(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	code := h.zoho.SelfClientCode(fakezoho.DemoSelfClientID, "US", []string{"AaaServer.profile.READ"}, 0)
	h.addProfile(selfClient("first", ""))
	h.paste(code)
	h.key("enter")
	h.wantStep(wsDone)
	h.key("enter")

	// The same code again: Zoho refuses a used code.
	h.addProfile(selfClient("second", ""))
	h.paste(code)
	h.key("enter")
	h.wantStep(wsFailed)
	h.wantView("invalid_code", "Press r and get a fresh one")
}

func TestWizardSelfClientRefusesAClientIDPastedAsCode(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.addProfile(selfClient("my-crm", ""))
	h.paste(fakezoho.DemoSelfClientID)
	h.key("enter")
	h.wantStep(wsGrant)
	h.wantView("this looks like a client id, not a grant code")
	if n := h.zoho.Requests(fakezoho.EndpointExchange); n != 0 {
		t.Fatalf("sent a client id to Zoho as a code (%d exchanges)", n)
	}
}

// freePort returns a loopback port nobody listens on.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// loopbackClient registers a server-based client whose redirect URI is
// http://localhost:port/callback.
func (h *harness) loopbackClient(port int) string {
	id := "1000.LOOPBACKCLIENT0000000000"
	h.zoho.AddClient(fakezoho.Client{ID: id, Secret: fakezoho.DemoSecret, Type: model.ServerClient, MultiDC: true,
		RedirectURIs: []string{fmt.Sprintf("http://localhost:%d/callback", port)}})
	return id
}

// realBrowser is a browser that follows every redirect, so the consent
// ends at ztm's loopback receiver. It reports what the last page said.
type realBrowser struct {
	mu    sync.Mutex
	pages []string
	wg    sync.WaitGroup
}

func (b *realBrowser) open(u string) error {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		resp, err := http.Get(u)
		page := ""
		if err != nil {
			page = err.Error()
		} else {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			page = string(body)
		}
		b.mu.Lock()
		b.pages = append(b.pages, page)
		b.mu.Unlock()
	}()
	return nil
}

func (b *realBrowser) last() string {
	b.wg.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pages) == 0 {
		return ""
	}
	return b.pages[len(b.pages)-1]
}

func TestWizardLoopback(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	port := freePort(t)
	id := h.loopbackClient(port)
	browser := &realBrowser{}
	h.browser = browser.open

	h.addProfile(newProfile{name: "web-crm", dc: "IN", kind: kindLoopback, port: fmt.Sprint(port), clientID: id, secret: fakezoho.DemoSecret})
	h.mustUntil("the end", func() bool { return h.wizStep() == wsDone })
	h.wantView("✓ web-crm is ready.", "Account: in.user@example.com", "Data center: IN")
	if page := browser.last(); !strings.Contains(page, "Signed in: back to the terminal") {
		t.Fatalf("the browser's last page: %s", page)
	}
	opened := h.openedURLs()
	if len(opened) != 1 {
		t.Fatalf("opened %v, want the consent URL once", opened)
	}
	u, err := url.Parse(opened[0])
	if err != nil {
		t.Fatal(err)
	}
	if u.Query().Get("redirect_uri") != fmt.Sprintf("http://localhost:%d/callback", port) || u.Query().Get("access_type") != "offline" ||
		!strings.HasPrefix(opened[0], h.zoho.URL("IN")) {
		t.Fatalf("consent URL: %s", opened[0])
	}
	p := h.profile("web-crm")
	if p.Token == nil || p.RedirectURI != fmt.Sprintf("http://localhost:%d/callback", port) || p.ClientType != model.ServerClient {
		t.Fatalf("saved: %+v", p)
	}
	// The receiver is closed once the code is in.
	if _, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/callback", port)); err == nil {
		t.Fatal("the loopback receiver still listens after the exchange")
	}
}

func TestWizardLoopbackPortInUseThenRetry(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	port := freePort(t)
	id := h.loopbackClient(port)
	browser := &realBrowser{}
	h.browser = browser.open
	busy, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}

	h.addProfile(newProfile{name: "web-crm", kind: kindLoopback, port: fmt.Sprint(port), clientID: id, secret: fakezoho.DemoSecret})
	h.wantStep(wsFailed)
	h.wantView(fmt.Sprintf("port %d is in use", port), "Close what uses the port, or press b and choose another port")
	if len(h.openedURLs()) != 0 {
		t.Fatal("the browser was opened although nothing could catch the redirect")
	}

	busy.Close()
	h.key("r")
	h.mustUntil("the end", func() bool { return h.wizStep() == wsDone })
	h.wantView("✓ web-crm is ready.")
}

func TestWizardLoopbackDeclined(t *testing.T) {
	h := dashboardHarness(t, 100, 32, withZoho(func(o *fakezoho.Options) { o.Consent = fakezoho.AutoDeny }))
	port := freePort(t)
	id := h.loopbackClient(port)
	browser := &realBrowser{}
	h.browser = browser.open
	h.addProfile(newProfile{name: "web-crm", kind: kindLoopback, port: fmt.Sprint(port), clientID: id, secret: fakezoho.DemoSecret})
	h.mustUntil("the failure", func() bool { return h.wizStep() == wsFailed })
	h.wantView("access_denied", "The consent was declined. Press r to ask again.")
	if page := browser.last(); !strings.Contains(page, "Access was not granted") {
		t.Fatalf("the browser's last page: %s", page)
	}
}

// landing does what a browser does with the consent URL up to the app's
// redirect URI: it follows the fake Zoho's redirects (a user of another
// data center is sent home) and returns the URL the browser lands on.
func landing(t *testing.T, consentURL string) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Hostname() != "127.0.0.1" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := c.Get(consentURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || loc == "" {
		t.Fatalf("the consent page did not redirect (%d): %s", resp.StatusCode, body)
	}
	return loc
}

func pasteURLProfile(name, dc string) newProfile {
	return newProfile{name: name, dc: dc, kind: kindPasteURL, redirect: fakezoho.DemoPasteRedirectURI,
		clientID: fakezoho.DemoServerClientID, secret: fakezoho.DemoSecret, scopes: "ZohoCRM.modules.ALL,AaaServer.profile.READ"}
}

func TestWizardPasteURL(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.addProfile(pasteURLProfile("app-crm", "EU"))
	h.wantStep(wsGrant)
	opened := h.openedURLs()
	if len(opened) != 1 {
		t.Fatalf("opened %v, want the consent URL", opened)
	}
	h.wantView("Open this URL where you are signed in to Zoho", "Paste the whole URL from the address bar", "opened in your browser")
	// The consent URL is on the screen in full, for a browser elsewhere.
	if !strings.Contains(strings.ReplaceAll(h.view(), "\n    ", ""), opened[0][:60]) {
		t.Fatalf("the consent URL is not shown:\n%s", h.view())
	}

	land := landing(t, opened[0])
	if !strings.HasPrefix(land, fakezoho.DemoPasteRedirectURI+"?") {
		t.Fatalf("landed on %s", land)
	}
	h.paste(land)
	h.key("enter")
	h.wantStep(wsDone)
	h.wantView("✓ app-crm is ready.", "Data center: EU")
	p := h.profile("app-crm")
	if p.RedirectURI != fakezoho.DemoPasteRedirectURI || !slices.Contains(p.Scopes, "ZohoCRM.modules.ALL") {
		t.Fatalf("saved: %+v", p)
	}
}

func TestWizardPasteURLWithAnotherStateIsRefused(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.addProfile(pasteURLProfile("app-crm", "EU"))
	land := landing(t, h.openedURLs()[0])
	u, _ := url.Parse(land)
	q := u.Query()
	q.Set("state", "someone-elses-state")
	u.RawQuery = q.Encode()

	h.paste(u.String())
	h.key("enter")
	h.wantStep(wsGrant)
	h.wantView("answers another consent, not the one ztm opened")
	if n := h.zoho.Requests(fakezoho.EndpointExchange); n != 0 {
		t.Fatalf("exchanged a code from another consent (%d)", n)
	}
	// The right URL still works.
	h.paste(land)
	h.key("enter")
	h.wantStep(wsDone)
}

func TestWizardPasteURLFromAnotherDC(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	// The person chose EU, but their account lives in the US: Zoho sends
	// the browser home, and the code must be exchanged there.
	h.zoho.SignIn(fakezoho.DefaultUser("US"))
	h.addProfile(pasteURLProfile("app-crm", "EU"))
	land := landing(t, h.openedURLs()[0])
	h.paste(land)
	h.key("enter")
	h.wantStep(wsDone)
	h.wantView("the code came from US, not EU: ztm exchanges it there and keeps the profile in US",
		"Data center: US", "Account: us.user@example.com")
	if n := h.zoho.RequestsAt("US", fakezoho.EndpointExchange); n != 1 {
		t.Fatalf("%d exchanges at US, want 1", n)
	}
	if n := h.zoho.RequestsAt("EU", fakezoho.EndpointExchange); n != 0 {
		t.Fatalf("%d exchanges at EU, want 0", n)
	}
	if p := h.profile("app-crm"); p.DC != "US" || p.AccountsServer != h.zoho.URL("US") {
		t.Fatalf("saved in %s (%s)", p.DC, p.AccountsServer)
	}
}

func TestWizardPasteURLWrongSecretThenFix(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	p := pasteURLProfile("app-crm", "")
	p.secret = "not-the-secret-0123456789"
	h.addProfile(p)
	h.paste(landing(t, h.openedURLs()[0]))
	h.key("enter")
	h.wantStep(wsFailed)
	h.wantView("invalid_client", "Press b to check the client id and secret")

	// b goes back to the client details with everything kept.
	h.key("b")
	h.wantStep(wsRegister)
	w := h.app.wiz
	if w.redirect.Value() != fakezoho.DemoPasteRedirectURI || w.clientID.Value() != fakezoho.DemoServerClientID {
		t.Fatalf("fields after b: redirect %q, client %q", w.redirect.Value(), w.clientID.Value())
	}
	h.keys("tab", "tab")
	h.clearField(len(w.secret.Value()))
	h.paste(fakezoho.DemoSecret)
	h.key("enter")
	h.key("enter")
	h.wantStep(wsGrant)
	h.paste(landing(t, h.openedURLs()[len(h.openedURLs())-1]))
	h.key("enter")
	h.wantStep(wsDone)
}

// deviceGate lets the device flow poll once per token sent: the wizard's
// poll never sleeps for real, and the test decides when Zoho is asked.
type deviceGate chan struct{}

func (h *harness) gateDevicePolls() deviceGate {
	gate := make(deviceGate, 16)
	h.cfg.OAuth.Sleep = func(ctx context.Context, d time.Duration) error {
		select {
		case <-gate:
			h.clock.Advance(d)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return gate
}

func deviceProfile(name, dc string) newProfile {
	return newProfile{name: name, dc: dc, kind: kindDevice, clientID: fakezoho.DemoDeviceClientID, secret: fakezoho.DemoSecret}
}

func TestWizardDeviceFlow(t *testing.T) {
	h := newHarness(t, withZoho(func(o *fakezoho.Options) { o.DeviceInterval = 5 * time.Second }))
	h.keyFileVault(h.fill(samples...))
	gate := h.gateDevicePolls()
	h.start(100, 32)

	h.key("a")
	h.fillWizard(deviceProfile("headless", "JP"))
	h.keyUntil("enter", "the user code", func() bool { return h.app.wiz.deviceCode() != nil })
	code := h.app.wiz.deviceCode().UserCode
	h.wantView("On any device, open", h.zoho.URL("JP")+"/oauth/v3/device", code,
		"waiting for you to approve (check 0; the code expires in 5m 00s)")
	// The code's box is drawn in one piece.
	col := func(edge string) int {
		l := h.line(edge)
		return ansi.StringWidth(l[:strings.Index(l, edge)])
	}
	if col("╔") != col("║") || col("║") != col("╚") {
		t.Fatalf("the user code's box is broken:\n%s", h.view())
	}

	// A first poll: still pending.
	gate <- struct{}{}
	h.mustUntil("the first poll", func() bool { return h.app.wiz.devicePoll().Attempt == 1 })
	h.wizTick()
	h.wantView("(check 1; the code expires in 4m 55s)")

	// c copies the code, o opens the page.
	h.key("c")
	if h.clip.get() != code {
		t.Fatalf("c copied %q, want the user code", h.clip.get())
	}
	h.key("o")
	if got := h.openedURLs(); len(got) != 1 || got[0] != h.zoho.URL("JP")+"/oauth/v3/device" {
		t.Fatalf("o opened %v", got)
	}

	if err := h.zoho.ApproveDevice(code); err != nil {
		t.Fatal(err)
	}
	gate <- struct{}{}
	h.mustUntil("the end", func() bool { return h.wizStep() == wsDone })
	h.wantView("✓ headless is ready.", "Account: jp.user@example.com", "Data center: JP")
	if p := h.profile("headless"); p.ClientType != model.NonBrowserClient || p.Token == nil || p.Token.RefreshToken == "" {
		t.Fatalf("saved: %+v", p)
	}
}

func TestWizardSpinnerTurnsWhileWaiting(t *testing.T) {
	h := newHarness(t, withZoho(func(o *fakezoho.Options) { o.DeviceInterval = 5 * time.Second }))
	h.keyFileVault(h.fill(samples...))
	h.gateDevicePolls()
	h.start(100, 32)
	h.key("a")
	h.fillWizard(deviceProfile("headless", ""))
	h.keyUntil("enter", "the user code", func() bool { return h.app.wiz.deviceCode() != nil })
	h.settle()
	before := h.line("waiting for you to approve")
	h.waitTimers(250 * time.Millisecond) // the spinner's frames are 100 ms apart
	if after := h.line("waiting for you to approve"); after == before {
		t.Fatalf("the spinner does not turn: %q", after)
	}
}

func TestWizardDeviceFlowDeniedThenRetry(t *testing.T) {
	h := newHarness(t, withZoho(func(o *fakezoho.Options) { o.DeviceInterval = 5 * time.Second }))
	h.keyFileVault(h.fill(samples...))
	gate := h.gateDevicePolls()
	h.start(100, 32)

	h.key("a")
	h.fillWizard(deviceProfile("headless", ""))
	h.keyUntil("enter", "the user code", func() bool { return h.app.wiz.deviceCode() != nil })
	if err := h.zoho.DenyDevice(h.app.wiz.deviceCode().UserCode); err != nil {
		t.Fatal(err)
	}
	gate <- struct{}{}
	h.mustUntil("the failure", func() bool { return h.wizStep() == wsFailed })
	h.wantView("access_denied", "The consent was declined. Press r to ask again.")

	h.keyUntil("r", "a new user code", func() bool { return h.app.wiz.deviceCode() != nil })
	if err := h.zoho.ApproveDevice(h.app.wiz.deviceCode().UserCode); err != nil {
		t.Fatal(err)
	}
	gate <- struct{}{}
	h.mustUntil("the end", func() bool { return h.wizStep() == wsDone })
	if n := h.zoho.Requests(fakezoho.EndpointDeviceCode); n != 2 {
		t.Fatalf("%d device codes, want 2", n)
	}
}

func TestWizardDeviceFlowAutoApprovedInAnotherDC(t *testing.T) {
	// The person's account lives in IN but the profile says US: Zoho
	// answers other_dc and ztm follows it there.
	h := newHarness(t, withZoho(func(o *fakezoho.Options) { o.AutoApproveDevice = true; o.DeviceInterval = time.Second }))
	h.keyFileVault(h.fill(samples...))
	h.cfg.OAuth.Sleep = func(ctx context.Context, d time.Duration) error { h.clock.Advance(d); return ctx.Err() }
	h.start(100, 32)
	h.zoho.SignIn(fakezoho.DefaultUser("IN"))
	h.addProfile(deviceProfile("headless", "US"))
	h.mustUntil("the end", func() bool { return h.wizStep() == wsDone })
	h.wantView("Data center: IN", "Account: in.user@example.com")
}

func TestWizardDeviceFlowEscStopsPolling(t *testing.T) {
	h := newHarness(t, withZoho(func(o *fakezoho.Options) { o.DeviceInterval = 5 * time.Second }))
	h.keyFileVault(h.fill(samples...))
	h.gateDevicePolls() // a poll waits for the gate, which never opens
	h.start(100, 32)
	h.key("a")
	h.fillWizard(deviceProfile("headless", ""))
	h.keyUntil("enter", "the user code", func() bool { return h.app.wiz.deviceCode() != nil })
	h.key("esc")
	h.wantStep(wsScopes)
	// esc ends the poller: its last message comes in, and it is gone.
	h.mustUntil("the end of the poller", func() bool { return h.backgroundWaits() == 0 })
	if n := h.zoho.Requests(fakezoho.EndpointDeviceToken); n != 0 {
		t.Fatalf("the device flow polled after esc (%d polls)", n)
	}
}

func TestWizardEditSecretOnlySavesWithoutConsent(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.selectProfile("crm-us")
	before := h.profile("crm-us")
	h.key("e")
	h.wantStep(wsName)
	h.wantView("Edit crm-us · step 1 of 5")
	w := h.app.wiz
	if w.name.Value() != "crm-us" || w.kind != kindLoopback || w.port.Value() != "8765" || w.clientID.Value() != before.ClientID {
		t.Fatalf("the edit did not load the profile: name %q kind %d port %q", w.name.Value(), w.kind, w.port.Value())
	}
	h.keys("enter", "enter")
	h.wantStep(wsRegister)
	h.keys("tab", "tab")
	h.clearField(len(w.secret.Value()))
	h.typeText("a-brand-new-secret-0123456789")
	h.key("enter")
	h.wantStep(wsScopes)
	h.key("enter")
	h.wantStep(wsDone)
	h.wantView("✓ crm-us is ready.")

	after := h.profile("crm-us")
	if after.ClientSecret != "a-brand-new-secret-0123456789" {
		t.Fatalf("secret not saved: %q", after.ClientSecret)
	}
	if after.Token == nil || after.Token.RefreshToken != before.Token.RefreshToken || after.Token.AccessToken != before.Token.AccessToken {
		t.Fatal("an edit of the secret touched the tokens")
	}
	if n := h.zoho.Requests(fakezoho.EndpointExchange) + h.zoho.Requests(fakezoho.EndpointAuth); n != 0 {
		t.Fatalf("an edit of the secret asked Zoho (%d requests)", n)
	}
	if len(h.openedURLs()) != 0 {
		t.Fatal("an edit of the secret opened a browser")
	}
	h.key("enter")
	h.wantView("saved crm-us")
}

func TestWizardEditRename(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.selectProfile("crm-eu")
	rt := h.profile("crm-eu").Token.RefreshToken
	h.key("e")
	h.clearField(len("crm-eu"))
	h.typeText("crm-us")
	h.key("enter")
	h.wantView("a profile named crm-us exists")
	h.clearField(len("crm-us"))
	h.typeText("crm-europe")
	h.keys("enter", "enter", "enter", "enter")
	h.wantStep(wsDone)
	h.key("enter")
	if _, err := h.vault().Profile("crm-eu"); !errors.Is(err, vault.ErrNoProfile) {
		t.Fatalf("the old name is still there: %v", err)
	}
	if p := h.profile("crm-europe"); p.Token == nil || p.Token.RefreshToken != rt {
		t.Fatal("the renamed profile lost its tokens")
	}
	if cur := h.app.dash.current(); cur == nil || cur.Name != "crm-europe" {
		t.Fatalf("selected after the rename: %v", cur)
	}
	if slices.Contains(h.listed(), "crm-eu") {
		t.Fatalf("the list still shows the old name: %v", h.listed())
	}
}

func TestWizardEditScopesNeedsConsent(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.selectProfile("crm-eu")
	oldRT := h.profile("crm-eu").Token.RefreshToken
	h.key("e")
	h.keys("enter", "enter", "enter")
	h.wantStep(wsScopes)
	h.key("tab") // to the other scopes
	h.typeText("ZohoCRM.users.READ")
	h.key("enter")
	h.wantStep(wsGrant)
	h.wantView("Edit crm-eu · Get the grant", "ZohoCRM.modules.ALL,AaaServer.profile.READ,ZohoCRM.users.READ")
	if _, err := h.vault().Profile("crm-eu"); err != nil {
		t.Fatal(err)
	}
	if got := h.profile("crm-eu").Scopes; slices.Contains(got, "ZohoCRM.users.READ") {
		t.Fatal("the new scopes were saved before the consent")
	}

	code := h.zoho.SelfClientCode(fakezoho.DemoSelfClientID, "EU", []string{"ZohoCRM.modules.ALL", "AaaServer.profile.READ", "ZohoCRM.users.READ"}, 0)
	h.paste(code)
	h.key("enter")
	h.wantStep(wsDone)
	p := h.profile("crm-eu")
	if !slices.Contains(p.Scopes, "ZohoCRM.users.READ") || p.Token.RefreshToken == oldRT {
		t.Fatalf("after the new consent: scopes %v, same refresh token %v", p.Scopes, p.Token.RefreshToken == oldRT)
	}
	// The replaced refresh token is revoked, so re-consents do not pile up.
	if h.zoho.ValidRefreshToken(oldRT) {
		t.Fatal("the replaced refresh token was not revoked")
	}
}

func TestWizardNewConsentJumpsToGrant(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.selectProfile("books-eu")
	h.key("n")
	h.wantStep(wsGrant)
	h.wantView("New consent for books-eu · Get the grant", "open your Self Client")

	// esc from a consent-only wizard closes it.
	h.key("esc")
	if h.app.wiz != nil {
		t.Fatalf("esc did not close the new-consent wizard:\n%s", h.view())
	}

	h.key("n")
	code := h.zoho.SelfClientCode(fakezoho.DemoSelfClientID, "EU", []string{"ZohoCRM.modules.ALL", "AaaServer.profile.READ"}, 0)
	h.paste(code)
	h.key("enter")
	h.wantStep(wsDone)
	h.key("enter")
	if l := h.line("books-eu "); !strings.Contains(l, "1h 00m") {
		t.Fatalf("books-eu after a new consent: %q", l)
	}
}

func TestWizardWarnsBeforeA21stRefreshToken(t *testing.T) {
	h := newHarness(t)
	h.keyFileVault(func(tx *vault.Tx) error {
		if err := h.fill(samples...)(tx); err != nil {
			return err
		}
		// books-eu and crm-eu hold two; 18 more make 20.
		for range 18 {
			if err := tx.RecordGrant("crm-eu", fakezoho.DemoSelfClientID); err != nil {
				return err
			}
		}
		return nil
	})
	h.start(100, 32)
	h.addProfile(selfClient("one-more", ""))
	h.wantView("This consent makes a 21st refresh token", "ztm holds 20 refresh tokens for client "+fakezoho.DemoSelfClientID,
		"the one books-eu has held since 2025-03-14", "y go on", "n go back")

	h.key("n")
	h.wantStep(wsScopes)
	h.key("enter")
	h.key("y")
	h.wantStep(wsGrant)
	h.wantView("ztm holds 20 refresh tokens for this client; Zoho deletes the oldest past 20")
}

func TestWizardNoWarningBelow20(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.addProfile(selfClient("one-more", ""))
	h.wantStep(wsGrant)
	if h.app.dialog != nil {
		t.Fatalf("a dialog with two refresh tokens held:\n%s", h.view())
	}
	h.dontWantView("refresh tokens for this client")
}

func TestWizardEscKeepsEveryField(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.key("a")
	h.fillWizard(newProfile{name: "keep-me", dc: "AU", kind: kindPasteURL, redirect: "https://app.example.com/cb",
		clientID: "1000.KEEPME000000000000", secret: "keep-this-secret-0123", scopes: "ZohoCRM.org.READ"})
	check := func(at string) {
		t.Helper()
		w := h.app.wiz
		got := []string{w.name.Value(), w.dcChoices()[w.dcIndex].ID, fmt.Sprint(w.kind), w.redirect.Value(),
			w.clientID.Value(), w.secret.Value(), w.scopeList()}
		want := []string{"keep-me", "AU", fmt.Sprint(kindPasteURL), "https://app.example.com/cb",
			"1000.KEEPME000000000000", "keep-this-secret-0123", "ZohoCRM.org.READ"}
		if !slices.Equal(got, want) {
			t.Fatalf("%s: fields %q, want %q", at, got, want)
		}
	}
	h.key("esc")
	h.wantStep(wsRegister)
	h.wantView("https://app.example.com/cb", "1000.KEEPME000000000000")
	h.dontWantView("keep-this-secret") // the secret field is masked
	check("back at the client details")
	h.key("esc")
	h.wantStep(wsType)
	h.wantView("● Server-based, another redirect URI")
	check("back at the client type")
	h.key("esc")
	h.wantStep(wsName)
	h.wantView("keep-me", "● AU")
	check("back at the name")

	// Forward again without typing anything.
	h.keys("enter", "enter", "enter")
	h.wantStep(wsScopes)
	h.wantView("ZohoCRM.org.READ")
	check("forward again")
	h.key("enter")
	h.wantStep(wsGrant)
	h.key("esc")
	h.wantStep(wsScopes)
	check("back from the grant")

	// esc all the way out closes the wizard; nothing was saved.
	h.keys("esc", "esc", "esc", "esc")
	if h.app.wiz != nil {
		t.Fatal("esc on the first step did not close the wizard")
	}
	if _, err := h.vault().Profile("keep-me"); !errors.Is(err, vault.ErrNoProfile) {
		t.Fatalf("a cancelled wizard saved something: %v", err)
	}
}

func TestWizardValidates(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.key("a")
	h.key("enter")
	h.wantStep(wsName)
	h.wantView("the profile needs a name")

	h.typeText("crm-us")
	h.key("enter")
	h.wantStep(wsName)
	h.wantView("a profile named crm-us exists: pick another name")

	h.clearField(6)
	h.typeText("fresh")
	h.key("enter")
	h.key("down")
	h.key("enter") // loopback
	h.wantStep(wsRegister)
	h.clearField(4)
	h.typeText("80")
	h.key("enter")
	h.wantView("the port must be a number from 1024 to 65535")

	h.clearField(2)
	h.typeText("8765")
	h.key("tab")
	h.typeText("not a client id")
	h.key("tab")
	h.typeText("secret-0123456789")
	h.key("enter")
	h.wantStep(wsRegister)
	if h.app.wiz.note == "" {
		t.Fatalf("a bad client id was accepted:\n%s", h.view())
	}

	// q and ? are text in a field, not commands.
	h.key("shift+tab")
	h.typeText("q?")
	if h.quit || h.app.dialog != nil {
		t.Fatal("q or ? typed in the wizard acted as a global key")
	}
}

func TestWizardScopePicker(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.key("a")
	h.fillWizard(selfClient("picker", ""))
	// The picker has the keys; its first line is AaaServer.profile.READ,
	// ticked for a new profile.
	h.wantView("[x] AaaServer.profile.READ")
	h.key("space")
	if got := h.app.wiz.scopeList(); got != "" {
		t.Fatalf("space did not untick AaaServer.profile.READ: %q", got)
	}
	h.wantView("tip: AaaServer.profile.READ lets ztm show which account")
	h.keys("down", "space")
	if got := h.app.wiz.scopeList(); got != "ZohoCRM.modules.ALL" {
		t.Fatalf("scopes after picking: %q", got)
	}
	h.wantView("[x] ZohoCRM.modules.ALL")

	// The filter narrows the list; enter and esc are the filter's while
	// it is open, not the wizard's.
	h.key("/")
	h.typeText("ZohoCRM.users")
	h.key("enter")
	h.wantStep(wsScopes)
	h.dontWantView("ZohoCRM.modules.ALL  records")
	h.key("space")
	if got := h.app.wiz.scopeList(); got != "ZohoCRM.modules.ALL,ZohoCRM.users.READ" {
		t.Fatalf("scopes after picking a filtered one: %q", got)
	}

	// A scope outside the catalogue goes in the field under it.
	h.key("tab")
	h.typeText("ZohoDesk.tickets.READ")
	h.key("enter")
	h.wantStep(wsGrant)
	h.wantView("ZohoCRM.modules.ALL,ZohoCRM.users.READ,ZohoDesk.tickets.READ")
}

func TestWizardHelpOnAListButNotInAField(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.key("a")
	h.typeText("my-crm?")
	if h.app.dialog != nil || h.app.wiz.name.Value() != "my-crm?" {
		t.Fatalf("? in the name field: dialog %v, name %q", h.app.dialog != nil, h.app.wiz.name.Value())
	}
	h.key("tab") // the data centers: a list, where ? is help
	h.key("?")
	if h.app.dialog == nil {
		t.Fatalf("? on a list opened no help:\n%s", h.view())
	}
	h.wantView("tab", "next field", "esc", "back")
}

func TestWizardFormFollowsTheBackground(t *testing.T) {
	h := dashboardHarness(t, 100, 32)
	h.key("a")
	light := "38;2;102;57;186" // the accent on a light background
	fieldTitle := func() string {
		for _, l := range strings.Split(h.app.View().Content, "\n") {
			if strings.Contains(ansi.Strip(l), "Profile name") {
				return l
			}
		}
		return ""
	}
	if strings.Contains(fieldTitle(), light) {
		t.Fatal("the light accent before the background is known")
	}
	h.send(tea.BackgroundColorMsg{Color: color.White})
	h.typeText("x")
	if !strings.Contains(fieldTitle(), light) {
		t.Fatalf("the form kept the dark theme on a light background: %q", fieldTitle())
	}
}
