package tui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
	"ztm/vault"
)

// Golden files: what a person sees on each screen, without colours, at
// 80x24 and 120x40, in testdata/golden. go test -run TestGolden -update
// rewrites them; read the diff before committing.

func init() {
	// teatest's golden package registers -update; register it here only
	// when it is not linked in.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// shortDir moves the harness's vault to a short temporary path, so the
// path shown on screen does not depend on the test's name.
func (h *harness) shortDir() {
	h.t.Helper()
	dir, err := os.MkdirTemp("", "ztm")
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { os.RemoveAll(dir) })
	id := filepath.Base(h.paths.Identity)
	h.paths.Dir = filepath.Join(dir, "ztm")
	h.paths.Vault = filepath.Join(h.paths.Dir, vault.VaultFile)
	h.paths.Identity = filepath.Join(h.paths.Dir, id)
	h.paths.Lock = h.paths.Vault + ".lock"
	h.cfg.Paths = h.paths
}

var fakePort = regexp.MustCompile(`127\.0\.0\.1:(\d+)`)

// normalize replaces what changes from run to run: the fake's ports, the
// vault's directory, and what the caller lists (a device code, a port).
func (h *harness) normalize(s string, extra ...string) string {
	s = strings.ReplaceAll(s, h.paths.Dir, "~/.config/ztm")
	// A port becomes as many #s as it has digits: a placeholder of another
	// width would move whatever follows it, a pane's border say.
	s = fakePort.ReplaceAllStringFunc(s, func(m string) string {
		return "127.0.0.1:" + strings.Repeat("#", len(m)-len("127.0.0.1:"))
	})
	for i := 0; i+1 < len(extra); i += 2 {
		s = strings.ReplaceAll(s, extra[i], extra[i+1])
	}
	// Trailing blanks are invisible and make diffs noisy.
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// golden compares the screen with testdata/golden/name.golden.
func (h *harness) golden(name string, extra ...string) {
	h.t.Helper()
	got := h.normalize(h.view(), extra...)
	path := filepath.Join("testdata", "golden", name+".golden")
	if updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			h.t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			h.t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		h.t.Fatalf("%v (run go test ./ui -run TestGolden -update to create it)", err)
	}
	if got != string(want) {
		h.t.Errorf("%s differs from the golden file (go test ./ui -run TestGolden -update rewrites it)\n--- got:\n%s--- want:\n%s", path, got, want)
	}
}

// goldenScreen builds a harness in a state and names what to replace.
type goldenScreen struct {
	name  string
	setup func(t *testing.T, w, ht int) (h *harness, extra []string)
}

func goldenDashboard(t *testing.T, w, ht int, keys ...string) *harness {
	h := newHarness(t)
	h.shortDir()
	h.keyFileVault(h.fill(samples...))
	h.start(w, ht)
	for _, k := range keys {
		h.key(k)
	}
	return h
}

// goldenWizard opens the wizard on the standard vault and types p, up to
// the step named by upTo (wsName to wsScopes), without its last enter.
func goldenWizard(t *testing.T, w, ht int, p newProfile, upTo wizStep) *harness {
	h := goldenDashboard(t, w, ht)
	h.key("a")
	if upTo == wsName {
		h.typeText(p.name)
		return h
	}
	h.fillWizardTo(p, upTo)
	return h
}

// fillWizardTo is fillWizard stopping at step upTo.
func (h *harness) fillWizardTo(p newProfile, upTo wizStep) {
	h.t.Helper()
	h.typeText(p.name)
	if p.dc != "" {
		h.key("tab")
		for h.app.wiz.dcChoices()[h.app.wiz.dcIndex].ID != p.dc {
			h.key("down")
		}
	}
	h.key("enter")
	for h.app.wiz.kind < p.kind {
		h.key("down")
	}
	if upTo == wsType {
		return
	}
	h.key("enter")
	if upTo == wsRegister {
		return
	}
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
}

