package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"ztm/vault/pgtest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// binDir holds the binaries built for the whole-process tests and the
// benchmark: ztm, and age for comparison.
var binDir string

func TestMain(m *testing.M) {
	flag.Parse()
	// Times in `ztm show` are local: make them the same on every machine.
	time.Local = time.UTC
	// What an earlier run left when it was killed (a timeout, Ctrl+C)
	// goes first: each run's directory names its process.
	sweepTestDirs(os.TempDir())
	dir, err := os.MkdirTemp("", testDirPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	// Interrupted, the run still removes the binaries it built.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		<-sigs
		os.RemoveAll(dir)
		os.Exit(130)
	}()
	code := pgtest.Main(m) // the team-vault tests' PostgreSQL
	os.RemoveAll(dir)
	os.Exit(code)
}

// testDirPrefix names the directories of built binaries:
// ztm-cli-test-PID-RANDOM.
const testDirPrefix = "ztm-cli-test-"

// sweepTestDirs removes the binary directories of test runs whose process
// is gone.
func sweepTestDirs(tmp string) {
	dirs, _ := filepath.Glob(filepath.Join(tmp, testDirPrefix+"*"))
	for _, d := range dirs {
		pid, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(d), testDirPrefix), "-")
		n, err := strconv.Atoi(pid)
		if err != nil || !processAlive(n) {
			os.RemoveAll(d)
		}
	}
}

// moduleRoot is the directory of go.mod, two levels up from ui/cli.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the ztm module")
	}
	return filepath.Dir(gomod), nil
}

// buildEnv is the environment `make build` builds ztm in (the Makefile's
// BUILD_ENV): the figures time the binary people run, and age built the
// same way beside it. TestBuildsAsMakeBuild keeps the two equal.
var buildEnv = []string{"CGO_ENABLED=0"}

// goBuild builds a package of the module (or a tool it requires) into
// binDir, returning the binary's path.
func goBuild(pkg, name string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(binDir, name)
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), buildEnv...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin, nil
}

// Each binary is built once per test binary, on first use, so tests that
// run only in-process do not pay for it.
var (
	ztmOnce = sync.OnceValues(func() (string, error) { return goBuild(".", "ztm") })
	ageOnce = sync.OnceValues(func() (string, error) { return goBuild("filippo.io/age/cmd/age", "age") })
)

// ztmBinary is the ztm command built from this checkout.
func ztmBinary(t testing.TB) string {
	t.Helper()
	bin, err := ztmOnce()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// ageBinary is the age command at the version go.mod requires (a tool
// dependency of the module: go tool age).
func ageBinary(t testing.TB) string {
	t.Helper()
	bin, err := ageOnce()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from what ztm printed (go test -update rewrites it)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}
