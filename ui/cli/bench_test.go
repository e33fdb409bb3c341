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
