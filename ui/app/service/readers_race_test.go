package service_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"ztm/ui/app/service"
	"ztm/vault"
	"ztm/vault/pgtest"
)

// TestServeAcceptsACredentialGrantedJustNow: a token server on a team
// vault learns of a grant by a PostgreSQL notification, which arrives a
// few milliseconds after the grant is saved. A credential used at once,
// before that word arrives, must be accepted all the same. The word is
// held back here for certain by cutting the server's listening session
// before the grant (it reconnects half a second later).
func TestServeAcceptsACredentialGrantedJustNow(t *testing.T) {
	cluster, err := pgtest.Start()
	if err != nil {
		if os.Getenv(pgtest.EnvRequire) == "1" {
			t.Fatalf("no PostgreSQL for this test: %v", err)
		}
		t.Skipf("no PostgreSQL here (%v); CI runs this test", err)
	}
	t.Cleanup(cluster.Stop)
	w := newWorld(t, worldOpts{profiles: []string{"valid"}, postgres: cluster.URL})
	w.unlock()
	url := w.serveTCP()
	ctx := context.Background()
	if _, err := w.client(url, w.grant("first", []string{"*"}, 0)).Token(ctx, "valid", time.Minute); err != nil {
		t.Fatalf("the first credential: %v", err)
	}
	granter := w.openVault() // as ztm serve grant, ready before the cut
	cutListener(t, cluster.URL)

	cred, err := service.Grant(ctx, granter, "second", service.GrantOptions{Globs: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.client(url, cred).Token(ctx, "valid", time.Minute); err != nil {
		t.Fatalf("a credential granted just now was refused: %v", err)
	}
	if _, err := w.client(url, "ztmr_"+"not-one-of-ours").Token(ctx, "valid", time.Minute); service.ExitCode(err) == 0 {
		t.Fatal("a credential nobody granted was accepted")
	}
}

// cutListener waits until the server's listening session is up and
// listening, then ends it from the server side.
func cutListener(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for {
		// Listening, and idle after reading the head: the listener is live.
		var n int
		err := c.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE application_name = $1 AND state = 'idle' AND query LIKE '%ztm_head%'`, vault.ListenerApplicationName).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return
		}
		if n > 1 || time.Now().After(deadline) {
			t.Fatalf("%d listening sessions, want the server's one", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
