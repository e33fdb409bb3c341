package vault

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// execPG runs sql on the vault's database, behind ztm's back.
func execPG(t *testing.T, p Paths, sql string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, p.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

// An open reads the schema version, the head and the ciphertext in one
// statement; whatever that statement cannot read must still be refused
// with the error that says what to do.
func TestPGOpenRefusesWhatItCannotRead(t *testing.T) {
	cases := []struct {
		name  string
		spoil string
		want  error
		hint  string
	}{
		{"newer schema", `UPDATE ztm_schema SET version = 99`, ErrNewerSchema, "upgrade ztm"},
		{"older schema", `UPDATE ztm_schema SET version = 0`, ErrNotVault, "ztm vault init"},
		{"no head", `DELETE FROM ztm_head`, ErrNoVault, "ztm vault init"},
		{"no tables", `DROP TABLE ztm_schema, ztm_head, ztm_blobs`, ErrNoVault, "ztm vault migrate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, p := newPGVault(t)
			addProfiles(t, v, 0, 1)
			execPG(t, p, c.spoil)
			key, err := LoadKey(p.Identity, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, lazy := range []bool{true, false} {
				got, err := Open(p, key, Options{Lazy: lazy})
				if err == nil {
					got.Close()
				}
				if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.hint) {
					t.Errorf("lazy=%v: Open = %v, want %v saying %q", lazy, err, c.want, c.hint)
				}
			}
		})
	}
}

// The one-statement read must give what the separate reads give.
func TestPGOpenReadsTheCurrentVersion(t *testing.T) {
	v, p := newPGVault(t)
	addProfiles(t, v, 0, 3)
	addProfiles(t, v, 3, 2)
	for _, lazy := range []bool{true, false} {
		key, err := LoadKey(p.Identity, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Open(p, key, Options{Lazy: lazy})
		if err != nil {
			t.Fatal(err)
		}
		defer got.Close()
		if names := profileNames(t, got); len(names) != 5 {
			t.Errorf("lazy=%v: the reopened vault has %v, want the 5 profiles of the last save", lazy, names)
		}
		if got.loaded.ver != v.loaded.ver || got.pg.lockKey.Load() != v.pg.lockKey.Load() {
			t.Errorf("lazy=%v: version %d lock key %d, want %d and %d", lazy, got.loaded.ver, got.pg.lockKey.Load(), v.loaded.ver, v.pg.lockKey.Load())
		}
	}
}
