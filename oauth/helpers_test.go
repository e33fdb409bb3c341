package oauth_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/oauth/fakezoho"
)

// clock is a fake clock shared by the client and the fake Zoho; its Sleep
// advances time instantly, so a five-minute device flow takes microseconds.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

// fixture is a fake Zoho with a client wired to it.
type fixture struct {
	z      *fakezoho.Cluster
	clock  *clock
	client *oauth.Client
	dcs    model.DataCenters
	n      int
}

func newFixture(t testing.TB, opts fakezoho.Options) *fixture {
	t.Helper()
	clk := newClock()
	if opts.Now == nil {
		opts.Now = clk.Now
	}
	z := fakezoho.New(opts)
	t.Cleanup(z.Close)
	dcs := z.DataCenters()
	c := oauth.NewClient(dcs)
	c.Now = clk.Now
	c.Sleep = clk.Sleep
	return &fixture{z: z, clock: clk, client: c, dcs: dcs}
}

var testScopes = []string{"ZohoCRM.modules.ALL", "AaaServer.profile.READ"}

// newProfile registers a client of type typ homed in dc and returns a
// profile for it, pointing at dc's fake accounts server.
func (f *fixture) newProfile(t testing.TB, dc string, typ model.ClientType, redirect string, multiDC bool) model.Profile {
	t.Helper()
	f.n++
	id := fmt.Sprintf("1000.%s%s%08d", strings.ToUpper(string(typ)), dc, f.n)
	secret := "secret-" + strconv.Itoa(f.n) + "-0123456789abcdef"
	cl := fakezoho.Client{ID: id, Secret: secret, Type: typ, HomeDC: dc, MultiDC: multiDC}
	if redirect != "" {
		cl.RedirectURIs = []string{redirect}
	}
	f.z.AddClient(cl)
	return model.Profile{
		Name: "p-" + strings.ToLower(dc), DC: dc, AccountsServer: f.z.URL(dc),
		ClientType: typ, ClientID: id, ClientSecret: secret, RedirectURI: redirect,
		Scopes: append([]string(nil), testScopes...), Consent: model.UserConsent,
	}
}

// followConsent opens a consent URL like a browser whose user presses
// Accept, following Zoho's own redirects but not the final one to the
// redirect URI; it returns where the browser would land.
func followConsent(t testing.TB, consentURL string) string {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if req.URL.Hostname() != "127.0.0.1" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := hc.Get(consentURL)
	if err != nil {
		t.Fatalf("consent: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("consent answered %d, want a redirect: %s", resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// freePort finds a loopback port nobody listens on right now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// assertNoSecrets fails if any secret shows in text (an error message, a
// URL, a log line).
func assertNoSecrets(t testing.TB, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("a secret (%s) leaked into %q", model.Redact(s), text)
		}
	}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}
