package tui

import (
	"context"
	"errors"
	"image/color"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ztm/model"
	"ztm/vault"
)

// Stored text is drawn, never obeyed: an escape in an event or an error
// (written by another ztm, an older one, or Zoho) cannot retitle the
// window, move the cursor or reorder what the pane shows.
func TestDashboardNeutralisesTerminalEscapesInStoredText(t *testing.T) {
	h := newHarness(t)
	h.keyFileVault(func(tx *vault.Tx) error {
		if err := h.fill(samples...)(tx); err != nil {
			return err
		}
		p, err := tx.Profile("crm-us")
		if err != nil {
			return err
		}
		p.Token.LastError = "boom\x1b]0;pwned\x07 \u202eevil"
		if err := tx.SetToken("crm-us", *p.Token); err != nil {
			return err
		}
		return tx.AddEvent(model.Event{Profile: "crm-us", Kind: model.EventRefresh, At: t0, Detail: "x\x1b[2Jy\x9b"})
	})
	h.start(120, 40)
	h.selectProfile("crm-us")
	h.key("enter")
	raw := h.app.View().Content
	for _, bad := range []string{"\x1b]0;pwned", "\x07", "\u202e", "\x1b[2J", "\x9b"} {
		if strings.Contains(raw, bad) {
			t.Fatalf("the frame holds the stored escape %q", bad)
		}
	}
	h.wantView(`boom\x1b]0;pwned\x07 \u202eevil`, `x\x1b[2Jy\x9b`)
}

// Hints that name a key are built from the key map: rebinding the key
// changes the hint, and the hinted key does what the hint says.
func TestHintsNameTheBoundKey(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.app.c.Keys.Grant = key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "new consent"))
	h.selectProfile("crm-sandbox")
	h.key("c")
	if f := h.footer(); !strings.Contains(f, "crm-sandbox has no token yet: press N to get a grant") {
		t.Fatalf("status: %q", f)
	}
	h.key("r")
	if f := h.footer(); !strings.Contains(f, "press N to consent again") {
		t.Fatalf("status: %q", f)
	}
	h.key("enter")
	h.wantView("no tokens yet: press N to get a grant")
	h.key("N")
	if h.app.wiz == nil || !h.app.wiz.consentOnly {
		t.Fatal("the key the hint names does not start a new consent")
	}
}

// The footer is drawn from the same bindings the keys match.
func TestFooterComesFromTheKeyMap(t *testing.T) {
	h := dashboardHarness(t, 140, 30)
	h.app.c.Keys.Copy = key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "copy the token"))
	h.resize(140, 30)
	if f := h.footer(); !strings.Contains(f, "C copy the token") {
		t.Fatalf("footer: %q", f)
	}
	h.selectProfile("crm-us")
	h.key("C")
	if h.clip.get() != accessToken("crm-us") {
		t.Fatal("the key the footer shows does not copy")
	}
}

// A long or multi-line message is cut to one line in the status bar; the
// whole of it is one key away, and so are the earlier ones.
func TestMessageLogKeepsWholeMessages(t *testing.T) {
	h := dashboardHarness(t, 100, 30)
	h.send(statusMsg{text: "first problem", err: true})
	h.send(statusMsg{text: "refresh failed: invalid_client\nthe client id or secret is wrong, or this client lives in another data center", err: true})
	f := h.footer()
	if !strings.Contains(f, "refresh failed: invalid_client (m: more)") || strings.Contains(f, "another data center") {
		t.Fatalf("footer: %q", f)
	}
	h.key("m")
	h.wantView("Messages", "first problem", "this client lives in", "another data center")
	h.key("x")
	h.dontWantView("Messages")
}

// An error about one screen is not left on the next.
func TestStatusIsClearedOnScreenChange(t *testing.T) {
	h := dashboardHarness(t, 100, 30)
	h.send(statusMsg{text: "copy failed: the dashboard's own trouble", err: true})
	h.key("a")
	if h.app.wiz == nil {
		t.Fatal("the wizard did not open")
	}
	if f := h.footer(); strings.Contains(f, "the dashboard's own trouble") {
		t.Fatalf("the dashboard's error followed into the wizard: %q", f)
	}
	h.key("esc") // back to the dashboard
	h.key("m")
	h.wantView("the dashboard's own trouble") // still in the log
}

