//go:build unix

package cli

import (
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
)

// The grant clients of the pseudo-terminal tests, registered with the
// world's fake beside the test's Self Client.
const (
	ptyServerID = "1000.PTYSERVERCLIENT00000000"
	ptyDeviceID = "1000.PTYDEVICECLIENT00000000"
	ptyCCID     = "1000.PTYCCCLIENT000000000000"
)

// newGrantWorld is a wall-clock world whose fake asks device clients to
// poll every second (Zoho asks 30 s), with a server-based client on a free
// loopback redirect, a Non-browser client and a client-credentials one.
func newGrantWorld(t *testing.T) (*world, string) {
	t.Helper()
	w := newBareWorld(t, fakezohotest.WallClock(), fakezohotest.WithOptions(func(o *fakezoho.Options) { o.DeviceInterval = time.Second }))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	redirect := "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) + "/callback"
	ln.Close()
	w.zoho.AddClient(fakezoho.Client{ID: ptyServerID, Secret: testSecret, Type: model.ServerClient, HomeDC: "EU", RedirectURIs: []string{redirect}})
	w.zoho.AddClient(fakezoho.Client{ID: ptyDeviceID, Secret: testSecret, Type: model.NonBrowserClient, HomeDC: "EU"})
	w.zoho.AddClient(fakezoho.Client{ID: ptyCCID, Secret: testSecret, Type: model.SelfClient, HomeDC: "EU"})
	// No browser opens: the test is the browser.
	w.env["BROWSER"] = "/nonexistent/ztm-test-browser"
	return newKeyFileWorld(w), redirect
}

// grantArgs is `ztm add NAME` in EU with scopes, plus more.
func grantArgs(name string, more ...string) []string {
	return append([]string{"add", name, "--dc", "EU", "--scopes", testScopes}, more...)
}

// typeLine types a line and Enter.
func (term *terminal) typeLine(s string) { term.ptmx.Write([]byte(s + "\r")) }

var userCodeRE = regexp.MustCompile(`enter the code (\S+)`)

// Each grant path, end to end: the real binary on a terminal against the
// fake, the person typing the secret, the test acting as the browser.
func TestGrantPathsOnATerminal(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the ztm binary")
	}
	w, redirect := newGrantWorld(t)
	tests := []struct {
		name string
		args []string
		// then does what the person does after typing the secret.
		then func(t *testing.T, term *terminal)
	}{
		{"self", grantArgs("self", "--grant", "self", "--client-id", testClientID), func(t *testing.T, term *terminal) {
			term.waitFor("Grant code (or the URL the browser landed on): ")
			term.typeLine(w.zoho.SelfClientCode(testClientID, "EU", scopes(), 0))
		}},
		{"paste", grantArgs("paste", "--grant", "paste", "--client-id", ptyServerID, "--redirect-uri", redirect), func(t *testing.T, term *terminal) {
			term.waitFor("The URL the browser landed on: ")
			term.typeLine(landedURL(t, w, consentURLIn(t, term.output())))
		}},
		{"loopback", grantArgs("loopback", "--grant", "loopback", "--client-id", ptyServerID, "--redirect-uri", redirect), func(t *testing.T, term *terminal) {
			term.waitFor("waiting for the browser")
			if !strings.Contains(term.output(), "no browser opened") {
				t.Errorf("no word that the page must be opened by hand:\n%s", term.output())
			}
			// The browser consents and follows the redirect to ztm.
			resp, err := http.Get(consentURLIn(t, term.output()))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}},
		{"device", grantArgs("device", "--grant", "device", "--client-id", ptyDeviceID), func(t *testing.T, term *terminal) {
			term.waitFor(" (valid until ")
			m := userCodeRE.FindStringSubmatch(term.output())
			if m == nil {
				t.Fatalf("no user code shown:\n%s", term.output())
			}
			if err := w.zoho.ApproveDevice(m[1]); err != nil {
				t.Fatal(err)
			}
		}},
		{"client-credentials", grantArgs("cc", "--grant", "client-credentials", "--client-id", ptyCCID), func(*testing.T, *terminal) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term := startOnTerminal(t, w.environ(), tt.args...)
			term.waitFor("Client secret: ")
			term.typeLine(testSecret)
			tt.then(t, term)
			name := tt.args[1]
			term.waitFor("saved " + name + ": access token valid until")
			if code := term.exit(); code != 0 {
				t.Fatalf("exit %d; the terminal shows:\n%s", code, term.output())
			}
			p, ok := w.stored()[name]
			if !ok || p.Token == nil || !w.zoho.ValidAccessToken(p.Token.AccessToken) {
				t.Fatalf("stored %+v", p)
			}
			if (p.Token.RefreshToken == "") != (tt.name == "client-credentials") {
				t.Errorf("refresh token %q for the %s grant", p.Token.RefreshToken, tt.name)
			}
			noSecrets(t, "the terminal", term.output(), testSecret, p.Token.AccessToken, p.Token.RefreshToken)
		})
	}
}

