package tui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"ztm/vault"
)

func TestUnlockWrongPassphraseThenRight(t *testing.T) {
	h := newHarness(t)
	h.passphraseVault("correct horse battery", h.fill(samples[0]))
	h.start(80, 24)

	h.wantView("Unlock the vault", "Passphrase:")
	if h.app.dash != nil {
		t.Fatal("the dashboard opened without a passphrase")
	}

	h.typeText("Correct horse battery")
	h.wantView("•••••")
	h.dontWantView("Correct horse")
	h.key("enter")
	h.wantView("Wrong passphrase.", "case-sensitive")
	if h.app.dash != nil {
		t.Fatal("a wrong passphrase opened the vault")
	}
	// The field is emptied for the retry and still takes keys.
	if v := h.app.screen.(*unlock).input.Value(); v != "" {
		t.Fatalf("the passphrase field kept %q after a failure", v)
	}

	h.typeText("correct horse battery")
	h.key("enter")
	if h.app.dash == nil {
		t.Fatalf("the right passphrase did not open the dashboard:\n%s", h.view())
	}
	h.wantView("crm-us", "1 profile ")
}

func TestUnlockEmptyPassphraseIsIgnored(t *testing.T) {
	h := newHarness(t)
	h.passphraseVault("correct horse battery", nil)
	h.start(80, 24)
	h.key("enter")
	h.dontWantView("Wrong passphrase")
	h.wantView("Passphrase:")
}

func TestUnlockQAndQuestionMarkArePartOfThePassphrase(t *testing.T) {
	h := newHarness(t)
	h.passphraseVault("q?q?q?q?q?", nil)
	h.start(80, 24)
	h.typeText("q?q?q?q?q?")
	if h.quit || h.app.dialog != nil {
		t.Fatal("q or ? typed into the passphrase acted as a global key")
	}
	h.key("enter")
	if h.app.dash == nil {
		t.Fatalf("did not unlock:\n%s", h.view())
	}
}

func TestUnlockKeyFileOpensWithoutPrompt(t *testing.T) {
	h := newHarness(t)
	h.keyFileVault(h.fill(samples...))
	h.start(80, 24)
	if h.app.dash == nil {
		t.Fatalf("a key-file vault asked for something:\n%s", h.view())
	}
	h.dontWantView("Passphrase")
	h.wantView("6 profiles", "crm-us", "books-eu")
}

func TestUnlockPassphraseFromEnvironment(t *testing.T) {
	h := newHarness(t)
	h.passphraseVault("correct horse battery", nil)
	h.cfg.Getenv = func(k string) string {
		if k == vault.EnvPassphrase {
			return "correct horse battery"
		}
		return ""
	}
	h.start(80, 24)
	if h.app.dash == nil {
		t.Fatalf("ZTM_PASSPHRASE did not unlock:\n%s", h.view())
	}
}

func TestUnlockDamagedVaultIsFatal(t *testing.T) {
	h := newHarness(t)
	h.keyFileVault(nil)
	data, err := os.ReadFile(h.paths.Vault)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.paths.Vault, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	h.start(80, 24)
	h.wantView("The vault cannot be opened.", "Nothing was changed. q quits.")
	h.key("q")
	if !h.quit {
		t.Fatal("q does not quit the failed unlock screen")
	}
}

func TestFirstRunPassphraseRules(t *testing.T) {
	h := newHarness(t)
	h.start(80, 24)
	h.wantView("Welcome to ztm", h.paths.Vault, "a passphrase", "a key file")
	// Nothing is cut at the window's edge.
	h.wantView("ZTM_PASSPHRASE)", "private)", "--identity KEY.")

	h.key("p")
	h.wantView("Choose a passphrase", "Passphrase:", "Again:")

	// Too short: refused with a hint, and the strength says so as it is typed.
	h.typeText("abc")
	h.wantView("strength: too short")
	h.key("enter")
	h.wantView("use at least 8 characters")
	if h.app.screen.(*firstRun).focus != 0 {
		t.Fatal("a too-short passphrase moved on to the second field")
	}

	// Longer: the hint grows with it.
	h.typeText("defgh")
	h.wantView("strength: weak")
	h.typeText(" Tulip 42 river")
	h.wantView("strength: strong")
	h.key("enter")

	// A different second passphrase: refused, the second field is emptied.
	h.typeText("abcdefgh Tulip 42 rivers")
	h.key("enter")
	h.wantView("the two passphrases differ")
	if h.paths.Exists() {
		t.Fatal("a vault was created although the passphrases differ")
	}
	if v := h.app.screen.(*firstRun).pass[1].Value(); v != "" {
		t.Fatalf("the second field kept %q", v)
	}

	h.typeText("abcdefgh Tulip 42 river")
	h.key("enter")
	if !h.paths.Exists() {
		t.Fatalf("no vault was created:\n%s", h.view())
	}
	if _, err := os.Stat(filepath.Join(h.paths.Dir, vault.PassphraseIdentity)); err != nil {
		t.Fatalf("no identity.age: %v", err)
	}
	// A new vault goes straight to adding a profile.
	if h.app.wiz == nil {
		t.Fatalf("the wizard did not open after creating the vault:\n%s", h.view())
	}
	h.wantView("Add a profile · step 1 of 5")

	// The passphrase unlocks the vault it made.
	if _, err := vault.LoadKey(h.paths.Identity, func() (string, error) { return "abcdefgh Tulip 42 river", nil }); err != nil {
		t.Fatalf("the chosen passphrase does not unlock the new vault: %v", err)
	}
}

