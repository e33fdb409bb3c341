package service_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
	"ztm/ui/app"
	"ztm/ui/app/service"
	"ztm/vault"
)

// proxyWorld is a vault of seeded profiles whose api_domain is the fake's
// API host, a service unlocked on it and its proxy on loopback.
type proxyWorld struct {
	t     testing.TB
	f     *fakezohotest.Fixture
	svc   *service.Service
	paths vault.Paths
	url   string
	log   *syncBuffer
	ps    map[string]model.Profile
}

// newProxyWorld seeds names in EU, each with its own client (so its own
// refresh budget), with access tokens that have left to live.
func newProxyWorld(t testing.TB, po service.ProxyOptions, left time.Duration, names ...string) *proxyWorld {
	t.Helper()
	return newProxyWorldWith(t, po, nil, left, names...)
}

// newProxyWorldWith is newProxyWorld with the fake tuned (latency).
func newProxyWorldWith(t testing.TB, po service.ProxyOptions, tune func(*fakezoho.Options), left time.Duration, names ...string) *proxyWorld {
	t.Helper()
	opts := []fakezohotest.Option{fakezohotest.LocalAPI(), fakezohotest.NoDemoClients()}
	if tune != nil {
		opts = append(opts, fakezohotest.WithOptions(tune))
	}
	f := fakezohotest.Start(t, opts...)
	dir := filepath.Join(t.TempDir(), "v")
	paths := vault.Paths{Dir: dir, Vault: filepath.Join(dir, vault.VaultFile), Lock: filepath.Join(dir, vault.VaultFile+".lock"),
		Identity: filepath.Join(dir, vault.KeyFileIdentity)}
	v, err := vault.Create(paths, vault.CreateOptions{GenerateKeyFile: true}, vault.Options{Now: f.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	w := &proxyWorld{t: t, f: f, paths: paths, log: &syncBuffer{}, ps: map[string]model.Profile{}}
	err = v.Update(context.Background(), func(tx *vault.Tx) error {
		for _, n := range names {
			p := f.SeededProfile(n, "EU", model.SelfClient, left, "ZohoCRM.modules.ALL", "ZohoBooks.fullaccess.all")
			w.ps[n] = p
			if err := tx.CreateProfile(&p); err != nil {
				return err
			}
		}
		return nil
	})
	v.Close()
	if err != nil {
		t.Fatal(err)
	}
	env := app.Env{Now: f.Clock.Now, Getenv: func(k string) string {
		if k == "ZTM_DATACENTERS" {
			return f.DataCentersFile()
		}
		return ""
	}}
	w.svc = service.New(service.Options{Env: env, Paths: paths, Tick: make(chan time.Time), Log: slog.New(slog.NewJSONHandler(w.log, nil))})
	if err := w.svc.Unlock(nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.svc.Lock)
	srv := httptest.NewServer(w.svc.Proxy(po))
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return w
}

// do sends one request through the proxy and reads the whole answer.
func (w *proxyWorld) do(method, path string, body io.Reader, hdr ...string) (int, string) {
	w.t.Helper()
	req, err := http.NewRequest(method, w.url+path, body)
	if err != nil {
		w.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// noSecretsIn fails if the log shows a token of any profile.
func (w *proxyWorld) noSecretsIn(what, s string) {
	w.t.Helper()
	for _, p := range w.ps {
		for _, sec := range []string{p.Token.AccessToken, p.Token.RefreshToken, p.ClientSecret} {
			if strings.Contains(s, sec) {
				w.t.Errorf("%s shows a secret of %s", what, p.Name)
			}
		}
	}
}

func TestProxyForwardsToTheAPIDomainWithTheProfilesToken(t *testing.T) {
	w := newProxyWorld(t, service.ProxyOptions{}, time.Hour, "crm")
	status, body := w.do("GET", "/crm/crm/v8/Leads?per_page=3&page=1", nil, "Authorization", "Zoho-oauthtoken someone-elses-token", "Cookie", "session=x")
	if status != 200 || !strings.Contains(body, `"Leads 0001"`) || strings.Contains(body, `"Leads 0004"`) {
		t.Fatalf("status %d body %.300s", status, body)
	}
	lines := strings.Split(strings.TrimSpace(w.log.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines for one request, want 1:\n%s", len(lines), w.log)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatal(err)
	}
	if line["method"] != "GET" || line["profile"] != "crm" || line["path"] != "/crm/crm/v8/Leads?page&per_page" || line["status"] != 200.0 || line["ms"] == nil {
		t.Errorf("log line %s", lines[0])
	}
	w.noSecretsIn("the log", w.log.String())
}

func TestProxyProfileFlagMapsTheRootToOneProfile(t *testing.T) {
	w := newProxyWorld(t, service.ProxyOptions{Profile: "books"}, time.Hour, "books")
	status, body := w.do("GET", "/books/v3/organizations", nil)
	if status != 200 || !strings.Contains(body, "Fake Books EU") {
		t.Fatalf("status %d body %s", status, body)
	}
}

func TestProxyUnknownProfileIsA404InTheServicesShape(t *testing.T) {
	w := newProxyWorld(t, service.ProxyOptions{}, time.Hour, "crm")
	status, body := w.do("GET", "/nope/crm/v8/org", nil)
	if status != 404 || !strings.Contains(body, `"code":"no_profile"`) {
		t.Fatalf("status %d body %s", status, body)
	}
	if status, _ := w.do("GET", "/", nil); status != 404 {
		t.Fatalf("/ answered %d", status)
	}
}

func TestProxy200ConcurrentRequestsOnTenExpiredProfilesRefreshTenTimes(t *testing.T) {
	var names []string
	for i := range 10 {
		names = append(names, fmt.Sprintf("org-%02d", i))
	}
	w := newProxyWorld(t, service.ProxyOptions{}, -time.Minute, names...)
	var wg sync.WaitGroup
	errs := make(chan string, 200)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(w.url + "/" + names[i%10] + "/crm/v8/org")
			if err != nil {
				errs <- err.Error()
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- resp.Status
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointRefresh); n != 10 {
		t.Errorf("%d refreshes for 10 expired profiles, want exactly 10", n)
	}
}

func TestProxyRevokedMidRunTriesOneRefreshThenErrsForEveryRequest(t *testing.T) {
	w := newProxyWorld(t, service.ProxyOptions{}, time.Hour, "crm")
	if status, _ := w.do("GET", "/crm/crm/v8/org", nil); status != 200 {
		t.Fatalf("before the revoke: %d", status)
	}
	p := w.ps["crm"]
	w.f.Zoho.RevokeRefreshToken(p.Token.RefreshToken)
	w.f.Zoho.ExpireAccessToken(p.Token.AccessToken)
	var wg sync.WaitGroup
	var mu sync.Mutex
	bodies := map[string]int{}
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, body := w.do("GET", "/crm/crm/v8/org", nil)
			mu.Lock()
			bodies[fmt.Sprint(status, " ", body)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	for b := range bodies {
		if !strings.HasPrefix(b, "502 ") || !strings.Contains(b, "dead") || !strings.Contains(b, `"code":"revoked"`) {
			t.Errorf("an answer after the revoke: %s", b)
		}
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refresh attempts after the revoke, want 1", n)
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointCRMOrg); n != 21 {
		t.Errorf("%d API calls, want 21 (no retry without a new token)", n)
	}
	w.noSecretsIn("the log", w.log.String())
}

func TestProxyDeadTokenIsRenewedAndASmallBodySentAgain(t *testing.T) {
	w := newProxyWorld(t, service.ProxyOptions{}, time.Hour, "crm")
	w.f.Zoho.ExpireAccessToken(w.ps["crm"].Token.AccessToken)
	status, body := w.do("POST", "/crm/crm/v8/Leads", strings.NewReader(`{"data":[{"Last_Name":"Ada"}]}`), "Content-Type", "application/json")
	if status != 201 || !strings.Contains(body, "record added") {
		t.Fatalf("status %d body %s", status, body)
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	if !strings.Contains(w.log.String(), `"renewed":true`) {
		t.Errorf("the log does not say the token was renewed:\n%s", w.log)
	}
}

func TestProxyLargeBodyIsNotReplayedButTheTokenIsRenewed(t *testing.T) {
	w := newProxyWorld(t, service.ProxyOptions{MaxReplay: 1024}, time.Hour, "crm")
	w.f.Zoho.ExpireAccessToken(w.ps["crm"].Token.AccessToken)
	status, body := w.do("POST", "/crm/crm/v8/files", bytes.NewReader(make([]byte, 4096)))
	if status != 401 || !strings.Contains(body, "INVALID_TOKEN") {
		t.Fatalf("status %d body %s, want Zoho's 401 passed on", status, body)
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointCRMUpload); n != 1 {
		t.Errorf("%d uploads, want 1: the body was not kept", n)
	}
	if status, _ := w.do("POST", "/crm/crm/v8/files", bytes.NewReader(make([]byte, 4096))); status/100 != 2 {
		t.Errorf("the caller's own retry got %d", status)
	}
	if n := w.f.Zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

func TestProxyReadersNeedACredentialThatCoversTheProfile(t *testing.T) {
	w := newProxyWorld(t, service.ProxyOptions{Readers: true}, time.Hour, "crm", "books")
	v := openVaultAt(t, w.paths, w.f.Clock.Now)
	cred, err := service.Grant(context.Background(), v, "ci", service.GrantOptions{Globs: []string{"crm"}})
	v.Close()
	if err != nil {
		t.Fatal(err)
	}
	if status, body := w.do("GET", "/crm/crm/v8/org", nil); status != 401 || !strings.Contains(body, "reader credential") {
		t.Errorf("no credential: %d %s", status, body)
	}
	if status, _ := w.do("GET", "/crm/crm/v8/org", nil, "Authorization", "Bearer ztmr_wrong"); status != 401 {
		t.Errorf("a wrong credential: %d", status)
	}
	if status, _ := w.do("GET", "/crm/crm/v8/org", nil, "Authorization", "Bearer "+cred); status != 200 {
		t.Errorf("a good credential: %d", status)
	}
	if status, _ := w.do("GET", "/crm/crm/v8/org", nil, "Authorization", "Zoho-oauthtoken "+cred); status != 200 {
		t.Errorf("a good credential where an SDK puts its token: %d", status)
	}
	if status, _ := w.do("GET", "/books/books/v3/organizations", nil, "Authorization", "Bearer "+cred); status != 403 {
		t.Errorf("a profile outside the credential's globs: %d", status)
	}
	if strings.Contains(w.log.String(), cred) {
		t.Error("the log shows the reader credential")
	}
}

func TestProxyOffLoopbackNeedsTLS(t *testing.T) {
	_, err := service.ListenTCP("0.0.0.0:0", "", "")
	if !errors.Is(err, service.ErrTLSRequired) {
		t.Fatalf("err = %v, want ErrTLSRequired", err)
	}
}

func openVaultAt(t testing.TB, p vault.Paths, now func() time.Time) *vault.Vault {
	t.Helper()
	key, err := vault.LoadKey(p.Identity, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vault.Open(p, key, vault.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// heapPeak runs fn while sampling the heap, and returns the most it grew
// above where it started.
func heapPeak(fn func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	done := make(chan struct{})
	go func() { fn(); close(done) }()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			if peak < base {
				return 0
			}
			return peak - base
		case <-tick.C:
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
}

// streamSize is what the streaming tests send: 200 MB, or 20 in -short.
func streamSize() int64 {
	if testing.Short() {
		return 20 << 20
	}
	return 200 << 20
}

// heapBound is how much the heap may grow while a stream goes through:
// a few buffers per hop, nowhere near the body's size.
const heapBound = 24 << 20

func TestProxyStreamsALargeDownloadInFlatMemory(t *testing.T) {
	w := newProxyWorld(t, service.ProxyOptions{}, time.Hour, "crm")
	size := streamSize()
	var got int64
	var bad error
	grew := heapPeak(func() {
		resp, err := http.Get(fmt.Sprintf("%s/crm/crm/v8/files?size=%d", w.url, size))
		if err != nil {
			bad = err
			return
		}
		defer resp.Body.Close()
		buf := make([]byte, 64<<10)
		for {
			n, err := resp.Body.Read(buf)
			for i := range n {
				if buf[i] != fakezoho.DownloadByte(got+int64(i)) {
					bad = fmt.Errorf("byte %d is wrong", got+int64(i))
					return
				}
			}
			got += int64(n)
			if err != nil {
				return
			}
		}
	})
	if bad != nil || got != size {
		t.Fatalf("got %d of %d bytes: %v", got, size, bad)
	}
	if grew > heapBound {
		t.Errorf("the heap grew %d MiB while %d MiB streamed through", grew>>20, size>>20)
	}
	t.Logf("heap grew %.1f MiB while %d MiB streamed down", float64(grew)/(1<<20), size>>20)
}

// zeroReader is an endless body of zeros that holds nothing.
type zeroReader struct{ left int64 }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.left == 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > z.left {
		n = z.left
	}
	clear(p[:n])
	z.left -= n
	return int(n), nil
}

func TestProxyStreamsALargeUploadInFlatMemory(t *testing.T) {
	w := newProxyWorld(t, service.ProxyOptions{}, time.Hour, "crm")
	size := streamSize()
	var status int
	grew := heapPeak(func() {
		req, _ := http.NewRequest("POST", w.url+"/crm/crm/v8/files", &zeroReader{left: size})
		req.ContentLength = size
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
	})
	if status/100 != 2 || w.f.Zoho.UploadedBytes() != size {
		t.Fatalf("status %d, the fake read %d of %d bytes", status, w.f.Zoho.UploadedBytes(), size)
	}
	if grew > heapBound {
		t.Errorf("the heap grew %d MiB while %d MiB streamed through", grew>>20, size>>20)
	}
	t.Logf("heap grew %.1f MiB while %d MiB streamed up", float64(grew)/(1<<20), size>>20)
}

// A profile used only through the proxy, whose requests take its token
// from the proxy's memory, is still one the service refreshes ahead of
// expiry: the cache tells the service it is in use (once a minute at most).
func TestProxyRequestsFromItsCacheKeepTheProfileRefreshedAhead(t *testing.T) {
	w := newProxyWorld(t, service.ProxyOptions{}, 3*time.Hour, "crm")
	for _, step := range []time.Duration{0, 2 * time.Hour} {
		w.f.Clock.Advance(step)
		if status, body := w.do("GET", "/crm/crm/v8/org", nil); status != 200 {
			t.Fatalf("after %v: status %d body %.200s", step, status, body)
		}
	}
	// The last request was within the hour; the token's first was not.
	w.f.Clock.Advance(time.Hour - app.KeepAliveLead/2)
	w.svc.Tick(context.Background())
	if n := w.f.Zoho.Requests(fakezoho.EndpointRefresh); n != 1 {
		t.Fatalf("%d refreshes by the tick %v before expiry, want 1", n, app.KeepAliveLead/2)
	}
}
