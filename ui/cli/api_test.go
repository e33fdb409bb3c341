package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
	"ztm/ui/app"
	"ztm/ui/app/service"
	"ztm/ui/tui"
	"ztm/vault"
)

// newAPIWorld is a world whose fake names its own API hosts as
// api_domain, so `ztm api` and the proxy reach the fake, never Zoho.
func newAPIWorld(t *testing.T) *world {
	return newWorld(t, fakezohotest.LocalAPI())
}

func withScopes(s ...string) profileOpt { return func(p *model.Profile) { p.Scopes = s } }

// addLive seeds a profile whose access token the fake issued, live for
// an hour: what a profile looks like after a real refresh.
func (w *world) addLive(name string, opts ...profileOpt) model.Profile {
	w.t.Helper()
	p := w.profile(name, opts...)
	p.Token.AccessToken = w.zoho.MintAccessToken(p.Token.RefreshToken, time.Hour)
	w.seed(p)
	return p
}

// runTTY runs ztm with stdout on a terminal.
func (w *world) runTTY(args ...string) result {
	w.t.Helper()
	var out, errb bytes.Buffer
	e := Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: w.getenv, Now: w.fx.Now,
		StdoutIsTerminal: true,
		RunTUI:           func(context.Context, tui.Config) error { return errors.New("no TUI in tests") },
	}
	code := Main(args, e)
	return result{stdout: out.String(), stderr: errb.String(), code: code, args: args}
}

func TestAPIPrintsZohosBodyAsSentWhenPiped(t *testing.T) {
	w := newAPIWorld(t)
	p := w.addLive("crm-eu")
	r := w.run("api", "crm-eu", "/crm/v8/org").want(t, 0)
	if !strings.HasPrefix(r.stdout, `{"org":[{`) || !strings.Contains(r.stdout, "Fake CRM EU") || r.stderr != "" {
		t.Fatalf("%s", r)
	}
	noSecrets(t, "the output", r.stdout+r.stderr, p.Token.AccessToken, p.Token.RefreshToken, testSecret)
}

func TestAPIIndentsAndColoursJSONOnATerminal(t *testing.T) {
	w := newAPIWorld(t)
	w.addLive("crm-eu")
	r := w.runTTY("api", "crm-eu", "/crm/v8/org").want(t, 0)
	if !strings.Contains(r.stdout, "\n  "+colorKey+`"org"`+colorReset+": [") || !strings.Contains(r.stdout, colorString+`"Fake CRM EU"`) {
		t.Fatalf("not indented and coloured:\n%q", r.stdout)
	}
	w.env["NO_COLOR"] = "1"
	r = w.runTTY("api", "crm-eu", "/crm/v8/org").want(t, 0)
	if strings.Contains(r.stdout, "\x1b[") || !strings.Contains(r.stdout, "\n  \"org\": [") {
		t.Fatalf("NO_COLOR:\n%q", r.stdout)
	}
}

func TestAPIDeadTokenIsRefreshedOnceAndTheCallSentAgain(t *testing.T) {
	w := newAPIWorld(t)
	p := w.addLive("crm-eu")
	w.zoho.ExpireAccessToken(p.Token.AccessToken)
	r := w.run("api", "crm-eu", "/crm/v8/org").want(t, 0)
	if !strings.Contains(r.stdout, "Fake CRM EU") {
		t.Fatalf("%s", r)
	}
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	if got := w.stored()["crm-eu"].Token.AccessToken; got == p.Token.AccessToken || !w.zoho.ValidAccessToken(got) {
		t.Error("the vault does not hold the new token")
	}
}

func TestAPIRevokedGrantFailsAfterOneRefreshAttempt(t *testing.T) {
	w := newAPIWorld(t)
	p := w.addLive("crm-eu")
	w.zoho.RevokeRefreshToken(p.Token.RefreshToken)
	w.zoho.ExpireAccessToken(p.Token.AccessToken)
	w.run("api", "crm-eu", "/crm/v8/org").wantErr(t, ExitZoho, "dead", "ztm consent crm-eu")
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refresh attempts, want 1", n)
	}
}

func TestAPIRefusalIsExplainedOnStderrWithTheBodyOnStdout(t *testing.T) {
	w := newAPIWorld(t)
	w.addLive("books", withScopes("ZohoBooks.fullaccess.all"))
	r := w.run("api", "books", "/crm/v8/org").want(t, ExitZoho)
	if !strings.Contains(r.stderr, "OAUTH_SCOPE_MISMATCH") || !strings.Contains(r.stderr, "consent again") {
		t.Errorf("stderr does not explain the refusal:\n%s", r)
	}
	if !strings.Contains(r.stdout, `"code":"OAUTH_SCOPE_MISMATCH"`) {
		t.Errorf("Zoho's body is not on stdout:\n%s", r)
	}
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 0 {
		t.Errorf("a scope refusal cost %d refreshes", n)
	}
}

func TestAPIExitCodesFollowTheStatus(t *testing.T) {
	w := newAPIWorld(t)
	w.addLive("crm-eu")
	w.run("api", "crm-eu", "/crm/v8/NoSuchModule").want(t, ExitZoho)
	w.zoho.InjectFault(fakezoho.EndpointCRMOrg, fakezoho.Fault{Status: 503, Body: `{"code":"INTERNAL_ERROR"}`})
	r := w.run("api", "crm-eu", "/crm/v8/org").want(t, ExitNetwork)
	if !strings.Contains(r.stderr, "503") || !strings.Contains(r.stdout, "INTERNAL_ERROR") {
		t.Errorf("%s", r)
	}
	w.run("api", "nope", "/crm/v8/org").wantErr(t, ExitNoProfile, "nope")
}