func TestErrorsMaskTheClientID(t *testing.T) {
	h := newHarness(t)
	var id string
	h.keyFileVault(func(tx *vault.Tx) error {
		if err := h.fill(samples...)(tx); err != nil {
			return err
		}
		p, err := tx.Profile("crm-us")
		if err != nil {
			return err
		}
		id = p.ClientID
		p.Token.LastError = "invalid_client: client " + id
		return tx.SetToken("crm-us", *p.Token)
	})
	h.start(120, 40)
	h.selectProfile("crm-us")
	h.key("enter")
	if l := h.line("invalid_client: client"); strings.Contains(l, id) || !strings.Contains(l, "client "+model.Redact(id)) {
		t.Fatalf("the error line shows the client id: %q", l)
	}
	h.send(savedMsg{err: errors.New("could not save " + id)})
	if f := h.footer(); strings.Contains(f, id) || !strings.Contains(f, model.Redact(id)) {
		t.Fatalf("status: %q", f)
	}
}

// Commands run under the program's context: once it is cancelled (the
// program is quitting), a refresh does not reach Zoho.
func TestCommandsUseTheProgramContext(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.app.c.Ctx = ctx
	h.selectProfile("crm-us")
	h.key("r")
	if n := h.zoho.Requests("refresh"); n != 0 {
		t.Fatalf("a refresh under a cancelled context reached Zoho (%d requests)", n)
	}
	if f := h.footer(); !strings.Contains(f, "canceled") {
		t.Fatalf("status: %q", f)
	}
}

func TestTagsAndNotesAreEditable(t *testing.T) {
	h := dashboardHarness(t, 120, 40)
	h.selectProfile("crm-eu")
	h.key("t")
	h.wantView("Tags and notes of crm-eu", "enter save")
	h.typeText("prod, finance")
	h.key("tab")
	h.typeText("owned by the finance team")
	h.key("enter")
	p := h.profile("crm-eu")
	if strings.Join(p.Tags, ",") != "prod,finance" || p.Notes != "owned by the finance team" {
		t.Fatalf("saved tags %v, notes %q", p.Tags, p.Notes)
	}
	h.wantView("saved the tags and notes of crm-eu")
	h.key("enter")
	h.wantView("Tags         prod, finance", "Notes        owned by the finance team")

	// A bad tag is refused in the dialog, and nothing is saved.
	h.key("t")
	h.typeText(" not/a/tag")
	h.key("enter")
	h.wantView("Tags and notes of crm-eu", "tag \"not/a/tag\"")
	h.key("esc")
	if p := h.profile("crm-eu"); strings.Join(p.Tags, ",") != "prod,finance" {
		t.Fatalf("a cancelled edit changed the tags: %v", p.Tags)
	}
}

func TestDetailPaneScrolls(t *testing.T) {
	h := dashboardHarness(t, 80, 24)
	h.selectProfile("crm-us")
	h.key("v")
	rt := h.profile("crm-us").Token.RefreshToken
	h.wantView(accessToken("crm-us"))
	h.dontWantView("Scopes ")
	for range 10 {
		h.key("]")
	}
	h.wantView("Scopes ")
	if !strings.Contains(h.view(), "100%") {
		t.Fatalf("the pane does not say it is at the end:\n%s", h.view())
	}
	for range 10 {
		h.key("[")
	}
	h.wantView(accessToken("crm-us"), rt[:20])
}

// The wheel over the pane scrolls the pane, not the list.
func TestDetailPaneWheel(t *testing.T) {
	h := dashboardHarness(t, 80, 24)
	h.selectProfile("crm-us")
	h.key("enter")
	h.dontWantView("Scopes ")
	for range 4 {
		h.send(tea.MouseWheelMsg{X: 5, Y: 20, Button: tea.MouseWheelDown})
	}
	h.wantView("Scopes ")
	if p := h.app.dash.current(); p == nil || p.Name != "crm-us" {
		t.Fatalf("the wheel over the pane moved the selection to %v", p)
	}
}

