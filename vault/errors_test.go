package vault

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

// dirSnapshot maps each file in dir to its content.
func dirSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		out[e.Name()] = string(readFile(t, filepath.Join(dir, e.Name())))
	}
	return out
}

func assertUnchanged(t *testing.T, dir string, before map[string]string) {
	t.Helper()
	after := dirSnapshot(t, dir)
	for name, content := range before {
		if name == filepath.Base(VaultFile)+".lock" {
			continue // the lock file holds the last holder's pid
		}
		if after[name] != content {
			t.Errorf("%s changed", name)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok && !strings.HasSuffix(name, ".lock") {
			t.Errorf("%s appeared", name)
		}
	}
}

// TestBadInputIsRefusedClearly: every kind of bad input gets its own error,
// a sentence that says what to do, and changes nothing on disk.
func TestBadInputIsRefusedClearly(t *testing.T) {
	other, _ := age.GenerateHybridIdentity()
	cases := []struct {
		name   string
		mangle func(t *testing.T, p *Paths) // makes the bad input
		pass   string
		want   error
		hint   string
	}{
		{"wrong passphrase", func(t *testing.T, p *Paths) {}, "wrong", ErrWrongPassphrase, "try again"},
		{"empty passphrase", func(t *testing.T, p *Paths) {}, "", ErrWrongPassphrase, "passphrase"},
		{"missing identity", func(t *testing.T, p *Paths) { p.Identity += ".missing" }, "pw", ErrNoIdentity, "ZTM_IDENTITY"},
		{"identity file of another vault", func(t *testing.T, p *Paths) {
			p.Identity = filepath.Join(t.TempDir(), "other.txt")
			os.WriteFile(p.Identity, []byte(other.String()+"\n"), 0o600)
		}, "", ErrWrongIdentity, "identity it was created with"},
		{"identity file that is not a key", func(t *testing.T, p *Paths) {
			p.Identity = filepath.Join(t.TempDir(), "notes.txt")
			os.WriteFile(p.Identity, []byte("hello\n"), 0o600)
		}, "", ErrBadIdentity, "AGE-SECRET-KEY"},
		{"no vault", func(t *testing.T, p *Paths) { p.Vault += ".missing" }, "pw", ErrNoVault, "run ztm"},
		{"not an age file", func(t *testing.T, p *Paths) { os.WriteFile(p.Vault, []byte("SQLite format 3\x00 plain"), 0o600) }, "pw", ErrNotVault, "not an age-encrypted file"},
		{"age file that is not a vault", func(t *testing.T, p *Paths) {
			writeEncrypted(t, p, []byte("just some text"))
		}, "pw", ErrNotVault, "not to a ztm vault"},
		{"empty file", func(t *testing.T, p *Paths) { os.WriteFile(p.Vault, nil, 0o600) }, "pw", ErrCorrupt, "cut short"},
		{"truncated header", func(t *testing.T, p *Paths) { truncate(t, p.Vault, 30) }, "pw", ErrCorrupt, "mv "},
		{"truncated payload", func(t *testing.T, p *Paths) { truncate(t, p.Vault, fileSize(t, p.Vault)-10) }, "pw", ErrCorrupt, "truncated"},
		{"tampered payload", func(t *testing.T, p *Paths) { flip(t, p.Vault, fileSize(t, p.Vault)-100) }, "pw", ErrCorrupt, "modified"},
		{"tampered header MAC", func(t *testing.T, p *Paths) {
			data := readFile(t, p.Vault)
			i := bytes.Index(data, []byte("\n--- ")) + 6
			flip(t, p.Vault, int64(i))
		}, "pw", ErrCorrupt, "damaged header"},
		{"newer schema", func(t *testing.T, p *Paths) { bumpSchema(t, *p, 99) }, "pw", ErrNewerSchema, "upgrade ztm"},
		{"database in UTF-16", func(t *testing.T, p *Paths) { writeEncrypted(t, p, utf16Image(t)) }, "pw", ErrCorrupt, "unsupported database format"},
		{"negative schema", func(t *testing.T, p *Paths) { bumpSchema(t, *p, -1) }, "pw", ErrCorrupt, "mv "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := testPaths(t, "")
			v, err := Create(p, CreateOptions{Passphrase: "pw", ScryptWorkFactor: testWorkFactor}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			addProfiles(t, v, 0, 1)
			addProfiles(t, v, 1, 1) // a second save leaves a .bak to point at
			v.Close()
			c.mangle(t, &p)
			before := dirSnapshot(t, p.Dir)

			key, err := LoadKey(p.Identity, func() (string, error) { return c.pass, nil })
			if err == nil {
				var v *Vault
				v, err = Open(p, key, Options{})
				if err == nil {
					v.Close()
				}
			}
			if !errorsIs(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), c.hint) {
				t.Errorf("message %q does not say %q", err, c.hint)
			}
			assertUnchanged(t, p.Dir, before)
		})
	}
}

