package service_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
	"ztm/ui/app/service"
	"ztm/vault/pgtest"
)

// TestServeRidesOutAPostgresRestart: a token server on a team vault keeps
// handing out the tokens it holds while PostgreSQL is down, answers 503
// with the reason for a token that needs the store, and serves it again
// once PostgreSQL is back, by itself.
func TestServeRidesOutAPostgresRestart(t *testing.T) {
	cluster, err := pgtest.Start()
	if err != nil {
		if os.Getenv("ZTM_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("no PostgreSQL to restart: %v", err)
		}
		t.Skipf("no PostgreSQL to restart here (%v); CI runs this test", err)
	}
	t.Cleanup(cluster.Stop)
	w := newWorld(t, worldOpts{profiles: []string{"valid", "stale"}, postgres: cluster.URL})
	w.unlock()
	url := w.serveTCP()
	c := w.client(url, w.grant("ci", []string{"*"}, 0))
	ctx := context.Background()
	if _, err := c.Token(ctx, "valid", time.Minute); err != nil {
		t.Fatalf("before the restart: %v", err)
	}
	// "stale" needs a refresh; "valid" keeps 40 minutes.
	w.clk.Advance(20 * time.Minute)
	w.zoho.ExpireAccessToken(w.storedToken("stale").AccessToken)
	before := w.zoho.Requests(fakezoho.EndpointRefresh)

	if err := cluster.StopServer(); err != nil {
		t.Fatal(err)
	}
	if tok, err := c.Token(ctx, "valid", time.Minute); err != nil || tok.AccessToken == "" {
		t.Fatalf("a valid token was not served while PostgreSQL was down: %v", err)
	}
	_, err = c.Token(ctx, "stale", 45*time.Minute)
	var e *service.Error
	if !errors.As(err, &e) || e.Status != http.StatusServiceUnavailable || e.Code != service.CodeStoreDown {
		t.Fatalf("a token that needs the store answered %v, want 503 %s", err, service.CodeStoreDown)
	}
	if service.ExitCode(err) != service.ExitNetwork {
		t.Fatalf("exit code %d, want %d", service.ExitCode(err), service.ExitNetwork)
	}

	if err := cluster.Restart(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	for {
		tok, err := c.Token(ctx, "stale", 45*time.Minute)
		if err == nil && tok.AccessToken != "" {
			break
		}
		if time.Since(back) > 5*time.Second {
			t.Fatalf("not recovered 5 s after PostgreSQL returned: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := w.zoho.Requests(fakezoho.EndpointRefresh) - before; n != 1 {
		t.Fatalf("%d refreshes at Zoho across the outage, want 1", n)
	}
}
