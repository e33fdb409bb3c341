package service_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
	"ztm/ui/app/service"
)

func TestReaderSeesOnlyTheProfilesItsGlobsMatch(t *testing.T) {
	w := newWorld(t, worldOpts{profiles: []string{"crm-eu", "crm-us", "books-eu"}})
	w.unlock()
	url := w.serveTCP()
	c := w.client(url, w.grant("ci", []string{"crm-*"}, 0))
	ctx := context.Background()

	tok, err := c.Token(ctx, "crm-eu", 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if want := w.storedToken("crm-eu"); tok.AccessToken != want.AccessToken || !tok.ExpiresAt.Equal(want.ExpiresAt) || tok.DC != "EU" || tok.APIDomain == "" {
		t.Fatalf("served %+v, the vault holds %v until %v", tok, want.AccessToken != "", want.ExpiresAt)
	}
	_, err = c.Token(ctx, "books-eu", 0)
	if service.ExitCode(err) != service.ExitNoProfile || !strings.Contains(err.Error(), "crm-*") {
		t.Fatalf("a profile outside the globs: %v (exit %d), want refused with exit 2", err, service.ExitCode(err))
	}
	var e *service.Error
	if !errors.As(err, &e) || e.Status != http.StatusForbidden {
		t.Fatalf("a profile outside the globs answered %v, want 403", err)
	}
	ps, err := c.Profiles(ctx)
	if err != nil || len(ps) != 2 || ps[0].Name != "crm-eu" || ps[1].Name != "crm-us" {
		t.Fatalf("/v1/profiles = %+v, %v; want crm-eu and crm-us only", ps, err)
	}
}

func TestCredentialsMissingWrongExpiredOrRevokedAreRefused(t *testing.T) {
	w := newWorld(t, worldOpts{profiles: []string{"crm-eu"}})
	w.unlock()
	url := w.serveTCP()
	ctx := context.Background()
	good := w.grant("ci", []string{"*"}, 0)
	short := w.grant("temp", []string{"*"}, time.Hour)

	for _, cred := range []string{good, short} {
		if _, err := w.client(url, cred).Token(ctx, "crm-eu", 0); err != nil {
			t.Fatalf("a live credential was refused: %v", err)
		}
	}
	resp, err := http.Get(url + "/v1/token/crm-eu")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no credential: HTTP %d, want 401", resp.StatusCode)
	}
	if _, err := w.client(url, good+"x").Token(ctx, "crm-eu", 0); service.ExitCode(err) != service.ExitAuth {
		t.Fatalf("a mistyped credential: %v (exit %d), want exit 3", err, service.ExitCode(err))
	}

	w.clk.Advance(time.Hour + time.Second)
	_, err = w.client(url, short).Token(ctx, "crm-eu", 0)
	if service.ExitCode(err) != service.ExitAuth || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("an expired credential: %v, want refused as expired", err)
	}

	// Revoked by another process while the server runs.
	if err := service.Revoke(ctx, w.openVault(), "ci"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.client(url, good).Token(ctx, "crm-eu", 0); service.ExitCode(err) != service.ExitAuth {
		t.Fatalf("a revoked credential: %v, want exit 3", err)
	}
	list, err := service.Grants(w.openVault())
	if err != nil || len(list) != 1 || list[0].Name != "temp" || !list[0].Expired(w.clk.Now()) {
		t.Fatalf("grants after revoking ci: %+v, %v", list, err)
	}
}

func TestGrantWhileServingIsSeenAtOnce(t *testing.T) {
	w := newWorld(t, worldOpts{profiles: []string{"crm-eu"}})
	w.unlock()
	url := w.serveTCP()
	w.grant("first", []string{"*"}, 0)
	late := w.grant("late", []string{"crm-eu"}, 0)
	if _, err := w.client(url, late).Token(context.Background(), "crm-eu", 0); err != nil {
		t.Fatalf("a credential granted while the server runs: %v", err)
	}
}

