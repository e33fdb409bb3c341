package tui

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/vault"
)

// The four grant paths through the whole program (teatest): each meets a
// failure first, retries, and ends with the new profile on the dashboard.

// typeProfile goes through the wizard's first four steps with keys and
// pastes, as a person would.
func typeProfile(t *testing.T, tm *teatest.TestModel, name string, kind grantKind, port, redirect, clientID string) {
	t.Helper()
	press(tm, "a")
	waitScreen(t, tm, "step 1 of 5")
	for range len("crm-eu") {
		press(tm, "backspace") // the field is empty; backspace is harmless
	}
	tm.Type(name)
	press(tm, "enter")
	waitScreen(t, tm, "step 2 of 5")
	for range int(kind) {
		press(tm, "down")
	}
	press(tm, "enter")
	waitScreen(t, tm, "step 3 of 5")
	switch kind {
	case kindLoopback:
		for range 4 {
			press(tm, "backspace")
		}
		tm.Type(port)
		press(tm, "tab")
	case kindPasteURL:
		tm.Send(tea.PasteMsg{Content: redirect})
		press(tm, "tab")
	}
	tm.Send(tea.PasteMsg{Content: clientID})
	press(tm, "tab")
	tm.Send(tea.PasteMsg{Content: fakezoho.DemoSecret})
	press(tm, "enter")
	waitScreen(t, tm, "step 4 of 5")
	press(tm, "enter")
}

// finish leaves the done page and checks the dashboard selects the profile.
func finish(t *testing.T, tm *teatest.TestModel, h *harness, name string) {
	t.Helper()
	waitScreen(t, tm, "✓ "+name+" is ready.")
	press(tm, "enter")
	waitScreen(t, tm, "▸ "+name, "saved "+name)
	p := h.storedProfile(name)
	if p.Token == nil || !h.zoho.ValidAccessToken(p.Token.AccessToken) {
		t.Fatalf("%s was saved without a live token: %+v", name, p.Token)
	}
}

// storedProfile reads a profile from the vault files, as another process
// would (the program owns the App's own handle).
func (h *harness) storedProfile(name string) model.Profile {
	h.t.Helper()
	key, err := vault.LoadKey(h.paths.Identity, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	v, err := vault.Open(h.paths, key, vault.Options{Now: h.clock.Now})
	if err != nil {
		h.t.Fatal(err)
	}
	defer v.Close()
	p, err := v.Profile(name)
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

func TestProgramSelfClientExpiredCodeThenRetry(t *testing.T) {
	h := newHarness(t)
	h.keyFileVault(h.fill(samples...))
	tm := startProgram(t, h, 100, 32)
	waitScreen(t, tm, "6 profiles")
	typeProfile(t, tm, "books", kindSelf, "", "", fakezoho.DemoSelfClientID)
	waitScreen(t, tm, "Generate Code tab")

	scopes := []string{"AaaServer.profile.READ"}
	old := h.zoho.SelfClientCode(fakezoho.DemoSelfClientID, "US", scopes, 3*time.Minute)
	h.clock.Advance(4 * time.Minute) // the code dies before it is pasted
	tm.Send(tea.PasteMsg{Content: old})
	press(tm, "enter")
	waitScreen(t, tm, "invalid_code", "Press r and get a fresh one")

	press(tm, "r")
	waitScreen(t, tm, "Generate Code tab")
	tm.Send(tea.PasteMsg{Content: h.zoho.SelfClientCode(fakezoho.DemoSelfClientID, "US", scopes, 3*time.Minute)})
	press(tm, "enter")
	finish(t, tm, h, "books")
}

func TestProgramLoopbackPortBusyThenRetry(t *testing.T) {
	h := newHarness(t)
	h.keyFileVault(h.fill(samples...))
	port := freePort(t)
	id := h.loopbackClient(port)
	browser := &realBrowser{}
	h.browser = browser.open
	busy, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	tm := startProgram(t, h, 100, 32)
	waitScreen(t, tm, "6 profiles")
	typeProfile(t, tm, "web-crm", kindLoopback, fmt.Sprint(port), "", id)
	waitScreen(t, tm, "is in use")

	busy.Close()
	press(tm, "r")
	finish(t, tm, h, "web-crm")
}

func TestProgramPasteURLWrongStateThenRight(t *testing.T) {
	h := newHarness(t)
	h.keyFileVault(h.fill(samples...))
	tm := startProgram(t, h, 100, 32)
	waitScreen(t, tm, "6 profiles")
	typeProfile(t, tm, "app-crm", kindPasteURL, "", fakezoho.DemoPasteRedirectURI, fakezoho.DemoServerClientID)
	waitScreen(t, tm, "Paste the whole URL")

	land := landing(t, h.openedURLs()[0])
	forged, _ := url.Parse(land)
	q := forged.Query()
	q.Set("state", "someone-elses-state")
	forged.RawQuery = q.Encode()
	tm.Send(tea.PasteMsg{Content: forged.String()})
	press(tm, "enter")
	waitScreen(t, tm, "answers another consent")

	tm.Send(tea.PasteMsg{Content: land})
	press(tm, "enter")
	finish(t, tm, h, "app-crm")
}

func TestProgramDeviceFlowDeniedThenApproved(t *testing.T) {
	h := newHarness(t, withZoho(func(o *fakezoho.Options) { o.DeviceInterval = 5 * time.Second }))
	h.keyFileVault(h.fill(samples...))
	// Polls wait a few real milliseconds while the fake's clock moves on by
	// the whole interval, so the flow takes no real time and never polls
	// too fast.
	h.cfg.OAuth.Sleep = func(ctx context.Context, d time.Duration) error {
		h.clock.Advance(d)
		select {
		case <-time.After(5 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	tm := startProgram(t, h, 100, 32)
	waitScreen(t, tm, "6 profiles")
	typeProfile(t, tm, "headless", kindDevice, "", "", fakezoho.DemoDeviceClientID)
	code := waitUserCode(t, tm)
	if err := h.zoho.DenyDevice(code); err != nil {
		t.Fatal(err)
	}
	waitScreen(t, tm, "The consent was declined. Press r to ask again.")

	press(tm, "r")
	next := waitUserCode(t, tm, code)
	if err := h.zoho.ApproveDevice(next); err != nil {
		t.Fatal(err)
	}
	finish(t, tm, h, "headless")
}

// waitUserCode waits for the screen to show a device code other than old
// (the code box: ║  CODE  ║) and returns it.
func waitUserCode(t *testing.T, tm *teatest.TestModel, old ...string) string {
	t.Helper()
	var code string
	var asked time.Time
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool {
		s := string(out)
		if i := strings.LastIndex(s, ansi.EraseEntireScreen); i >= 0 {
			if m := codeBox.FindStringSubmatch(ansi.Strip(s[i:])); m != nil && (len(old) == 0 || m[1] != old[0]) {
				code = m[1]
				return true
			}
		}
		if time.Since(asked) > 50*time.Millisecond {
			tm.Send(tea.ClearScreen())
			asked = time.Now()
		}
		return false
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
	return code
}

var codeBox = regexp.MustCompile(`║\s+(\S+)\s+║`)
