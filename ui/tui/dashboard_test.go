package tui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"ztm/model"
	"ztm/vault"
)

// listed reads the profile list off the screen: each row's name, and the
// group headings as written ("EU · Europe (2)").
func (h *harness) listed() []string {
	var out []string
	lines := strings.Split(h.view(), "\n")
	for _, l := range lines[1 : len(lines)-1] { // not the header, not the footer
		l = strings.TrimPrefix(strings.TrimPrefix(l, "▸"), " ")
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "NAME") || strings.HasPrefix(l, "/ "):
			continue
		case strings.Contains(l, " · ") && strings.HasSuffix(l, ")"):
			out = append(out, l)
		default:
			f := strings.Fields(l)
			if len(f) > 1 && len(f[1]) <= 4 { // NAME then DC
				out = append(out, f[0])
			}
		}
	}
	return out
}

func TestDashboardCountdowns(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.wantView("6 profiles · 1 expired · 2 expiring · by name")
	for name, want := range map[string]string{
		"crm-us":      "42m 13s",
		"books-eu":    "expired 5m ago",
		"desk-in":     "3m 00s !",
		"crm-eu":      "12m 00s",
		"people-jp":   "55m 00s",
		"crm-sandbox": "no token",
	} {
		if l := h.line(name + " "); !strings.Contains(l, want) {
			t.Errorf("%s: want %q in %q", name, want, l)
		}
	}
	if l := h.line("crm-sandbox"); !strings.Contains(l, "missing") {
		t.Errorf("a profile without a refresh token should say missing: %q", l)
	}

	// Time passing alone does not redraw: the one-second tick does.
	h.clock.Advance(time.Second)
	if !strings.Contains(h.line("crm-us"), "42m 13s") {
		t.Fatal("the countdown moved without a tick")
	}
	h.tick(0)
	h.wantView("42m 12s", "expired 5m ago", "2m 59s !")

	// Three minutes on, desk-in has expired.
	h.tick(3 * time.Minute)
	if l := h.line("desk-in"); !strings.Contains(l, "expired 1s ago") {
		t.Fatalf("desk-in after expiry: %q", l)
	}
	h.wantView("39m 12s", "2 expired · 1 expiring")
}

func TestDashboardTickIsOneSecondAligned(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	// Every tick asks for the next one, on the next whole second; a
	// dashboard that stops ticking freezes its countdowns.
	h.clock.Advance(300 * time.Millisecond)
	h.tick(0)
	if n := h.pending(isTick); n != 1 {
		t.Fatalf("after a tick %d heartbeats are pending, want 1", n)
	}
	for _, tm := range h.timers {
		if isTick(tm.fn(h.clock.Now())) && !tm.due.Equal(t0.Add(time.Second)) {
			t.Fatalf("the next heartbeat is due at %s, want the whole second %s", tm.due, t0.Add(time.Second))
		}
	}
}

func TestDashboardKeepsOneHeartbeat(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	gen := h.app.dash.tickGen
	// A heartbeat of an older chain (one already on its way when a new
	// chain began) is dropped, not re-armed: two chains would be two
	// vault checks and two keep-alive passes a second.
	h.send(tickMsg{gen: gen - 1, at: h.clock.Now()})
	if n := h.pending(isTick); n != 1 {
		t.Fatalf("a stale heartbeat left %d pending, want 1", n)
	}
	for range 3 {
		h.tick(time.Second)
		if n := h.pending(isTick); n != 1 {
			t.Fatalf("%d heartbeats pending, want 1", n)
		}
	}
}

func TestDashboardSpinnerStopsWithTheWork(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	isFrame := func(m tea.Msg) bool { _, ok := m.(spinFrameMsg); return ok }
	h.selectProfile("crm-us")
	h.key("r")
	// The refresh is over: the next frame ends the chain.
	h.elapse(time.Second)
	if n := h.pending(isFrame); n != 0 {
		t.Fatalf("the spinner still turns with nothing to do (%d frames pending)", n)
	}
	// Two refreshes in a row make one chain, not two.
	h.app.dash.refreshing["crm-eu"] = true
	h.run(h.app.dash.spin.start(h.app.c))
	h.run(h.app.dash.spin.start(h.app.c))
	if n := h.pending(isFrame); n != 1 {
		t.Fatalf("%d frame chains, want 1", n)
	}
}