func TestFirstRunEscGoesBack(t *testing.T) {
	h := newHarness(t)
	h.start(80, 24)
	h.key("p")
	h.key("esc")
	h.wantView("Choose what unlocks it")
	// q quits from the welcome page, but not while typing a passphrase.
	h.key("p")
	h.typeText("q")
	if h.quit {
		t.Fatal("q typed in the passphrase field quit")
	}
	h.key("esc")
	h.key("q")
	if !h.quit {
		t.Fatal("q does not quit the welcome page")
	}
}

func TestFirstRunKeyFile(t *testing.T) {
	h := newHarness(t)
	h.start(80, 24)
	h.key("k")
	id := filepath.Join(h.paths.Dir, vault.KeyFileIdentity)
	data, err := os.ReadFile(id)
	if err != nil {
		t.Fatalf("no identity.txt: %v", err)
	}
	if !strings.Contains(string(data), "AGE-SECRET-KEY") {
		t.Fatalf("identity.txt holds no age identity: %q", data[:min(len(data), 40)])
	}
	if fi, _ := os.Stat(id); fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity.txt has mode %v, want 0600", fi.Mode().Perm())
	}
	if !h.paths.Exists() {
		t.Fatal("no vault")
	}
	if h.app.wiz == nil {
		t.Fatalf("the wizard did not open:\n%s", h.view())
	}
	h.wantView("Add a profile · step 1 of 5: Name and data center")
	// Cancelling the wizard leaves an empty dashboard that says what to do.
	h.key("esc")
	h.wantView("No profiles yet.", "Press a to add one")
}

func isSpinFrame(m tea.Msg) bool { _, ok := m.(spinFrameMsg); return ok }

// The unlock screen's spinner turns only while it works: at the prompt,
// and after a wrong passphrase, its chain ends; each attempt starts one
// chain, not one more.
func TestUnlockSpinnerTurnsOnlyWhileWorking(t *testing.T) {
	h := newHarness(t)
	h.passphraseVault("correct horse battery", nil)
	h.start(80, 24)
	h.elapse(time.Second)
	if n := h.pending(isSpinFrame); n != 0 {
		t.Fatalf("at the prompt %d spinner frames are still pending", n)
	}
	h.typeText("wrong passphrase")
	h.key("enter")
	h.wantView("Wrong passphrase.")
	h.elapse(time.Second)
	if n := h.pending(isSpinFrame); n != 0 {
		t.Fatalf("after a failed attempt %d spinner frames are still pending", n)
	}
}

// TestUnlockThroughTheAgent: with an agent holding the key (ztm unlock),
// the dashboard opens without a prompt and without the passphrase file's
// scrypt; an agent that holds nothing leaves the prompt as it was.
func TestUnlockThroughTheAgent(t *testing.T) {
	const pass = "correct horse battery"
	h := newHarness(t)
	h.passphraseVault(pass, h.fill(samples[0]))
	key, err := vault.LoadKey(h.paths.Identity, func() (string, error) { return pass, nil })
	if err != nil {
		t.Fatal(err)
	}
	asked := 0
	h.cfg.AgentKey = func(_ context.Context, p vault.Paths) (*vault.Keyring, error) {
		asked++
		if p.Vault != h.paths.Vault {
			return nil, errors.New("an agent of another vault")
		}
		return key, nil
	}
	h.start(80, 24)
	if h.app.dash == nil || asked != 1 {
		t.Fatalf("the agent was asked %d times and the dashboard is not open:\n%s", asked, h.view())
	}
	h.dontWantView("Passphrase:")
	h.wantView("crm-us")

	locked := newHarness(t)
	locked.passphraseVault(pass, nil)
	locked.cfg.AgentKey = func(context.Context, vault.Paths) (*vault.Keyring, error) {
		return nil, errors.New("the agent is locked")
	}
	locked.start(80, 24)
	locked.wantView("Unlock the vault", "Passphrase:")
	if locked.app.dash != nil {
		t.Fatal("a locked agent opened the dashboard")
	}
}
