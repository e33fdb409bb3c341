package tui

import (
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"ztm/oauth/fakezoho"
	"ztm/vault"
)

// startLoading starts the dashboard on a vault of more profiles than the
// first read brings (n of them), and stops when the first rows are on
// screen: what the rest of the read would do next is handed back, to be
// run when the test wants the rest to arrive.
func startLoading(t *testing.T, n int) (*harness, []qItem) {
	t.Helper()
	was := firstRows
	firstRows = n
	t.Cleanup(func() { firstRows = was })
	h := newHarness(t)
	h.keyFileVault(h.fill(samples...))
	h.app = New(h.cfg)
	t.Cleanup(func() {
		if h.app.c.Vault != nil {
			h.app.c.Vault.Close()
		}
	})
	h.resize(120, 30)
	h.queue = append(h.queue, qItem{cmd: h.app.Init()})
	h.mustUntil("the first rows", func() bool { return h.app.dash != nil && h.app.dash.partial })
	// Counting them all would have kept the first rows waiting.
	h.wantView("loading profiles…")
	h.mustUntil("the count", func() bool { return h.app.dash.loading > 0 })
	rest := h.queue
	h.queue = nil
	return h, rest
}

// cursorLine is the screen line of the selected row.
func (h *harness) cursorLine() int {
	return slices.IndexFunc(strings.Split(h.view(), "\n"), func(l string) bool { return strings.HasPrefix(l, "▸") })
}

// TestDashboardShowsTheFirstRowsThenTheRest: with more profiles than the
// first read brings, the first screen holds the first profiles by name
// and says how many are loading, with no count the rest could prove
// wrong; when the rest come, the selection stays on the same profile on
// the same line, and the counts appear.
func TestDashboardShowsTheFirstRowsThenTheRest(t *testing.T) {
	h, rest := startLoading(t, 3)
	h.wantView("loading 6 profiles…")
	h.dontWantView("6 profiles ·", "1 expired ·", "2 expiring")
	if got, want := h.listed(), []string{"books-eu", "crm-eu", "crm-sandbox"}; !slices.Equal(got, want) {
		t.Fatalf("first rows %v, want %v", got, want)
	}
	h.keys("down", "down")
	line := h.cursorLine()
	if p := h.app.dash.current(); p == nil || p.Name != "crm-sandbox" || line < 0 {
		t.Fatalf("selected %v on line %d", p, line)
	}

	h.queue = append(h.queue, rest...)
	h.settle()
	h.wantView("6 profiles · 1 expired · 2 expiring · by name")
	h.dontWantView("loading")
	if got, want := h.listed(), []string{"books-eu", "crm-eu", "crm-sandbox", "crm-us", "desk-in", "people-jp"}; !slices.Equal(got, want) {
		t.Fatalf("every row %v, want %v", got, want)
	}
	if p := h.app.dash.current(); p == nil || p.Name != "crm-sandbox" || h.cursorLine() != line {
		t.Fatalf("the selection moved: %v on line %d, was crm-sandbox on line %d", p, h.cursorLine(), line)
	}
}

// TestDashboardFilterTypedWhileLoadingCoversEveryProfile: a filter typed
// before the rest arrive matches among every profile once they have.
func TestDashboardFilterTypedWhileLoadingCoversEveryProfile(t *testing.T) {
	h, rest := startLoading(t, 2)
	h.key("/")
	h.typeText("crm")
	if got, want := h.listed(), []string{"crm-eu"}; !slices.Equal(got, want) {
		t.Fatalf("while loading, the filter shows %v, want %v", got, want)
	}
	h.dontWantView("shown")

	h.queue = append(h.queue, rest...)
	h.settle()
	if got, want := h.listed(), []string{"crm-eu", "crm-sandbox", "crm-us"}; !slices.Equal(got, want) {
		t.Fatalf("once loaded, the filter shows %v, want %v", got, want)
	}
	h.wantView("6 profiles", "3 shown")
	if p := h.app.dash.current(); p == nil || p.Name != "crm-eu" {
		t.Fatalf("selected %v, want crm-eu", p)
	}
}

// TestDashboardDetailReadsTheWholeRecord: the list holds no secrets, so
// the detail pane reads the selected profile's record, and shows its
// secrets when asked.
func TestDashboardDetailReadsTheWholeRecord(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("crm-us")
	if h.app.dash.full != nil {
		t.Fatal("a record was read before the pane asked for one")
	}
	h.key("v")
	if f := h.app.dash.full; f == nil || f.Name != "crm-us" {
		t.Fatalf("the pane holds %v, want crm-us's record", f)
	}
	h.wantView(accessToken("crm-us")[:20])
	h.key("down")
	if f := h.app.dash.full; f == nil || f.Name != "desk-in" {
		t.Fatalf("after moving, the pane holds %v, want desk-in's record", f)
	}
}

// TestReadsPutTheCollectorBack: reads that overlap, ending in any order,
// leave the collector as it was before the first, not at the reads'
// setting (a dashboard left collecting four times as often would cost
// CPU for as long as it runs).
func TestReadsPutTheCollectorBack(t *testing.T) {
	was := debug.SetGCPercent(77)
	defer debug.SetGCPercent(was)
	first := tightGC()
	second := tightGC()
	if got := debug.SetGCPercent(readGC); got != readGC {
		t.Fatalf("during the reads the collector is at %d%%, want %d%%", got, readGC)
	}
	first()
	if got := debug.SetGCPercent(readGC); got != readGC {
		t.Fatalf("with one read left the collector is at %d%%, want %d%%", got, readGC)
	}
	second()
	if got := debug.SetGCPercent(77); got != 77 {
		t.Fatalf("after the reads the collector is at %d%%, want 77%% as before", got)
	}
}

// TestRefreshExpiringOnceForASharedRefreshToken: the rows do not hold the
// refresh tokens, yet R still refreshes a token shared by two profiles
// once, and each other one once.
func TestRefreshExpiringOnceForASharedRefreshToken(t *testing.T) {
	h := newHarness(t)
	h.keyFileVault(func(tx *vault.Tx) error {
		// books-eu has expired, desk-in expires in 3 minutes.
		if err := h.fill(samples[1], samples[2])(tx); err != nil {
			return err
		}
		p, err := tx.Profile("books-eu")
		if err != nil {
			return err
		}
		p.Name, p.ID = "books-eu-copy", 0
		return tx.CreateProfile(&p)
	})
	h.start(120, 30)
	h.key("R")
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 2 {
		t.Fatalf("%d refresh requests, want 2: one for the shared token, one for desk-in", n)
	}
}
