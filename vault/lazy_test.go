package vault

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"ztm/model"
)

func openLazyVault(t *testing.T, p Paths) *Vault {
	t.Helper()
	key, err := LoadKey(p.Identity, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Open(p, key, Options{Lazy: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// TestLazyOpenReadsAndThenWrites: a lazily opened vault reads every
// profile, serves a valid token without loading fully, and loads fully
// for its first change, which then reaches the file.
func TestLazyOpenReadsAndThenWrites(t *testing.T) {
	v, p := newKeyFileVault(t)
	addProfiles(t, v, 0, 300) // several age chunks
	lazy := openLazyVault(t, p)
	if lazy.mem.lazy == nil {
		t.Fatal("Options.Lazy did not open lazily")
	}
	if names := profileNames(t, lazy); len(names) != 300 {
		t.Fatalf("lazy read %d profiles, want 300", len(names))
	}
	never := func(context.Context, model.Profile) (model.Token, error) {
		t.Fatal("refreshed a valid token")
		return model.Token{}, nil
	}
	f, err := lazy.FreshToken(context.Background(), "crm-0150", FreshOptions{Margin: time.Minute}, never)
	if err != nil || f.Profile.Token.AccessToken == "" {
		t.Fatalf("FreshToken on a valid token: %+v, %v", f, err)
	}
	if lazy.mem.lazy == nil {
		t.Error("a valid token loaded the vault fully")
	}
	addProfiles(t, lazy, 300, 1)
	if lazy.mem.lazy != nil {
		t.Error("still lazy after a change")
	}
	if names := profileNames(t, reopen(t, p, "")); len(names) != 301 {
		t.Errorf("after the lazy vault's change the file has %d profiles", len(names))
	}
	// Another process's change is seen by a lazy reader too.
	other := openLazyVault(t, p)
	addProfiles(t, v, 400, 1)
	if changed, err := other.ReloadIfChanged(); !changed || err != nil {
		t.Fatalf("ReloadIfChanged: %v %v", changed, err)
	}
	if names := profileNames(t, other); len(names) != 302 {
		t.Errorf("lazy reader sees %d profiles after another's change", len(names))
	}
}

// TestLazyOpenRefusesBadFiles: the same distinct errors as a full open.
func TestLazyOpenRefusesBadFiles(t *testing.T) {
	v, p := newKeyFileVault(t)
	addProfiles(t, v, 0, 300)
	v.Close()
	size := fileSize(t, p.Vault)
	flip(t, p.Vault, size/2) // inside a chunk in the middle
	lazy := openLazyVault(t, p)
	_, err := lazy.Profiles()
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("reading past a tampered chunk: %v, want ErrCorrupt", err)
	}
	truncate(t, p.Vault, size-100)
	key, _ := LoadKey(p.Identity, nil)
	if _, err := Open(p, key, Options{Lazy: true}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("truncated: %v, want ErrCorrupt", err)
	}
	q := p
	q.Vault = filepath.Join(t.TempDir(), "missing.age")
	if _, err := Open(q, key, Options{Lazy: true}); !errors.Is(err, ErrNoVault) {
		t.Errorf("missing: %v, want ErrNoVault", err)
	}
}