// TestWarnsAboutOpenPermissions: a vault others can read still opens, with
// a warning that says which chmod fixes it.
func TestWarnsAboutOpenPermissions(t *testing.T) {
	_, p := newKeyFileVault(t)
	os.Chmod(p.Dir, 0o755)
	os.Chmod(p.Vault, 0o644)
	v := reopen(t, p, "")
	got := strings.Join(v.Warnings(), "\n")
	for _, want := range []string{"chmod 700 " + p.Dir, "chmod 600 " + p.Vault} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings %q do not say %q", got, want)
		}
	}
	os.Chmod(p.Dir, 0o700)
	os.Chmod(p.Vault, 0o600)
	if w := reopen(t, p, "").Warnings(); len(w) != 0 {
		t.Errorf("private vault warned: %v", w)
	}
}

func writeEncrypted(t *testing.T, p *Paths, plain []byte) {
	t.Helper()
	key, err := LoadKey(p.Identity, func() (string, error) { return "pw", nil })
	if err != nil {
		t.Fatal(err)
	}
	var rs []age.Recipient
	for _, r := range key.Recipients() {
		rr, _ := ParseRecipient(r)
		rs = append(rs, rr)
	}
	data, err := encryptImage(plain, rs)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p.Vault, data, 0o600)
}

func truncate(t *testing.T, path string, n int64) {
	t.Helper()
	if err := os.Truncate(path, n); err != nil {
		t.Fatal(err)
	}
}

