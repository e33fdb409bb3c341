package vault

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestKillDuringSave kills a process that saves in a loop with SIGKILL at
// hundreds of random moments. After each kill the vault opens and holds
// every change the process had reported committed; temp files left by a
// killed save are swept by the next change.
func TestKillDuringSave(t *testing.T) {
	rounds := 200
	if testing.Short() {
		rounds = 30
	}
	v, p := newKeyFileVault(t)
	v.Close()
	committed := map[int]bool{}
	next, interrupted := 0, 0
	window := 15 * time.Millisecond
	for round := 0; round < rounds; round++ {
		cmd := helper(t, p, "saver", "ZTM_TEST_START="+strconv.Itoa(next))
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		if !lines.Scan() || lines.Text() != "ready" {
			t.Fatalf("round %d: helper did not start", round)
		}
		// Kill somewhere in the first few saves. A save takes a few ms, more
		// under the race detector or a loaded machine: the window adapts so
		// that kills keep landing before, inside and after saves.
		time.AfterFunc(time.Duration(rand.Int64N(int64(window))), func() {
			cmd.Process.Signal(syscall.SIGKILL)
		})
		saved := 0
		for lines.Scan() {
			if n, err := strconv.Atoi(lines.Text()); err == nil {
				committed[n] = true
				next = n + 1
				saved++
			}
		}
		switch {
		case saved == 0:
			window = window * 3 / 2
		case saved > 2:
			window = window * 3 / 4
		}
		cmd.Wait()
		if next <= maxKey(committed) {
			next = maxKey(committed) + 1
		}
		// Profile numbers saved but not reported would collide: skip past them.
		next += 1

		if hasTemps(p.Dir) {
			interrupted++ // this kill landed inside a save
		}
		got := reopen(t, p, "")
		have := map[string]bool{}
		for _, name := range profileNames(t, got) {
			have[name] = true
		}
		for n := range committed {
			if !have[fmt.Sprintf("crm-%04d", n)] {
				t.Fatalf("round %d: committed change %d is lost", round, n)
			}
		}
		got.Close()
	}
	if len(committed) == 0 {
		t.Fatal("no save ever completed: the kills came too early to test anything")
	}
	last := reopen(t, p, "")
	addProfiles(t, last, 9000, 1)
	assertNoTemps(t, p.Dir)
	t.Logf("%d rounds (%d killed mid-save), %d committed changes survived; kill window %s", rounds, interrupted, len(committed), window)
}

func hasTemps(dir string) bool {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), tempMark) {
			return true
		}
	}
	return false
}

func maxKey(m map[int]bool) int {
	best := -1
	for k := range m {
		best = max(best, k)
	}
	return best
}

// TestManyProcessesWriting: several processes each make many changes at
// once; every change is there at the end.
func TestManyProcessesWriting(t *testing.T) {
	const workers, each = 4, 25
	_, p := newKeyFileVault(t)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := helper(t, p, "writer", "ZTM_TEST_N="+strconv.Itoa(each), "ZTM_TEST_WORKER="+strconv.Itoa(w))
			if err := cmd.Run(); err != nil {
				t.Errorf("worker %d: %v", w, err)
			}
		}()
	}
	wg.Wait()
	names := profileNames(t, reopen(t, p, ""))
	if len(names) != workers*each {
		t.Fatalf("vault has %d profiles, want %d", len(names), workers*each)
	}
}

// TestLockFileDeletedWhileHeld: processes add profiles while someone keeps
// deleting vault.age.lock; a process that locked a file the path no longer
// names must not go on, so every acknowledged add is in the vault.
func TestLockFileDeletedWhileHeld(t *testing.T) {
	const workers, each = 3, 25
	_, p := newKeyFileVault(t)
	stop := make(chan struct{})
	deleted := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				deleted <- n
				return
			default:
			}
			if os.Remove(p.Lock) == nil {
				n++
			}
			runtime.Gosched()
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := helper(t, p, "writer", "ZTM_TEST_N="+strconv.Itoa(each), "ZTM_TEST_WORKER="+strconv.Itoa(w))
			if err := cmd.Run(); err != nil {
				t.Errorf("worker %d: %v", w, err)
			}
		}()
	}
	wg.Wait()
	close(stop)
	if n := <-deleted; n < workers {
		t.Fatalf("the lock file was deleted only %d times: the test proves nothing", n)
	}
	if names := profileNames(t, reopen(t, p, "")); len(names) != workers*each {
		t.Fatalf("vault has %d profiles, want all %d acknowledged adds", len(names), workers*each)
	}
}

// TestTwentyProcessesOneRefresh: twenty processes ask for a fresh token on
// an expired one at the same moment; Zoho is asked exactly once and all of
// them print the same new token.
func TestTwentyProcessesOneRefresh(t *testing.T) {
	calls, outs := twentyProcesses(t, "fresh")
	if calls != 1 {
		t.Errorf("%d refresh calls, want exactly 1", calls)
	}
	for i, out := range outs {
		if out != "1000.new-access-1" {
			t.Errorf("process %d printed %q, want the one new token", i, out)
		}
	}
}

// TestTwentyProcessesOneRefusal: when Zoho refuses (throttled), the twenty
// processes waiting on the lock take the recorded refusal as their answer:
// one call to Zoho, and every process gets the throttled error.
func TestTwentyProcessesOneRefusal(t *testing.T) {
	calls, outs := twentyProcesses(t, "refused")
	if calls != 1 {
		t.Errorf("%d refresh calls, want exactly 1", calls)
	}
	for i, out := range outs {
		if out != "throttled" {
			t.Errorf("process %d printed %q, want the throttled error", i, out)
		}
	}
}

// twentyProcesses runs twenty helpers in role at once against a vault
// whose one profile has an expired token, with a slow token server; it
// returns how often the server was called and what each helper printed.
func twentyProcesses(t *testing.T, role string) (int32, []string) {
	v, p := newKeyFileVault(t)
	addProfiles(t, v, 0, 1)
	err := v.Update(context.Background(), func(tx *Tx) error {
		prof, _ := tx.Profile("crm-0000")
		tok := *prof.Token
		tok.ExpiresAt = tx.Now().Add(-time.Minute)
		return tx.SetToken(prof.Name, tok)
	})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		time.Sleep(50 * time.Millisecond) // Zoho is not instant
		fmt.Fprintf(w, "1000.new-access-%d", n)
	}))
	defer srv.Close()

	const procs = 20
	outs := make([]string, procs)
	var wg sync.WaitGroup
	for i := 0; i < procs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := helper(t, p, role, "ZTM_TEST_URL="+srv.URL)
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(stdout)
			if err := cmd.Wait(); err != nil {
				t.Errorf("process %d: %v", i, err)
			}
			outs[i] = strings.TrimSpace(string(b))
		}()
	}
	wg.Wait()
	if _, err := os.Stat(p.Vault); err != nil {
		t.Fatal(err)
	}
	return calls.Load(), outs
}
