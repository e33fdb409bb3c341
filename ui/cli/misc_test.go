package cli

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ztm/ui/tui"
	"ztm/vault"
)

func visibleCommands() []string {
	var names []string
	for _, c := range visible(NewCmdRoot(&Factory{})) {
		names = append(names, c.Name())
	}
	return names
}

func TestHelpOnEveryCommand(t *testing.T) {
	t.Parallel()
	w := newBareWorld(t) // no vault: help needs none
	for _, name := range visibleCommands() {
		t.Run(name, func(t *testing.T) {
			for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}} {
				r := w.run(args...).want(t, 0)
				if r.stderr != "" {
					t.Errorf("%v wrote on stderr: %q", args, r.stderr)
				}
				if n := strings.Count(r.stdout, "\nusage: ztm "+name); n != 1 {
					t.Errorf("%v shows the usage line %d times:\n%s", args, n, r.stdout)
				}
				_, example, ok := strings.Cut(r.stdout, "\nExample")
				if !ok || !strings.Contains(example, "ztm "+name) {
					t.Errorf("%v shows no example:\n%s", args, r.stdout)
				}
			}
		})
	}
}

func TestTopLevelHelp(t *testing.T) {
	t.Parallel()
	w := newBareWorld(t)
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		r := w.run(args...).want(t, 0)
		for _, name := range visibleCommands() {
			if !strings.Contains(r.stdout, "\n  "+name+" ") {
				t.Errorf("%v does not list %s", args, name)
			}
		}
		for _, s := range []string{"ZTM_PASSPHRASE", "ZTM_DATACENTERS", "Exit codes:", "3 vault locked", "5 Zoho unreachable"} {
			if !strings.Contains(r.stdout, s) {
				t.Errorf("%v does not mention %s", args, s)
			}
		}
		if strings.Contains(r.stdout, "__complete") || strings.Contains(r.stdout, "\n  help ") {
			t.Errorf("%v lists a hidden command", args)
		}
	}
}

func TestUnknownCommandAndFlags(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run("frob").wantErr(t, 1, `unknown command "frob": ztm --help lists the commands`)
	w.run("help", "frob").wantErr(t, 1, `unknown command "frob": ztm --help lists the commands`)
	w.run("--frob").wantErr(t, 1, "unknown flag: --frob", "ztm --help")
	w.run("--vault").wantErr(t, 1, "flag needs an argument: --vault")
	w.run("list", "--frob").wantErr(t, 1, "unknown flag: --frob", "ztm list --help")
	w.run("version", "extra").wantErr(t, 1, "version takes no arguments")
}

func TestVersion(t *testing.T) {
	t.Parallel()
	w := newBareWorld(t)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		r := w.run(args...).want(t, 0)
		if !strings.HasPrefix(r.stdout, "ztm ") || !strings.HasSuffix(r.stdout, ", vault schema "+strconv.Itoa(vault.SchemaVersion)+")\n") ||
			strings.Count(r.stdout, "\n") != 1 || r.stderr != "" {
			t.Errorf("%v printed\n%s", args, r)
		}
	}
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	w := newBareWorld(t)
	shells := map[string]string{"bash": "complete -o default -F __start_ztm ztm", "zsh": "#compdef ztm",
		"fish": "complete -c ztm", "powershell": "Register-ArgumentCompleter"}
	for shell, marker := range shells {
		t.Run(shell, func(t *testing.T) {
			r := w.run("completion", shell).want(t, 0)
			// The script asks ztm itself what to offer.
			if !strings.Contains(r.stdout, marker) || !strings.Contains(r.stdout, "__complete") {
				t.Errorf("no %q or call back in the %s script:\n%s", marker, shell, r.stdout)
			}
			// If the shell is installed, the script must at least parse.
			if shell == "powershell" {
				return
			}
			if path, err := exec.LookPath(shell); err == nil {
				script := filepath.Join(t.TempDir(), "ztm."+shell)
				if err := os.WriteFile(script, []byte(r.stdout), 0o600); err != nil {
					t.Fatal(err)
				}
				if out, err := exec.Command(path, "-n", script).CombinedOutput(); err != nil {
					t.Errorf("%s -n rejects the script: %v\n%s", shell, err, out)
				}
			}
		})
	}
	w.run("completion").wantErr(t, 1, "completion needs a shell: ztm completion bash|zsh|fish|powershell")
	w.run("completion", "tcsh").wantErr(t, 1, `unknown shell "tcsh"`)
}

// complete asks ztm what the shell should offer after args, as the
// scripts do, and returns the offers without their descriptions.
func (w *world) complete(args ...string) (offers []string, r result) {
	r = w.run(append([]string{"__complete"}, args...)...).want(w.t, 0)
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if line == "" || strings.HasPrefix(line, ":") {
			continue
		}
		name, _, _ := strings.Cut(line, "\t")
		offers = append(offers, name)
	}
	return offers, r
}

