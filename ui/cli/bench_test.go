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
	"sync"
	"testing"
	"time"

	"ztm/model"
	"ztm/vault"
)

// benchProfiles is the size of the vault in issue 6's figure.
const benchProfiles = 1000

// BenchmarkTokenProcess is issue 6's headline figure: the whole `ztm token
// NAME` process on a valid token in a 1,000-profile key-file vault, against
// `age -d -i KEY vault.age > /dev/null` on the same file (the floor: ztm
// must at least decrypt it). ztm-token runs both alternately and reports
// x-age, its time over age's in the same run; the target is at most 1.5.
func BenchmarkTokenProcess(b *testing.B) {
	ztm := ztmBinary(b)
	ageBin := ageBinary(b)
	dir := b.TempDir()
	p := benchVault(b, dir, benchProfiles)
	name := fmt.Sprintf("crm-%04d", benchProfiles/2)
	env := append(os.Environ(), "ZTM_VAULT="+p.Vault, "ZTM_IDENTITY="+p.Identity,
		"ZTM_DATACENTERS=", "ZTM_PASSPHRASE=")
	tokenCmd := func(stdout *bytes.Buffer) *exec.Cmd {
		c := exec.Command(ztm, "token", name)
		c.Env = env
		if stdout != nil {
			c.Stdout = stdout
		}
		return c
	}
	ageCmd := func() *exec.Cmd { return exec.Command(ageBin, "-d", "-i", p.Identity, p.Vault) }

	// Both must work before they are timed.
	var out bytes.Buffer
	if c := tokenCmd(&out); c.Run() != nil || !strings.HasPrefix(out.String(), "1000.access") {
		b.Fatalf("ztm token %s printed %q", name, out.String())
	}
	if err := ageCmd().Run(); err != nil {
		b.Fatalf("age -d: %v", err)
	}
	run := func(b *testing.B, c *exec.Cmd) time.Duration {
		start := time.Now()
		if err := c.Run(); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}

	b.Run("ztm-token", func(b *testing.B) {
		var ztmTime, ageTime time.Duration
		for b.Loop() {
			ztmTime += run(b, tokenCmd(nil))
			b.StopTimer()
			ageTime += run(b, ageCmd())
			b.StartTimer()
		}
		if ageTime > 0 {
			b.ReportMetric(float64(ztmTime)/float64(ageTime), "x-age")
			b.ReportMetric(float64(ageTime.Nanoseconds())/float64(b.N), "age-ns/op")
		}
	})
	b.Run("age-decrypt", func(b *testing.B) {
		for b.Loop() {
			run(b, ageCmd())
		}
	})
}