func TestTLSIsRequiredOffLoopback(t *testing.T) {
	if _, err := service.ListenTCP("0.0.0.0:0", "", ""); !errors.Is(err, service.ErrTLSRequired) {
		t.Fatalf("listening on all interfaces without TLS: %v, want ErrTLSRequired", err)
	}
	if _, err := service.ListenTCP(":0", "", ""); !errors.Is(err, service.ErrTLSRequired) {
		t.Fatalf("listening on :0 without TLS: %v, want ErrTLSRequired", err)
	}
	cert, key := selfSigned(t)
	ln, err := service.ListenTCP("0.0.0.0:0", cert, key)
	if err != nil {
		t.Fatalf("with a certificate: %v", err)
	}
	defer ln.Close()
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") }))
	port := ln.Addr().String()[strings.LastIndex(ln.Addr().String(), ":"):]
	if resp, err := http.Get("http://127.0.0.1" + port + "/"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) == "hi" {
			t.Fatal("a TLS listener served plain HTTP")
		}
	}
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(cert)
	pool.AppendCertsFromPEM(pem)
	tc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := tc.Get("https://127.0.0.1" + port + "/")
	if err != nil {
		t.Fatalf("over TLS: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hi" {
		t.Fatalf("over TLS the server answered %q", b)
	}
	ln2, err := service.ListenTCP("127.0.0.1:0", "", "")
	if err != nil {
		t.Fatalf("loopback without TLS: %v", err)
	}
	ln2.Close()
}

func TestAThousandReadersOfAnExpiredTokenMakeOneRefresh(t *testing.T) {
	w := newWorld(t, worldOpts{profiles: []string{"crm-eu"}, latency: 200 * time.Millisecond})
	w.unlock()
	url := w.serveTCP()
	cred := w.grant("ci", []string{"*"}, 0)
	w.clk.Advance(2 * time.Hour)
	before := w.zoho.Requests(fakezoho.EndpointRefresh)

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1000}, Timeout: time.Minute}
	c, err := service.NewServerClient(url, cred, hc)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	toks := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.Token(context.Background(), "crm-eu", time.Minute)
			toks[i], errs[i] = tok.AccessToken, err
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || toks[i] != toks[0] {
			t.Fatalf("reader %d: %v (same token as reader 0: %v)", i, errs[i], toks[i] == toks[0])
		}
	}
	if got := w.zoho.Requests(fakezoho.EndpointRefresh) - before; got != 1 {
		t.Fatalf("%d readers made %d refreshes at Zoho, want 1", n, got)
	}
	if !w.zoho.ValidAccessToken(toks[0]) {
		t.Fatal("the token served is not one Zoho accepts")
	}
}

// throttled is Zoho's answer when a refresh token is over its budget.
var throttled = fakezoho.Fault{Status: 400, Body: `{"error":"Access Denied","error_description":"You have made too many requests continuously. Please try again after some time.","status":"failure"}`}

func TestARefusalIsSharedAndRemembered(t *testing.T) {
	w := newWorld(t, worldOpts{profiles: []string{"crm-eu"}, latency: 100 * time.Millisecond})
	w.unlock()
	url := w.serveTCP()
	c := w.client(url, w.grant("ci", []string{"*"}, 0))
	w.clk.Advance(2 * time.Hour)
	w.zoho.InjectFault(fakezoho.EndpointRefresh, throttled)
	before := w.zoho.Requests(fakezoho.EndpointRefresh)

	var wg sync.WaitGroup
	codes := make([]int, 50)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Token(context.Background(), "crm-eu", 0)
			codes[i] = service.ExitCode(err)
		}()
	}
	wg.Wait()
	// Within the back-off window Zoho is not asked again, although it
	// would now answer.
	w.clk.Advance(service.DefaultBackoff / 2)
	_, err := c.Token(context.Background(), "crm-eu", 0)
	codes = append(codes, service.ExitCode(err))
	for i, code := range codes {
		if code != service.ExitZoho {
			t.Fatalf("reader %d exited %d, want %d (Zoho refused)", i, code, service.ExitZoho)
		}
	}
	var e *service.Error
	if !errors.As(err, &e) || e.Status != http.StatusTooManyRequests {
		t.Fatalf("a throttled refresh answered %v, want HTTP 429", err)
	}
	if got := w.zoho.Requests(fakezoho.EndpointRefresh) - before; got != 1 {
		t.Fatalf("refreshes asked of Zoho: %d, want 1", got)
	}
	// Zoho's throttle lasts 10 minutes; the vault remembers it that long
	// for every process, the service's own back-off included.
	w.clk.Advance(10 * time.Minute)
	if _, err := c.Token(context.Background(), "crm-eu", 0); err != nil {
		t.Fatalf("after the throttle window: %v", err)
	}
}