func fileSize(t testing.TB, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func flip(t *testing.T, path string, at int64) {
	t.Helper()
	data := readFile(t, path)
	data[at] ^= 0x01
	os.WriteFile(path, data, 0o600)
}

// bumpSchema rewrites the vault as if a newer ztm had saved it.
func bumpSchema(t *testing.T, p Paths, version int) {
	t.Helper()
	v := reopen(t, p, "pw")
	if _, err := v.mem.conn.ExecContext(context.Background(), fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
		t.Fatal(err)
	}
	if err := v.save(true); err != nil {
		t.Fatal(err)
	}
	v.Close()
}

// TestRefusesADirectoryOthersCanWrite: a vault directory that is group- or
// world-writable is refused at open, at create and at save (someone who
// can write there can swap the key and the vault), with the chmod that
// fixes it; nothing is written.
func TestRefusesADirectoryOthersCanWrite(t *testing.T) {
	for _, mode := range []os.FileMode{0o770, 0o777, 0o1777} {
		t.Run(mode.String(), func(t *testing.T) {
			v, p := newKeyFileVault(t)
			addProfiles(t, v, 0, 1)
			fix := "chmod 700 " + p.Dir
			if err := os.Chmod(p.Dir, mode); err != nil {
				t.Fatal(err)
			}
			before := dirSnapshot(t, p.Dir)
			if _, err := Open(p, v.Key(), Options{}); !errorsIs(err, ErrUnsafeDir) || !contains(err, fix) {
				t.Errorf("open: got %v, want ErrUnsafeDir saying %q", err, fix)
			}
			err := v.Update(context.Background(), func(tx *Tx) error { return tx.SetSetting("k", "v") })
			if !errorsIs(err, ErrUnsafeDir) || !errorsIs(err, ErrSave) || !contains(err, fix) {
				t.Errorf("save: got %v, want ErrSave and ErrUnsafeDir saying %q", err, fix)
			}
			os.Remove(p.Vault)
			os.Remove(p.Vault + backupSuffix)
			if _, err := Create(p, CreateOptions{Key: v.Key()}, Options{}); !errorsIs(err, ErrUnsafeDir) {
				t.Errorf("create: got %v, want ErrUnsafeDir", err)
			}
			delete(before, VaultFile)
			delete(before, VaultFile+backupSuffix)
			assertUnchanged(t, p.Dir, before)
			os.Chmod(p.Dir, 0o700)
		})
	}
}

// TestDamagedImageIsNeverWritten: a vault whose database is damaged in a
// way that loads and reads fine (a profile's row no longer matches its
// entry in the name index) is refused at the first save, whatever the
// change touches, and the file on disk stays as it was: opened fully, and
// opened lazily as the command line opens it (where the full check runs
// in the background while the change is written).
func TestDamagedImageIsNeverWritten(t *testing.T) {
	for _, lazy := range []bool{false, true} {
		t.Run(fmt.Sprintf("lazy=%v", lazy), func(t *testing.T) { damagedImageIsNeverWritten(t, lazy) })
	}
}

func damagedImageIsNeverWritten(t *testing.T, lazy bool) {
	v, p := newKeyFileVault(t)
	addProfiles(t, v, 0, 3)
	image, err := v.mem.serialize()
	if err != nil {
		t.Fatal(err)
	}
	// The table's row has the name followed by the data center; the
	// index's entry and the events have it alone.
	row := []byte("crm-0001EUhttps://accounts.zoho.eu")
	if bytes.Count(image, row) != 1 {
		t.Fatalf("found the profile's row %d times, want once", bytes.Count(image, row))
	}
	i := bytes.Index(image, row)
	image[i+7] = '9' // crm-0001 becomes crm-0009 in the table only
	var rs []age.Recipient
	for _, r := range v.Key().Recipients() {
		rr, _ := ParseRecipient(r)
		rs = append(rs, rr)
	}
	cipher, err := encryptImage(image, rs)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p.Vault, cipher, 0o600)
	before := dirSnapshot(t, p.Dir)

	w, err := Open(p, v.Key(), Options{Lazy: lazy})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if names := profileNames(t, w); len(names) != 3 {
		t.Fatalf("the damaged vault should still read: %v", names)
	}
	err = w.Update(context.Background(), func(tx *Tx) error { return tx.SetSetting("theme", "dark") })
	if !errorsIs(err, ErrSave) || !errorsIs(err, ErrCorrupt) {
		t.Fatalf("saving a damaged database: %v, want ErrSave and ErrCorrupt", err)
	}
	assertUnchanged(t, p.Dir, before)
	// Refused again at the next try, not let through once the check ran.
	err = w.Update(context.Background(), func(tx *Tx) error { return tx.SetSetting("theme", "light") })
	if !errorsIs(err, ErrCorrupt) {
		t.Fatalf("a second save of the damaged database: %v, want ErrCorrupt", err)
	}
	assertUnchanged(t, p.Dir, before)
}

// utf16Image is a ztm database in UTF-16, which ztm never writes.
func utf16Image(t *testing.T) []byte {
	t.Helper()
	m, err := newMemDB()
	if err != nil {
		t.Fatal(err)
	}
	defer m.close()
	ctx := context.Background()
	if _, err := m.conn.ExecContext(ctx, "PRAGMA encoding = 'UTF-16le'"); err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, m.conn, SchemaVersion); err != nil {
		t.Fatal(err)
	}
	image, err := m.serialize()
	if err != nil {
		t.Fatal(err)
	}
	return image
}