// Ctrl+C while a grant waits (the loopback receiver, device polling) ends
// ztm at once with 130 and saves nothing.
func TestGrantCtrlCWhileWaiting(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the ztm binary")
	}
	w, redirect := newGrantWorld(t)
	before := w.vaultBytes()
	for _, tt := range []struct {
		name, waiting string
		args          []string
	}{
		{"loopback", "waiting for the browser", grantArgs("lb", "--grant", "loopback", "--client-id", ptyServerID, "--redirect-uri", redirect)},
		{"device", "not approved yet", grantArgs("dv", "--grant", "device", "--client-id", ptyDeviceID)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			term := startOnTerminal(t, w.environ(), tt.args...)
			term.waitFor("Client secret: ")
			term.typeLine(testSecret)
			term.waitFor(tt.waiting)
			term.ptmx.Write([]byte{3})
			term.waitFor("interrupted; nothing was changed")
			if code := term.exit(); code != 130 {
				t.Errorf("exit %d after Ctrl+C, want 130:\n%s", code, term.output())
			}
			if !term.echoOn() {
				t.Error("the terminal was left without echo")
			}
			if string(before) != string(w.vaultBytes()) {
				t.Error("the vault changed after Ctrl+C")
			}
		})
	}
}

// A grant that fails says what to do next and saves nothing: a browser
// that never comes back, a sign-in denied on the other device.
func TestGrantFailuresSayTheWayOut(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and runs the ztm binary")
	}
	w, redirect := newGrantWorld(t)
	before := w.vaultBytes()
	term := startOnTerminal(t, w.environ(), grantArgs("lb", "--grant", "loopback", "--client-id", ptyServerID, "--redirect-uri", redirect, "--wait", "1s")...)
	term.waitFor("Client secret: ")
	term.typeLine(testSecret)
	term.waitFor("no answer from the browser within 1s")
	if code := term.exit(); code != 1 || !strings.Contains(term.output(), "try again") {
		t.Errorf("loopback timeout: exit %d:\n%s", code, term.output())
	}

	term = startOnTerminal(t, w.environ(), grantArgs("dv", "--grant", "device", "--client-id", ptyDeviceID)...)
	term.waitFor("Client secret: ")
	term.typeLine(testSecret)
	term.waitFor(" (valid until ")
	m := userCodeRE.FindStringSubmatch(term.output())
	if m == nil {
		t.Fatalf("no user code shown:\n%s", term.output())
	}
	w.zoho.DenyDevice(m[1])
	term.waitFor("denied")
	if code := term.exit(); code != 4 {
		t.Errorf("denied device sign-in: exit %d:\n%s", code, term.output())
	}
	if string(before) != string(w.vaultBytes()) {
		t.Error("a failed grant changed the vault")
	}
}
