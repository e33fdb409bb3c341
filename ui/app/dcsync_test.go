package app_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"ztm/model"
	"ztm/oauth"
	"ztm/oauth/fakezoho/fakezohotest"
	"ztm/ui/app"
	"ztm/vault"
)

// Zoho's server list, once kept in the vault, is trusted by every session
// opened on it; a server on neither the table nor the list is refused.
func TestServerListKeptInTheVaultIsTrusted(t *testing.T) {
	f := fakezohotest.Start(t, fakezohotest.At(start))
	env := app.Env{Now: f.Clock.Now, Getenv: func(k string) string {
		if k == oauth.DataCentersEnv {
			return f.DataCentersFile()
		}
		return ""
	}}
	const newServer = "https://accounts.zoho.xx"
	f.Zoho.SetServerLocation("xx", newServer)
	sync, err := app.SyncDataCenters(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	if len(sync.Diff.Added) != 1 || sync.Diff.Added[0].ID != "XX" || sync.List.Locations["xx"] != newServer {
		t.Fatalf("diff %+v, list %v", sync.Diff, sync.List.Locations)
	}

	dir := filepath.Join(t.TempDir(), "ztm")
	paths := vault.Paths{Dir: dir, Vault: filepath.Join(dir, vault.VaultFile), Identity: filepath.Join(dir, "identity.txt"), Lock: filepath.Join(dir, vault.VaultFile+".lock")}
	v, err := vault.Create(paths, vault.CreateOptions{GenerateKeyFile: true}, vault.Options{Now: f.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	s := app.NewSession(env, v, f.DCs)
	defer s.Close()
	p := f.SeededProfile("crm-eu", "EU", model.SelfClient, 0)
	check := func(s *app.Session, server string) error {
		return s.CheckGrant(p, oauth.Grant{Code: "1000.code", AccountsServer: server})
	}
	if err := check(s, newServer); !errors.Is(err, oauth.ErrUntrustedServer) {
		t.Fatalf("before the list was kept: %v", err)
	}
	if err := s.SaveServerList(context.Background(), sync.List); err != nil {
		t.Fatal(err)
	}
	if err := check(s, newServer); err != nil {
		t.Errorf("a server on Zoho's list: %v", err)
	}
	if err := check(s, "https://accounts.evil.example"); !errors.Is(err, oauth.ErrUntrustedServer) {
		t.Errorf("a server on no list: %v", err)
	}

	// Another session on the same vault trusts it once it asks.
	other := app.NewSession(env, v, f.DCs)
	if err := check(other, newServer); !errors.Is(err, oauth.ErrUntrustedServer) {
		t.Fatalf("a session trusts the list before reading it: %v", err)
	}
	if err := other.TrustServerList(); err != nil {
		t.Fatal(err)
	}
	if err := check(other, newServer); err != nil {
		t.Errorf("the kept list is not trusted: %v", err)
	}
}

// What the setting holds is checked again when read: a damaged one says
// what to do, and an entry that is not a server URL is never trusted.
func TestServerListSettingIsCheckedWhenRead(t *testing.T) {
	w := newWorld(t)
	set := func(value string) {
		t.Helper()
		err := w.s.Vault.Update(context.Background(), func(tx *vault.Tx) error { return tx.SetSetting(app.ServerListSetting, value) })
		if err != nil {
			t.Fatal(err)
		}
	}
	set("{")
	if err := w.s.TrustServerList(); err == nil || !strings.Contains(err.Error(), "fetch Zoho's list again") {
		t.Errorf("a damaged setting: %v", err)
	}
	set(`{"locations":{"yy":"javascript:alert(1)","zz":"https://accounts.zoho.zz"}}`)
	if err := w.s.TrustServerList(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(w.s.Zoho.Trusted, " "); got != "https://accounts.zoho.zz" {
		t.Errorf("trusted %q", got)
	}
}