func TestDashboardFilter(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	all := []string{"books-eu", "crm-eu", "crm-sandbox", "crm-us", "desk-in", "people-jp"}
	if got := h.listed(); !slices.Equal(got, all) {
		t.Fatalf("list = %v, want %v", got, all)
	}

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"eu", []string{"books-eu", "crm-eu"}}, // name or DC
		{"JP", []string{"people-jp"}},          // DC, any case
		{"in.user", []string{"desk-in"}},       // account
		{"finance", []string{"books-eu"}},      // tag
		{"crmsbx", []string{"crm-sandbox"}},    // fuzzy: letters in order
		{"crm prod", []string{"crm-us"}},       // every word must match
		{"hr", []string{"people-jp"}},          // tag
	} {
		h.key("/")
		h.typeText(tc.query)
		if got := h.listed(); !slices.Equal(got, tc.want) {
			t.Errorf("filter %q: list = %v, want %v", tc.query, got, tc.want)
		}
		h.wantView("/ "+tc.query, "shown")
		h.key("esc")
		if got := h.listed(); !slices.Equal(got, all) {
			t.Fatalf("esc did not clear the filter %q: %v", tc.query, got)
		}
	}

	// Letters typed in the filter are text, not commands.
	h.key("/")
	h.typeText("qrdc")
	if h.quit || h.app.dialog != nil || h.zoho.Requests("refresh") != 0 || h.clip.writeCount() != 0 {
		t.Fatal("keys typed into the filter acted as commands")
	}
	h.wantView("nothing matches the filter; esc clears it", "0 shown")
	for range 4 {
		h.key("backspace")
	}

	// enter keeps the filter and gives the keys back to the list.
	h.typeText("eu")
	h.key("enter")
	h.wantView("2 shown")
	h.key("down")
	if p := h.app.dash.current(); p == nil || p.Name != "crm-eu" {
		t.Fatalf("after enter, down should select crm-eu, got %v", p)
	}
	h.key("esc")
	if got := h.listed(); !slices.Equal(got, all) {
		t.Fatalf("esc on the list did not clear the kept filter: %v", got)
	}
	// The selection survives the filter going away.
	if p := h.app.dash.current(); p == nil || p.Name != "crm-eu" {
		t.Fatalf("selection after clearing the filter: %v", p)
	}
}

func TestDashboardSortCycle(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.key("s")
	h.wantView("· by expiry")
	if f := h.footer(); !strings.Contains(f, "sorted by expiry") {
		t.Fatalf("status after s: %q", f)
	}
	want := []string{"books-eu", "desk-in", "crm-eu", "crm-us", "people-jp", "crm-sandbox"}
	if got := h.listed(); !slices.Equal(got, want) {
		t.Fatalf("by expiry: %v, want %v", got, want)
	}

	h.key("s")
	h.wantView("· grouped by DC")
	want = []string{
		"US · United States (2)", "crm-sandbox", "crm-us",
		"EU · Europe (2)", "books-eu", "crm-eu",
		"IN · India (1)", "desk-in",
		"JP · Japan (1)", "people-jp",
	}
	if got := h.listed(); !slices.Equal(got, want) {
		t.Fatalf("grouped by DC: %v, want %v", got, want)
	}
	// The cursor steps over the headings.
	h.key("home")
	if p := h.app.dash.current(); p == nil || p.Name != "crm-sandbox" {
		t.Fatalf("home in grouped view selected %v", p)
	}
	h.keys("down", "down")
	if p := h.app.dash.current(); p == nil || p.Name != "books-eu" {
		t.Fatalf("down over a heading selected %v", p)
	}
	h.key("up")
	if p := h.app.dash.current(); p == nil || p.Name != "crm-us" {
		t.Fatalf("up over a heading selected %v", p)
	}

	h.key("s")
	h.wantView("· by name")
	if got := h.listed(); got[0] != "books-eu" {
		t.Fatalf("back to by name: %v", got)
	}
	// The selection stays on the same profile through the re-sorting.
	if p := h.app.dash.current(); p == nil || p.Name != "crm-us" {
		t.Fatalf("selection after re-sorting: %v", p)
	}
}

func TestDashboardDetailMasksSecretsUntilV(t *testing.T) {
	h := dashboardHarness(t, 100, 30)
	h.selectProfile("crm-us")
	h.key("enter")
	h.wantView("Data center", "Access token", "1000********  v reveals", "ztm-********")
	h.dontWantView(accessToken("crm-us"), "ztm-demo-secret")
	rt := h.profile("crm-us").Token.RefreshToken
	h.dontWantView(rt)

	h.key("v")
	h.wantView(accessToken("crm-us"), "ztm-demo-secret-0123456789abcdef", rt)
	h.dontWantView("v reveals")

	h.key("v")
	h.dontWantView(accessToken("crm-us"))

	// esc closes the pane; opened again, it masks again.
	h.key("v")
	h.key("esc")
	h.dontWantView("Access token")
	h.key("enter")
	h.wantView("1000********  v reveals")
	h.dontWantView(accessToken("crm-us"))
}

func TestDashboardHelpOverlay(t *testing.T) {
	h := dashboardHarness(t, 120, 40)
	h.key("?")
	h.wantView("Keys", "copy refresh token", "refresh expiring", "keep alive", "any key closes this help")
	h.key("r") // closes the help; does not refresh
	h.dontWantView("any key closes this help")
	if n := h.zoho.Requests("refresh"); n != 0 {
		t.Fatalf("the key that closed the help refreshed (%d requests)", n)
	}
}

func TestDashboardQuit(t *testing.T) {
	for _, k := range []string{"q", "ctrl+c"} {
		h := dashboardHarness(t, 80, 24)
		h.key(k)
		if !h.quit {
			t.Fatalf("%s does not quit", k)
		}
	}
}

