package cli

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"ztm/vault"
	"ztm/vault/pgtest"
)

// pgWorld points a world without a vault at a fresh PostgreSQL schema.
func pgWorld(t *testing.T) (*world, string) {
	w := newBareWorld(t)
	u := pgtest.URL(t)
	w.env[vault.EnvVault] = u
	return w, u
}

func TestVaultOnPostgres(t *testing.T) {
	w, u := pgWorld(t)
	pw := ""
	if pu, err := url.Parse(u); err == nil && pu.User != nil {
		pw, _ = pu.User.Password()
	}
	r := w.run("vault", "init", "--key-file").want(t, 0)
	key := filepath.Join(w.env["XDG_CONFIG_HOME"], "ztm", vault.KeyFileIdentity)
	if !strings.Contains(r.stdout, "its key is "+key) {
		t.Errorf("init: %s; want the key written to this machine's config directory", r)
	}
	p, err := vault.ResolvePaths("", "", w.getenv)
	if err != nil {
		t.Fatal(err)
	}
	w.paths = p
	w.add("crm-eu")
	w.run("token", "crm-eu").want(t, 0)
	got := info(t, w)
	if got["Profiles"] != "1" || got["Key"] != key || !strings.HasPrefix(got["Vault"], "postgres://") {
		t.Errorf("vault info: %v", got)
	}
	out := filepath.Join(t.TempDir(), "out.age")
	w.run("vault", "migrate", "--to", out).want(t, 0)
	for _, r := range []result{r, w.run("vault", "info")} {
		if pw != "" && strings.Contains(r.stdout+r.stderr, pw) {
			t.Errorf("the database password is in the output of ztm %s", strings.Join(r.args, " "))
		}
	}
	// The copy opens with the same key, as a file.
	w.env[vault.EnvVault] = out
	w.env[vault.EnvIdentity] = key
	w.run("token", "crm-eu").want(t, 0)
}

func TestVaultMigrateFileIntoPostgres(t *testing.T) {
	w := newWorld(t)
	w.add("crm-eu")
	u := pgtest.URL(t)
	r := w.run("vault", "migrate", "--to", u).want(t, 0)
	if !strings.Contains(r.stdout, "copied ") {
		t.Errorf("migrate said %s", r)
	}
	w.run("vault", "migrate", "--to", u).wantErr(t, 1, "a vault already exists")
	w.env[vault.EnvIdentity] = w.paths.Identity
	w.env[vault.EnvVault] = u
	w.run("token", "crm-eu").want(t, 0)
}

func TestUnreachablePostgresExits5(t *testing.T) {
	w := newWorld(t)
	w.add("crm-eu")
	w.env[vault.EnvIdentity] = w.paths.Identity
	w.env[vault.EnvVault] = "postgres://ztm:hunter22secret@127.0.0.1:1/ztm?sslmode=disable&connect_timeout=2"
	r := w.run("token", "crm-eu").wantErr(t, 5, "cannot be reached")
	if strings.Contains(r.stderr, "hunter22secret") {
		t.Errorf("the password is in the error: %s", r.stderr)
	}
}
