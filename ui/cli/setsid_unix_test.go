//go:build unix

package cli

import "syscall"

// newSessionAttr starts a child in a new session: it has no controlling
// terminal, as under cron or CI.
func newSessionAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// processAlive reports whether a process with this pid exists.
func processAlive(pid int) bool {
	return pid > 0 && syscall.Kill(pid, 0) == nil
}
