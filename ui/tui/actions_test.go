package tui

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/vault"
)

func TestCopyAccessToken(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("crm-us")
	h.key("c")
	if got := h.clip.get(); got != accessToken("crm-us") {
		t.Fatalf("clipboard = %q, want the access token", got)
	}
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 0 {
		t.Fatalf("copying a token with 42 minutes left refreshed it (%d requests)", n)
	}
	if f := h.footer(); !strings.Contains(f, "copied the access token of crm-us to the system clipboard; cleared in 45s") {
		t.Fatalf("status: %q", f)
	}
	if got := h.seenOSC52(); len(got) != 0 {
		t.Fatalf("the system clipboard worked, but OSC 52 was sent too: %q", got)
	}

	h.key("h")
	if got, want := h.clip.get(), "Authorization: Zoho-oauthtoken "+accessToken("crm-us"); got != want {
		t.Fatalf("clipboard = %q, want %q", got, want)
	}
	h.wantView("copied the header of crm-us")
}

func TestCopyRefreshesATokenAboutToExpire(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	// desk-in has 3 minutes: good enough to copy.
	h.selectProfile("desk-in")
	h.key("c")
	if h.clip.get() != accessToken("desk-in") || h.zoho.Requests(fakezoho.EndpointRefresh) != 0 {
		t.Fatalf("copying desk-in with 3 minutes left: clipboard %q, %d refreshes", h.clip.get(), h.zoho.Requests(fakezoho.EndpointRefresh))
	}
	// 2m30s later it has 30 s: ztm refreshes first.
	h.tick(2*time.Minute + 30*time.Second)
	h.key("c")
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	got := h.clip.get()
	if got == accessToken("desk-in") || !h.zoho.ValidAccessToken(got) {
		t.Fatalf("the clipboard holds %q, not the new token", got)
	}
	if stored := h.profile("desk-in").Token.AccessToken; stored != got {
		t.Fatalf("the vault holds %q, the clipboard %q", stored, got)
	}
	if f := h.footer(); !strings.Contains(f, "refreshed, then copied the access token of desk-in") {
		t.Fatalf("status: %q", f)
	}
	// The row shows the new expiry at once.
	if l := h.line("desk-in "); !strings.Contains(l, "1h 00m") {
		t.Fatalf("desk-in after the refresh: %q", l)
	}

	// An expired token is refreshed too.
	h.selectProfile("books-eu")
	h.key("c")
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 2 {
		t.Fatalf("copying an expired token: %d refreshes in all, want 2", n)
	}
}

func TestCopyStatusNamesTheCopiedProfile(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("books-eu")
	// c on an expired token refreshes first, which takes a moment; the
	// person moves down meanwhile.
	h.keyUntil("c", "the copy to start", func() bool { return len(h.queue) > 0 })
	h.key("down")
	if got := h.clip.get(); !h.zoho.ValidAccessToken(got) {
		t.Fatalf("clipboard = %q", got)
	}
	if f := h.footer(); !strings.Contains(f, "copied the access token of books-eu") {
		t.Fatalf("status: %q", f)
	}
}

func TestCopyWithoutTokenSaysWhatToDo(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("crm-sandbox")
	h.key("c")
	if h.clip.writeCount() != 0 {
		t.Fatal("something was copied for a profile without a token")
	}
	if f := h.footer(); !strings.Contains(f, "crm-sandbox has no token yet: press n to get a grant") {
		t.Fatalf("status: %q", f)
	}
}

func TestCopyRefreshTokenAsksFirst(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("crm-us")
	rt := h.profile("crm-us").Token.RefreshToken

	h.key("y")
	h.wantView("Copy the refresh token of crm-us?", "does not expire", "45s")
	if h.clip.writeCount() != 0 {
		t.Fatal("copied before the answer")
	}
	h.key("n")
	h.dontWantView("Copy the refresh token")
	if h.clip.writeCount() != 0 {
		t.Fatal("copied although the answer was no")
	}

	h.key("y")
	h.key("y")
	if got := h.clip.get(); got != rt {
		t.Fatalf("clipboard = %q, want the refresh token", got)
	}
	h.wantView("copied the refresh token of crm-us")
}

