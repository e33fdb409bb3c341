package vault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ztm/model"
	"ztm/vault/pgtest"
)

// pgPaths resolves a vault in a fresh PostgreSQL schema, with its key in
// a temp directory.
func pgPaths(t testing.TB) Paths {
	t.Helper()
	url := pgtest.URL(t)
	id := filepath.Join(t.TempDir(), "ztm", KeyFileIdentity)
	p, err := ResolvePaths(url, id, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newPGVault creates a key-file vault in PostgreSQL.
func newPGVault(t testing.TB) (*Vault, Paths) {
	t.Helper()
	p := pgPaths(t)
	v, err := Create(p, CreateOptions{GenerateKeyFile: true}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v, p
}

func TestPGURLIsNeverAPath(t *testing.T) {
	p, err := ResolvePaths("postgres://ztm:hunter22@db.example:5432/team?sslmode=require", "",
		func(k string) string {
			if k == "XDG_CONFIG_HOME" {
				return "/home/u/.config"
			}
			return ""
		})
	if err != nil {
		t.Fatal(err)
	}
	if p.URL == "" || strings.Contains(p.Vault, "hunter22") || !strings.HasPrefix(p.Vault, "postgres://ztm@db.example:5432/team") {
		t.Errorf("paths = %+v; want the URL kept aside and shown without its password", p)
	}
	if p.Identity != "/home/u/.config/ztm/identity.age" {
		t.Errorf("identity = %s, want the key in the config directory", p.Identity)
	}
}

func TestPGCreateSaveReopen(t *testing.T) {
	v, p := newPGVault(t)
	addProfiles(t, v, 0, 3)
	got := reopen(t, p, "")
	if names := profileNames(t, got); len(names) != 3 {
		t.Fatalf("reopened vault has %v, want 3 profiles", names)
	}
	if _, err := Create(p, CreateOptions{Key: v.Key()}, Options{}); !errors.Is(err, ErrExists) {
		t.Errorf("a second init on the same database: %v, want ErrExists", err)
	}
}

func TestPGOtherProcessChangeSeenWithin2s(t *testing.T) {
	v, p := newPGVault(t)
	reader := reopen(t, p, "")
	if reader.Changed() {
		t.Fatal("Changed before anyone saved")
	}
	time.Sleep(100 * time.Millisecond) // let the listener connect; the test is of what follows
	addProfiles(t, v, 0, 1)
	deadline := time.Now().Add(2 * time.Second)
	for !reader.Changed() {
		if time.Now().After(deadline) {
			t.Fatal("a save by another vault was not seen within 2 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if changed, err := reader.ReloadIfChanged(); err != nil || !changed {
		t.Fatalf("ReloadIfChanged = %v, %v", changed, err)
	}
	if len(profileNames(t, reader)) != 1 || reader.Changed() {
		t.Error("after the reload the reader should hold the new profile and be up to date")
	}
}

// TestPGConflictReapplies: a saver that lost its lock (another one saved
// meanwhile) must not overwrite that save: the CAS fails, ztm reloads and
// applies the change again, and both changes are kept.
func TestPGConflictReapplies(t *testing.T) {
	v, p := newPGVault(t)
	other := reopen(t, p, "")
	addProfiles(t, v, 0, 1)
	injected := false
	v.fault = func(step string) error {
		if step != "encrypt" || injected {
			return nil
		}
		injected = true
		// Another process saves without the lock, as one whose session
		// dropped would: the head moves under this save.
		other.mu.Lock()
		defer other.mu.Unlock()
		if err := other.reload(); err != nil {
			return err
		}
		if _, err := other.apply(context.Background(), func(tx *Tx) error {
			q := sampleProfile(7, tx.Now())
			return tx.CreateProfile(&q)
		}); err != nil {
			return err
		}
		return other.savePG()
	}
	runs := 0
	err := v.Update(context.Background(), func(tx *Tx) error {
		runs++
		q := sampleProfile(1, tx.Now())
		return tx.CreateProfile(&q)
	})
	if err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Errorf("the change ran %d times, want 2 (once more after the conflict)", runs)
	}
	names := profileNames(t, reopen(t, p, ""))
	if strings.Join(names, ",") != "crm-0000,crm-0001,crm-0007" {
		t.Errorf("vault holds %v, want both changes and the first", names)
	}
}

func TestPGTenProcessesTwentyChanges(t *testing.T) {
	const workers, each = 10, 20
	_, p := newPGVault(t)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := helper(t, p, "writer", "ZTM_TEST_N="+strconv.Itoa(each), "ZTM_TEST_WORKER="+strconv.Itoa(w))
			if err := cmd.Run(); err != nil {
				t.Errorf("worker %d: %v", w, err)
			}
		}()
	}
	wg.Wait()
	if names := profileNames(t, reopen(t, p, "")); len(names) != workers*each {
		t.Fatalf("vault has %d profiles, want %d", len(names), workers*each)
	}
}

// expireTokens makes the named profiles' access tokens expired.
func expireTokens(t testing.TB, v *Vault, names ...string) {
	t.Helper()
	err := v.Update(context.Background(), func(tx *Tx) error {
		for _, n := range names {
			prof, err := tx.Profile(n)
			if err != nil {
				return err
			}
			tok := *prof.Token
			tok.ExpiresAt = tx.Now().Add(-time.Minute)
			if err := tx.SetToken(n, tok); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPGTwentyProcessesOneRefresh(t *testing.T) {
	v, p := newPGVault(t)
	addProfiles(t, v, 0, 1)
	expireTokens(t, v, "crm-0000")
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		time.Sleep(50 * time.Millisecond)
		fmt.Fprintf(w, "1000.new-access-%d", n)
	}))
	defer srv.Close()
	var wg sync.WaitGroup
	outs := make([]string, 20)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := helper(t, p, "fresh", "ZTM_TEST_URL="+srv.URL).Output()
			if err != nil {
				t.Errorf("process %d: %v", i, err)
			}
			outs[i] = strings.TrimSpace(string(out))
		}()
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("%d refresh calls, want exactly 1", calls.Load())
	}
	for i, out := range outs {
		if out != "1000.new-access-1" {
			t.Errorf("process %d printed %q, want the one new token", i, out)
		}
	}
}

// TestPGProfilesRefreshInParallel: two expired profiles refreshed from two
// vaults (two machines) at once: one refresh each, and the two calls to
// Zoho overlap in time (the lock is per profile, not the vault's).
func TestPGProfilesRefreshInParallel(t *testing.T) {
	v, p := newPGVault(t)
	addProfiles(t, v, 0, 2)
	expireTokens(t, v, "crm-0000", "crm-0001")
	var calls, inFlight, overlap atomic.Int32
	refresh := func(ctx context.Context, pr model.Profile) (model.Token, error) {
		calls.Add(1)
		if inFlight.Add(1) > 1 {
			overlap.Store(1)
		}
		time.Sleep(300 * time.Millisecond)
		inFlight.Add(-1)
		now := time.Now()
		return model.Token{AccessToken: "1000.new-" + pr.Name, ObtainedAt: now, ExpiresAt: now.Add(time.Hour)}, nil
	}
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		vi := reopen(t, p, "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("crm-%04d", i%2)
			f, err := vi.FreshToken(context.Background(), name, FreshOptions{Margin: time.Minute}, refresh)
			if err != nil || f.Profile.Token.AccessToken != "1000.new-"+name {
				t.Errorf("%s: %v %+v", name, err, f.Profile.Token)
			}
		}()
	}
	wg.Wait()
	if calls.Load() != 2 || overlap.Load() != 1 {
		t.Errorf("%d refreshes, overlapping=%v; want 2 that overlap", calls.Load(), overlap.Load() == 1)
	}
	got := reopen(t, p, "")
	for _, n := range []string{"crm-0000", "crm-0001"} {
		if pr, _ := got.Profile(n); pr.Token.AccessToken != "1000.new-"+n {
			t.Errorf("%s stored %q, want its new token", n, pr.Token.AccessToken)
		}
	}
}

