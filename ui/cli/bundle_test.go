package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"

	"ztm/model"
	"ztm/ui/app"
)

// ageKey is a key pair made for a test, its identity in a file.
type ageKey struct {
	recipient string
	identity  age.Identity
	file      string
}

func newAgeKey(t *testing.T, hybrid bool) ageKey {
	t.Helper()
	var k ageKey
	var text string
	if hybrid {
		id, err := age.GenerateHybridIdentity()
		if err != nil {
			t.Fatal(err)
		}
		k.recipient, k.identity, text = id.Recipient().String(), id, id.String()
	} else {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			t.Fatal(err)
		}
		k.recipient, k.identity, text = id.Recipient().String(), id, id.String()
	}
	k.file = filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(k.file, []byte(text+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return k
}

// decryptBundle opens a bundle the way age would.
func decryptBundle(t *testing.T, data []byte, ids ...age.Identity) app.Bundle {
	t.Helper()
	var src io.Reader = bytes.NewReader(data)
	if bytes.HasPrefix(data, []byte(armor.Header)) {
		src = armor.NewReader(src)
	}
	r, err := age.Decrypt(src, ids...)
	if err != nil {
		t.Fatalf("age cannot decrypt the bundle: %v", err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	var b app.Bundle
	if err := json.Unmarshal(plain, &b); err != nil {
		t.Fatal(err)
	}
	return b
}

// sameProfile compares what a round trip must keep.
func sameProfile(t *testing.T, got, want model.Profile) {
	t.Helper()
	if got.Name != want.Name || got.DC != want.DC || got.AccountsServer != want.AccountsServer ||
		got.ClientID != want.ClientID || got.ClientSecret != want.ClientSecret || got.Account != want.Account ||
		strings.Join(got.Scopes, ",") != strings.Join(want.Scopes, ",") {
		t.Errorf("profile %s came back as %+v, want %+v", want.Name, got, want)
	}
	switch {
	case (got.Token == nil) != (want.Token == nil):
		t.Errorf("%s token %v, want %v", want.Name, got.Token, want.Token)
	case got.Token != nil && (got.Token.AccessToken != want.Token.AccessToken ||
		got.Token.RefreshToken != want.Token.RefreshToken || !got.Token.ExpiresAt.Equal(want.Token.ExpiresAt)):
		t.Errorf("%s token %+v, want %+v", want.Name, got.Token, want.Token)
	}
}

func TestExportImportToARecipient(t *testing.T) {
	t.Parallel()
	for _, hybrid := range []bool{false, true} {
		name := map[bool]string{false: "X25519", true: "hybrid"}[hybrid]
		t.Run(name, func(t *testing.T) {
			src := fourProfiles(t)
			key := newAgeKey(t, hybrid)
			out := filepath.Join(t.TempDir(), "bundle.age")
			r := src.run("export", "crm-eu", "new", "--to", key.recipient, "-o", out).want(t, 0)
			if r.stdout != "" || r.stderr != "exported 2 profile(s)\n" {
				t.Errorf("export printed\n%s", r)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
				t.Errorf("bundle mode %o, want 0600", fi.Mode().Perm())
			}
			noSecrets(t, "the bundle file", string(data), src.secretsOf()...)
			if b := decryptBundle(t, data, key.identity); len(b.Profiles) != 2 || b.Format != "ztm-bundle-1" {
				t.Errorf("bundle holds %d profiles, format %q", len(b.Profiles), b.Format)
			}

			dst := newWorld(t)
			r = dst.run("import", out, "--key", key.file).want(t, 0)
			if r.stdout != "imported 2, replaced 0, skipped 0\n" || r.stderr != "" {
				t.Errorf("import printed\n%s", r)
			}
			want, got := src.stored(), dst.stored()
			if len(got) != 2 {
				t.Fatalf("imported %s", dst.names())
			}
			for _, n := range []string{"crm-eu", "new"} {
				sameProfile(t, got[n], want[n])
			}
			// The imported profile works.
			if r := dst.run("token", "crm-eu").want(t, 0); r.stdout != want["crm-eu"].Token.AccessToken+"\n" {
				t.Errorf("token after import = %q", r.stdout)
			}
		})
	}
}

func TestExportImportWithAPassphraseAndArmor(t *testing.T) {
	t.Parallel()
	src := fourProfiles(t)
	src.env["ZTM_BUNDLE_PASSPHRASE"] = testBundlePwd
	r := src.run("export", "--passphrase", "--armor").want(t, 0)
	if !strings.HasPrefix(r.stdout, "-----BEGIN AGE ENCRYPTED FILE-----\n") || !strings.HasSuffix(r.stdout, "-----END AGE ENCRYPTED FILE-----\n") {
		t.Fatalf("--armor did not write an armored age file:\n%s", r.stdout)
	}
	noSecrets(t, "the bundle", r.stdout, src.secretsOf()...)
	id, err := age.NewScryptIdentity(testBundlePwd)
	if err != nil {
		t.Fatal(err)
	}
	if b := decryptBundle(t, []byte(r.stdout), id); len(b.Profiles) != 4 {
		t.Errorf("a bundle of every profile holds %d", len(b.Profiles))
	}

	dst := newWorld(t)
	before := dst.vaultBytes()
	// Wrong passphrase: a clear error, nothing imported.
	dst.env["ZTM_BUNDLE_PASSPHRASE"] = "not it"
	dst.runStdin(r.stdout, "import", "-").wantErr(t, 3, "wrong passphrase for the bundle: nothing was imported")
	// No passphrase and no terminal.
	delete(dst.env, "ZTM_BUNDLE_PASSPHRASE")
	dst.runStdin(r.stdout, "import", "-").wantErr(t, 1, "set ZTM_BUNDLE_PASSPHRASE")
	if !bytes.Equal(dst.vaultBytes(), before) {
		t.Fatal("a failed import changed the vault")
	}
	// On a terminal, the passphrase is asked for.
	p := &prompter{answers: []string{testBundlePwd}}
	dst.prompt = p
	dst.runStdin(r.stdout, "import", "-").want(t, 0)
	if len(p.asked) != 1 || p.asked[0] != "Passphrase for the bundle: " {
		t.Errorf("asked %q", p.asked)
	}
	want, got := src.stored(), dst.stored()
	for n := range want {
		sameProfile(t, got[n], want[n])
	}
}

func TestExportAsksForThePassphraseTwice(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	w.prompt = &prompter{answers: []string{"one", "two"}}
	w.run("export", "--passphrase").wantErr(t, 1, "the passphrases differ")
	w.prompt = &prompter{answers: []string{testBundlePwd, testBundlePwd}}
	r := w.run("export", "--passphrase").want(t, 0)
	id, _ := age.NewScryptIdentity(testBundlePwd)
	decryptBundle(t, []byte(r.stdout), id)
	w.prompt = nil
	w.run("export", "--passphrase").wantErr(t, 1, "set ZTM_BUNDLE_PASSPHRASE, or use --to")
}

func TestExportRefusesPlaintextUnlessAsked(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	for _, args := range [][]string{
		{"export"},
		{"export", "crm-eu"},
		{"export", "--passphrase", "--plaintext"},
		{"export", "--to", "age1qqq", "--plaintext"},
	} {
		w.run(args...).wantErr(t, 1, "say how to protect the bundle: --to RECIPIENT, --passphrase, or (unencrypted) --plaintext")
	}
	w.run("export", "--to", "age1notakey").wantErr(t, 1, "age1notakey")
	w.run("export", "nope", "--plaintext").wantErr(t, 2, "no such profile")
	w.run("export", "crm-eu", "nope", "--plaintext").wantErr(t, 2, "export found 1 of the 2 profiles named")

	r := w.run("export", "crm-eu", "--plaintext").want(t, 0)
	var b app.Bundle
	if err := json.Unmarshal([]byte(r.stdout), &b); err != nil {
		t.Fatalf("--plaintext is not JSON: %v\n%s", err, r.stdout)
	}
	if b.Format != "ztm-bundle-1" || len(b.Profiles) != 1 || b.Profiles[0].ClientSecret != testSecret || b.Profiles[0].Token.RefreshToken == "" {
		t.Errorf("plaintext bundle: %+v", b)
	}
	// -o makes the file private, even one that was not.
	out := filepath.Join(t.TempDir(), "bundle.json")
	if err := os.WriteFile(out, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	w.run("export", "crm-eu", "--plaintext", "-o", out).want(t, 0)
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("plaintext bundle over a 0644 file: %v, %v; want mode 0600", fi.Mode(), err)
	}
	// A plaintext bundle imports too.
	dst := newWorld(t)
	dst.runStdin(r.stdout, "import", "-").want(t, 0)
	sameProfile(t, dst.stored()["crm-eu"], w.stored()["crm-eu"])
}

func TestImportSkipsTakenNamesUnlessReplace(t *testing.T) {
	t.Parallel()
	src := fourProfiles(t)
	r := src.run("export", "crm-eu", "desk-us", "--plaintext").want(t, 0)
	file := filepath.Join(t.TempDir(), "bundle.json")
	if err := os.WriteFile(file, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}

	dst := newWorld(t)
	mine := dst.add("crm-eu", inDC("JP"))
	r = dst.run("import", file).want(t, 0)
	if r.stdout != "imported 1, replaced 0, skipped 1\n" || r.stderr != "skipped (name taken; --replace overwrites): [crm-eu]\n" {
		t.Errorf("import printed\n%s", r)
	}
	sameProfile(t, dst.stored()["crm-eu"], mine)

	r = dst.run("import", file, "--replace").want(t, 0)
	if r.stdout != "imported 0, replaced 2, skipped 0\n" {
		t.Errorf("import --replace printed\n%s", r)
	}
	sameProfile(t, dst.stored()["crm-eu"], src.stored()["crm-eu"])
}

func TestImportWithTheVaultsOwnKey(t *testing.T) {
	t.Parallel()
	w := fourProfiles(t)
	v := w.open()
	own := v.Key().Recipients()[0]
	v.Close()
	r := w.run("export", "crm-eu", "--to", own).want(t, 0)
	w.run("rm", "crm-eu", "--yes").want(t, 0)
	// No --key: the vault's own key opens it.
	if r := w.runStdin(r.stdout, "import", "-").want(t, 0); r.stdout != "imported 1, replaced 0, skipped 0\n" {
		t.Errorf("import printed\n%s", r)
	}
}

func TestImportFailuresImportNothing(t *testing.T) {
	t.Parallel()
	src := fourProfiles(t)
	key, other := newAgeKey(t, false), newAgeKey(t, false)
	bundleTo := src.run("export", "--to", key.recipient).want(t, 0).stdout
	tampered := []byte(bundleTo)
	tampered[len(tampered)-5] ^= 1

	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		args    []string
		code    int
		phrases []string
	}{
		{"wrong key", []string{"import", write("b1.age", []byte(bundleTo)), "--key", other.file}, 3, []string{"the bundle is encrypted to other keys than this vault's: give the one it was made for with --key; nothing was imported"}},
		{"no key", []string{"import", write("b2.age", []byte(bundleTo))}, 3, []string{"encrypted to other keys"}},
		{"tampered", []string{"import", write("b3.age", tampered), "--key", key.file}, 1, []string{"not a ztm bundle", "truncated or was modified"}},
		{"not a bundle", []string{"import", write("b4.txt", []byte("hello"))}, 1, []string{"not a ztm bundle", "neither an age file nor JSON"}},
		{"other JSON", []string{"import", write("b5.json", []byte(`{"profiles": []}`))}, 1, []string{"not a ztm bundle"}},
		{"missing file", []string{"import", filepath.Join(dir, "nope.age")}, 1, []string{"cannot read the bundle"}},
		{"no file", []string{"import"}, 1, []string{"import needs the bundle"}},
		{"missing key file", []string{"import", write("b6.age", []byte(bundleTo)), "--key", filepath.Join(dir, "nokey")}, 3, []string{"cannot read the key --key " + filepath.Join(dir, "nokey") + ": no such file or directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := newWorld(t)
			before := dst.vaultBytes()
			r := dst.run(tt.args...).wantErr(t, tt.code, tt.phrases...)
			if !bytes.Equal(dst.vaultBytes(), before) {
				t.Error("a failed import changed the vault")
			}
			noSecrets(t, "stderr", r.stderr, src.secretsOf()...)
		})
	}
}
