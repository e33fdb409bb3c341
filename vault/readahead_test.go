package vault

import (
	"errors"
	"runtime"
	"testing"
	"time"
)

// A listing of a lazily opened vault reads it in order, with the chunks
// ahead decrypted on another goroutine: it lists every profile, closing
// the vault leaves no goroutine behind, and a tampered chunk near the end
// still fails the listing as damaged.
func TestLazyListingReadsAheadAndStopsWithTheVault(t *testing.T) {
	v, p := newKeyFileVault(t)
	addProfiles(t, v, 0, 1500) // about 15 chunks
	v.Close()
	before := runtime.NumGoroutine()
	lazy := openLazyVault(t, p)
	rows := 0
	err := lazy.EachProfileRow(AllColumns, func(r *ProfileRow) error { rows++; return nil })
	if err != nil || rows != 1500 {
		t.Fatalf("listed %d profiles lazily, %v; want 1500", rows, err)
	}
	lazy.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after the lazy vault closed, %d before it opened", runtime.NumGoroutine(), before)
		}
		runtime.Gosched()
	}

	size := fileSize(t, p.Vault)
	flip(t, p.Vault, size-3*ageChunk/2) // in the chunk before the last
	damaged := openLazyVault(t, p)
	err = damaged.EachProfileRow(AllColumns, func(*ProfileRow) error { return nil })
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("listing past a tampered chunk: %v, want ErrCorrupt", err)
	}
}