func TestCopyFallsBackToOSC52(t *testing.T) {
	h := newHarness(t)
	h.keyFileVault(h.fill(samples...))
	h.cfg.ClipboardClear = 20 * time.Millisecond
	h.start(120, 30)
	h.clip.setFail(true)
	h.selectProfile("crm-us")
	h.key("c")
	if got := h.seenOSC52(); !slices.Equal(got, []string{accessToken("crm-us")}) {
		t.Fatalf("OSC 52 copies: %q, want the access token once", got)
	}
	if f := h.footer(); !strings.Contains(f, "copied the access token of crm-us to the OSC 52") {
		t.Fatalf("status: %q", f)
	}
	h.wantView("ztm cannot clear it later")
	// ztm cannot read the terminal's clipboard back, so it does not try
	// to clear it.
	h.waitTimers(150 * time.Millisecond)
	for _, m := range h.seen {
		if _, ok := m.(clipboardClearMsg); ok {
			t.Fatal("a clear was scheduled for the terminal's clipboard")
		}
	}
}

func TestClipboardIsClearedOnlyIfItStillHoldsTheToken(t *testing.T) {
	h := newHarness(t)
	h.keyFileVault(h.fill(samples...))
	h.cfg.ClipboardClear = 20 * time.Millisecond
	h.start(120, 30)
	h.selectProfile("crm-us")

	h.key("c")
	if h.clip.get() != accessToken("crm-us") {
		t.Fatal("not copied")
	}
	h.waitTimers(150 * time.Millisecond)
	if got := h.clip.get(); got != "" {
		t.Fatalf("after the timeout the clipboard still holds %q", got)
	}
	h.wantView("cleared the clipboard")

	// The user copies something else meanwhile: it stays, and the clear
	// really was attempted and found the clipboard changed.
	h.key("c")
	h.clip.set("the user's own text")
	h.waitTimers(150 * time.Millisecond)
	if got := h.clip.get(); got != "the user's own text" {
		t.Fatalf("ztm cleared what the user copied: %q", got)
	}
	var outcome *clipboardClearedMsg
	for _, m := range h.seen {
		if c, ok := m.(clipboardClearedMsg); ok {
			outcome = &c
		}
	}
	if outcome == nil || outcome.cleared || !outcome.changed {
		t.Fatalf("the second clear did not report the changed clipboard: %+v", outcome)
	}
	h.wantView("left the clipboard alone: it no longer holds the token ztm copied")
}

func TestClipboardClearedOnExit(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("crm-us")
	h.key("c")
	h.app.shutdown()
	if got := h.clip.get(); got != "" {
		t.Fatalf("on exit the clipboard still holds %q", got)
	}

	h = dashboardHarness(t, 120, 30)
	h.selectProfile("crm-us")
	h.key("c")
	h.clip.set("mine")
	h.app.shutdown()
	if got := h.clip.get(); got != "mine" {
		t.Fatalf("on exit ztm cleared what the user copied: %q", got)
	}
}

func TestRefreshOne(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("crm-us")
	old := h.profile("crm-us").Token
	h.key("r")
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Fatalf("%d refresh requests, want 1", n)
	}
	tok := h.profile("crm-us").Token
	if tok.AccessToken == old.AccessToken || !h.zoho.ValidAccessToken(tok.AccessToken) {
		t.Fatalf("the vault did not get a new token: %q", tok.AccessToken)
	}
	if tok.RefreshToken != old.RefreshToken {
		t.Fatal("a refresh replaced the refresh token")
	}
	if l := h.line("crm-us "); !strings.Contains(l, "1h 00m") || !strings.Contains(l, "just now") {
		t.Fatalf("the row after the refresh: %q", l)
	}
	if f := h.footer(); !strings.Contains(f, "refreshed crm-us: valid for 1h 00m; 1 of 10 refreshes used in 10 minutes") {
		t.Fatalf("status: %q", f)
	}
	// The spinner is gone once the answer is in.
	if h.app.dash.refreshing["crm-us"] {
		t.Fatal("crm-us still marked as refreshing")
	}
}

