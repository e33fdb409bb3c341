//go:build linux

package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"ztm/model"
	"ztm/oauth/fakezoho"
	"ztm/oauth/fakezoho/fakezohotest"
	"ztm/vault"
)

// TestProcessFigures is `make bench`'s whole-process part (the issue
// "Fast at every size"): it builds ztm and age, makes key-file vaults of
// 10, 1,000, 10,000 and 100,000 profiles once, and times whole processes
// against `age -d -i KEY vault.age` on the same file, alternating them so
// that noise from other work on the machine falls on both. It prints one
// markdown table, the one README.md's Figures section shows.
//
// It runs only when ZTM_BENCH_FIGURES is set (it takes minutes);
// ZTM_BENCH_SIZES (e.g. "10,1000") chooses the sizes; ZTM_BENCH_DIR keeps
// the vaults there for the next run (the 100,000 one takes half a minute
// to make); ZTM_BENCH_PARTS (e.g. "dashboard") measures only some of cli,
// dashboard and refresh. It fails when a
// command fails or prints the wrong thing, never on a slow figure.
func TestProcessFigures(t *testing.T) {
	if os.Getenv("ZTM_BENCH_FIGURES") == "" {
		t.Skip("set ZTM_BENCH_FIGURES=1 to measure the whole-process figures (make bench does)")
	}
	sizes := []int{10, 1000, 10000, 100000}
	if s := os.Getenv("ZTM_BENCH_SIZES"); s != "" {
		sizes = nil
		for f := range strings.SplitSeq(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				t.Fatalf("ZTM_BENCH_SIZES: %v", err)
			}
			sizes = append(sizes, n)
		}
	}
	pb := &procBench{t: t, ztm: ztmBinary(t), age: ageBinary(t)}
	var rows []figureRow
	for _, n := range sizes {
		start := time.Now()
		p := figureVault(t, n)
		t.Logf("%d profiles: vault made in %v", n, time.Since(start).Round(time.Millisecond))
		if part("cli") {
			rows = append(rows, pb.cliFigures(p, n)...)
		}
		if part("dashboard") {
			rows = append(rows, pb.dashboardFigures(p, n)...)
		}
	}
	fmt.Print(renderFigures(sizes, rows))
	if part("refresh") {
		fmt.Println(refreshAllFigure(t, pb))
	}
}

// part says whether ZTM_BENCH_PARTS asks for the figures of name.
func part(name string) bool {
	parts := os.Getenv("ZTM_BENCH_PARTS")
	return parts == "" || slices.Contains(strings.Split(parts, ","), name)
}

