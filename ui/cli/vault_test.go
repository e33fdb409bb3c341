package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"ztm/vault"
)

// info parses `ztm vault info` into its rows.
func info(t *testing.T, w *world) map[string]string {
	t.Helper()
	r := w.run("vault", "info").want(t, 0)
	rows := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		k, v, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("vault info line %q", line)
		}
		rows[k] = strings.TrimSpace(v)
	}
	return rows
}

func TestVaultInitKeyFile(t *testing.T) {
	t.Parallel()
	w := newBareWorld(t)
	r := w.run("vault", "init", "--key-file").want(t, 0)
	key := filepath.Join(w.dir, vault.KeyFileIdentity)
	want := "created " + w.paths.Vault + " (identity file, post-quantum (ML-KEM-768 + X25519))\n" +
		"its key is " + key + ": keep it secret and back it up; without it the vault cannot be opened\n"
	if r.stdout != want || r.stderr != "" {
		t.Errorf("got\n%s\nwant stdout\n%s", r, want)
	}
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("identity file: %v %v, want mode 0600", fi, err)
	}
	got := info(t, w)
	for k, v := range map[string]string{
		"Key": key, "Unlock mode": "identity file", "Key type": "post-quantum (ML-KEM-768 + X25519)",
		"Recipients": "1", "Profiles": "0", "Schema version": strconv.Itoa(vault.SchemaVersion), "Integrity": "ok",
	} {
		if got[k] != v {
			t.Errorf("vault info %s = %q, want %q", k, got[k], v)
		}
	}
	if !strings.HasPrefix(got["Vault"], w.paths.Vault+" (") || got["Vault ID"] == "" {
		t.Errorf("vault info: %v", got)
	}
	w.paths.Identity = key
	// A second init refuses to overwrite it.
	w.run("vault", "init", "--key-file").wantErr(t, 1, "a vault already exists")

	// The new vault works without a passphrase, and counts its profiles.
	w.add("crm-eu")
	w.run("token", "crm-eu").want(t, 0)
	if got := info(t, w)["Profiles"]; got != "1" {
		t.Errorf("Profiles = %s after one add", got)
	}
}

func TestVaultInitClassic(t *testing.T) {
	t.Parallel()
	w := newBareWorld(t)
	w.run("vault", "init", "--key-file", "--classic").want(t, 0)
	if got := info(t, w)["Key type"]; got != "X25519" {
		t.Errorf("Key type = %q", got)
	}
}

func TestVaultInitPassphrase(t *testing.T) {
	t.Parallel()
	w := newBareWorld(t)
	// No terminal and no ZTM_PASSPHRASE: say what would work.
	w.run("vault", "init").wantErr(t, 1, "set ZTM_PASSPHRASE, or use --key-file")
	if w.paths.Exists() {
		t.Fatal("a failed init left a vault")
	}
	w.prompt = &prompter{answers: []string{"short"}}
	w.run("vault", "init").wantErr(t, 1, "shorter than 8 characters")
	w.prompt = &prompter{answers: []string{testPassword, testPassword + "!"}}
	w.run("vault", "init").wantErr(t, 1, "the two passphrases differ")

	p := &prompter{answers: []string{testPassword, testPassword}}
	w.prompt = p
	r := w.run("vault", "init").want(t, 0)
	if !strings.HasPrefix(r.stdout, "created "+w.paths.Vault+" (passphrase, ") || strings.Contains(r.stdout, "its key is") {
		t.Errorf("init printed\n%s", r)
	}
	if strings.Join(p.asked, "|") != "New passphrase: |Again: " {
		t.Errorf("asked %q", p.asked)
	}
	w.env[vault.EnvPassphrase] = testPassword
	if got := info(t, w)["Unlock mode"]; got != "passphrase" {
		t.Errorf("Unlock mode = %q", got)
	}
}

func TestUnlock(t *testing.T) {
	t.Parallel()
	w := newPassphraseWorld(t)
	w.add("crm-eu")
	w.run("token", "crm-eu").want(t, 0)

	// A script with no passphrase: exit 3 and what to do.
	delete(w.env, vault.EnvPassphrase)
	w.run("token", "crm-eu").wantErr(t, 3, "a passphrase is needed", "no terminal to ask on", "set ZTM_PASSPHRASE", "or use a key file")

	w.env[vault.EnvPassphrase] = "canary-wrong-passphrase"
	r := w.run("token", "crm-eu").wantErr(t, 3, "wrong passphrase for "+w.paths.Identity)
	noSecrets(t, "stderr", r.stderr, "canary-wrong-passphrase", testPassword)

	// A person at a terminal is asked.
	delete(w.env, vault.EnvPassphrase)
	p := &prompter{answers: []string{testPassword}}
	w.prompt = p
	if r := w.run("token", "crm-eu").want(t, 0); r.stdout != testAccess+".crm-eu\n" {
		t.Errorf("token after a prompt: %q", r.stdout)
	}
	if len(p.asked) != 1 || p.asked[0] != "Passphrase for "+w.paths.Identity+": " {
		t.Errorf("asked %q", p.asked)
	}
}