func TestPGUnreachableIsOneClearLine(t *testing.T) {
	url := "postgres://ztm:s3cretpw@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"
	p, err := ResolvePaths(url, filepath.Join(t.TempDir(), "id.txt"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	key, _, _ := newKey(p.Identity, CreateOptions{Classic: true})
	_, err = Open(p, key, Options{})
	if !errors.Is(err, model.ErrUnreachable) || !errors.Is(err, ErrStoreUnreachable) {
		t.Fatalf("err = %v, want it to match ErrUnreachable", err)
	}
	if msg := err.Error(); strings.Contains(msg, "s3cretpw") || strings.Contains(msg, "\n") || !strings.Contains(msg, "postgres://ztm@127.0.0.1:1/none") ||
		strings.Contains(msg, "Zoho") {
		t.Errorf("message %q: want one line naming the server without its password, and not blaming Zoho", msg)
	}
}

// A command that opens the vault lazily (most of the command line does)
// and then changes it must load the PostgreSQL vault fully, not look for
// a file named like the URL.
func TestPGLazyOpenThenChange(t *testing.T) {
	v, p := newPGVault(t)
	addProfiles(t, v, 0, 2)
	key, err := LoadKey(p.Identity, func() (string, error) { return "", nil })
	if err != nil {
		t.Fatal(err)
	}
	lazy, err := Open(p, key, Options{Lazy: true})
	if err != nil {
		t.Fatal(err)
	}
	defer lazy.Close()
	if _, err := lazy.Profile(sampleProfile(0, time.Now()).Name); err != nil {
		t.Fatalf("a lazy read: %v", err)
	}
	addProfiles(t, lazy, 2, 1)
	if names := profileNames(t, reopen(t, p, "")); len(names) != 3 {
		t.Errorf("after a change through a lazy open the vault has %v, want 3 profiles", names)
	}
}
