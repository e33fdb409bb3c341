package service_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"ztm/ui/app/service"
	"ztm/vault"
)

// ztm unlock may have been given ZTM_PASSPHRASE: the agent it starts must
// not carry it in its environment for the rest of the session (the helper
// agent exits at once when it finds it there).
func TestSpawnedAgentDoesNotInheritThePassphrase(t *testing.T) {
	w := newWorld(t, worldOpts{passphrase: true, profiles: []string{"crm-eu"}})
	sock := filepath.Join(shortTempDir(t), "ztm", "agent.sock")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("ZTM_SERVICE_AGENT_SOCK", sock)
	t.Setenv("ZTM_SERVICE_AGENT_VAULT", w.paths.Dir)
	t.Setenv(vault.EnvPassphrase, passphrase)
	t.Setenv("ZTM_BUNDLE_PASSPHRASE", "bundle secret")
	ctx := context.Background()
	if err := service.SpawnAgent(ctx, exe, nil, sock, 10*time.Second); err != nil {
		t.Fatalf("the spawned agent: %v", err)
	}
	st, err := service.NewAgentClient(sock).Unlock(ctx, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	syscall.Kill(st.PID, syscall.SIGKILL)
}
