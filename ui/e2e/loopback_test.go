package e2e

import (
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/vault"
)

// loopbackClientID is a server-based client registered for this test with
// a redirect on a free port.
const loopbackClientID = "1000.E2ELOOPBACK00000000000"

// freePort finds a TCP port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestLoopbackGrant: in a vault made by `ztm vault init --key-file`, the
// user adds a server-based profile whose redirect ztm catches on localhost.
// ztm opens the browser on the consent page; Zoho sends the browser back to
// ztm's receiver, which shows the success page; ztm exchanges the code and
// the profile lands on the dashboard with a token.
func TestLoopbackGrant(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const name = "desk-us"
	port := freePort(t)
	redirect := "http://localhost:" + strconv.Itoa(port) + "/callback"
	f.zoho.AddClient(fakezoho.Client{ID: loopbackClientID, Secret: fakezoho.DemoSecret, Type: model.ServerClient,
		MultiDC: true, RedirectURIs: []string{redirect}})

	out, status := f.ztm(f.env, "vault", "init", "--key-file")
	if status != 0 || !strings.Contains(out, "created "+f.paths.Vault) {
		t.Fatalf("ztm vault init --key-file: exit %d: %s", status, out)
	}

	tm := startTerm(t, f.env)
	tm.waitFor("No profiles yet.", 10*time.Second)
	tm.keys("a")
	tm.waitFor("Add a profile · step 1 of 5: Name and data center", 5*time.Second)
	tm.typeText(name)
	tm.keys("Tab")
	tm.chooseInList("●", "US  United States", 12)
	tm.keys("Enter")

	tm.waitFor("step 2 of 5: Client type", 5*time.Second)
	tm.chooseInList("●", "Server-based, ztm catches the redirect", 4)
	tm.keys("Enter")

	// The register step asks for the port of the registered redirect.
	tm.waitFor("step 3 of 5: Register the client", 5*time.Second)
	tm.keys("End", "C-u")
	tm.typeText(strconv.Itoa(port))
	tm.waitFor("register exactly: "+redirect, 5*time.Second)
	tm.keys("Tab")
	tm.typeText(loopbackClientID)
	tm.keys("Tab")
	tm.typeText(fakezoho.DemoSecret)
	tm.keys("Enter")

	tm.waitFor("step 4 of 5: Scopes", 5*time.Second)
	tm.keys("Enter") // AaaServer.profile.READ, the default

	// ztm listens, opens the browser, and the browser comes back to it:
	// too fast to watch; the browser's log below shows the round trip.
	s := tm.waitFor("✓ "+name+" is ready.", 20*time.Second)
	for _, want := range []string{"Account: " + fakezoho.DefaultUser("US")} {
		if !strings.Contains(s, want) {
			t.Errorf("the done page lacks %q:\n%s", want, frame(s))
		}
	}
	v := f.waitVisits(1, slow(5*time.Second))[0]
	consent, err := url.Parse(v.Start)
	if err != nil || consent.Host != strings.TrimPrefix(f.zoho.URL("US"), "http://") || consent.Path != "/oauth/v2/auth" ||
		consent.Query().Get("client_id") != loopbackClientID || consent.Query().Get("redirect_uri") != redirect {
		t.Errorf("the browser was opened on %s, want the US consent page for %s", v.Start, redirect)
	}
	final, _ := url.Parse(v.Final)
	if v.Status != 200 || final == nil || final.Host != "localhost:"+strconv.Itoa(port) ||
		!strings.Contains(v.Body, "Signed in: back to the terminal") {
		t.Errorf("the browser ended on %s with %d, want ztm's success page:\n%.400s", v.Final, v.Status, v.Body)
	}

	tm.keys("Enter")
	s = tm.waitUntil("the dashboard to show "+name+" counting down from 59m", slow(5*time.Second), func(s string) bool {
		return strings.Contains(lineWith(s, name+" "), " 59m ")
	})
	if row := lineWith(s, name+" "); !strings.Contains(row, " US ") || !strings.Contains(row, fakezoho.DefaultUser("US")) {
		t.Errorf("dashboard row: %q", row)
	}
	if n := f.zoho.Requests(fakezoho.EndpointExchange); n != 1 {
		t.Errorf("%d code exchanges, want 1", n)
	}

	// The receiver is closed once the grant is in.
	if ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port)); err != nil {
		t.Errorf("port %d still taken after the grant: %v", port, err)
	} else {
		ln.Close()
	}

	p, err := f.openVault(filepath.Join(f.paths.Dir, vault.KeyFileIdentity), "").Profile(name)
	if err != nil {
		t.Fatal(err)
	}
	if p.ClientType != model.ServerClient || p.RedirectURI != redirect || p.DC != "US" || p.Token == nil ||
		!f.zoho.ValidAccessToken(p.Token.AccessToken) || !f.zoho.ValidRefreshToken(p.Token.RefreshToken) {
		t.Errorf("stored profile: %+v, token %+v", p, p.Token)
	}
}