func TestRefreshFailureIsShown(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("crm-us")
	h.zoho.RevokeRefreshToken(h.profile("crm-us").Token.RefreshToken)
	h.key("r")
	if l := h.line("crm-us "); !strings.Contains(l, "revoked") {
		t.Fatalf("the row after a refused refresh: %q", l)
	}
	if f := h.footer(); !strings.Contains(f, "invalid_code") {
		t.Fatalf("status: %q", f)
	}
	// The message names the way out with the key the key map binds.
	var log []string
	for _, e := range h.app.status.log {
		log = append(log, e.text)
	}
	if got := strings.Join(log, "\n"); !strings.Contains(got, hint(h.app.c.Keys.Grant, "consent again")) {
		t.Fatalf("the refusal does not say how to consent again: %q", got)
	}
}

func TestRefreshExpiringInOneSave(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	before, err := os.ReadFile(h.paths.Vault)
	if err != nil {
		t.Fatal(err)
	}
	h.key("R")
	// books-eu (expired), desk-in (3m) and crm-eu (12m); not crm-us (42m),
	// people-jp (55m) or crm-sandbox (no token).
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 3 {
		t.Fatalf("%d refresh requests, want 3", n)
	}
	for _, name := range []string{"books-eu", "desk-in", "crm-eu"} {
		if l := h.line(name + " "); !strings.Contains(l, "1h 00m") {
			t.Errorf("%s after R: %q", name, l)
		}
	}
	for name, want := range map[string]string{"crm-us": "42m 13s", "people-jp": "55m 00s", "crm-sandbox": "no token"} {
		if l := h.line(name + " "); !strings.Contains(l, want) {
			t.Errorf("%s after R: %q", name, l)
		}
	}
	if f := h.footer(); !strings.Contains(f, "refreshed 3 profiles") {
		t.Fatalf("status: %q", f)
	}
	// One save: the backup the save keeps is the file from before R.
	bak, err := os.ReadFile(h.paths.Vault + ".bak")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bak, before) {
		t.Fatal("R saved the vault more than once")
	}

	h.key("R")
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 3 {
		t.Fatalf("a second R refreshed again (%d requests)", n)
	}
	if f := h.footer(); !strings.Contains(f, "nothing to refresh") {
		t.Fatalf("status: %q", f)
	}
}

func TestRefreshOverBudgetAsksFirst(t *testing.T) {
	h := newHarness(t)
	h.keyFileVault(func(tx *vault.Tx) error {
		if err := h.fill(samples...)(tx); err != nil {
			return err
		}
		return budgetSpent("crm-us")(tx)
	})
	h.start(120, 30)
	h.selectProfile("crm-us")
	if l := h.line("crm-us "); !strings.Contains(l, "throttled") {
		t.Fatalf("a profile with its budget spent should say throttled: %q", l)
	}

	h.key("r")
	h.wantView("Zoho's refresh budget is spent", "refreshed 10 times in the last 10 minutes", "The budget frees up at 09:05:00")
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 0 {
		t.Fatalf("refreshed before asking (%d requests)", n)
	}
	h.key("n")
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 0 {
		t.Fatalf("refreshed although told to wait (%d requests)", n)
	}

	h.key("r")
	h.key("y")
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Fatalf("refresh anyway: %d requests, want 1", n)
	}
}

func TestDeleteAsksAndRevokes(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("crm-us")
	rt := h.profile("crm-us").Token.RefreshToken

	h.key("d")
	h.wantView("Delete crm-us?", "crm-us (US, us.user@example.com) and its tokens leave the vault.",
		"[x] revoke the refresh token at Zoho first", "y delete", "n keep it")
	h.key("n")
	h.wantView("crm-us ")
	h.dontWantView("Delete crm-us?")

	h.key("d")
	h.key("y")
	if slices.Contains(h.listed(), "crm-us") {
		t.Fatalf("crm-us is still listed: %v", h.listed())
	}
	if _, err := h.vault().Profile("crm-us"); err == nil {
		t.Fatal("crm-us is still in the vault")
	}
	if h.zoho.ValidRefreshToken(rt) {
		t.Fatal("the refresh token was not revoked at Zoho")
	}
	if f := h.footer(); !strings.Contains(f, "deleted crm-us after revoking its refresh token at Zoho") {
		t.Fatalf("status: %q", f)
	}
	h.wantView("5 profiles")
}