// benchVault makes a key-file vault with n profiles, all with valid tokens,
// whose accounts servers are loopback addresses: nothing can reach the
// internet even if a refresh were attempted.
func benchVault(b testing.TB, dir string, n int) vault.Paths {
	b.Helper()
	p, err := vault.ResolvePaths(filepath.Join(dir, "ztm", vault.VaultFile), filepath.Join(dir, "ztm", vault.KeyFileIdentity), func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	v, err := vault.Create(p, vault.CreateOptions{GenerateKeyFile: true}, vault.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	now := time.Now()
	err = v.Update(context.Background(), func(tx *vault.Tx) error {
		for i := range n {
			p := model.Profile{
				Name: fmt.Sprintf("crm-%04d", i), DC: "EU",
				AccountsServer: "http://127.0.0.1:9", APIDomain: "https://www.zohoapis.eu",
				ClientType: model.ServerClient, ClientID: fmt.Sprintf("1000.%030d", i),
				ClientSecret: fmt.Sprintf("secret%036d", i), RedirectURI: "http://localhost:8765/callback",
				Scopes:  []string{"ZohoCRM.modules.ALL", "ZohoCRM.settings.READ", "AaaServer.profile.READ"},
				Consent: model.UserConsent, Account: fmt.Sprintf("user%d@example.com", i),
				Tags: []string{"prod", "crm"}, Notes: "benchmark profile",
				Token: &model.Token{
					AccessToken: fmt.Sprintf("1000.access%024d", i), RefreshToken: fmt.Sprintf("1000.refresh%024d", i),
					TokenType: "Bearer", ObtainedAt: now, ExpiresAt: now.Add(24 * time.Hour),
					GrantedScopes: []string{"ZohoCRM.modules.ALL"}, Health: model.HealthOK,
				},
			}
			if err := tx.CreateProfile(&p); err != nil {
				return err
			}
			if err := tx.AddEvent(model.Event{Profile: p.Name, Kind: model.EventRefresh, Detail: "valid until 10:00:00"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkTokenInProcess is `ztm token NAME` through Main, without the
// process: what the vault and the command cost, without start-up. With
// BenchmarkTokenProcess it splits the whole-process figure in two; run it
// with -cpuprofile to see where the rest goes.
func BenchmarkTokenInProcess(b *testing.B) {
	p := benchVault(b, b.TempDir(), benchProfiles)
	name := fmt.Sprintf("crm-%04d", benchProfiles/2)
	env := map[string]string{"ZTM_VAULT": p.Vault, "ZTM_IDENTITY": p.Identity}
	var out bytes.Buffer
	e := Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out,
		Getenv: func(k string) string { return env[k] }, Now: time.Now,
	}
	for b.Loop() {
		out.Reset()
		if code := Main([]string{"token", name}, e); code != 0 {
			b.Fatalf("exit %d: %s", code, out.String())
		}
	}
}

// BenchmarkListInProcess is `ztm list` on 10,000 profiles through Main,
// without the process: run it with -cpuprofile to see where list goes.
func BenchmarkListInProcess(b *testing.B) {
	p := benchVault(b, b.TempDir(), 10000)
	env := map[string]string{"ZTM_VAULT": p.Vault, "ZTM_IDENTITY": p.Identity}
	e := Env{
		Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard,
		Getenv: func(k string) string { return env[k] }, Now: time.Now,
	}
	for b.Loop() {
		if code := Main([]string{"list"}, e); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}

// BenchmarkRenameInProcess is one change through the command line (ztm
// rename, back and forth) on 10,000 profiles, without the process: the
// full load, the change, the checks and the save.
func BenchmarkRenameInProcess(b *testing.B) {
	p := benchVault(b, b.TempDir(), 10000)
	env := map[string]string{"ZTM_VAULT": p.Vault, "ZTM_IDENTITY": p.Identity}
	e := Env{
		Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard,
		Getenv: func(k string) string { return env[k] }, Now: time.Now,
	}
	names := [2]string{"crm-5000", "crm-5000-x"}
	i := 0
	for b.Loop() {
		if code := Main([]string{"rename", names[i%2], names[(i+1)%2]}, e); code != 0 {
			b.Fatalf("exit %d", code)
		}
		i++
	}
}

// The whole-process tests and figures must time the binary `make build`
// makes: the same environment for go build (and age built the same way).
func TestBuildsAsMakeBuild(t *testing.T) {
	t.Parallel()
	root, err := moduleRoot()
	if err != nil {
		t.Skip(err)
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	var makeEnv []string
	for line := range strings.Lines(string(mk)) {
		if v, ok := strings.CutPrefix(line, "BUILD_ENV :="); ok {
			makeEnv = strings.Fields(v)
		}
	}
	if makeEnv == nil {
		t.Fatal("the Makefile has no BUILD_ENV := line")
	}
	if !slices.Equal(makeEnv, buildEnv) {
		t.Errorf("make build builds with %q, the tests and figures with %q", makeEnv, buildEnv)
	}
	for _, target := range []string{"build:", "run:", "demo:"} {
		_, rest, _ := strings.Cut(string(mk), "\n"+target)
		if recipe, _, _ := strings.Cut(rest, "\n\n"); !strings.Contains(recipe, "$(BUILD_ENV) $(GO) build") {
			t.Errorf("make %s does not build with $(BUILD_ENV)", strings.TrimSuffix(target, ":"))
		}
	}
}

// BenchmarkStartupFloor says how far `ztm token NAME` can come down: it
// times, alternately in one run, `age -d -i KEY vault.age` (the
// yardstick), `ztm token NAME` on a valid token, `ztm version`, and the
// floor: a program generated here that links exactly ztm's packages (so
// runs every package initialisation ztm runs) but whose main returns at
// once; and exit, ztm's own main with a return at its top (the whole
// binary, started and stopped). Every binary is built as `make build`
// builds. It reports each median in ms, floor-x-age and exit-x-age: a
// token/age target below floor-x-age cannot be met without linking fewer
// packages, and one below exit-x-age not without a smaller binary.
func BenchmarkStartupFloor(b *testing.B) {
	ztm, ageBin := ztmBinary(b), ageBinary(b)
	floor, err := floorOnce()
	if err != nil {
		b.Fatal(err)
	}
	exit, err := exitFloorOnce()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{10, benchProfiles} {
		p := benchVault(b, b.TempDir(), n)
		name := fmt.Sprintf("crm-%04d", n/2)
		env := append(os.Environ(), "ZTM_VAULT="+p.Vault, "ZTM_IDENTITY="+p.Identity,
			"ZTM_DATACENTERS=", "ZTM_PASSPHRASE=", "ZTM_AGENT_SOCK="+filepath.Join(b.TempDir(), "none.sock"))
		ztmCmd := func(args ...string) func() *exec.Cmd {
			return func() *exec.Cmd { c := exec.Command(ztm, args...); c.Env = env; return c }
		}
		cmds := []timedCmd{
			{"age", func() *exec.Cmd { return exec.Command(ageBin, "-d", "-i", p.Identity, p.Vault) }},
			{"token", ztmCmd("token", name)},
			{"version", ztmCmd("version")},
			{"floor", func() *exec.Cmd { return exec.Command(floor) }},
			{"exit", func() *exec.Cmd { return exec.Command(exit) }},
		}
		var out bytes.Buffer
		if c := cmds[1].cmd(); func() error { c.Stdout = &out; return c.Run() }() != nil || !strings.HasPrefix(out.String(), "1000.access") {
			b.Fatalf("ztm token %s printed %q", name, out.String())
		}
		b.Run(fmt.Sprintf("profiles=%d", n), func(b *testing.B) {
			med := alternateMedians(b, cmds)
			for _, c := range cmds {
				b.ReportMetric(med[c.name], c.name+"-ms")
			}
			b.ReportMetric(med["token"]/med["age"], "x-age")
			b.ReportMetric(med["floor"]/med["age"], "floor-x-age")
			b.ReportMetric(med["exit"]/med["age"], "exit-x-age")
		})
	}
}

// timedCmd is one of the commands a benchmark runs side by side.
type timedCmd struct {
	name string
	cmd  func() *exec.Cmd
}

// alternateMedians runs cmds one after the other, b.N rounds, and returns
// each one's median wall time in milliseconds: alternating spreads the
// machine's changing load over all of them alike.
func alternateMedians(b *testing.B, cmds []timedCmd) map[string]float64 {
	times := map[string][]time.Duration{}
	for b.Loop() {
		for _, c := range cmds {
			cmd := c.cmd()
			start := time.Now()
			if err := cmd.Run(); err != nil {
				b.Fatalf("%s: %v", c.name, err)
			}
			times[c.name] = append(times[c.name], time.Since(start))
		}
	}
	med := map[string]float64{}
	for k, d := range times {
		slices.Sort(d)
		med[k] = float64(d[len(d)/2]) / float64(time.Millisecond)
	}
	return med
}

// The floor programs of BenchmarkStartupFloor, built once.
var (
	floorOnce     = sync.OnceValues(func() (string, error) { return buildFloor(false) })
	exitFloorOnce = sync.OnceValues(func() (string, error) { return buildFloor(true) })
)

// buildFloor generates and builds a floor program, and checks that it
// links the packages ztm links. The plain floor imports, blank, every
// package ztm's main imports: the same initialisations, but the linker
// drops the code nothing calls. With exit, it is ztm's own main.go with a
// return the compiler cannot prove taken at its top: the same binary,
// code and all, that stops before doing anything.
func buildFloor(exit bool) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	list := func(args ...string) ([]string, error) {
		cmd := exec.Command("go", append([]string{"list"}, args...)...)
		cmd.Dir = root
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go list %s: %v", strings.Join(args, " "), err)
		}
		return strings.Fields(string(out)), nil
	}
	var src string
	if exit {
		main, err := os.ReadFile(filepath.Join(root, "main.go"))
		if err != nil {
			return "", err
		}
		var ok bool
		if src, ok = strings.CutSuffix(strings.Replace(string(main), "\nfunc main() {\n", "\nfunc main() {\n\tif len(os.Args) < 1<<30 {\n\t\treturn\n\t}\n", 1), ""); !ok || src == string(main) {
			return "", fmt.Errorf("main.go has no func main() { line to put a return under")
		}
	} else {
		imports, err := list("-f", `{{join .Imports " "}}`, ".")
		if err != nil {
			return "", err
		}
		src = "package main\n\nimport (\n"
		for _, imp := range imports {
			src += fmt.Sprintf("\t_ %q\n", imp)
		}
		src += ")\n\nfunc main() {}\n"
	}
	// A directory starting with a dot is outside ./... for everyone
	// else's go build and go test meanwhile.
	dir, err := os.MkdirTemp(root, ".startup-floor-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	src = "// Code generated by BenchmarkStartupFloor; DO NOT EDIT.\n\n" + src
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		return "", err
	}
	pkg := "./" + filepath.Base(dir)
	ztmDeps, err := list("-deps", ".")
	if err != nil {
		return "", err
	}
	floorDeps, err := list("-deps", pkg)
	if err != nil {
		return "", err
	}
	if len(ztmDeps) != len(floorDeps) || !slices.Equal(ztmDeps[:len(ztmDeps)-1], floorDeps[:len(floorDeps)-1]) {
		return "", fmt.Errorf("the floor links %d packages, ztm %d", len(floorDeps), len(ztmDeps))
	}
	name := "ztm-floor"
	if exit {
		name = "ztm-exit"
	}
	return goBuild(pkg, name)
}
