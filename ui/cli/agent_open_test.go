package cli

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"ztm/ui/app/service"
)

// Without an agent's socket, commands skip the agent without dialling;
// with one, even a stale one, they ask (the client tells the two apart).
func TestAgentAbsentOnlyWithoutASocket(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sock := filepath.Join(dir, "agent.sock")
	f := &Factory{Env: Env{Getenv: func(k string) string {
		if k == service.EnvAgentSock {
			return sock
		}
		return ""
	}}}
	if !f.agentAbsent() {
		t.Fatal("no socket, yet the agent counts as possibly running")
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("no Unix sockets here: %v", err)
	}
	if f.agentAbsent() {
		t.Error("a listening socket counts as no agent")
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Lstat(sock); err != nil {
		t.Fatal(err)
	}
	if f.agentAbsent() {
		t.Error("a stale socket counts as no agent: the client must be asked to tell")
	}
}
