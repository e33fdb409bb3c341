//go:build linux

package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"

	"ztm/vault"
)

// screen is the dashboard on a pseudo-terminal of its own, with the time
// its output first held a string.
type screen struct {
	cmd   *exec.Cmd
	ptmx  *os.File
	mu    sync.Mutex
	out   bytes.Buffer
	last  time.Time // when output last arrived
	found map[string]time.Time
}

// startDashboard runs `ztm` (the dashboard) on a 120x40 terminal and
// notes when each of watch first appears in its output.
func (pb *procBench) startDashboard(p vault.Paths, watch ...string) (*screen, time.Time) {
	pb.t.Helper()
	c := pb.ztmCmd(p)
	c.Env = append(c.Env, "TERM=xterm-256color", "NO_COLOR=")
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	start := time.Now()
	ptmx, err := pty.StartWithSize(c, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		pb.t.Skipf("no pseudo-terminal here: %v", err)
	}
	s := &screen{cmd: c, ptmx: ptmx, found: map[string]time.Time{}}
	go func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := ptmx.Read(buf)
			now := time.Now()
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.last = now
			for _, w := range watch {
				if _, ok := s.found[w]; !ok && bytes.Contains(s.out.Bytes(), []byte(w)) {
					s.found[w] = now
				}
			}
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	pb.t.Cleanup(s.stop)
	return s, start
}

func (s *screen) stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.ptmx.Close()
}

// waitFound waits until w has appeared and returns when it did.
func (s *screen) waitFound(w string, limit time.Duration) (time.Time, bool) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		at, ok := s.found[w]
		s.mu.Unlock()
		if ok {
			return at, true
		}
		time.Sleep(time.Millisecond)
	}
	return time.Time{}, false
}

// waitQuiet waits until no output has come for d.
func (s *screen) waitQuiet(d time.Duration) {
	for {
		s.mu.Lock()
		since := time.Since(s.last)
		s.mu.Unlock()
		if since >= d {
			return
		}
		time.Sleep(d / 4)
	}
}

// cpu is the CPU time all the process's threads have used so far, in
// nanoseconds (schedstat: finer than the clock ticks of /proc/PID/stat).
func (s *screen) cpu() time.Duration {
	dir := fmt.Sprintf("/proc/%d/task", s.cmd.Process.Pid)
	tasks, _ := os.ReadDir(dir)
	var sum int64
	for _, t := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, t.Name(), "schedstat"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) > 0 {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			sum += n
		}
	}
	return time.Duration(sum)
}

// rss is the process's resident memory now and at its peak, in bytes.
func (s *screen) rss() (now, peak int64) {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			now = kb * 1024
		case "VmHWM:":
			peak = kb * 1024
		}
	}
	return now, peak
}

// settle waits until the process uses under 5% of a core over 200 ms:
// the dashboard has finished loading.
func (s *screen) settle(limit time.Duration) {
	deadline := time.Now().Add(limit)
	prev := s.cpu()
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		c := s.cpu()
		if c-prev < 10*time.Millisecond {
			return
		}
		prev = c
	}
}

// dashboardFigures start the dashboard on n profiles a few times: first
// rows visible (median), then CPU per filter keystroke, resident memory
// and idle CPU of one of them.
func (pb *procBench) dashboardFigures(p vault.Paths, n int) []figureRow {
	first := fmt.Sprintf("crm-%04d", 0)
	runs := min(rounds(n), 7)
	var firsts []sample
	for i := range runs {
		s, start := pb.startDashboard(p, first)
		at, ok := s.waitFound(first, 60*time.Second)
		if !ok {
			pb.t.Fatalf("the dashboard on %d profiles never showed %s; it shows:\n%q", n, first, s.out.String())
		}
		firsts = append(firsts, sample{wall: at.Sub(start)})
		if i < runs-1 {
			s.stop()
			continue
		}
		s.settle(60 * time.Second)
		rssNow, rssPeak := s.rss()
		idle := s.idleCPU(5 * time.Second)
		key := s.keystrokeCPU(idle)
		s.stop()
		return []figureRow{
			{"dashboard: first rows visible after start (pty, 120x40)", n, ms(median(firsts).wall)},
			{"dashboard: CPU per filter keystroke", n, ms(key)},
			{"dashboard: resident memory (peak)", n, fmt.Sprintf("%s (%s)", mib(rssNow), mib(rssPeak))},
			{"dashboard: idle CPU", n, fmt.Sprintf("%.2f %% of a core", idle*100)},
		}
	}
	return nil
}

// idleCPU is the share of one core the dashboard uses over d, untouched.
func (s *screen) idleCPU(d time.Duration) float64 {
	c0, t0 := s.cpu(), time.Now()
	time.Sleep(d)
	return float64(s.cpu()-c0) / float64(time.Since(t0))
}

// keystrokeCPU opens the filter and types a name into it a key at a time,
// each after the screen has answered the one before; it returns the CPU
// per key beyond idle.
func (s *screen) keystrokeCPU(idle float64) time.Duration {
	s.ptmx.WriteString("/")
	s.waitQuiet(100 * time.Millisecond)
	keys := "crm-0001"
	c0, t0 := s.cpu(), time.Now()
	for _, k := range keys {
		sent := time.Now()
		s.ptmx.WriteString(string(k))
		s.waitOutputAfter(sent, 10*time.Second)
	}
	s.settle(10 * time.Second)
	used := s.cpu() - c0 - time.Duration(idle*float64(time.Since(t0)))
	return max(used, 0) / time.Duration(len(keys))
}

// waitOutputAfter waits until the screen has drawn something after t.
func (s *screen) waitOutputAfter(t time.Time, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		last := s.last
		s.mu.Unlock()
		if last.After(t) {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
