package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
	"ztm/ui/app/service"
	"ztm/vault"
	"ztm/vault/pgtest"
)

// The fleet: several `ztm serve` processes, as on several machines, on one
// vault in PostgreSQL. They must behave as one server: any of them
// answers, one of them refreshes.

// newPGFleetWorld is a key-file vault in the PostgreSQL at url, on the wall
// clock (the servers are other processes).
func newPGFleetWorld(t *testing.T, url string) *world {
	t.Helper()
	w := newBareWorld(t, fakezohotest.WallClock())
	if err := os.MkdirAll(w.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	w.env[vault.EnvVault] = url
	w.env[vault.EnvIdentity] = filepath.Join(w.dir, vault.KeyFileIdentity)
	p, err := vault.ResolvePaths("", "", w.getenv)
	if err != nil {
		t.Fatal(err)
	}
	w.paths = p
	v, err := vault.Create(p, vault.CreateOptions{GenerateKeyFile: true}, vault.Options{Now: w.fx.Now})
	if err != nil {
		t.Fatal(err)
	}
	v.Close()
	return w
}

// startFleet starts n ztm serve processes on w's vault and returns their
// URLs; they are killed when the test ends.
func startFleet(t *testing.T, w *world, n int) []string {
	t.Helper()
	bin := ztmBinary(t)
	urls := make([]string, n)
	for i := range urls {
		_, urls[i] = startServe(t, bin, w.environ())
	}
	return urls
}

// fleetClients are reader clients of each server, with one credential.
func fleetClients(t *testing.T, urls []string, cred string) []*service.Client {
	t.Helper()
	cs := make([]*service.Client, len(urls))
	for i, u := range urls {
		c, err := service.NewServerClient(u, cred, nil)
		if err != nil {
			t.Fatal(err)
		}
		cs[i] = c
	}
	return cs
}

type answer struct {
	tok service.Token
	err error
	at  time.Time // when it came
}

// readAtOnce has n readers, released together, ask for profiles[i%len]
// from servers[i%len], and returns what each got.
func readAtOnce(cs []*service.Client, profiles []string, n int) []answer {
	out := make([]answer, n)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out[i].tok, out[i].err = cs[i%len(cs)].Token(ctx, profiles[i%len(profiles)], 0)
			out[i].at = time.Now()
		}()
	}
	close(gate)
	wg.Wait()
	return out
}

// arrivals records when the fake Zoho's refresh count first reached each
// value above its count now, until stop is closed.
func arrivals(z *fakezoho.Cluster, stop <-chan struct{}) func() []time.Time {
	var mu sync.Mutex
	var at []time.Time
	base := z.Requests(fakezoho.EndpointRefresh)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			n := z.Requests(fakezoho.EndpointRefresh) - base
			mu.Lock()
			for len(at) < n {
				at = append(at, time.Now())
			}
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return func() []time.Time {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return at
	}
}

// Three servers on one PostgreSQL, 300 readers spread across them on an
// expired token: one refresh at Zoho, one new token for everybody. Then two
// expired profiles at once: two refreshes, at the same time (a lock per
// profile, not one for the vault).
func TestFleetOfServesRefreshesOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the ztm binary")
	}
	w := newPGFleetWorld(t, pgtest.URL(t))
	old := w.add("crm", expiresIn(-time.Minute))
	w.add("books", expiresIn(-time.Minute))
	w.add("desk", expiresIn(-time.Minute))
	cred := w.grant("fleet", "*")
	cs := fleetClients(t, startFleet(t, w, 3), cred)

	// Zoho takes a moment, so readers on every server arrive while the
	// refresh is in flight.
	w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Delay: 500 * time.Millisecond})
	got := readAtOnce(cs, []string{"crm"}, 300)
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("300 readers on 3 servers made %d refresh calls, want 1", n)
	}
	tok := got[0].tok.AccessToken
	if tok == old.Token.AccessToken || !w.zoho.ValidAccessToken(tok) {
		t.Fatalf("reader 0 got %v (%q), want the new token", got[0].err, tok)
	}
	for i, a := range got {
		if a.err != nil || a.tok.AccessToken != tok {
			t.Fatalf("reader %d (server %d): %v; want the token every other reader got", i, i%3, a.err)
		}
	}
	if stored := w.stored()["crm"].Token.AccessToken; stored != tok {
		t.Errorf("the vault holds another token than the one served")
	}

	const delay = time.Second
	w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Delay: delay, Count: 2})
	stop := make(chan struct{})
	times := arrivals(w.zoho, stop)
	got = readAtOnce(cs, []string{"books", "desk"}, 300)
	close(stop)
	at := times()
	if len(at) != 2 {
		t.Fatalf("300 readers of 2 expired profiles made %d refresh calls, want 2", len(at))
	}
	if gap := at[1].Sub(at[0]); gap >= delay {
		t.Errorf("the second refresh began %v after the first, which takes %v: they did not overlap", gap, delay)
	}
	for i, a := range got {
		if a.err != nil || !w.zoho.ValidAccessToken(a.tok.AccessToken) {
			t.Fatalf("reader %d: %v; want a valid token", i, a.err)
		}
	}
}

