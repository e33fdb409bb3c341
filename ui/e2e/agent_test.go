package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ztm/ui/app/service"
	"ztm/vault"
)

// TestDashboardOpensThroughTheAgent: after `ztm unlock` on a passphrase
// vault, the dashboard opens straight onto the profiles, with no
// passphrase in its environment and no prompt; after `ztm lock` it asks
// again.
func TestDashboardOpensThroughTheAgent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const pass = "correct horse battery"
	const name = "books-eu"
	f.seedVault(vault.CreateOptions{Passphrase: pass, ScryptWorkFactor: 10}, f.selfClientProfile(name, "EU", time.Hour))
	// A socket of this test's own, so no real agent is reached. Unix
	// sockets need a short path.
	sockDir, err := os.MkdirTemp("/tmp", "ztm-e2e-agent")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	env := f.withEnv(service.EnvAgentSock + "=" + filepath.Join(sockDir, "a.sock"))
	if out, code := f.ztm(append(env, vault.EnvPassphrase+"="+pass), "unlock"); code != 0 || !strings.Contains(out, "unlocked until") {
		t.Fatalf("ztm unlock: exit %d, %q", code, out)
	}
	t.Cleanup(func() { f.ztm(env, "agent", "stop") })

	tm := startTerm(t, env)
	s := tm.waitFor(name, 10*time.Second)
	if strings.Contains(s, "Passphrase:") {
		t.Fatalf("the dashboard asked for the passphrase although the agent holds the key:\n%s", frame(s))
	}
	tm.keys("q")
	tm.waitExit(5 * time.Second)

	if _, code := f.ztm(env, "lock"); code != 0 {
		t.Fatalf("ztm lock: exit %d", code)
	}
	tm = startTerm(t, env)
	tm.waitFor("Passphrase:", 10*time.Second)
	tm.keys("C-c")
	tm.waitExit(5 * time.Second)
}
