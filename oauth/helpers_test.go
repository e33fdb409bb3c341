package oauth_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth"
	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
)

// fixture is the shared fake Zoho (with its clock) and an oauth client
// wired to it: the client reads the fixture's clock and sleeps on it, so
// a five-minute device flow takes microseconds.
type fixture struct {
	*fakezohotest.Fixture
	client *oauth.Client
}

// newFixture starts the shared fixture with opts as the fake's options;
// the demo clients stay out, since every test registers its own.
func newFixture(t testing.TB, opts fakezoho.Options) *fixture {
	t.Helper()
	fx := fakezohotest.Start(t, fakezohotest.NoDemoClients(), fakezohotest.WithOptions(func(o *fakezoho.Options) { *o = opts }))
	c := oauth.NewClient(fx.DCs)
	c.Now = fx.Clock.Now
	c.Sleep = fx.Clock.Sleep
	return &fixture{Fixture: fx, client: c}
}

// newProfile registers a client of type typ homed in dc, with redirect as
// its only redirect URI (none when empty), and returns a profile for it,
// pointing at dc's fake accounts server, before any grant.
func (f *fixture) newProfile(t testing.TB, dc string, typ model.ClientType, redirect string, multiDC bool) model.Profile {
	t.Helper()
	cl := f.NewClient(dc, typ, func(c *fakezoho.Client) {
		c.MultiDC, c.RedirectURIs = multiDC, nil
		if redirect != "" {
			c.RedirectURIs = []string{redirect}
		}
	})
	return f.Profile("p-"+strings.ToLower(dc), dc, cl)
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
