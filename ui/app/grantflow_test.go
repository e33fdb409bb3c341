package app_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
	"ztm/ui/app"
	"ztm/vault"
)

// grantWorld is a session on a fake Zoho whose fixture the test keeps, to
// act as the browser.
type grantWorld struct {
	f *fakezohotest.Fixture
	s *app.Session
}

func newGrantWorld(t *testing.T) *grantWorld {
	t.Helper()
	f := fakezohotest.Start(t, fakezohotest.At(start), fakezohotest.WithOptions(func(o *fakezoho.Options) {
		o.DeviceInterval = 5 * time.Second
	}))
	dir := filepath.Join(t.TempDir(), "ztm")
	paths := vault.Paths{Dir: dir, Vault: filepath.Join(dir, vault.VaultFile), Identity: filepath.Join(dir, "identity.txt"), Lock: filepath.Join(dir, vault.VaultFile+".lock")}
	v, err := vault.Create(paths, vault.CreateOptions{GenerateKeyFile: true}, vault.Options{Now: f.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	zoho := app.NewOAuthClient(app.Env{Now: f.Clock.Now}, f.DCs)
	zoho.Sleep = f.Clock.Sleep
	s := app.NewSessionWithClient(app.Env{Now: f.Clock.Now}, v, f.DCs, zoho)
	t.Cleanup(func() { s.Close() })
	return &grantWorld{f: f, s: s}
}

// freeRedirect is a loopback redirect URI on a port nobody holds.
func freeRedirect(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return "http://localhost:" + strconv.Itoa(port) + "/callback"
}

// stages records the stages a flow reported.
type stages struct {
	mu  sync.Mutex
	got []app.GrantStep
}

func (s *stages) add(st app.GrantStep) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, st)
}

func (s *stages) names() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, st := range s.got {
		out = append(out, string(st.Stage))
	}
	return strings.Join(out, " ")
}

