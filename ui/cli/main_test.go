package cli

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// binDir holds the binaries built for the whole-process tests and the
// benchmark: ztm, and age for comparison.
var binDir string

func TestMain(m *testing.M) {
	flag.Parse()
	// Times in `ztm show` are local: make them the same on every machine.
	time.Local = time.UTC
	dir, err := os.MkdirTemp("", "ztm-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// moduleRoot is the directory of go.mod, two levels up from ui/cli.
func moduleRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatal("not inside the ztm module")
	}
	return filepath.Dir(gomod)
}

var (
	buildZtmOnce sync.Once
	ztmBin       string
	ztmBuildErr  error
)

// ztmBinary builds the ztm command once per test binary, on first use, so
// tests that run only in-process do not pay for it.
func ztmBinary(t testing.TB) string {
	t.Helper()
	buildZtmOnce.Do(func() {
		bin := filepath.Join(binDir, "ztm")
		cmd := exec.Command("go", "build", "-o", bin, ".")
		cmd.Dir = moduleRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			ztmBuildErr = fmt.Errorf("go build ztm: %v\n%s", err, out)
			return
		}
		ztmBin = bin
	})
	if ztmBuildErr != nil {
		t.Fatal(ztmBuildErr)
	}
	return ztmBin
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
