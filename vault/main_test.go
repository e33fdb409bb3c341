package vault

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ztm/model"
	"ztm/vault/pgtest"
)

// The multi-process tests re-run this test binary as a helper process:
// ZTM_TEST_ROLE picks what it does, ZTM_VAULT and ZTM_IDENTITY say where.
func TestMain(m *testing.M) {
	if role := os.Getenv("ZTM_TEST_ROLE"); role != "" {
		if err := runRole(role); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := pgtest.Main(m)
	for _, dir := range benchDirs {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

func runRole(role string) error {
	p, err := ResolvePaths("", "", os.Getenv)
	if err != nil {
		return err
	}
	key, err := LoadKey(p.Identity, nil)
	if err != nil {
		return err
	}
	v, err := Open(p, key, Options{})
	if err != nil {
		return err
	}
	defer v.Close()
	ctx := context.Background()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	switch role {
	case "saver":
		// Adds profiles one change at a time forever, printing the number
		// of each change once Update has returned: that change is committed.
		fmt.Fprintln(out, "ready")
		out.Flush()
		start, _ := strconv.Atoi(os.Getenv("ZTM_TEST_START"))
		for i := start; ; i++ {
			err := v.Update(ctx, func(tx *Tx) error {
				p := sampleProfile(i, tx.Now())
				return tx.CreateProfile(&p)
			})
			if err != nil {
				return err
			}
			fmt.Fprintln(out, i)
			out.Flush()
		}
	case "writer":
		// Makes n changes, each adding one profile named after the worker.
		n, _ := strconv.Atoi(os.Getenv("ZTM_TEST_N"))
		worker := os.Getenv("ZTM_TEST_WORKER")
		for i := 0; i < n; i++ {
			err := v.Update(ctx, func(tx *Tx) error {
				p := sampleProfile(i, tx.Now())
				p.Name = fmt.Sprintf("w%s-%03d", worker, i)
				return tx.CreateProfile(&p)
			})
			if err != nil {
				return err
			}
		}
	case "memory":
		// One change saved on an open vault; prints the peak resident
		// memory of this process, in KiB.
		err := v.Update(ctx, func(tx *Tx) error { return tx.SetSetting("touched", time.Now().String()) })
		if err != nil {
			return err
		}
		// VmHWM, not getrusage's maxrss: that one counts the pages of the
		// parent this process was forked from, before its exec.
		status, err := os.ReadFile("/proc/self/status")
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(status), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				fmt.Fprintln(out, strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			}
		}
	case "fresh":
		// Asks for a fresh token; the refresh goes to the test's server.
		f, err := v.FreshToken(ctx, "crm-0000", FreshOptions{Margin: 5 * time.Minute}, httpRefresh(os.Getenv("ZTM_TEST_URL")))
		if err != nil {
			return err
		}
		fmt.Fprintln(out, f.Profile.Token.AccessToken)
	case "refused":
		// Asks for a fresh token; the test's server counts the call and
		// Zoho refuses (throttled). Prints the kind of error it got.
		refuse := func(ctx context.Context, p model.Profile) (model.Token, error) {
			if _, err := httpRefresh(os.Getenv("ZTM_TEST_URL"))(ctx, p); err != nil {
				return model.Token{}, err
			}
			return model.Token{}, fmt.Errorf("zoho: too many requests: %w", model.ErrThrottled)
		}
		_, err := v.FreshToken(ctx, "crm-0000", FreshOptions{Margin: 5 * time.Minute}, refuse)
		if !errors.Is(err, model.ErrThrottled) {
			return fmt.Errorf("want a throttled error, got %v", err)
		}
		fmt.Fprintln(out, "throttled")
	default:
		return fmt.Errorf("unknown role %q", role)
	}
	return nil
}

// httpRefresh is a RefreshFunc that asks a test server for a new token.
func httpRefresh(url string) RefreshFunc {
	return func(ctx context.Context, p model.Profile) (model.Token, error) {
		resp, err := http.Post(url, "text/plain", strings.NewReader(p.Name))
		if err != nil {
			return model.Token{}, err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		now := time.Now()
		return model.Token{AccessToken: string(body), ObtainedAt: now, ExpiresAt: now.Add(time.Hour)}, nil
	}
}

// helper starts this test binary in role, against the vault at p.
func helper(t testing.TB, p Paths, role string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(helperBinary(t), "-test.run=^$")
	where := p.Vault
	if p.URL != "" {
		where = p.URL
	}
	cmd.Env = append(os.Environ(), "ZTM_TEST_ROLE="+role, EnvVault+"="+where, EnvIdentity+"="+p.Identity)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	return cmd
}

var (
	helperOnce sync.Once
	helperBin  string
	helperErr  error
)

// helperBinary is this test binary, except under the race detector: the
// transpiled SQLite runs some thirty times slower with it, which would
// turn hundreds of kill rounds into minutes. The helpers then run from a
// copy built without it (the race detector still watches this process).
func helperBinary(t testing.TB) string {
	if !raceEnabled {
		return os.Args[0]
	}
	helperOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ztm-vault-helper-*")
		if err != nil {
			helperErr = err
			return
		}
		helperBin = filepath.Join(dir, "vault.test")
		out, err := exec.Command("go", "test", "-c", "-o", helperBin, ".").CombinedOutput()
		if err != nil {
			helperErr = fmt.Errorf("building the helper without -race: %v\n%s", err, out)
		}
	})
	if helperErr != nil {
		t.Fatal(helperErr)
	}
	return helperBin
}
