package vault

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The "dumpable" helper needs no vault, so it answers before TestMain
// opens one: it prints whether it is dumpable and its core size limit,
// before and after DisableCoreDumps.
func init() {
	if os.Getenv("ZTM_TEST_ROLE") != "dumpable" {
		return
	}
	report := func() string {
		d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
		var lim unix.Rlimit
		if err == nil {
			err = unix.Getrlimit(unix.RLIMIT_CORE, &lim)
		}
		if err != nil {
			return "error " + err.Error()
		}
		return fmt.Sprintf("dumpable=%d core=%d/%d", d, lim.Cur, lim.Max)
	}
	before := report()
	err := DisableCoreDumps()
	fmt.Printf("%s\n%s\n%v\n", before, report(), err)
	os.Exit(0)
}

// TestDisableCoreDumps: a process that calls DisableCoreDumps is no
// longer dumpable and may write no core, where it could before.
func TestDisableCoreDumps(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ZTM_TEST_ROLE=dumpable")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 {
		t.Fatalf("helper said %q", out)
	}
	if !strings.HasPrefix(lines[0], "dumpable=1") {
		t.Fatalf("the helper was not dumpable to begin with (%s): the test proves nothing", lines[0])
	}
	if lines[1] != "dumpable=0 core=0/0" || lines[2] != "<nil>" {
		t.Errorf("after DisableCoreDumps: %s, error %s; want dumpable=0 core=0/0 and no error", lines[1], lines[2])
	}
}
