package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/vault"
)

// landedURL consents at a consent URL as a browser would and returns the
// URL the browser lands on (the client's redirect URI with the code),
// without following it there.
func landedURL(t *testing.T, w *world, consentURL string) string {
	t.Helper()
	own := map[string]bool{}
	for _, id := range w.zoho.IDs() {
		if u, err := url.Parse(w.zoho.URL(id)); err == nil {
			own[u.Host] = true
		}
	}
	hc := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if !own[req.URL.Host] {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(consentURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("consent answered %d, want a redirect", resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// consentURLIn finds the consent URL ztm printed.
func consentURLIn(t *testing.T, s string) string {
	t.Helper()
	for _, f := range strings.Fields(s) {
		if strings.Contains(f, "/oauth/v2/auth?") {
			return f
		}
	}
	t.Fatalf("no consent URL in:\n%s", s)
	return ""
}

// needsProfileFields skips a test until the vault stores a profile's
// environment, client-credentials flag and soid (the vault's schema
// migration for them is on another branch); once it does, the test runs.
func needsProfileFields(t *testing.T, w *world) {
	t.Helper()
	v := w.open()
	defer v.Close()
	p := w.profile("probe-fields", noToken())
	p.Environment, p.ClientCredentials, p.SOID = model.Sandbox, true, "ZohoCRM.1"
	var got model.Profile
	err := v.Update(context.Background(), func(tx *vault.Tx) error {
		if err := tx.CreateProfile(&p); err != nil {
			return err
		}
		var err error
		if got, err = tx.Profile(p.Name); err != nil {
			return err
		}
		return tx.DeleteProfile(p.Name)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Environment != model.Sandbox || !got.ClientCredentials || got.SOID != p.SOID {
		t.Skip("the vault does not store environment, client credentials and soid yet")
	}
}

// serverClient registers a server-based client with a redirect URI.
func (w *world) serverClient(id, redirect string) {
	w.zoho.AddClient(fakezoho.Client{ID: id, Secret: testSecret, Type: model.ServerClient, HomeDC: "EU", RedirectURIs: []string{redirect}})
}

func TestAddGrantPasteOnATerminal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	needsProfileFields(t, w)
	const id, redirect = "1000.PASTECLIENT000000000000", "https://example.com/zoho/cb"
	w.serverClient(id, redirect)
	p := &prompter{answers: []string{testSecret}}
	w.prompt, w.stdinTTY = p, true
	// The second answer, the landed URL, is only known once ztm printed
	// the consent URL: the browser is where the test consents.
	var printed string
	w.browse = func(u string) error {
		printed = u
		p.mu.Lock()
		p.answers = append(p.answers, landedURL(t, w, u))
		p.mu.Unlock()
		return nil
	}
	r := w.run("add", "books", "--dc", "EU", "--grant", "paste", "--client-id", id, "--redirect-uri", redirect,
		"--scopes", testScopes, "--environment", "sandbox", "--tags", "books,eu", "--notes", "the EU books").want(t, 0)
	if !strings.HasPrefix(r.stdout, "saved books: access token valid until ") || consentURLIn(t, r.stderr) != printed ||
		!strings.Contains(r.stderr, "opened it in your browser") {
		t.Errorf("add --grant paste:\n%s", r)
	}
	if got := strings.Join(p.asked, "|"); got != "Client secret: |The URL the browser landed on: " {
		t.Errorf("asked %q", got)
	}
	s := w.stored()["books"]
	if s.Token == nil || s.Token.RefreshToken == "" || s.Environment != model.Sandbox || s.ClientType != model.ServerClient {
		t.Errorf("stored %+v", s)
	}
	// list, show --json and exec say the environment; --json the tags and notes.
	list := w.run("list").want(t, 0).stdout
	if !strings.Contains(list, "sandbox") || !strings.Contains(list, "books,eu") {
		t.Errorf("list:\n%s", list)
	}
	var j map[string]any
	if err := json.Unmarshal([]byte(w.run("show", "books", "--json").want(t, 0).stdout), &j); err != nil {
		t.Fatal(err)
	}
	if j["environment"] != "sandbox" || j["notes"] != "the EU books" || j["grant"] != "paste" {
		t.Errorf("show --json: %v", j)
	}
	var all []map[string]any
	if err := json.Unmarshal([]byte(w.run("list", "--json").want(t, 0).stdout), &all); err != nil || len(all) != 1 ||
		all[0]["environment"] != "sandbox" || all[0]["notes"] != "the EU books" {
		t.Errorf("list --json: %v %v", all, err)
	}
	env := w.run("exec", "books", "--", "sh", "-c", `echo "$ZOHO_ENVIRONMENT $ZOHO_API_DOMAIN"`).want(t, 0).stdout
	if env != "sandbox https://sandbox.zohoapis.eu\n" {
		t.Errorf("exec environment: %q", env)
	}
}

func TestAddGrantPasteFromAnotherConsentSavesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const id, redirect = "1000.PASTECLIENT000000000000", "https://example.com/zoho/cb"
	w.serverClient(id, redirect)
	// A URL from an earlier consent (another state) is refused.
	other := landedURL(t, w, w.zoho.URL("EU")+"/oauth/v2/auth?"+url.Values{
		"client_id": {id}, "response_type": {"code"}, "redirect_uri": {redirect}, "scope": {testScopes},
		"access_type": {"offline"}, "prompt": {"consent"}, "state": {"an-older-state"}}.Encode())
	r := w.runStdin(testSecret+"\n"+other+"\n", "add", "books", "--dc", "EU", "--grant", "paste", "--client-id", id,
		"--redirect-uri", redirect, "--scopes", testScopes)
	if r.code == 0 || !strings.Contains(r.stderr, "state") {
		t.Errorf("a URL of another consent:\n%s", r)
	}
	if _, ok := w.stored()["books"]; ok {
		t.Error("a refused grant saved the profile")
	}
}

func TestAddGrantClientCredentials(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	needsProfileFields(t, w)
	const id, secret = "1000.CCCLIENT0000000000000000", "cc-secret-5a1e"
	w.zoho.AddClient(fakezoho.Client{ID: id, Secret: secret, Type: model.SelfClient, HomeDC: "EU", RequireSOID: true})
	args := []string{"add", "cc", "--dc", "EU", "--grant", "client-credentials", "--client-id", id, "--scopes", "ZohoCRM.modules.ALL"}
	w.runStdin(secret+"\n", args...).wantErr(t, 4, "missing_org_info", "--soid ZohoCRM.")
	if _, ok := w.stored()["cc"]; ok {
		t.Fatal("a refused client-credentials grant saved the profile")
	}
	soid := "ZohoCRM." + w.zoho.OrgID("EU")
	r := w.runStdin(secret+"\n", append(args, "--soid", soid)...).want(t, 0)
	if !strings.Contains(r.stdout, "client credentials: ztm asks for a new one when it expires") {
		t.Errorf("add:\n%s", r)
	}
	p := w.stored()["cc"]
	if !p.ClientCredentials || p.SOID != soid || p.Token == nil || p.Token.RefreshToken != "" || !w.zoho.ValidAccessToken(p.Token.AccessToken) {
		t.Errorf("stored %+v %+v", p, p.Token)
	}
	if list := w.run("list").want(t, 0).stdout; !strings.Contains(list, "not needed") {
		t.Errorf("list:\n%s", list)
	}
	// --soid is for client credentials only.
	w.runStdin(secret+"\n", "add", "x", "--dc", "EU", "--grant", "self", "--client-id", id, "--scopes", "ZohoCRM.modules.ALL", "--soid", soid).
		wantErr(t, 1, "--soid is for the client-credentials grant only")
}

func TestConsentRefusesAGrantTheClientCannotTake(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm")
	w.run("consent", "crm", "--grant", "loopback").wantErr(t, 1, "Self Client client, whose grant is self")
	w.run("consent", "crm", "--grant", "magic").wantErr(t, 1, "unknown grant")
}

// An edit that needs a new consent is offered one on a terminal; one that
// does not is saved at once.
func TestEditOffersConsent(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	old := w.add("crm")
	const more = "ZohoCRM.modules.ALL,ZohoCRM.settings.READ,AaaServer.profile.READ"
	code := w.zoho.SelfClientCode(testClientID, "EU", strings.Split(more, ","), 0)
	p := &prompter{answers: []string{"n"}}
	w.prompt, w.stdinTTY = p, true
	before := w.vaultBytes()
	w.run("edit", "crm", "--scopes", more).wantErr(t, 1, "needs a new consent")
	if string(before) != string(w.vaultBytes()) || !strings.Contains(strings.Join(p.asked, "|"), "needs a new consent. Consent now?") {
		t.Fatalf("declined consent: asked %q; the vault changed: %v", p.asked, string(before) != string(w.vaultBytes()))
	}
	p.answers, p.asked = []string{"y", code}, nil
	r := w.run("edit", "crm", "--scopes", more).want(t, 0)
	if !strings.HasPrefix(r.stdout, "saved crm with new tokens") {
		t.Errorf("edit with consent:\n%s", r)
	}
	s := w.stored()["crm"]
	if model.JoinScopes(s.Scopes) != model.JoinScopes(strings.Split(more, ",")) || s.Token.RefreshToken == old.Token.RefreshToken || w.zoho.ValidRefreshToken(old.Token.RefreshToken) {
		t.Errorf("after the consent: scopes %v; the old refresh token must be replaced and revoked: %+v", s.Scopes, s.Token)
	}
	// Tags and notes need no consent, and nothing is asked.
	p.answers, p.asked = nil, nil
	w.run("edit", "crm", "--tags", "a,b", "--notes", "n").want(t, 0)
	if len(p.asked) != 0 || strings.Join(w.stored()["crm"].Tags, ",") != "a,b" {
		t.Errorf("asked %q for a tag change", p.asked)
	}
}

// After a revoke, consent gets new tokens and the profile keeps its events.
func TestConsentOnARevokedProfileKeepsItsEvents(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	old := w.add("crm", expiresIn(-time.Minute))
	w.run("edit", "crm", "--notes", "kept").want(t, 0)
	w.zoho.RevokeRefreshToken(old.Token.RefreshToken)
	w.run("token", "crm").want(t, 4)
	code := w.zoho.SelfClientCode(testClientID, "EU", scopes(), 0)
	w.runStdin(code+"\n", "consent", "crm").want(t, 0)
	show := w.run("show", "crm").want(t, 0).stdout
	for _, ev := range []string{"edit ", "failure ", "exchange "} {
		if !strings.Contains(show, ev) {
			t.Errorf("show lacks the %q event:\n%s", ev, show)
		}
	}
	if w.stored()["crm"].Notes != "kept" {
		t.Error("the consent lost the profile's notes")
	}
}
