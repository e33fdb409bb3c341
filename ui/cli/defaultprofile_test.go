package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The default profile comes from, in order: the argument, ZTM_PROFILE, a
// .ztm-profile in the directory or its nearest parent, ztm use.
func TestDefaultProfileOrder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, n := range []string{"by-arg", "by-env", "by-file", "by-use"} {
		w.add(n)
	}
	token := func(args ...string) string {
		t.Helper()
		return strings.TrimSpace(w.run(append([]string{"token"}, args...)...).want(t, 0).stdout)
	}
	w.run("token").wantErr(t, 1, "token needs one profile name", "ztm use NAME")
	w.run("use").wantErr(t, 1, "no default is set")

	if r := w.run("use", "by-use").want(t, 0); r.stdout != "by-use is the default profile\n" {
		t.Errorf("use by-use:\n%s", r)
	}
	if got := token(); got != testAccess+".by-use" {
		t.Errorf("token with ztm use: %q", got)
	}
	if r := w.run("use").want(t, 0); r.stdout != "by-use (from ztm use (kept in the vault))\n" {
		t.Errorf("use alone:\n%s", r)
	}

	// A .ztm-profile in a parent of the current directory beats ztm use.
	repo := filepath.Join(w.cwd, "repo")
	w.cwd = filepath.Join(repo, "src", "pkg")
	if err := os.MkdirAll(w.cwd, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(repo, ProfileFile)
	if err := os.WriteFile(file, []byte("by-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := token(); got != testAccess+".by-file" {
		t.Errorf("token with %s: %q", ProfileFile, got)
	}
	if r := w.run("use").want(t, 0); r.stdout != "by-file (from "+file+")\n" {
		t.Errorf("use alone:\n%s", r)
	}

	// ZTM_PROFILE beats the file.
	w.env[EnvProfile] = "by-env"
	if got := token(); got != testAccess+".by-env" {
		t.Errorf("token with %s: %q", EnvProfile, got)
	}
	if r := w.run("use").want(t, 0); r.stdout != "by-env (from ZTM_PROFILE)\n" {
		t.Errorf("use alone:\n%s", r)
	}
	// ztm use says when something stronger still wins here.
	if r := w.run("use", "by-use").want(t, 0); !strings.Contains(r.stderr, "ZTM_PROFILE names by-env, which comes first") {
		t.Errorf("use under ZTM_PROFILE:\n%s", r)
	}

	// The argument beats them all.
	if got := token("by-arg"); got != testAccess+".by-arg" {
		t.Errorf("token by-arg: %q", got)
	}
	// Other commands that take one NAME take the default too.
	if r := w.run("show", "--json").want(t, 0); !strings.Contains(r.stdout, `"name": "by-env"`) {
		t.Errorf("show with a default:\n%s", r)
	}
	if r := w.run("exec", "--", "sh", "-c", `printf %s "$ZOHO_ACCESS_TOKEN"`).want(t, 0); r.stdout != testAccess+".by-env" {
		t.Errorf("exec with a default:\n%s", r)
	}
}

func TestDefaultProfileMistakes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm")
	w.run("use", "nope").wantErr(t, 2, "no such profile")
	if err := os.WriteFile(filepath.Join(w.cwd, ProfileFile), []byte("not a name!\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.run("token").wantErr(t, 1, ProfileFile, "write one profile name in it")
	w.env[EnvProfile] = "gone"
	w.run("token").wantErr(t, 2, "no such profile")
	delete(w.env, EnvProfile)
	os.Remove(filepath.Join(w.cwd, ProfileFile))
	w.run("use", "crm").want(t, 0)
	w.run("use", "--clear").want(t, 0)
	w.run("token").wantErr(t, 1, "no default is set")
}
