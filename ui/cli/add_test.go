package cli

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
)

// addArgs is `ztm add NAME` for the test client in EU, plus more.
func addArgs(name string, more ...string) []string {
	return append([]string{"add", name, "--dc", "EU", "--type", "self", "--client-id", testClientID, "--scopes", testScopes}, more...)
}

func scopes() []string { return strings.Split(testScopes, ",") }

func TestAddSelfClientCode(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	code := w.zoho.SelfClientCode(testClientID, "EU", scopes(), 5*time.Minute)
	args := addArgs("crm-eu", "--code", "--tags", "prod,crm")
	r := w.runStdin(testSecret+"\n"+code+"\n", args...).want(t, 0)
	if r.stdout != "saved crm-eu: access token valid until 10:30:00\n" || r.stderr != "" {
		t.Errorf("unexpected output\n%s", r)
	}
	p, ok := w.stored()["crm-eu"]
	if !ok {
		t.Fatal("the profile was not saved")
	}
	if p.DC != "EU" || p.AccountsServer != w.zoho.URL("EU") || p.APIDomain != "https://www.zohoapis.eu" ||
		p.ClientSecret != testSecret || p.ClientType != model.SelfClient || p.Account != "eu.user@example.com" ||
		strings.Join(p.Tags, ",") != "prod,crm" {
		t.Errorf("stored profile: %+v", p)
	}
	if p.Token == nil || !w.zoho.ValidAccessToken(p.Token.AccessToken) || !w.zoho.ValidRefreshToken(p.Token.RefreshToken) {
		t.Fatalf("stored token %+v is not what Zoho issued", p.Token)
	}
	if n := w.zoho.Requests(fakezoho.EndpointExchange); n != 1 {
		t.Errorf("%d exchanges, want 1", n)
	}
	// The new profile works at once, and nothing secret was on the command line.
	if r := w.run("token", "crm-eu").want(t, 0); r.stdout != p.Token.AccessToken+"\n" {
		t.Errorf("token after add = %q", r.stdout)
	}
	noSecrets(t, "ztm add's arguments", strings.Join(args, " "), testSecret, code)
}

func TestAddWithoutCodeSavesNoTokens(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.runStdin(testSecret+"\n", addArgs("crm-eu")...).want(t, 0)
	if !strings.HasPrefix(r.stdout, "saved crm-eu without tokens;") {
		t.Errorf("stdout = %q", r.stdout)
	}
	p := w.stored()["crm-eu"]
	if p.Token != nil || p.ClientSecret != testSecret {
		t.Errorf("stored %+v", p)
	}
	if n := w.zoho.Requests(fakezoho.EndpointExchange); n != 0 {
		t.Errorf("%d exchanges without --code", n)
	}
}

func TestAddAsksOnTheTerminal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	code := w.zoho.SelfClientCode(testClientID, "EU", scopes(), 0)
	p := &prompter{answers: []string{"  " + testSecret + " ", code}}
	w.prompt, w.stdinTTY = p, true
	w.run(addArgs("crm-eu", "--code")...).want(t, 0)
	if len(p.asked) != 2 || p.asked[0] != "Client secret: " || !strings.HasPrefix(p.asked[1], "Grant code") {
		t.Errorf("asked %q", p.asked)
	}
	if got := w.stored()["crm-eu"].ClientSecret; got != testSecret {
		t.Errorf("stored secret %q, want it trimmed", got)
	}
	// A terminal stdin but no terminal to prompt on: say to pipe it.
	w.prompt = nil
	w.run(addArgs("other")...).wantErr(t, 1, "no terminal to ask for \"Client secret\": pipe it on stdin")
}

func TestAddFailuresSaveNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		stdin   func(w *world) string
		code    int
		phrases []string
	}{
		{"bad client id", []string{"add", "crm", "--dc", "EU", "--client-id", "1000.abc", "--scopes", testScopes, "--code"},
			secretAndCode, 1, []string{"does not look like a Zoho client id", "API Console"}},
		{"bad scope", []string{"add", "crm", "--dc", "EU", "--client-id", testClientID, "--scopes", "crm-all", "--code"},
			secretAndCode, 1, []string{"crm-all"}},
		{"no scopes", []string{"add", "crm", "--dc", "EU", "--client-id", testClientID}, secretAndCode, 1, []string{"no scopes given"}},
		{"unknown DC", []string{"add", "crm", "--dc", "MARS", "--client-id", testClientID, "--scopes", testScopes},
			secretAndCode, 1, []string{`data center "MARS": use one of`, "EU", "custom accounts server"}},
		{"DC and server", []string{"add", "crm", "--dc", "EU", "--accounts-server", "https://accounts.zoho.eu", "--client-id", testClientID, "--scopes", testScopes},
			secretAndCode, 1, []string{"give a data center or a custom accounts server, not both"}},
		{"bad type", addArgs("crm", "--type", "robot"), secretAndCode, 1, []string{`unknown client type "robot"`}},
		{"bad name", addArgs("-crm"), secretAndCode, 1, []string{"unknown shorthand flag: 'c' in -crm", "ztm add --help"}},
		{"bad name 2", addArgs("crm eu"), secretAndCode, 1, []string{`profile name "crm eu"`}},
		{"no name", []string{"add", "--dc", "EU"}, secretAndCode, 1, []string{"add needs one profile name"}},
		{"secret on the command line", addArgs("crm", "--client-secret", testSecret), secretAndCode, 1, []string{"unknown flag: --client-secret"}},
		{"no secret on stdin", addArgs("crm", "--code"), func(*world) string { return "" }, 1, []string{"expected a line on stdin for \"Client secret\""}},
		{"no code on stdin", addArgs("crm", "--code"), func(*world) string { return testSecret + "\n" }, 1, []string{"expected a line on stdin for \"Grant code"}},
		{"secret with spaces", addArgs("crm"), func(*world) string { return "two words\n" }, 1, []string{"the client secret contains spaces"}},
		{"a client id for a code", addArgs("crm", "--code"), func(*world) string { return testSecret + "\n" + testClientID + "\n" }, 1, []string{"client id"}},
		{"wrong secret", addArgs("crm", "--code"), func(w *world) string {
			return "wrong-secret\n" + w.zoho.SelfClientCode(testClientID, "EU", scopes(), 0) + "\n"
		}, 4, []string{"invalid_client", "you chose EU"}},
		{"expired code", addArgs("crm", "--code"), func(w *world) string {
			code := w.zoho.SelfClientCode(testClientID, "EU", scopes(), 3*time.Minute)
			w.clock.Advance(3*time.Minute + time.Second)
			return testSecret + "\n" + code + "\n"
		}, 4, []string{"the grant code has expired or was already used (invalid_code)", "generate a new code"}},
		{"unknown code", addArgs("crm", "--code"), func(w *world) string {
			return testSecret + "\n1000.0123456789abcdef.0123456789abcdef\n"
		}, 4, []string{"(invalid_code)"}},
		{"name taken", addArgs("taken"), secretAndCode, 1, []string{`"taken"`, "pick another name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.add("taken")
			before := w.vaultBytes()
			stdin := tt.stdin(w)
			r := w.runStdin(stdin, tt.args...).wantErr(t, tt.code, tt.phrases...)
			if !bytes.Equal(w.vaultBytes(), before) {
				t.Error("a failed add changed the vault")
			}
			if got := w.names(); got != "taken" {
				t.Errorf("profiles after a failed add: %q", got)
			}
			noSecrets(t, "stderr", r.stderr, testSecret, "wrong-secret")
			for _, line := range strings.Split(strings.TrimSpace(stdin), "\n") {
				if len(line) > 20 && line != testClientID {
					noSecrets(t, "stderr", r.stderr, line)
				}
			}
		})
	}
}

func secretAndCode(w *world) string {
	return testSecret + "\n" + w.zoho.SelfClientCode(testClientID, "EU", scopes(), 0) + "\n"
}

func TestAddReusedCode(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	code := w.zoho.SelfClientCode(testClientID, "EU", scopes(), 0)
	w.runStdin(testSecret+"\n"+code+"\n", addArgs("first", "--code")...).want(t, 0)
	before := w.vaultBytes()
	w.runStdin(testSecret+"\n"+code+"\n", addArgs("second", "--code")...).
		wantErr(t, 4, "code exchange: the grant code has expired or was already used (invalid_code)")
	if !bytes.Equal(w.vaultBytes(), before) || w.names() != "first" {
		t.Errorf("the failed add saved something: %s", w.names())
	}
}

func TestAddPastedURLFromAnotherDC(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// The user chose EU, but their account lives in IN: Zoho sent the
	// browser back with IN's accounts server, and the code is IN's.
	code := w.zoho.SelfClientCode(testClientID, "IN", scopes(), 0)
	pasted := "https://example.com/ztm/callback?state=x&code=" + code + "&location=in&accounts-server=" + url.QueryEscape(w.zoho.URL("IN"))
	r := w.runStdin(testSecret+"\n"+pasted+"\n", addArgs("crm", "--code")...).want(t, 0)
	if want := "ztm: the code came from IN, not EU: exchanging it at " + w.zoho.URL("IN") + "\n"; r.stderr != want {
		t.Errorf("stderr = %q, want %q", r.stderr, want)
	}
	p := w.stored()["crm"]
	if p.DC != "IN" || p.AccountsServer != w.zoho.URL("IN") || p.APIDomain != "https://www.zohoapis.in" || p.Account != "in.user@example.com" {
		t.Errorf("stored %s %s %s %s, want the IN data center", p.DC, p.AccountsServer, p.APIDomain, p.Account)
	}
	if n := w.zoho.RequestsAt("IN", fakezoho.EndpointExchange); n != 1 {
		t.Errorf("%d exchanges at IN, want 1", n)
	}
	// It refreshes where it lives.
	w.run("refresh", "crm").want(t, 0)
	if n := w.zoho.RequestsAt("IN", fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refreshes at IN, want 1", n)
	}
}

func TestAddRefusesAnUnknownAccountsServer(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	code := w.zoho.SelfClientCode(testClientID, "EU", scopes(), 0)
	pasted := "https://example.com/cb?code=" + code + "&accounts-server=https%3A%2F%2Faccounts.evil.example"
	w.runStdin(testSecret+"\n"+pasted+"\n", addArgs("crm", "--code")...).
		wantErr(t, 1, "not a Zoho data center ztm knows")
	if w.zoho.Requests(fakezoho.EndpointExchange) != 0 || w.names() != "" {
		t.Error("the secret went to an unknown server, or a profile was saved")
	}
}
