package app_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"ztm/model"
	"ztm/oauth"
	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
	"ztm/ui/app"
	"ztm/vault"
)

const (
	clientID = "1000.APPTESTCLIENT01"
	secret   = "app-test-secret-0123456789"
	scopes   = "ZohoCRM.modules.ALL,AaaServer.profile.READ"
)

var start = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

type world struct {
	t     *testing.T
	clk   *fakezohotest.Clock
	zoho  *fakezoho.Cluster
	s     *app.Session
	paths vault.Paths
}

func newWorld(t *testing.T) *world {
	t.Helper()
	f := fakezohotest.Start(t, fakezohotest.At(start))
	clk, z := f.Clock, f.Zoho
	z.AddClient(fakezoho.Client{ID: clientID, Secret: secret, Type: model.SelfClient, HomeDC: "EU", MultiDC: true})
	dir := filepath.Join(t.TempDir(), "ztm")
	paths := vault.Paths{Dir: dir, Vault: filepath.Join(dir, vault.VaultFile), Identity: filepath.Join(dir, "identity.txt"), Lock: filepath.Join(dir, vault.VaultFile+".lock")}
	v, err := vault.Create(paths, vault.CreateOptions{GenerateKeyFile: true}, vault.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	s := app.NewSession(app.Env{Now: clk.Now}, v, z.DataCenters())
	t.Cleanup(func() { s.Close() })
	return &world{t: t, clk: clk, zoho: z, s: s, paths: paths}
}

// add builds a profile from a spec and gets it tokens with a Self Client code.
func (w *world) add(name string) model.Profile {
	w.t.Helper()
	p, err := app.BuildProfile(app.Spec{Name: name, DC: "EU", Grant: model.GrantPasteCode, ClientID: clientID, ClientSecret: secret, Scopes: scopes}, w.s.DCs)
	if err != nil {
		w.t.Fatal(err)
	}
	code := w.zoho.SelfClientCode(clientID, "EU", p.Scopes, 0)
	g, err := oauth.ParsePasted(code, "", w.s.DCs)
	if err != nil {
		w.t.Fatal(err)
	}
	saved, err := w.s.SaveGrant(context.Background(), p, g, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return saved
}

func TestSaveGrantStoresTokensAndAccount(t *testing.T) {
	w := newWorld(t)
	p := w.add("crm-eu")
	if p.Token == nil || p.Token.RefreshToken == "" || p.Account == "" {
		t.Fatalf("saved profile lacks tokens or account: %+v", p)
	}
	got, err := w.s.Vault.Profile("crm-eu")
	if err != nil || got.Token.AccessToken != p.Token.AccessToken {
		t.Fatalf("vault holds %+v, %v", got.Token, err)
	}
}

func TestReconsentRevokesTheReplacedRefreshToken(t *testing.T) {
	w := newWorld(t)
	p := w.add("crm-eu")
	old := p.Token.RefreshToken
	code := w.zoho.SelfClientCode(clientID, "EU", p.Scopes, 0)
	g, _ := oauth.ParsePasted(code, "", w.s.DCs)
	p2, err := w.s.SaveGrant(context.Background(), p, g, "")
	if err != nil {
		t.Fatal(err)
	}
	if p2.Token.RefreshToken == old || w.zoho.ValidRefreshToken(old) {
		t.Fatal("the replaced refresh token still works at Zoho")
	}
	evs, _ := w.s.Events("crm-eu", 10)
	if len(evs) == 0 || evs[0].Kind != model.EventRevoke {
		t.Fatalf("newest event is not the revoke: %+v", evs)
	}
}

func TestRefreshableIsOneRuleForBothFaces(t *testing.T) {
	now := start
	tok := func(left time.Duration, rt string) *model.Token {
		return &model.Token{AccessToken: "a", RefreshToken: rt, ExpiresAt: now.Add(left)}
	}
	ps := []model.Profile{
		{Name: "fresh", Token: tok(time.Hour, "r1")},
		{Name: "soon", Token: tok(5*time.Minute, "r2")},
		{Name: "expired", Token: tok(-time.Minute, "r3")},
		{Name: "no-refresh", Token: tok(-time.Minute, "")},
		{Name: "same-token", Token: tok(-time.Minute, "r3")},
		{Name: "cc", ClientCredentials: true, ClientSecret: "s"},
	}
	got := app.Refreshable(ps, now, model.SoonThreshold)
	want := []string{"soon", "expired", "cc"}
	if len(got) != len(want) {
		t.Fatalf("Refreshable = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Refreshable = %v, want %v", got, want)
		}
	}
}

func TestRefreshExpiringMakesOneCallPerExpiredProfile(t *testing.T) {
	w := newWorld(t)
	w.add("a")
	w.add("b")
	w.clk.Advance(2 * time.Hour)
	before := w.zoho.Requests(fakezoho.EndpointRefresh)
	names, out, err := w.s.RefreshExpiring(context.Background(), model.SoonThreshold, app.RefreshOptions{})
	if err != nil || len(names) != 2 || len(out) != 2 {
		t.Fatalf("RefreshExpiring = %v, %d outcomes, %v", names, len(out), err)
	}
	for _, f := range out {
		if !f.Refreshed || f.Err != nil {
			t.Fatalf("%s: refreshed=%v err=%v", f.Profile.Name, f.Refreshed, f.Err)
		}
	}
	if n := w.zoho.Requests(fakezoho.EndpointRefresh) - before; n != 2 {
		t.Fatalf("%d token requests, want 2", n)
	}
	names, _, _ = w.s.RefreshExpiring(context.Background(), model.SoonThreshold, app.RefreshOptions{})
	if len(names) != 0 {
		t.Fatalf("a second run refreshed %v", names)
	}
}

func TestDeleteWithRevoke(t *testing.T) {
	w := newWorld(t)
	p := w.add("crm-eu")
	d, err := w.s.Delete(context.Background(), "crm-eu", true)
	if err != nil || !d.Revoked {
		t.Fatalf("Delete = %+v, %v", d, err)
	}
	if w.zoho.ValidRefreshToken(p.Token.RefreshToken) {
		t.Fatal("the refresh token still works at Zoho after delete --revoke")
	}
	if _, err := w.s.Vault.Profile("crm-eu"); !errors.Is(err, vault.ErrNoProfile) {
		t.Fatalf("profile still there: %v", err)
	}
}

func TestDeleteKeepsTheProfileWhenZohoCannotRevoke(t *testing.T) {
	w := newWorld(t)
	w.add("crm-eu")
	w.zoho.InjectFault(fakezoho.EndpointRevokeToken, fakezoho.Fault{Status: 503, Body: "unavailable", ContentType: "text/plain"})
	if _, err := w.s.Delete(context.Background(), "crm-eu", true); err == nil {
		t.Fatal("delete went on although the revoke failed")
	}
	if _, err := w.s.Vault.Profile("crm-eu"); err != nil {
		t.Fatalf("the profile was lost: %v", err)
	}
}

func TestDeleteWithoutTokenRecordsNoRevoke(t *testing.T) {
	w := newWorld(t)
	p, _ := app.BuildProfile(app.Spec{Name: "bare", DC: "EU", ClientID: clientID, ClientSecret: secret, Scopes: scopes}, w.s.DCs)
	if err := w.s.Vault.Update(context.Background(), func(tx *vault.Tx) error { return tx.CreateProfile(&p) }); err != nil {
		t.Fatal(err)
	}
	d, err := w.s.Delete(context.Background(), "bare", true)
	if err != nil || d.Revoked || d.AlreadyRevoked {
		t.Fatalf("Delete of a profile without tokens = %+v, %v", d, err)
	}
	if n := w.zoho.Requests(fakezoho.EndpointRevoke) + w.zoho.Requests(fakezoho.EndpointRevokeToken); n != 0 {
		t.Fatalf("%d revoke calls for a profile with nothing to revoke", n)
	}
}

func TestEditSaysWhenConsentIsNeeded(t *testing.T) {
	w := newWorld(t)
	p := w.add("crm-eu")
	notes := p
	notes.Notes, notes.Tags = "prod org", []string{"prod"}
	e, err := w.s.Edit(context.Background(), p, notes, "in a test")
	if err != nil || e.NeedsConsent {
		t.Fatalf("a notes edit = %+v, %v", e, err)
	}
	if got, _ := w.s.Vault.Profile("crm-eu"); got.Notes != "prod org" || got.Token == nil {
		t.Fatalf("edit lost data: %+v", got)
	}
	scoped := p
	scoped.Scopes = []string{"ZohoBooks.fullaccess.all"}
	e, err = w.s.Edit(context.Background(), p, scoped, "in a test")
	if err != nil || !e.NeedsConsent {
		t.Fatalf("a scope edit = %+v, %v", e, err)
	}
	if got, _ := w.s.Vault.Profile("crm-eu"); model.JoinScopes(got.Scopes) != model.JoinScopes(p.Scopes) {
		t.Fatal("an edit that needs consent was saved without it")
	}
}

func TestBuildProfileRejectsWhatWasMistyped(t *testing.T) {
	dcs, _ := oauth.LoadDataCenters(func(string) string { return "" })
	for name, sp := range map[string]app.Spec{
		"unknown dc":     {Name: "x", DC: "XX", ClientID: clientID, ClientSecret: secret, Scopes: scopes},
		"bad client id":  {Name: "x", DC: "EU", ClientID: "1000", ClientSecret: secret, Scopes: scopes},
		"no scopes":      {Name: "x", DC: "EU", ClientID: clientID, ClientSecret: secret},
		"paste without":  {Name: "x", DC: "EU", Grant: model.GrantPasteURL, ClientID: clientID, ClientSecret: secret, Scopes: scopes},
		"soid on a code": {Name: "x", DC: "EU", SOID: "ZohoCRM.1", ClientID: clientID, ClientSecret: secret, Scopes: scopes},
		"both servers":   {Name: "x", DC: "EU", AccountsServer: "https://accounts.zoho.eu", ClientID: clientID, ClientSecret: secret, Scopes: scopes},
	} {
		if _, err := app.BuildProfile(sp, dcs); err == nil || !app.IsUsage(err) {
			t.Errorf("%s: err = %v, want a usage error", name, err)
		}
	}
	p, err := app.BuildProfile(app.Spec{Name: "lb", DC: "IN", Grant: model.GrantLoopback, LoopbackPort: 8765, ClientID: clientID, ClientSecret: secret, Scopes: scopes}, dcs)
	if err != nil || p.ClientType != model.ServerClient || p.RedirectURI != "http://localhost:8765/callback" || p.DC != "IN" {
		t.Fatalf("loopback spec = %+v, %v", p, err)
	}
}

func TestBundleRoundTripAndHostileEntries(t *testing.T) {
	w := newWorld(t)
	w.add("crm-eu")
	id, _ := age.GenerateX25519Identity()
	data, n, err := w.s.Export(nil, []age.Recipient{id.Recipient()}, true, false)
	if err != nil || n != 1 {
		t.Fatalf("Export = %d, %v", n, err)
	}
	plain, err := app.OpenBundle(data, []age.Identity{id}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := app.ParseBundle(plain)
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.s.Import(context.Background(), b, false)
	if err != nil || len(got.Skipped) != 1 {
		t.Fatalf("Import over itself = %+v, %v", got, err)
	}
	b.Profiles[0].Name = "copy"
	b.Profiles[0].Notes = "evil \x1b]52;c;aGk=\x07"
	if _, err := w.s.Import(context.Background(), b, false); err == nil {
		t.Fatal("a bundle with a terminal escape in its notes was imported")
	}
	b.Profiles[0].Notes, b.Profiles[0].DC = "", "ZZ"
	if _, err := w.s.Import(context.Background(), b, false); err == nil {
		t.Fatal("a bundle naming an unknown data center was imported")
	}
	if _, err := w.s.Vault.Profile("copy"); err == nil {
		t.Fatal("a refused import left a profile behind")
	}
}

func TestARevokedTokenSaysHowToConsentAgain(t *testing.T) {
	w := newWorld(t)
	p := w.add("crm-eu")
	w.s.ConsentHow = func(name string) string { return "press n, or run ztm consent " + name }
	w.zoho.RevokeRefreshToken(p.Token.RefreshToken)
	w.clk.Advance(2 * time.Hour)
	_, err := w.s.FreshToken(context.Background(), "crm-eu", time.Minute)
	if !errors.Is(err, model.ErrRefreshRevoked) {
		t.Fatalf("err = %v, want a revoked refresh token", err)
	}
	if got := err.Error(); !strings.HasSuffix(got, "press n, or run ztm consent crm-eu") || strings.Count(got, "ztm consent") != 1 {
		t.Fatalf("err = %q, want the way to consent once at its end", got)
	}
}