func TestGrantFlowLoopbackBrowserComesBack(t *testing.T) {
	w := newGrantWorld(t)
	redirect := freeRedirect(t)
	cl := w.f.NewClient("EU", model.ServerClient, func(c *fakezoho.Client) { c.RedirectURIs = []string{redirect} })
	p := w.f.Profile("books", "EU", cl)
	p.RedirectURI = redirect
	var st stages
	var browsed string
	hooks := app.GrantHooks{Progress: st.add, OpenURL: func(u string) error {
		browsed = u
		// The browser: consent, then land on ztm's receiver.
		landed := w.f.Consent(u)
		go func() {
			if resp, err := http.Get(landed); err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}}
	saved, err := w.s.NewGrantFlow(p, hooks).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if saved.Token == nil || saved.Token.RefreshToken == "" || !strings.Contains(browsed, "code_challenge=") {
		t.Errorf("saved %+v after consent at %s; want tokens, and a consent with PKCE", saved.Token, browsed)
	}
	if got := st.names(); got != "consent-url browser waiting exchanging" {
		t.Errorf("stages %q", got)
	}
	if _, err := w.s.Vault.Profile("books"); err != nil {
		t.Errorf("not stored: %v", err)
	}
}

func TestGrantFlowLoopbackTimesOutAndSavesNothing(t *testing.T) {
	w := newGrantWorld(t)
	redirect := freeRedirect(t)
	cl := w.f.NewClient("EU", model.ServerClient, func(c *fakezoho.Client) { c.RedirectURIs = []string{redirect} })
	p := w.f.Profile("books", "EU", cl)
	p.RedirectURI = redirect
	_, err := w.s.NewGrantFlow(p, app.GrantHooks{Wait: 50 * time.Millisecond}).Run(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "try again") {
		t.Errorf("err = %v; want a timeout that says to try again", err)
	}
	if _, err := w.s.Vault.Profile("books"); !errors.Is(err, vault.ErrNoProfile) {
		t.Errorf("a timed-out grant saved the profile: %v", err)
	}
}

func TestGrantFlowCancelStopsTheWait(t *testing.T) {
	w := newGrantWorld(t)
	redirect := freeRedirect(t)
	cl := w.f.NewClient("EU", model.ServerClient, func(c *fakezoho.Client) { c.RedirectURIs = []string{redirect} })
	p := w.f.Profile("books", "EU", cl)
	p.RedirectURI = redirect
	ctx, cancel := context.WithCancel(context.Background())
	hooks := app.GrantHooks{Progress: func(st app.GrantStep) {
		if st.Stage == app.StageWaiting {
			cancel() // Ctrl+C while waiting
		}
	}}
	_, err := w.s.NewGrantFlow(p, hooks).Run(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if _, err := w.s.Vault.Profile("books"); !errors.Is(err, vault.ErrNoProfile) {
		t.Errorf("a cancelled grant saved the profile: %v", err)
	}
}

func TestGrantFlowPasteURLChecksState(t *testing.T) {
	w := newGrantWorld(t)
	cl := w.f.NewClient("EU", model.ServerClient, func(c *fakezoho.Client) { c.RedirectURIs = []string{"https://example.com/cb"} })
	p := w.f.Profile("crm", "EU", cl)
	p.RedirectURI = "https://example.com/cb"
	var consentURL string
	hooks := app.GrantHooks{
		Progress: func(st app.GrantStep) {
			if st.Stage == app.StageConsentURL {
				consentURL = st.URL
			}
		},
		Paste: func(what string) (string, error) {
			if what != app.PasteURL {
				t.Errorf("asked for %q", what)
			}
			return w.f.Consent(consentURL), nil
		},
	}
	saved, err := w.s.NewGrantFlow(p, hooks).Run(context.Background())
	if err != nil || saved.Token == nil {
		t.Fatalf("paste grant: %v", err)
	}
	// A URL answering another consent (another state) is refused.
	p2 := w.f.Profile("crm2", "EU", cl)
	p2.RedirectURI = "https://example.com/cb"
	other, _ := w.s.Zoho.NewConsent(p2, oauth.ConsentOptions{})
	hooks.Paste = func(string) (string, error) { return w.f.Consent(other.URL), nil }
	if _, err := w.s.NewGrantFlow(p2, hooks).Run(context.Background()); !errors.Is(err, oauth.ErrStateMismatch) {
		t.Errorf("a URL of another consent: %v, want a state mismatch", err)
	}
	if _, err := w.s.Vault.Profile("crm2"); err == nil {
		t.Error("the refused grant saved a profile")
	}
}

func TestGrantFlowDeviceFollowsOtherDC(t *testing.T) {
	w := newGrantWorld(t)
	cl := w.f.NewClient("US", model.NonBrowserClient, func(c *fakezoho.Client) { c.MultiDC = true })
	p := w.f.Profile("desk", "US", cl)
	var st stages
	var polls []oauth.DevicePoll
	hooks := app.GrantHooks{Progress: func(s app.GrantStep) {
		st.add(s)
		switch s.Stage {
		case app.StageDeviceCode:
			if err := w.f.Zoho.ApproveDeviceAs(s.Device.UserCode, fakezoho.DefaultUser("IN")); err != nil {
				t.Error(err)
			}
		case app.StageDevicePoll:
			polls = append(polls, s.Poll)
		}
	}}
	saved, err := w.s.NewGrantFlow(p, hooks).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if saved.AccountsServer != w.f.Zoho.URL("IN") || saved.DC != "IN" {
		t.Errorf("saved at %s (%s), want the user's home IN", saved.AccountsServer, saved.DC)
	}
	if len(polls) == 0 || polls[0].Status != "other_dc" || polls[0].Next < 5*time.Second {
		t.Errorf("polls %+v: want other_dc first, waiting at least the interval", polls)
	}
}

func TestGrantFlowClientCredentialsNeedsSOID(t *testing.T) {
	w := newGrantWorld(t)
	cl := w.f.NewClient("EU", model.SelfClient, func(c *fakezoho.Client) { c.RequireSOID = true })
	p := w.f.Profile("cc", "EU", cl)
	p.ClientCredentials = true
	_, err := w.s.NewGrantFlow(p, app.GrantHooks{}).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "--soid") {
		t.Fatalf("err = %v, want missing_org_info saying to set --soid", err)
	}
	if _, err := w.s.Vault.Profile("cc"); err == nil {
		t.Error("a refused client-credentials grant saved the profile")
	}
	p.SOID = "ZohoCRM." + w.f.Zoho.OrgID("EU")
	saved, err := w.s.NewGrantFlow(p, app.GrantHooks{}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if saved.Token == nil || saved.Token.AccessToken == "" || saved.Token.RefreshToken != "" {
		t.Errorf("token %+v: want an access token and no refresh token", saved.Token)
	}
}

func TestGrantFlowNewConsentKeepsHistoryAndRevokesTheOld(t *testing.T) {
	w := newGrantWorld(t)
	p := w.f.SelfClientProfile("crm", "EU")
	saved, err := w.s.NewGrantFlow(p, app.GrantHooks{Paste: func(string) (string, error) {
		return w.f.Zoho.SelfClientCode(p.ClientID, "EU", p.Scopes, 0), nil
	}}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	old := saved.Token.RefreshToken
	again, err := w.s.NewGrantFlow(saved, app.GrantHooks{Paste: func(string) (string, error) {
		return w.f.Zoho.SelfClientCode(p.ClientID, "EU", p.Scopes, 0), nil
	}}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if again.Token.RefreshToken == old || w.f.Zoho.ValidRefreshToken(old) {
		t.Error("the replaced refresh token was not revoked")
	}
	evs, _ := w.s.Events("crm", 10)
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, string(e.Kind))
	}
	if k := strings.Join(kinds, " "); strings.Count(k, "exchange") != 2 || !strings.Contains(k, "revoke") {
		t.Errorf("events %q: want both exchanges and the revoke", k)
	}
}
