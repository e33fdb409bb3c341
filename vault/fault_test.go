package vault

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFaultAtEveryStepOfSave fails each step of a save in turn: the vault
// on disk stays byte-for-byte the same, memory goes back to what is on
// disk, no temp file is left, the error says which step failed, and the
// next save works.
func TestFaultAtEveryStepOfSave(t *testing.T) {
	steps := map[string]string{
		"encrypt": "could not encrypt",
		"create":  "could not create a temp file",
		"write":   "could not write",
		"sync":    "could not sync the new",
		"verify":  "could not verify",
		"rename":  "could not rename",
		"syncdir": "could not sync the directory",
	}
	for step, says := range steps {
		t.Run(step, func(t *testing.T) {
			v, p := newKeyFileVault(t)
			addProfiles(t, v, 0, 2)
			before := dirSnapshot(t, p.Dir)

			boom := errors.New("injected: disk on fire")
			v.fault = func(s string) error {
				if s == step {
					return boom
				}
				return nil
			}
			err := v.Update(context.Background(), func(tx *Tx) error {
				p := sampleProfile(9, tx.Now())
				return tx.CreateProfile(&p)
			})
			if !errors.Is(err, ErrSave) || !strings.Contains(err.Error(), says) ||
				!strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), "unchanged") {
				t.Fatalf("got %v; want ErrSave saying %q, the cause, and that the vault is unchanged", err, says)
			}
			assertUnchanged(t, p.Dir, before)
			if names := profileNames(t, v); len(names) != 2 {
				t.Errorf("memory kept the unsaved change: %v", names)
			}
			if names := profileNames(t, reopen(t, p, "")); len(names) != 2 {
				t.Errorf("disk has %v, want the 2 saved profiles", names)
			}

			v.fault = nil
			addProfiles(t, v, 9, 1)
			if names := profileNames(t, reopen(t, p, "")); len(names) != 3 {
				t.Errorf("after the fault cleared, disk has %v, want 3 profiles", names)
			}
			assertNoTemps(t, p.Dir)
		})
	}
}

// TestFailedChangeSavesNothing: an error from the change function rolls
// the transaction back and writes nothing.
func TestFailedChangeSavesNothing(t *testing.T) {
	v, p := newKeyFileVault(t)
	addProfiles(t, v, 0, 1)
	before := dirSnapshot(t, p.Dir)
	err := v.Update(context.Background(), func(tx *Tx) error {
		p := sampleProfile(5, tx.Now())
		if err := tx.CreateProfile(&p); err != nil {
			return err
		}
		return errors.New("changed my mind")
	})
	if err == nil || err.Error() != "changed my mind" {
		t.Fatalf("got %v", err)
	}
	assertUnchanged(t, p.Dir, before)
	if names := profileNames(t, v); len(names) != 1 {
		t.Errorf("rolled-back change visible: %v", names)
	}
}

func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), tempMark) {
			t.Errorf("temp file %s left in %s", e.Name(), filepath.Base(dir))
		}
	}
}
