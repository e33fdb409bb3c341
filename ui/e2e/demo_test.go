package e2e

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestDemo: `ztm demo` shows its dozen sample profiles under a DEMO badge,
// its fake Zoho serves the API Console page, and q quits cleanly: exit
// status 0, the terminal back on its main screen with the mouse released,
// and the throwaway vault gone.
func TestDemo(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tm := startTerm(t, f.env, "demo")
	s := tm.waitFor("12 profiles", 10*time.Second)
	header := strings.SplitN(s, "\n", 2)[0]
	if !strings.Contains(header, "DEMO") {
		t.Errorf("no DEMO badge in the header: %q", header)
	}
	for _, name := range []string{"analytics-eu", "crm-us", "books-eu", "salesiq-au"} {
		if lineWith(s, name+" ") == "" {
			t.Errorf("sample profile %s is not listed", name)
		}
	}
	if !strings.Contains(lineWith(s, "books-eu "), "expired") {
		t.Errorf("books-eu, expired in the demo, shows as %q", lineWith(s, "books-eu "))
	}
	if got := tm.format("#{alternate_on}"); got != "1" {
		t.Errorf("the dashboard does not run on the alternate screen (alternate_on=%s)", got)
	}

	// The demo says on stderr, under the dashboard, where its fake Zoho
	// is; that server's root is the fake API Console.
	main := tm.tmux("capture-pane", "-p", "-a", "-t", "ztm")
	m := regexp.MustCompile(`fake Zoho at (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(main)
	if m == nil {
		t.Fatalf("the demo does not say where its fake Zoho is; the main screen:\n%s", frame(main))
	}
	resp, err := http.Get(m[1] + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Fake Zoho API Console (US)") {
		t.Errorf("GET %s/: %d %.300s", m[1], resp.StatusCode, page)
	}
	demoDirs, _ := filepath.Glob(filepath.Join(f.home, "tmp", "ztm-demo-*"))
	if len(demoDirs) != 1 {
		t.Errorf("demo vault directories in TMPDIR: %v", demoDirs)
	}

	tm.keys("q")
	if code := tm.waitExit(5 * time.Second); code != 0 {
		t.Errorf("ztm demo exited with %d after q", code)
	}
	// The terminal is restored: main screen, no mouse reporting, keypad
	// back to normal; the dashboard is gone and the stderr line is back
	// (tmux may have scrolled it into the history with its "Pane is dead").
	if got := tm.format("#{alternate_on} #{mouse_any_flag} #{mouse_button_flag} #{mouse_all_flag} #{mouse_sgr_flag} #{keypad_flag}"); got != "0 0 0 0 0 0" {
		t.Errorf("after quitting: alternate screen, mouse any/button/all/SGR, keypad = %q, want all 0", got)
	}
	s = tm.tmux("capture-pane", "-p", "-S", "-", "-t", "ztm")
	if strings.Contains(s, "12 profiles") || !strings.Contains(s, "ztm demo: fake Zoho at "+m[1]) {
		t.Errorf("after quitting the screen is not the one ztm demo started on:\n%s", frame(s))
	}
	for _, d := range demoDirs {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("the demo left %s behind", d)
		}
	}
}
