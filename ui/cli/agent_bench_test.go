package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"ztm/ui/app/service"
	"ztm/vault"
)

// BenchmarkTokenThroughAgent is the agent's headline figure: the whole
// `ztm token NAME` process on a passphrase vault of 1,000 profiles, with
// the agent unlocked (so no scrypt and no decryption in the process),
// timed side by side in one run with `age -d -i KEY vault.age` (the floor
// of any command that reads the vault itself) and `ztm version` (the
// floor of any ztm process), and ztm's own main returning at once (see
// BenchmarkStartupFloor: what starting the binary costs). It reports the
// medians and x-age, x-version and exit-x-age, the ratios of the medians;
// the targets are at most 0.7 and 1.3 (x-age cannot come below
// exit-x-age).
func BenchmarkTokenThroughAgent(b *testing.B) {
	ztm, ageBin := ztmBinary(b), ageBinary(b)
	dir := b.TempDir()
	p, keyFile := benchPassphraseVault(b, dir, benchProfiles)
	name := fmt.Sprintf("crm-%04d", benchProfiles/2)
	sock := agentSockPath(b)
	env := append(os.Environ(), "ZTM_VAULT="+p.Vault, "ZTM_IDENTITY="+p.Identity,
		"ZTM_DATACENTERS=", "ZTM_PASSPHRASE=", service.EnvAgentSock+"="+sock)
	killAgentAtCleanup(b, sock)
	unlock := exec.Command(ztm, "unlock")
	unlock.Env = append(env, "ZTM_PASSPHRASE="+benchPassphrase)
	if out, err := unlock.CombinedOutput(); err != nil {
		b.Fatalf("ztm unlock: %v\n%s", err, out)
	}

	exit, err := exitFloorOnce()
	if err != nil {
		b.Fatal(err)
	}
	cmds := map[string]func() *exec.Cmd{
		"token":   func() *exec.Cmd { c := exec.Command(ztm, "token", name); c.Env = env; return c },
		"age":     func() *exec.Cmd { return exec.Command(ageBin, "-d", "-i", keyFile, p.Vault) },
		"version": func() *exec.Cmd { c := exec.Command(ztm, "version"); c.Env = env; return c },
		"exit":    func() *exec.Cmd { return exec.Command(exit) },
	}
	// The token must come from the agent: no passphrase is given.
	var out bytes.Buffer
	if c := cmds["token"](); func() error { c.Stdout = &out; return c.Run() }() != nil || !strings.HasPrefix(out.String(), "1000.access") {
		b.Fatalf("ztm token %s through the agent printed %q", name, out.String())
	}
	times := map[string][]time.Duration{}
	order := []string{"token", "age", "version", "exit"}
	for b.Loop() {
		for _, k := range order {
			c := cmds[k]()
			start := time.Now()
			if err := c.Run(); err != nil {
				b.Fatalf("%s: %v", k, err)
			}
			times[k] = append(times[k], time.Since(start))
		}
	}
	med := func(k string) float64 {
		d := slices.Clone(times[k])
		slices.Sort(d)
		return float64(d[len(d)/2]) / float64(time.Millisecond)
	}
	b.ReportMetric(med("token"), "token-ms")
	b.ReportMetric(med("age"), "age-ms")
	b.ReportMetric(med("version"), "version-ms")
	b.ReportMetric(med("token")/med("age"), "x-age")
	b.ReportMetric(med("token")/med("version"), "x-version")
	b.ReportMetric(med("exit"), "exit-ms")
	b.ReportMetric(med("exit")/med("age"), "exit-x-age")
}

// benchPassphrase is the benchmark vault's passphrase (a cheap scrypt:
// the agent pays it once, outside the timing).
const benchPassphrase = "benchmark passphrase"

// benchPassphraseVault makes a passphrase vault holding benchVault's n
// profiles, and writes its identity, unwrapped, to a key file for age.
func benchPassphraseVault(b *testing.B, dir string, n int) (vault.Paths, string) {
	b.Helper()
	src := benchVault(b, filepath.Join(dir, "src"), n)
	key, err := vault.LoadKey(src.Identity, nil)
	if err != nil {
		b.Fatal(err)
	}
	sv, err := vault.Open(src, key, vault.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer sv.Close()
	ps, err := sv.Profiles()
	if err != nil {
		b.Fatal(err)
	}
	p, err := vault.ResolvePaths(filepath.Join(dir, "ztm", vault.VaultFile), filepath.Join(dir, "ztm", vault.PassphraseIdentity), func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	v, err := vault.Create(p, vault.CreateOptions{Passphrase: benchPassphrase, ScryptWorkFactor: testWorkFactor}, vault.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	err = v.Update(context.Background(), func(tx *vault.Tx) error {
		for i := range ps {
			if err := tx.CreateProfile(&ps[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// identity.age is an age file wrapped by the passphrase: its content
	// is the identity age -d -i takes.
	f, err := os.Open(p.Identity)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	id, err := age.NewScryptIdentity(benchPassphrase)
	if err != nil {
		b.Fatal(err)
	}
	r, err := age.Decrypt(f, id)
	if err != nil {
		b.Fatal(err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		b.Fatal(err)
	}
	keyFile := filepath.Join(dir, "identity.txt")
	if err := os.WriteFile(keyFile, plain, 0o600); err != nil {
		b.Fatal(err)
	}
	return p, keyFile
}

// BenchmarkTokenThroughAgentInProcess is `ztm token NAME` through Main
// with the agent unlocked, without the process: with
// BenchmarkTokenThroughAgent it splits the whole-process figure into the
// command's own work and the cost of starting a ztm process.
func BenchmarkTokenThroughAgentInProcess(b *testing.B) {
	w := newWorld(b)
	for i := range 100 {
		w.add(fmt.Sprintf("crm-%04d", i))
	}
	w.startAgent()
	w.run("unlock").want(b, 0)
	var out bytes.Buffer
	e := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: w.getenv, Now: w.fx.Now}
	for b.Loop() {
		out.Reset()
		if code := Main([]string{"token", "crm-0050"}, e); code != 0 || !strings.HasPrefix(out.String(), testAccess) {
			b.Fatalf("exit %d: %s", code, out.String())
		}
	}
}