func TestCompletionOffersCommandsFlagsAndProfiles(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.add("crm-eu")
	w.add("books")
	got, _ := w.complete("")
	for _, name := range visibleCommands() {
		if !slices.Contains(got, name) {
			t.Errorf("completing a command does not offer %s: %v", name, got)
		}
	}
	if slices.Contains(got, "__complete") {
		t.Errorf("completion offers a hidden command: %v", got)
	}
	for _, cmd := range []string{"token", "header", "exec", "show", "rm", "refresh", "export", "rename"} {
		if got, r := w.complete(cmd, ""); strings.Join(got, " ") != "books crm-eu" {
			t.Errorf("completing ztm %s NAME offers %v\n%s", cmd, got, r)
		}
	}
	if got, _ := w.complete("token", "crm-eu", ""); len(got) != 0 {
		t.Errorf("a second name is offered after token NAME: %v", got)
	}
	if got, _ := w.complete("token", "--"); !slices.Contains(got, "--min-valid") || !slices.Contains(got, "--strict") {
		t.Errorf("token's flags are not offered: %v", got)
	}
	if got, _ := w.complete("add", "x", "--dc", ""); !slices.Contains(got, "EU") || !slices.Contains(got, "CN") {
		t.Errorf("--dc offers %v", got)
	}
	if got, _ := w.complete("completion", ""); strings.Join(got, " ") != "bash zsh fish powershell" {
		t.Errorf("completion offers %v", got)
	}
}

func TestCompleteProfilesNeverPrompts(t *testing.T) {
	t.Parallel()
	// A passphrase vault without ZTM_PASSPHRASE: nothing, silently, and no
	// question even on a terminal.
	pw := newPassphraseWorld(t)
	pw.add("crm-eu")
	delete(pw.env, vault.EnvPassphrase)
	p := &prompter{answers: []string{testPassword}}
	pw.prompt = p
	if got, r := pw.complete("token", ""); len(got) != 0 || strings.Contains(r.stderr, "ztm:") {
		t.Errorf("complete on a locked vault:\n%s", r)
	}
	if len(p.asked) != 0 {
		t.Errorf("completion asked %q", p.asked)
	}
	// With the passphrase in the environment, the names come.
	pw.env[vault.EnvPassphrase] = testPassword
	if got, r := pw.complete("token", ""); strings.Join(got, " ") != "crm-eu" {
		t.Errorf("complete with ZTM_PASSPHRASE:\n%s", r)
	}
}

func TestNoCommandStartsTheDashboard(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var got tui.Config
	var out strings.Builder
	e := Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: w.getenv, Now: w.fx.Now,
		RunTUI: func(_ context.Context, cfg tui.Config) error { got = cfg; return nil },
	}
	if code := Main(nil, e); code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	if got.Paths != w.paths {
		t.Errorf("the dashboard got paths %+v, want %+v", got.Paths, w.paths)
	}
	if dc, _ := got.DCs.ByID("EU"); dc.AccountsServer != w.zoho.URL("EU") {
		t.Errorf("the dashboard's EU is %s, want the ZTM_DATACENTERS override", dc.AccountsServer)
	}
	if got.ClipboardClear != 45*time.Second {
		t.Errorf("clipboard cleared after %s by default, want 45s", got.ClipboardClear)
	}
	// ZTM_CLIPBOARD_CLEAR sets it; a bad value is a usage error.
	e.Getenv = func(k string) string {
		if k == "ZTM_CLIPBOARD_CLEAR" {
			return "20s"
		}
		return w.getenv(k)
	}
	if code := Main(nil, e); code != 0 || got.ClipboardClear != 20*time.Second {
		t.Errorf("ZTM_CLIPBOARD_CLEAR=20s: exit %d, clear after %s", code, got.ClipboardClear)
	}
	e.Getenv = func(k string) string {
		if k == "ZTM_CLIPBOARD_CLEAR" {
			return "soon"
		}
		return w.getenv(k)
	}
	out.Reset()
	if code := Main(nil, e); code != 1 || !strings.Contains(out.String(), "ZTM_CLIPBOARD_CLEAR") {
		t.Errorf("ZTM_CLIPBOARD_CLEAR=soon: exit %d, output %q", code, out.String())
	}
	e.Getenv = w.getenv
	// Its errors are reported like any other.
	e.RunTUI = func(context.Context, tui.Config) error { return errors.New("boom") }
	if code := Main(nil, e); code != 1 || !strings.Contains(out.String(), "ztm: boom\n") {
		t.Errorf("exit %d, output %q", code, out.String())
	}
}

func TestDemoUsesAFakeZohoAndAThrowawayVault(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var got tui.Config
	var profiles int
	var errb strings.Builder
	e := Env{
		Stdin: strings.NewReader(""), Stdout: &errb, Stderr: &errb, Getenv: w.getenv, Now: w.fx.Now,
		RunTUI: func(_ context.Context, cfg tui.Config) error {
			got = cfg
			key, err := vault.LoadKey(cfg.Paths.Identity, nil)
			if err != nil {
				return err
			}
			v, err := vault.Open(cfg.Paths, key, vault.Options{Now: cfg.Now})
			if err != nil {
				return err
			}
			defer v.Close()
			ps, err := v.Profiles()
			profiles = len(ps)
			return err
		},
	}
	if code := Main([]string{"demo"}, e); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got.Demo == "" || profiles < 10 {
		t.Errorf("demo config %q with %d profiles", got.Demo, profiles)
	}
	if dc, _ := got.DCs.ByID("EU"); !strings.HasPrefix(dc.AccountsServer, "http://127.0.0.1:") {
		t.Errorf("the demo's EU is %s, want the loopback fake", dc.AccountsServer)
	}
	if !strings.HasPrefix(errb.String(), "ztm demo: fake Zoho at http://127.0.0.1:") {
		t.Errorf("demo printed %q", errb.String())
	}
	if _, err := os.Stat(got.Paths.Vault); !os.IsNotExist(err) {
		t.Errorf("the demo vault %s is still there after the demo (%v)", got.Paths.Vault, err)
	}
	if got.Paths.Vault == w.paths.Vault {
		t.Error("the demo used the user's vault")
	}
}