func TestDeleteWithoutRevoke(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("crm-us")
	rt := h.profile("crm-us").Token.RefreshToken
	h.key("d")
	h.key("space")
	h.wantView("[ ] revoke the refresh token at Zoho first")
	h.key("y")
	if _, err := h.vault().Profile("crm-us"); err == nil {
		t.Fatal("crm-us is still in the vault")
	}
	if n := h.zoho.Requests(fakezoho.EndpointRevoke) + h.zoho.Requests(fakezoho.EndpointRevokeToken); n != 0 || !h.zoho.ValidRefreshToken(rt) {
		t.Fatalf("revoked although unticked (%d requests)", n)
	}
	if f := h.footer(); !strings.Contains(f, "deleted crm-us") || strings.Contains(f, "revok") {
		t.Fatalf("status: %q", f)
	}
}

func TestDeleteKeepsTheProfileWhenTheRevokeFails(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("crm-us")
	h.zoho.InjectFault(fakezoho.EndpointRevokeToken, fakezoho.Fault{Status: 503, Body: "down"})
	h.key("d")
	h.key("y")
	if _, err := h.vault().Profile("crm-us"); err != nil {
		t.Fatal("the profile was deleted although its refresh token could not be revoked")
	}
	if f := h.footer(); !strings.Contains(f, "crm-us was kept") {
		t.Fatalf("status: %q", f)
	}
}

func TestDeleteProfileWithoutToken(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("crm-sandbox")
	h.key("d")
	h.wantView("Delete crm-sandbox?")
	h.dontWantView("revoke the refresh token")
	h.key("y")
	if _, err := h.vault().Profile("crm-sandbox"); err == nil {
		t.Fatal("crm-sandbox is still in the vault")
	}
}

func TestKeepAliveToggle(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("crm-us")
	h.key("K")
	if !h.profile("crm-us").KeepAlive {
		t.Fatal("K did not switch keep-alive on in the vault")
	}
	h.wantView("crm-us ↻", "keep-alive on for crm-us")
	h.key("K")
	if h.profile("crm-us").KeepAlive {
		t.Fatal("K did not switch keep-alive off")
	}
	h.dontWantView("crm-us ↻")
	h.wantView("keep-alive off for crm-us")
}

func TestKeepAliveRefreshesBeforeExpiry(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("crm-us")
	h.key("K")
	// crm-us expires at 09:42:13. At 09:37:13 it still has 5 minutes.
	h.tick(37*time.Minute + 13*time.Second)
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 0 {
		t.Fatalf("kept alive with 5 minutes left (%d requests)", n)
	}
	h.tick(time.Second)
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Fatalf("%d refreshes at 4m59s before expiry, want 1", n)
	}
	if l := h.line("crm-us "); !strings.Contains(l, "1h 00m") {
		t.Fatalf("crm-us after keep-alive: %q", l)
	}
	for range 5 {
		h.tick(time.Second)
	}
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Fatalf("keep-alive refreshed again (%d requests)", n)
	}
	// Profiles without keep-alive are left alone: desk-in expired long ago.
	if l := h.line("desk-in "); !strings.Contains(l, "expired") {
		t.Fatalf("desk-in: %q", l)
	}
}

func TestKeepAliveWaitsAfterAFailure(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("crm-us")
	h.key("K")
	h.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Status: 500, Body: "oops", Count: -1})
	h.tick(38 * time.Minute) // 4m13s left
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	for _, d := range []time.Duration{time.Second, 30 * time.Second, 88 * time.Second} {
		h.tick(d) // up to 1m59s after the failure
		if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
			t.Fatalf("keep-alive retried %s after the failure", d)
		}
	}
	h.tick(time.Second) // 2 minutes after
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 2 {
		t.Fatalf("keep-alive did not retry 2 minutes after a failure (%d requests)", n)
	}
}

func TestKeepAliveStopsAtARevokedToken(t *testing.T) {
	h := dashboardHarness(t, 120, 30)
	h.selectProfile("crm-us")
	h.key("K")
	h.zoho.RevokeRefreshToken(h.profile("crm-us").Token.RefreshToken)
	h.tick(38 * time.Minute)
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	h.tick(10 * time.Minute)
	if n := h.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Fatalf("keep-alive went on with a revoked refresh token (%d requests)", n)
	}
	if p := h.profile("crm-us"); p.Token.Health != model.HealthRevoked {
		t.Fatalf("health %q, want revoked", p.Token.Health)
	}
}