func TestDashboardMouseClickSelects(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	top := h.app.dash.listTop()
	// Rows by name: books-eu, crm-eu, crm-sandbox, crm-us, ...
	h.send(tea.MouseClickMsg{X: 5, Y: top + 3, Button: tea.MouseLeft})
	if p := h.app.dash.current(); p == nil || p.Name != "crm-us" {
		t.Fatalf("a click on the fourth row selected %v", p)
	}
	if !strings.HasPrefix(h.line("crm-us "), "▸") {
		t.Fatalf("the clicked row is not marked: %q", h.line("crm-us "))
	}
	h.dontWantView("Access token")
	// A click on the selected row opens its details.
	h.send(tea.MouseClickMsg{X: 5, Y: top + 3, Button: tea.MouseLeft})
	h.wantView("Access token")
	// Clicks on the column titles or below the list select nothing.
	h.send(tea.MouseClickMsg{X: 5, Y: top - 1, Button: tea.MouseLeft})
	h.send(tea.MouseClickMsg{X: 5, Y: top + 20, Button: tea.MouseLeft})
	if p := h.app.dash.current(); p == nil || p.Name != "crm-us" {
		t.Fatalf("a click off the rows changed the selection to %v", p)
	}
	// The wheel scrolls the selection.
	h.send(tea.MouseWheelMsg{X: 5, Y: top, Button: tea.MouseWheelDown})
	if p := h.app.dash.current(); p == nil || p.Name != "people-jp" {
		t.Fatalf("wheel down selected %v", p)
	}
	if h.app.View().MouseMode != tea.MouseModeCellMotion {
		t.Fatal("the dashboard does not ask for mouse events")
	}
}

func TestDashboardShowsOtherProcessChangesOnNextTick(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.otherProcess(func(tx *vault.Tx) error {
		if err := tx.DeleteProfile("desk-in"); err != nil {
			return err
		}
		p, err := tx.Profile("crm-us")
		if err != nil {
			return err
		}
		p.Token.ExpiresAt = t0.Add(59 * time.Minute)
		if err := tx.SetToken("crm-us", *p.Token); err != nil {
			return err
		}
		return h.addSample(tx, sample{"analytics-au", "AU", model.SelfClient, 20 * time.Minute, nil})
	})
	h.wantView("desk-in", "42m 13s")
	h.dontWantView("analytics-au")

	h.tick(time.Second)
	h.wantView("analytics-au", "19m 59s", "58m 59s", "6 profiles")
	h.dontWantView("desk-in")
}

func TestDashboardFitsSmallWindows(t *testing.T) {
	h := dashboardHarness(t, 120, 40)
	check := func(what string, w, ht int) {
		t.Helper()
		lines := strings.Split(h.view(), "\n")
		if len(lines) > ht {
			t.Errorf("%s at %dx%d: %d lines", what, w, ht, len(lines))
		}
		for i, l := range lines {
			if n := ansi.StringWidth(l); n > w {
				t.Errorf("%s at %dx%d: line %d is %d wide: %q", what, w, ht, i, n, l)
			}
		}
		// The raw view too: styles must not spill past the width.
		for i, l := range strings.Split(h.app.View().Content, "\n") {
			if n := ansi.StringWidth(l); n > w {
				t.Errorf("%s at %dx%d: styled line %d is %d wide", what, w, ht, i, n)
			}
		}
	}
	for _, size := range [][2]int{{120, 40}, {80, 24}, {60, 15}} {
		w, ht := size[0], size[1]
		h.resize(w, ht)
		check("list", w, ht)
		h.key("enter")
		check("details", w, ht)
		h.key("esc")
		h.key("/")
		h.typeText("crm")
		check("filter", w, ht)
		h.key("esc")
		h.key("s")
		h.key("s")
		check("grouped", w, ht)
		h.key("s")
		h.key("?")
		check("help", w, ht)
		h.key("x")
		h.selectProfile("crm-us")
		h.key("d")
		check("delete dialog", w, ht)
		h.key("n")
	}
	// Back to a big window, the list is whole again.
	h.resize(120, 40)
	h.wantView("SCOPES", "people-jp")
}

func TestDashboardDetailPaneKeepsItsBorder(t *testing.T) {
	// Under the list (narrow window) and beside it (wide window), the
	// detail pane is a closed box, however much it holds.
	for _, size := range [][2]int{{80, 24}, {120, 30}, {60, 15}} {
		h := dashboardHarness(t, size[0], size[1])
		h.selectProfile("crm-us")
		h.key("enter")
		v := h.view()
		if strings.Count(v, "╭") != 1 || strings.Count(v, "╰") != 1 {
			t.Errorf("at %dx%d the detail pane is not a closed box:\n%s", size[0], size[1], v)
		}
	}
}

// budgetSpent records ten refreshes of name in the last ten minutes.
func budgetSpent(name string) func(tx *vault.Tx) error {
	return func(tx *vault.Tx) error {
		for i := range model.RefreshLimit {
			if err := tx.AddEvent(model.Event{Profile: name, Kind: model.EventRefresh, At: t0.Add(-time.Duration(i+1) * 30 * time.Second)}); err != nil {
				return err
			}
		}
		return nil
	}
}