// figureVault is the key-file vault of n profiles: made afresh, or kept in
// ZTM_BENCH_DIR/n.
func figureVault(t *testing.T, n int) vault.Paths {
	keep := os.Getenv("ZTM_BENCH_DIR")
	if keep == "" {
		return benchVault(t, t.TempDir(), n)
	}
	dir := filepath.Join(keep, strconv.Itoa(n))
	p, err := vault.ResolvePaths(filepath.Join(dir, "ztm", vault.VaultFile), filepath.Join(dir, "ztm", vault.KeyFileIdentity), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if p.Exists() {
		return p
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return benchVault(t, dir, n)
}

// procBench runs processes and measures them.
type procBench struct {
	t        *testing.T
	ztm, age string
}

// sample is one process run: its wall time and peak resident memory.
type sample struct {
	wall time.Duration
	rss  int64 // bytes
}

// figureRow is one cell of the table: a figure at a size.
type figureRow struct {
	figure string
	size   int
	text   string
}

// run starts c, waits for it and measures its wall time; a failure or an
// output without want fails the test.
func (pb *procBench) run(c *exec.Cmd, want string) sample {
	pb.t.Helper()
	var out, errb bytes.Buffer
	if want != "" {
		c.Stdout = &out
	}
	c.Stderr = &errb
	start := time.Now()
	if err := c.Run(); err != nil {
		pb.t.Fatalf("%s: %v\n%s", strings.Join(c.Args, " "), err, errb.String())
	}
	wall := time.Since(start)
	if want != "" && !strings.Contains(out.String(), want) {
		pb.t.Fatalf("%s printed no %q; it said on stderr:\n%s", strings.Join(c.Args, " "), want, errb.String())
	}
	return sample{wall: wall}
}

// runMem is run with the peak resident memory, read by /usr/bin/time.
// The process's own rusage cannot be used: Linux starts a child's peak at
// its parent's size when it execs, and this test holds a large vault.
// The wall time then includes /usr/bin/time's start (about a millisecond).
func (pb *procBench) runMem(c *exec.Cmd, want string) sample {
	pb.t.Helper()
	report := filepath.Join(pb.t.TempDir(), "time")
	timed := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", report}, c.Args...)...)
	timed.Env = c.Env
	s := pb.run(timed, want)
	b, err := os.ReadFile(report)
	if err != nil {
		pb.t.Skipf("no /usr/bin/time to measure memory with: %v", err)
	}
	lines := strings.Fields(string(b))
	kib, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	if err != nil {
		pb.t.Fatalf("/usr/bin/time said %q", b)
	}
	s.rss = kib << 10
	return s
}

// ztmCmd is ztm with args on the vault p, in key-file mode.
func (pb *procBench) ztmCmd(p vault.Paths, args ...string) *exec.Cmd {
	c := exec.Command(pb.ztm, args...)
	c.Env = append(os.Environ(), "ZTM_VAULT="+p.Vault, "ZTM_IDENTITY="+p.Identity,
		"ZTM_DATACENTERS=", "ZTM_PASSPHRASE=", "ZTM_PROFILE=")
	return c
}

func (pb *procBench) ageCmd(p vault.Paths) *exec.Cmd {
	return exec.Command(pb.age, "-d", "-i", p.Identity, p.Vault)
}

// rounds is how many times each pair runs at a size: fewer when one run
// takes seconds.
func rounds(n int) int {
	switch {
	case n >= 100000:
		return 5
	case n >= 10000:
		return 9
	}
	return 21
}

// alternate runs a then b, rounds times, and returns both medians' samples.
func (pb *procBench) alternate(n int, a func() sample, b func() sample) (sample, sample) {
	var as, bs []sample
	for range rounds(n) {
		as = append(as, a())
		bs = append(bs, b())
	}
	return median(as), median(bs)
}

// median is the sample with the median wall time, with the median peak
// memory of all.
func median(s []sample) sample {
	walls := make([]time.Duration, len(s))
	rss := make([]int64, len(s))
	for i, x := range s {
		walls[i], rss[i] = x.wall, x.rss
	}
	slices.Sort(walls)
	slices.Sort(rss)
	return sample{wall: walls[len(s)/2], rss: rss[len(s)/2]}
}

// cliFigures are ztm token, ztm list, list --json and one rename at n
// profiles.
func (pb *procBench) cliFigures(p vault.Paths, n int) []figureRow {
	name := fmt.Sprintf("crm-%04d", n/2)
	age := func() sample { return pb.run(pb.ageCmd(p), "") }
	tok, ageT := pb.alternate(n, func() sample { return pb.run(pb.ztmCmd(p, "token", name), "1000.access") }, age)
	list, ageL := pb.alternate(n, func() sample { return pb.run(pb.ztmCmd(p, "list"), name) }, age)
	js, _ := pb.alternate(n, func() sample { return pb.runMem(pb.ztmCmd(p, "list", "--json"), `"`+name+`"`) }, age)
	renamed := false
	rename, _ := pb.alternate(n, func() sample {
		from, to := name, name+"-x"
		if renamed {
			from, to = to, from
		}
		renamed = !renamed
		return pb.runMem(pb.ztmCmd(p, "rename", from, to), "renamed")
	}, age)
	if renamed { // leave the vault as it was, for the figures after
		pb.run(pb.ztmCmd(p, "rename", name+"-x", name), "renamed")
	}
	return []figureRow{
		{"`ztm token` / `age -d` on the same file", n, ratio(tok, ageT)},
		{"`ztm list` / `age -d`", n, ratio(list, ageL)},
		{"`ztm list --json`: time, peak memory", n, fmt.Sprintf("%s, %s", ms(js.wall), mib(js.rss))},
		{"one change through the CLI (rename): time, peak memory", n, fmt.Sprintf("%s, %s", ms(rename.wall), mib(rename.rss))},
	}
}

func ratio(a, b sample) string {
	return fmt.Sprintf("%.2fx (%s / %s)", float64(a.wall)/float64(b.wall), ms(a.wall), ms(b.wall))
}

func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	if f >= 100 {
		return fmt.Sprintf("%.0f ms", f)
	}
	return fmt.Sprintf("%.1f ms", f)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// renderFigures is the markdown table: one row a figure, one column a
// size.
func renderFigures(sizes []int, rows []figureRow) string {
	var figures []string
	cell := map[string]string{}
	for _, r := range rows {
		if !slices.Contains(figures, r.figure) {
			figures = append(figures, r.figure)
		}
		cell[r.figure+"|"+strconv.Itoa(r.size)] = r.text
	}
	var b strings.Builder
	b.WriteString("\n| figure |")
	for _, n := range sizes {
		fmt.Fprintf(&b, " %s profiles |", thousands(n))
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(sizes)) + "\n")
	for _, f := range figures {
		b.WriteString("| " + f + " |")
		for _, n := range sizes {
			fmt.Fprintf(&b, " %s |", cell[f+"|"+strconv.Itoa(n)])
		}
		b.WriteString("\n")
	}
	return b.String()
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// refreshAllFigure is `ztm refresh --all` on 200 expired profiles, each
// with its own client and refresh token, against the fake Zoho answering
// after 50 ms: the median of three runs, each on a fresh vault.
func refreshAllFigure(t *testing.T, pb *procBench) string {
	t.Helper()
	const n = 200
	var runs []sample
	saves := 0
	for range 3 {
		f := fakezohotest.Start(t, fakezohotest.WallClock(), fakezohotest.NoDemoClients(),
			fakezohotest.WithOptions(func(o *fakezoho.Options) { o.Latency = 50 * time.Millisecond }))
		dir := filepath.Join(t.TempDir(), "ztm")
		p, err := vault.ResolvePaths(filepath.Join(dir, vault.VaultFile), filepath.Join(dir, vault.KeyFileIdentity), func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		v, err := vault.Create(p, vault.CreateOptions{GenerateKeyFile: true}, vault.Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = v.Update(context.Background(), func(tx *vault.Tx) error {
			for i := range n {
				prof := f.SeededProfile(fmt.Sprintf("crm-%03d", i), "EU", model.ServerClient, -time.Hour)
				if err := tx.CreateProfile(&prof); err != nil {
					return err
				}
			}
			return nil
		})
		v.Close()
		if err != nil {
			t.Fatal(err)
		}
		c := pb.ztmCmd(p, "refresh", "--all")
		c.Env = append(c.Env, "ZTM_DATACENTERS="+f.DataCentersFile())
		saved := countSaves(t, p)
		runs = append(runs, pb.runMem(c, ""))
		if got := f.Zoho.Requests(fakezoho.EndpointRefresh); got != n {
			t.Fatalf("refresh --all sent %d token requests for %d expired profiles", got, n)
		}
		saves = max(saves, saved())
	}
	m := median(runs)
	return fmt.Sprintf("\n`ztm refresh --all`, %d expired, fake Zoho at 50 ms latency: %s (median of 3), %s peak, %d save(s) at most\n", n, ms(m.wall), mib(m.rss), saves)
}

// countSaves watches the vault's directory and returns a function that
// says how many times the vault file has been replaced since: every save
// renames a finished temporary file over it.
func countSaves(t *testing.T, p vault.Paths) func() int {
	t.Helper()
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		t.Skipf("cannot count saves without inotify: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if _, err := unix.InotifyAddWatch(fd, filepath.Dir(p.Vault), unix.IN_MOVED_TO|unix.IN_CLOSE_WRITE); err != nil {
		t.Fatal(err)
	}
	return func() int {
		saves := 0
		buf := make([]byte, 64<<10)
		for {
			n, err := unix.Read(fd, buf)
			if n <= 0 || err != nil {
				break
			}
			for off := 0; off+unix.SizeofInotifyEvent <= n; {
				ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
				name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+int(ev.Len)]), "\x00")
				if name == filepath.Base(p.Vault) {
					saves++
				}
				off += unix.SizeofInotifyEvent + int(ev.Len)
			}
		}
		if saves == 0 {
			t.Fatalf("refresh --all refreshed and the vault file %s was never written", p.Vault)
		}
		return saves
	}
}
