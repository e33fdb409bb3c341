package vault

import (
	"context"
	"errors"
	"testing"
	"time"
)

// ztmSessions counts the sessions ztm has open on the test's database,
// besides the one asking.
func ztmSessions(t *testing.T, v *Vault) int {
	t.Helper()
	var n int
	err := v.pg.pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'ztm' AND pid <> pg_backend_pid()`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A reader's open reads on a session of its own, outside the pool: once
// the reader is closed, that session is gone too, whether the copy was
// current, was not, or the key failed to load.
func TestPGLazyReaderEndsItsSession(t *testing.T) {
	w := newCachedWorld(t, 3)
	before := ztmSessions(t, w.v)
	w.read(t, "crm-0001") // no copy yet: fetched
	w.read(t, "crm-0002") // the copy is current
	_, err := OpenKeyed(w.p, func() (*Keyring, error) { return nil, errors.New("no key") }, Options{Lazy: true, CacheDir: w.dir})
	if err == nil {
		t.Fatal("an open without its key worked")
	}
	// PostgreSQL ends a session a moment after it is told to.
	deadline := time.Now().Add(5 * time.Second)
	for n := ztmSessions(t, w.v); n != before; n = ztmSessions(t, w.v) {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions of ztm after the readers closed, want %d as before", n, before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