// The status fades on the fake clock: shown, dimmed, gone; a newer
// message is not cut short by an older one's timer.
func TestStatusFadesOnTheClock(t *testing.T) {
	h := dashboardHarness(t, 100, 30)
	h.send(statusMsg{text: "one"})
	h.elapse(3 * time.Second)
	h.send(statusMsg{text: "two"})
	h.elapse(3 * time.Second) // one's timer fires: two stays
	if f := h.footer(); !strings.Contains(f, "two") {
		t.Fatalf("footer: %q", f)
	}
	h.elapse(5 * time.Second)
	if f := h.footer(); strings.Contains(f, "two") {
		t.Fatalf("the message never went: %q", f)
	}
}

// Without a browser, opening a URL says so and shows the URL whole, as a
// link, with a key to copy it; with one, it says it opened it.
func TestOpenWithoutABrowserShowsTheURL(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.browser = func(string) error { return errors.New("no display to open a browser on") }
	h.selectProfile("crm-eu")
	h.key("ctrl+o")
	dc, _ := h.dcs.ByID("EU")
	h.wantView("Open the API Console yourself", "no display to open a browser on", dc.APIConsole)
	if !strings.Contains(h.app.View().Content, "\x1b]8;;"+dc.APIConsole) {
		t.Fatal("the URL is not a hyperlink")
	}
	h.key("c")
	if got := h.clip.get(); got != dc.APIConsole {
		t.Fatalf("c copied %q, want the URL", got)
	}
	h.dontWantView("Open the API Console yourself")

	h.browser = nil
	h.key("ctrl+o")
	if f := h.footer(); !strings.Contains(f, "opened the API Console in your browser") {
		t.Fatalf("status: %q", f)
	}
	if got := h.openedURLs(); len(got) != 2 || got[1] != dc.APIConsole {
		t.Fatalf("opened %v", got)
	}
}

// The bubbles' own styles (the filter's input, the help) follow the
// terminal's background, not a fixed dark theme.
func TestBubblesFollowTheBackground(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	for _, tc := range []struct {
		name string
		bg   color.Color
		dark bool
	}{{"light", color.White, false}, {"dark", color.Black, true}} {
		h.send(tea.BackgroundColorMsg{Color: tc.bg})
		want := textinput.DefaultStyles(tc.dark).Focused.Placeholder.GetForeground()
		if got := h.app.dash.filter.Styles().Focused.Placeholder.GetForeground(); got != want {
			t.Errorf("%s background: the filter's placeholder colour is %v, want %v", tc.name, got, want)
		}
		if got, want := h.app.c.Styles.Help.Ellipsis.GetForeground(), help.DefaultStyles(tc.dark).Ellipsis.GetForeground(); got != want {
			t.Errorf("%s background: help's colours are %v, want %v", tc.name, got, want)
		}
	}
}

// A clipboard helper that never answers does not hold the copy forever:
// within its time the copy goes through the terminal (OSC 52) instead.
func TestHangingClipboardFallsBackToTheTerminal(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	h.clip.mu.Lock()
	h.clip.hang = hang
	h.clip.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	h.app.c.Ctx = ctx // every command's time is bounded by the program's
	h.selectProfile("crm-us")
	h.key("c")
	if got := h.seenOSC52(); len(got) != 1 || got[0] != accessToken("crm-us") {
		t.Fatalf("OSC 52 copies: %q", got)
	}
	h.wantView("copied the access token of crm-us to the OSC 52")
}

// A paste goes into the dialog's field in focus, not to the list behind.
func TestPasteGoesIntoTheNotesDialog(t *testing.T) {
	h := dashboardHarness(t, 120, 40)
	h.selectProfile("crm-eu")
	h.key("t")
	h.key("tab")
	h.paste("runs the nightly\nexport")
	h.key("enter")
	if p := h.profile("crm-eu"); p.Notes != "runs the nightly export" {
		t.Fatalf("notes %q", p.Notes)
	}
	if h.app.dash.filtering || h.app.dash.filter.Value() != "" {
		t.Fatal("the paste reached the dashboard's filter")
	}
}