func TestUnlockFailures(t *testing.T) {
	t.Parallel()
	t.Run("missing vault", func(t *testing.T) {
		w := newBareWorld(t)
		for _, cmd := range [][]string{{"token", "x"}, {"list"}, {"vault", "info"}, {"add", "x"}} {
			w.run(cmd...).wantErr(t, 3, "no vault at "+w.paths.Vault, "ztm vault init", "ZTM_VAULT")
		}
	})
	t.Run("key file gone", func(t *testing.T) {
		w := newWorld(t)
		w.env[vault.EnvIdentity] = filepath.Join(w.dir, "elsewhere.txt")
		w.run("list").wantErr(t, 3, "no identity file", "elsewhere.txt")
	})
	t.Run("another vault's key", func(t *testing.T) {
		w, other := newWorld(t), newWorld(t)
		w.env[vault.EnvIdentity] = other.paths.Identity
		w.run("list").wantErr(t, 3, "wrong identity")
	})
	t.Run("not a vault", func(t *testing.T) {
		w := newWorld(t)
		if err := os.WriteFile(w.paths.Vault, []byte("hello"), 0o600); err != nil {
			t.Fatal(err)
		}
		w.run("list").wantErr(t, 3, "not a ztm vault")
	})
	t.Run("flag wins over the environment", func(t *testing.T) {
		w := newWorld(t)
		w.run("--vault", filepath.Join(w.dir, "none.age"), "list").wantErr(t, 3, "no vault at "+filepath.Join(w.dir, "none.age"))
		w.run("list", "--vault", filepath.Join(w.dir, "none.age")).wantErr(t, 3, "no vault at")
	})
}

func TestVaultRecipients(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm-eu")
	v := w.open()
	own := v.Key().Recipients()[0]
	v.Close()

	r := w.run("vault", "recipients").want(t, 0)
	if r.stdout != own+"  (this vault's key)\n" {
		t.Errorf("recipients = %q", r.stdout)
	}

	second := newAgeKey(t, true)
	// Before it is added, the second key does not open the vault.
	w.run("--identity", second.file, "list").wantErr(t, 3, "wrong identity")

	if r := w.run("vault", "recipients", "add", second.recipient).want(t, 0); r.stdout != "added; the vault is now encrypted to it too\n" {
		t.Errorf("add printed %q", r.stdout)
	}
	r = w.run("vault", "recipients").want(t, 0)
	if !strings.Contains(r.stdout, own+"  (this vault's key)\n") || !strings.Contains(r.stdout, second.recipient+"\n") {
		t.Errorf("recipients after add:\n%s", r.stdout)
	}
	if got := info(t, w)["Recipients"]; got != "2" {
		t.Errorf("vault info Recipients = %s", got)
	}
	// The second key opens it now, without the first.
	if r := w.run("--identity", second.file, "token", "crm-eu").want(t, 0); r.stdout != testAccess+".crm-eu\n" {
		t.Errorf("token with the second key: %q", r.stdout)
	}

	// A classic X25519 key cannot join a post-quantum vault.
	classic := newAgeKey(t, false)
	w.run("vault", "recipients", "add", classic.recipient).wantErr(t, 1, "bad recipient")
	w.run("vault", "recipients", "add", "age1garbage").wantErr(t, 1, "bad recipient")
	// The vault's own key cannot be removed.
	w.run("vault", "recipients", "rm", own).wantErr(t, 1)
	w.run("vault", "recipients", "frob").wantErr(t, 1, "use: ztm vault recipients [add RECIPIENT | rm RECIPIENT]")

	if r := w.run("vault", "recipients", "rm", second.recipient).want(t, 0); r.stdout != "removed; the vault and its backup were re-encrypted without it\n" {
		t.Errorf("rm printed %q", r.stdout)
	}
	w.run("--identity", second.file, "list").wantErr(t, 3, "wrong identity")
	// Nor does the previous version, kept as .bak, open with the removed key.
	bak := w.paths
	bak.Vault += ".bak"
	w.env[vault.EnvVault] = bak.Vault
	w.run("--identity", second.file, "list").wantErr(t, 3, "wrong identity")
	w.env[vault.EnvVault] = w.paths.Vault
	w.run("token", "crm-eu").want(t, 0)
}

func TestVaultPasswd(t *testing.T) {
	t.Parallel()
	w := newPassphraseWorld(t)
	w.add("crm-eu")
	const newPass = "a new and longer passphrase"

	// No terminal: refused, before anything changes.
	w.run("vault", "passwd").wantErr(t, 1, "changing the passphrase needs a terminal")
	w.prompt = &prompter{answers: []string{newPass, newPass + "x"}}
	w.run("vault", "passwd").wantErr(t, 1, "the two passphrases differ; nothing was changed")
	w.run("token", "crm-eu").want(t, 0)

	vaultBefore := w.vaultBytes()
	p := &prompter{answers: []string{newPass, newPass}}
	w.prompt = p
	r := w.run("vault", "passwd").want(t, 0)
	if r.stdout != "passphrase changed; the vault itself was not rewritten\n" {
		t.Errorf("passwd printed %q", r.stdout)
	}
	if strings.Join(p.asked, "|") != "New passphrase: |Again: " {
		t.Errorf("asked %q", p.asked)
	}
	if string(w.vaultBytes()) != string(vaultBefore) {
		t.Error("passwd rewrote vault.age")
	}
	w.prompt = nil
	w.run("token", "crm-eu").wantErr(t, 3, "wrong passphrase")
	w.env[vault.EnvPassphrase] = newPass
	if r := w.run("token", "crm-eu").want(t, 0); r.stdout != testAccess+".crm-eu\n" {
		t.Errorf("token with the new passphrase: %q", r.stdout)
	}

	// A key-file vault has no passphrase to change.
	k := newWorld(t)
	k.prompt = &prompter{answers: []string{newPass, newPass}}
	k.run("vault", "passwd").wantErr(t, 1, "has no ztm passphrase")
}

func TestVaultUsage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run("vault").wantErr(t, 1, "vault needs a subcommand: info, init, migrate, passwd or recipients")
	w.run("vault", "frob").wantErr(t, 1, `unknown vault subcommand "frob"`)
}