// kill -9 of the server holding a refresh (and its advisory lock) while
// Zoho answers: another server's readers, waiting on that lock, get it
// when PostgreSQL sees the connection die, and refresh: one extra call at
// most.
func TestFleetServeKilledHoldingARefresh(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the ztm binary")
	}
	bin := ztmBinary(t)
	w := newPGFleetWorld(t, pgtest.URL(t))
	w.add("crm", expiresIn(-time.Minute))
	cred := w.grant("fleet", "crm")
	holder, hURL := startServe(t, bin, w.environ())
	_, oURL := startServe(t, bin, w.environ())
	cs := fleetClients(t, []string{hURL, oURL}, cred)

	w.zoho.InjectFault(fakezoho.EndpointRefresh, fakezoho.Fault{Delay: 3 * time.Second})
	held := make(chan error, 1)
	go func() { _, err := cs[0].Token(context.Background(), "crm", 0); held <- err }()
	deadline := time.Now().Add(20 * time.Second)
	for w.zoho.Requests(fakezoho.EndpointRefresh) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first server never asked Zoho")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The other server's readers queue behind the holder's lock.
	others := make(chan []answer, 1)
	go func() { others <- readAtOnce(cs[1:], []string{"crm"}, 20) }()
	time.Sleep(200 * time.Millisecond)
	killed := time.Now()
	holder.Process.Kill()
	holder.Wait()
	if err := <-held; service.ExitCode(err) != ExitNetwork {
		t.Errorf("the reader of the killed server got %v, want unreachable", err)
	}
	got := <-others
	for i, a := range got {
		if a.err != nil || !w.zoho.ValidAccessToken(a.tok.AccessToken) || a.tok.AccessToken != got[0].tok.AccessToken {
			t.Fatalf("reader %d of the surviving server: %v; want the one new token", i, a.err)
		}
		if a.at.Before(killed) {
			t.Errorf("reader %d of the other server was answered while the first held the refresh: the servers did not share its lock", i)
		}
	}
	if n := w.zoho.Requests(fakezoho.EndpointRefresh); n > 2 {
		t.Errorf("%d refresh calls, want at most 2 (the killed one and one more)", n)
	}
	if stored := w.stored()["crm"].Token.AccessToken; stored != got[0].tok.AccessToken {
		t.Errorf("the vault holds another token than the one served")
	}
}

// ownCluster is a PostgreSQL of this test's own, which it may stop and
// restart without disturbing the tests that share the package's server.
func ownCluster(t *testing.T) *pgtest.Cluster {
	t.Helper()
	c, err := pgtest.Start()
	if err != nil {
		msg := "no PostgreSQL server binaries to start a cluster this test may restart: " + err.Error()
		if os.Getenv(pgtest.EnvRequire) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(c.Stop)
	return c
}

// isStoreDown says err is what a reader must get for a token that needs the
// vault while its PostgreSQL is away.
func isStoreDown(err error) bool {
	var e *service.Error
	return errors.As(err, &e) && e.Status == 503 && e.Code == service.CodeStoreDown
}
