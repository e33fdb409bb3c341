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

// A reader's open and a change's each cost PostgreSQL one session: a
// reader reads on a session of its own and ends it; a vault opened whole
// for a change reads through the pool, on the session the change then
// takes (a second would cost the change another login).
func TestPGOpensCostOneSessionEach(t *testing.T) {
	w := newCachedWorld(t, 3)
	key := func() (*Keyring, error) { return w.key, nil }
	v, err := OpenKeyed(w.p, key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if n := v.pg.pool.Stat().NewConnsCount(); n != 1 {
		t.Errorf("an open for a change read on %d sessions of the pool, want 1", n)
	}
	err = v.Update(context.Background(), func(tx *Tx) error {
		p, err := tx.Profile("crm-0001")
		if err != nil {
			return err
		}
		p.Account = "changed@example.com"
		return tx.UpdateProfile(&p)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := v.pg.pool.Stat().NewConnsCount(); n != 1 {
		t.Errorf("an open for a change and the change logged in %d times, want 1", n)
	}
	r, err := OpenKeyed(w.p, key, Options{Lazy: true, CacheDir: w.dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if p, err := r.Profile("crm-0001"); err != nil || p.Account != "changed@example.com" {
		t.Fatalf("the reader saw %q (%v)", p.Account, err)
	}
	if n := r.pg.pool.Stat().NewConnsCount(); n != 0 {
		t.Errorf("a reader logged in %d more times through the pool, want none", n)
	}
}