var goldenScreens = []goldenScreen{
	{"unlock", func(t *testing.T, w, ht int) (*harness, []string) {
		h := newHarness(t)
		h.shortDir()
		h.passphraseVault("correct horse battery", nil)
		h.start(w, ht)
		return h, nil
	}},
	{"unlock_wrong_passphrase", func(t *testing.T, w, ht int) (*harness, []string) {
		h := newHarness(t)
		h.shortDir()
		h.passphraseVault("correct horse battery", nil)
		h.start(w, ht)
		h.typeText("wrong")
		h.key("enter")
		return h, nil
	}},
	{"firstrun_welcome", func(t *testing.T, w, ht int) (*harness, []string) {
		h := newHarness(t)
		h.shortDir()
		h.start(w, ht)
		return h, nil
	}},
	{"firstrun_passphrase", func(t *testing.T, w, ht int) (*harness, []string) {
		h := newHarness(t)
		h.shortDir()
		h.start(w, ht)
		h.key("p")
		h.typeText("tulip river")
		return h, nil
	}},
	{"firstrun_mismatch", func(t *testing.T, w, ht int) (*harness, []string) {
		h := newHarness(t)
		h.shortDir()
		h.start(w, ht)
		h.key("p")
		h.typeText("tulip river 42")
		h.key("enter")
		h.typeText("tulip river 43")
		h.key("enter")
		return h, nil
	}},
	{"dashboard_empty", func(t *testing.T, w, ht int) (*harness, []string) {
		h := newHarness(t)
		h.shortDir()
		h.keyFileVault(nil)
		h.start(w, ht)
		return h, nil
	}},
	{"dashboard_by_name", func(t *testing.T, w, ht int) (*harness, []string) {
		return goldenDashboard(t, w, ht), nil
	}},
	{"dashboard_by_expiry", func(t *testing.T, w, ht int) (*harness, []string) {
		return goldenDashboard(t, w, ht, "s"), nil
	}},
	{"dashboard_grouped", func(t *testing.T, w, ht int) (*harness, []string) {
		return goldenDashboard(t, w, ht, "s", "s"), nil
	}},
	{"dashboard_filtered", func(t *testing.T, w, ht int) (*harness, []string) {
		h := goldenDashboard(t, w, ht, "/")
		h.typeText("crm")
		return h, nil
	}},
	{"dashboard_detail", func(t *testing.T, w, ht int) (*harness, []string) {
		h := goldenDashboard(t, w, ht)
		h.selectProfile("crm-us")
		h.key("enter")
		return h, nil
	}},
	{"dashboard_help", func(t *testing.T, w, ht int) (*harness, []string) {
		return goldenDashboard(t, w, ht, "?"), nil
	}},
	{"dashboard_delete", func(t *testing.T, w, ht int) (*harness, []string) {
		h := goldenDashboard(t, w, ht)
		h.selectProfile("crm-us")
		h.key("d")
		return h, nil
	}},
	{"dashboard_refreshed", func(t *testing.T, w, ht int) (*harness, []string) {
		h := goldenDashboard(t, w, ht)
		h.selectProfile("desk-in")
		h.key("r")
		return h, nil
	}},
	{"wizard_name", func(t *testing.T, w, ht int) (*harness, []string) {
		return goldenWizard(t, w, ht, selfClient("my-crm", ""), wsName), nil
	}},
	{"wizard_type", func(t *testing.T, w, ht int) (*harness, []string) {
		return goldenWizard(t, w, ht, newProfile{name: "my-crm", dc: "EU", kind: kindLoopback}, wsType), nil
	}},
	{"wizard_register_self", func(t *testing.T, w, ht int) (*harness, []string) {
		return goldenWizard(t, w, ht, selfClient("my-crm", "EU"), wsRegister), nil
	}},
	{"wizard_register_loopback", func(t *testing.T, w, ht int) (*harness, []string) {
		return goldenWizard(t, w, ht, newProfile{name: "my-crm", dc: "EU", kind: kindLoopback}, wsRegister), nil
	}},
	{"wizard_register_pasteurl", func(t *testing.T, w, ht int) (*harness, []string) {
		return goldenWizard(t, w, ht, newProfile{name: "my-crm", dc: "EU", kind: kindPasteURL}, wsRegister), nil
	}},
	{"wizard_register_device", func(t *testing.T, w, ht int) (*harness, []string) {
		return goldenWizard(t, w, ht, deviceProfile("my-crm", "EU"), wsRegister), nil
	}},
	{"wizard_scopes", func(t *testing.T, w, ht int) (*harness, []string) {
		return goldenWizard(t, w, ht, selfClient("my-crm", "EU"), wsScopes), nil
	}},
	{"wizard_grant_self", func(t *testing.T, w, ht int) (*harness, []string) {
		h := goldenWizard(t, w, ht, selfClient("my-crm", "EU"), wsScopes)
		h.key("enter")
		return h, nil
	}},
	{"wizard_grant_loopback", func(t *testing.T, w, ht int) (*harness, []string) {
		port := freePort(t)
		h := goldenDashboard(t, w, ht)
		id := h.loopbackClient(port)
		h.key("a")
		h.fillWizardTo(newProfile{name: "my-crm", dc: "EU", kind: kindLoopback, port: fmt.Sprint(port), clientID: id, secret: fakezoho.DemoSecret}, wsScopes)
		h.key("enter")
		return h, portMask(port)
	}},
	{"wizard_grant_pasteurl", func(t *testing.T, w, ht int) (*harness, []string) {
		h := goldenWizard(t, w, ht, pasteURLProfile("my-crm", "EU"), wsScopes)
		h.key("enter")
		return h, nil
	}},
	{"wizard_grant_device", func(t *testing.T, w, ht int) (*harness, []string) {
		h := newHarness(t, withZoho(func(o *fakezoho.Options) { o.DeviceInterval = 5 * time.Second }))
		h.shortDir()
		h.keyFileVault(h.fill(samples...))
		h.gateDevicePolls() // never opened: no poll
		h.start(w, ht)
		h.key("a")
		h.fillWizardTo(deviceProfile("my-crm", "EU"), wsScopes)
		h.keyUntil("enter", "the user code", func() bool { return h.app.wiz.deviceCode() != nil })
		return h, []string{h.app.wiz.deviceCode().UserCode, "ABCDEFGH"}
	}},
	{"wizard_failed", func(t *testing.T, w, ht int) (*harness, []string) {
		h := goldenWizard(t, w, ht, selfClient("my-crm", "EU"), wsScopes)
		h.key("enter")
		code := h.zoho.SelfClientCode(fakezoho.DemoSelfClientID, "EU", []string{"AaaServer.profile.READ"}, time.Minute)
		h.clock.Advance(2 * time.Minute)
		h.paste(code)
		h.key("enter")
		return h, nil
	}},
	{"wizard_done", func(t *testing.T, w, ht int) (*harness, []string) {
		h := goldenWizard(t, w, ht, selfClient("my-crm", "EU"), wsScopes)
		h.key("enter")
		h.paste(h.zoho.SelfClientCode(fakezoho.DemoSelfClientID, "EU", []string{"AaaServer.profile.READ"}, 0))
		h.key("enter")
		return h, nil
	}},
	{"wizard_21st_token", func(t *testing.T, w, ht int) (*harness, []string) {
		h := newHarness(t)
		h.shortDir()
		h.keyFileVault(func(tx *vault.Tx) error {
			if err := h.fill(samples...)(tx); err != nil {
				return err
			}
			for range 18 {
				if err := tx.RecordGrant("crm-eu", fakezoho.DemoSelfClientID); err != nil {
					return err
				}
			}
			return nil
		})
		h.start(w, ht)
		h.key("a")
		h.fillWizardTo(selfClient("my-crm", "EU"), wsScopes)
		h.key("enter")
		return h, nil
	}},
}

func TestGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, g := range goldenScreens {
			name := fmt.Sprintf("%s_%dx%d", g.name, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				h, extra := g.setup(t, size[0], size[1])
				h.golden(name, extra...)
			})
		}
	}
}