func TestTokensAskedForAreRefreshedAheadOfTime(t *testing.T) {
	w := newWorld(t, worldOpts{profiles: []string{"asked", "ignored"}})
	w.unlock()
	url := w.serveTCP()
	c := w.client(url, w.grant("ci", []string{"*"}, 0))
	old, err := c.Token(context.Background(), "asked", 0)
	if err != nil {
		t.Fatal(err)
	}
	before := w.zoho.Requests(fakezoho.EndpointRefresh)
	w.svc.Tick(context.Background())
	if got := w.zoho.Requests(fakezoho.EndpointRefresh); got != before {
		t.Fatalf("a token with an hour left was refreshed early (%d refreshes)", got-before)
	}
	w.clk.Advance(time.Hour - 3*time.Minute)
	w.svc.Tick(context.Background())
	if got := w.zoho.Requests(fakezoho.EndpointRefresh) - before; got != 1 {
		t.Fatalf("%d early refreshes, want 1 (for the profile asked for only)", got)
	}
	if w.storedToken("asked").AccessToken == old.AccessToken || w.storedToken("ignored").ExpiresAt.After(w.clk.Now().Add(5*time.Minute)) {
		t.Fatal("the early refresh did not renew the profile asked for, or renewed the other one")
	}
	// Not asked for within the last hour: no longer kept fresh.
	w.clk.Advance(2 * time.Hour)
	before = w.zoho.Requests(fakezoho.EndpointRefresh)
	w.svc.Tick(context.Background())
	if got := w.zoho.Requests(fakezoho.EndpointRefresh); got != before {
		t.Fatal("a profile nobody asked for in an hour was refreshed")
	}
}

func TestMetricsAndLogsNeverCarryASecret(t *testing.T) {
	w := newWorld(t, worldOpts{profiles: []string{"crm-eu", "books-eu"}})
	w.unlock()
	url := w.serveTCP()
	cred := w.grant("ci", []string{"crm-*"}, 0)
	c := w.client(url, cred)
	ctx := context.Background()
	w.clk.Advance(2 * time.Hour)
	tok, err := c.Token(ctx, "crm-eu", 0) // a refresh
	if err != nil {
		t.Fatal(err)
	}
	c.Token(ctx, "crm-eu", 0)   // from memory
	c.Token(ctx, "books-eu", 0) // not allowed
	c.Token(ctx, "nosuch-x", 0) // not allowed either
	w.client(url, cred+"zz").Token(ctx, "crm-eu", 0)
	w.secrets = append(w.secrets, tok.AccessToken)

	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	metrics := string(body)
	for _, want := range []string{
		`ztm_token_requests_total{profile="crm-eu",result="ok"} 2`,
		`ztm_token_requests_total{profile="-",result="not_allowed"} 2`,
		`ztm_token_requests_total{profile="-",result="unauthorized"} 1`,
		`ztm_refreshes_total{profile="crm-eu"} 1`,
		`ztm_refresh_budget_used{profile="crm-eu"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	logs := w.log.String()
	if n := strings.Count(logs, `"msg":"token"`); n != 5 {
		t.Errorf("%d token log lines, want one per request (5)", n)
	}
	if !strings.Contains(logs, `"reader":"ci","profile":"crm-eu","result":"ok"`) {
		t.Errorf("the log does not name the reader, profile and result:\n%s", logs)
	}
	for _, s := range w.secrets {
		if strings.Contains(metrics, s) {
			t.Errorf("/metrics carries a secret (%d chars)", len(s))
		}
		if strings.Contains(logs, s) {
			t.Errorf("the log carries a secret (%d chars)", len(s))
		}
	}
}

func TestErrorsMapToTheCommandLinesExitCodes(t *testing.T) {
	w := newWorld(t, worldOpts{profiles: []string{"crm-eu"}})
	w.unlock()
	url := w.serveTCP()
	c := w.client(url, w.grant("ci", []string{"*"}, 0))
	ctx := context.Background()
	if _, err := c.Token(ctx, "nosuch", 0); service.ExitCode(err) != service.ExitNoProfile {
		t.Errorf("no such profile: %v, exit %d", err, service.ExitCode(err))
	}
	w.zoho.RevokeAll(clientID, fakezoho.DefaultUser("EU"))
	w.clk.Advance(2 * time.Hour)
	if _, err := c.Token(ctx, "crm-eu", 0); service.ExitCode(err) != service.ExitZoho {
		t.Errorf("a revoked refresh token: %v, exit %d", err, service.ExitCode(err))
	}
	dead := w.client("http://127.0.0.1:1", "x")
	if _, err := dead.Token(ctx, "crm-eu", 0); service.ExitCode(err) != service.ExitNetwork || !errors.Is(err, service.ErrUnreachable) {
		t.Errorf("no server: %v, exit %d", err, service.ExitCode(err))
	}
}
