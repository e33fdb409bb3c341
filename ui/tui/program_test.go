package tui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"ztm/oauth/fakezoho"
)

// Whole-program flows: the real Bubble Tea program (renderer, input loop,
// real timers) around the App, driven through teatest, with no colours.

func startProgram(t *testing.T, h *harness, w, ht int) *teatest.TestModel {
	t.Helper()
	// The real program runs real timers: the harness's scheduler, which
	// hands timers to the synchronous harness, has no place here.
	cfg := h.cfg
	cfg.Scheduler = nil
	h.app = New(cfg)
	tm := teatest.NewTestModel(t, h.app,
		teatest.WithInitialTermSize(w, ht),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	t.Cleanup(func() {
		tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
		if h.app.c.Vault != nil {
			h.app.c.Vault.Close()
		}
	})
	return tm
}

// waitScreen waits until the screen shows every one of want. The
// renderer sends only what changed since the last frame ("6" of
// "6 profiles" when "0" was there), so the condition asks for whole
// frames (tea.ClearScreen) until the last one, without colours and cursor
// moves, holds every piece of text.
func waitScreen(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	var asked time.Time
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool {
		s := string(out)
		if i := strings.LastIndex(s, ansi.EraseEntireScreen); i >= 0 {
			frame := ansi.Strip(s[i:])
			if !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(frame, w) }) {
				return true
			}
		}
		if time.Since(asked) > 50*time.Millisecond {
			tm.Send(tea.ClearScreen())
			asked = time.Now()
		}
		return false
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

func press(tm *teatest.TestModel, k string) { tm.Send(keyMsg(k)) }

func TestProgramUnlockCopyRefreshFilterQuit(t *testing.T) {
	h := newHarness(t)
	h.passphraseVault("correct horse battery", h.fill(samples...))
	tm := startProgram(t, h, 120, 30)

	waitScreen(t, tm, "Unlock the vault", "Passphrase:")
	tm.Type("correct horse battery")
	press(tm, "enter")
	waitScreen(t, tm, "6 profiles", "crm-us", "42m 13s", "expired 5m ago")

	// books-eu, crm-eu, crm-sandbox, crm-us.
	press(tm, "j")
	press(tm, "j")
	press(tm, "j")
	press(tm, "c")
	waitScreen(t, tm, "to the system clipboard")
	if got := h.clip.get(); got != accessToken("crm-us") {
		t.Fatalf("clipboard = %q, want crm-us's access token", got)
	}

	press(tm, "r")
	waitScreen(t, tm, "valid for 1h 00m")
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Fatalf("%d refresh requests, want 1", n)
	}

	press(tm, "/")
	tm.Type("desk")
	waitScreen(t, tm, "1 shown")
	press(tm, "enter")
	press(tm, "q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))

	app := tm.FinalModel(t).(*App)
	if got := app.dash.filter.Value(); got != "desk" {
		t.Fatalf("filter at the end: %q", got)
	}
	if p := app.dash.current(); p == nil || p.Name != "desk-in" {
		t.Fatalf("selected at the end: %v", p)
	}
	// The row holds no token, only its expiry: the new one's hour.
	if tok := app.dash.find("crm-us").Token; !tok.HasAccess || tok.ExpiresAt().Sub(h.clock.Now()) < 59*time.Minute {
		t.Fatalf("the dashboard does not show crm-us's new token: it expires at %v", tok.ExpiresAt())
	}
}

func TestProgramPasteGoesIntoTheWizard(t *testing.T) {
	h := newHarness(t)
	h.keyFileVault(h.fill(samples...))
	tm := startProgram(t, h, 100, 30)
	waitScreen(t, tm, "6 profiles")

	press(tm, "a")
	waitScreen(t, tm, "step 1 of 5")
	tm.Type("pasted")
	press(tm, "enter")
	press(tm, "enter")
	waitScreen(t, tm, "step 3 of 5")
	// Terminals deliver a paste as one bracketed paste, not as keys.
	tm.Send(tea.PasteMsg{Content: fakezoho.DemoSelfClientID + "\n"})
	waitScreen(t, tm, fakezoho.DemoSelfClientID)
	press(tm, "ctrl+c")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if got := tm.FinalModel(t).(*App).wiz.clientID.Value(); got != fakezoho.DemoSelfClientID {
		t.Fatalf("client id field: %q", got)
	}
}