func TestAPIForeignHostIsRefusedBeforeTheVaultIsOpened(t *testing.T) {
	w := newPassphraseWorld(t, fakezohotest.LocalAPI())
	w.add("crm-eu")
	delete(w.env, vault.EnvPassphrase) // opening the vault would now fail
	for _, target := range []string{"https://evil.example.com/crm/v8/org", "http://127.0.0.1:9/x"} {
		r := w.run("api", "crm-eu", target).wantErr(t, ExitUsage, "not a Zoho API host")
		if strings.Contains(r.stderr, "passphrase") {
			t.Errorf("the vault was opened for a foreign host:\n%s", r)
		}
	}
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 0 {
		t.Errorf("%d refreshes", n)
	}
}

func TestAPIPaginatesFivePagesOfCRMAndThreeOfBooks(t *testing.T) {
	w := newAPIWorld(t)
	w.addLive("crm-eu")
	w.addLive("books", withScopes("ZohoBooks.fullaccess.all"))
	w.zoho.SetRecords(fakezoho.CRM, "Contacts", 50)
	w.zoho.SetRecords(fakezoho.Books, "invoices", 30)
	for _, tc := range []struct {
		args        []string
		field, name string
		n           int
	}{
		{[]string{"api", "crm-eu", "/crm/v8/Contacts?per_page=10", "--paginate"}, "Name", "Contacts %04d", 50},
		{[]string{"api", "books", "/books/v3/invoices", "-f", "per_page=10", "--paginate"}, "name", "invoice %04d", 30},
	} {
		r := w.run(tc.args...).want(t, 0)
		var recs []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &recs); err != nil || len(recs) != tc.n {
			t.Fatalf("%d records (%v):\n%.400s", len(recs), err, r.stdout)
		}
		for i, rec := range recs {
			if want := fmt.Sprintf(tc.name, i+1); rec[tc.field] != want {
				t.Fatalf("record %d is %v, want %s", i, rec[tc.field], want)
			}
		}
	}
	if c, b := w.zoho.Requests(fakezoho.EndpointCRMRecords), w.zoho.Requests(fakezoho.EndpointBooksRecords); c != 5 || b != 3 {
		t.Errorf("%d CRM and %d Books page requests, want 5 and 3", c, b)
	}
}

func TestAPIFieldsBecomeAJSONBodyAndIncludeShowsTheStatus(t *testing.T) {
	w := newAPIWorld(t)
	w.addLive("crm-eu")
	lead := filepath.Join(t.TempDir(), "lead.json")
	os.WriteFile(lead, []byte(`[{"Last_Name":"Lovelace"}]`), 0o600)
	r := w.run("api", "crm-eu", "/crm/v8/Leads", "-F", "data=@"+lead, "-f", "trigger=none", "--include").want(t, 0)
	if !strings.HasPrefix(r.stdout, "HTTP/1.1 201 Created\n") || !strings.Contains(r.stdout, "Content-Type: application/json") || !strings.Contains(r.stdout, "record added") {
		t.Fatalf("%s", r)
	}
	r = w.runStdin(`{"data":[{"id":"1"}]}`, "api", "crm-eu", "/crm/v8/Leads", "-X", "PUT", "--input", "-", "--silent").want(t, 0)
	if r.stdout != "" {
		t.Errorf("--silent printed %q", r.stdout)
	}
	w.run("api", "crm-eu", "/crm/v8/org", "-H", "Authorization: Zoho-oauthtoken x").wantErr(t, ExitUsage, "Authorization")
}

func TestAPINameFromTheEnvironment(t *testing.T) {
	w := newAPIWorld(t)
	w.addLive("crm-eu")
	w.run("api", "/crm/v8/org").wantErr(t, ExitUsage, EnvProfile)
	w.env[EnvProfile] = "crm-eu"
	w.run("api", "/crm/v8/org").want(t, 0)
}

// startAgent runs an unlocked agent on the world's vault, as ztm unlock
// leaves one, and points the world at its socket.
func startAgent(t *testing.T, w *world) {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "za")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s", "agent.sock")
	svc := service.New(service.Options{Env: app.Env{Now: w.fx.Now, Getenv: w.getenv}, Paths: w.paths, Log: slog.New(slog.DiscardHandler)})
	if err := svc.Unlock(func() (string, error) { return testPassword, nil }); err != nil {
		t.Fatal(err)
	}
	ln, err := service.ListenAgent(sock, os.Getuid(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { service.Serve(ctx, ln, svc.Handler(true)); close(done) }()
	t.Cleanup(func() { cancel(); <-done; svc.Lock() })
	w.env[service.EnvAgentSock] = sock
}

func TestAPIThroughTheAgentNeedsNoPassphrase(t *testing.T) {
	w := newPassphraseWorld(t, fakezohotest.LocalAPI())
	p := w.addLive("crm-eu")
	startAgent(t, w)
	delete(w.env, vault.EnvPassphrase)
	w.run("api", "crm-eu", "/crm/v8/org").want(t, 0)
	w.zoho.ExpireAccessToken(p.Token.AccessToken)
	r := w.run("api", "crm-eu", "/crm/v8/org").want(t, 0)
	if !strings.Contains(r.stdout, "Fake CRM EU") {
		t.Fatalf("%s", r)
	}
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refreshes through the agent, want 1", n)
	}
}

func TestAPIFallsBackToTheVaultWhenNoAgentRuns(t *testing.T) {
	w := newAPIWorld(t)
	w.addLive("crm-eu")
	w.env[service.EnvAgentSock] = filepath.Join(t.TempDir(), "none.sock")
	w.run("api", "crm-eu", "/crm/v8/org").want(t, 0)
}
