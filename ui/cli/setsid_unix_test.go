//go:build unix

package cli

import "syscall"

// newSessionAttr starts a child in a new session: it has no controlling
// terminal, as under cron or CI.
func newSessionAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
