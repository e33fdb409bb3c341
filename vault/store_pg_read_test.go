package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// withPG runs do on a connection to the vault's database, behind ztm's
// back.
func withPG(t *testing.T, p Paths, do func(ctx context.Context, c *pgx.Conn) error) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, p.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if err := do(ctx, c); err != nil {
		t.Fatal(err)
	}
}

// execPG runs sql on the vault's database.
func execPG(t *testing.T, p Paths, sql string) {
	t.Helper()
	withPG(t, p, func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, sql)
		return err
	})
}

// execPGScan runs a query of one value on the vault's database.
func execPGScan(t *testing.T, p Paths, sql string, dest any) {
	t.Helper()
	withPG(t, p, func(ctx context.Context, c *pgx.Conn) error { return c.QueryRow(ctx, sql).Scan(dest) })
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

// The one-statement read must give what the separate reads give, for a
// vault whose ciphertext comes in several pieces.
func TestPGOpenReadsTheCurrentVersion(t *testing.T) {
	v, p := newPGVault(t)
	addProfiles(t, v, 0, 3)
	addProfiles(t, v, 3, 600)
	var size int
	execPGScan(t, p, `SELECT length(ciphertext) FROM ztm_blobs ORDER BY version DESC LIMIT 1`, &size)
	if size < 3*readPiece {
		t.Fatalf("the ciphertext is %d bytes; the test wants several pieces of %d", size, readPiece)
	}
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
		if names := profileNames(t, got); len(names) != 603 {
			t.Errorf("lazy=%v: the reopened vault has %d profiles, want the 603 of the last save", lazy, len(names))
		}
		last := sampleProfile(602, time.Now()).Name
		if pr, err := got.Profile(last); err != nil || pr.Name != last {
			t.Errorf("lazy=%v: profile %s: %v", lazy, last, err)
		}
		if got.loaded.ver != v.loaded.ver || got.pg.lockKey.Load() != v.pg.lockKey.Load() {
			t.Errorf("lazy=%v: version %d lock key %d, want %d and %d", lazy, got.loaded.ver, got.pg.lockKey.Load(), v.loaded.ver, v.pg.lockKey.Load())
		}
	}
}

// A reader of a ciphertext still arriving waits for the bytes it asks
// for, whatever order the pieces come in, and a stream cut short fails
// the reads past the cut with why, rather than handing back zeros that
// would read as a damaged vault.
func TestPGStreamWaitsAndFailsShort(t *testing.T) {
	size := int64(3*readPiece - 10)
	piece := func(i int64) []byte {
		b := make([]byte, min(readPiece, size-i*readPiece))
		for j := range b {
			b[j] = byte(i + 1)
		}
		return b
	}
	st := newPGStream(size)
	got := make(chan []byte, 1)
	go func() {
		b := make([]byte, 4)
		if _, err := st.ReadAt(b, readPiece-2); err != nil {
			t.Error(err)
		}
		got <- b
	}()
	if err := st.put(1, piece(1)); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	filled := st.filled
	st.mu.Unlock()
	if filled != 0 {
		t.Fatalf("with only the second piece in, %d bytes count as arrived, want 0", filled)
	}
	if err := st.put(0, piece(0)); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != "\x01\x01\x02\x02" {
		t.Fatalf("ReadAt across two pieces = %v, want the end of the first and the start of the second", b)
	}
	if err := st.put(1, piece(1)); err == nil {
		t.Error("a piece sent twice was taken")
	}
	if err := st.put(2, piece(1)); err == nil {
		t.Error("a last piece of the wrong size was taken")
	}
	cut := errors.New("connection reset")
	st.finish(cut)
	if _, err := st.ReadAt(make([]byte, 4), 2*readPiece); !errors.Is(err, cut) {
		t.Errorf("a read past a cut: %v, want the cut's error", err)
	}
	if n, err := st.ReadAt(make([]byte, 8), 0); n != 8 || err != nil {
		t.Errorf("a read before the cut: %d, %v; want all 8 bytes", n, err)
	}
	if err := st.wait(); !errors.Is(err, cut) {
		t.Errorf("wait = %v, want the cut's error", err)
	}
}

// Recheck sees a save the listener has not told of: here the listener's
// session was cut, so ReloadIfChanged keeps what it holds until the
// listener is back, and Recheck asks the database itself.
func TestPGRecheckSeesWhatTheListenerMissed(t *testing.T) {
	v, p := newPGVault(t)
	addProfiles(t, v, 0, 1)
	reader := reopen(t, p, "")
	if _, err := reader.ReloadIfChanged(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !reader.pg.live.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the listener did not come up")
		}
		time.Sleep(5 * time.Millisecond)
	}
	execPG(t, p, fmt.Sprintf(`SELECT pg_terminate_backend(%d)`, reader.pg.listenPID.Load()))
	for reader.pg.live.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the listener did not notice its session ended")
		}
		time.Sleep(5 * time.Millisecond)
	}
	addProfiles(t, v, 1, 1)
	if changed, err := reader.ReloadIfChanged(); err != nil || changed {
		t.Fatalf("ReloadIfChanged with the listener down = %v, %v; want it to keep what it holds", changed, err)
	}
	changed, err := reader.Recheck(context.Background(), 5*time.Second)
	if err != nil || !changed {
		t.Fatalf("Recheck = %v, %v; want the save seen", changed, err)
	}
	if names := profileNames(t, reader); len(names) != 2 {
		t.Errorf("after Recheck the reader holds %v, want both profiles", names)
	}
	if changed, err := reader.Recheck(context.Background(), 5*time.Second); err != nil || changed {
		t.Errorf("a second Recheck = %v, %v; want nothing new", changed, err)
	}
}
