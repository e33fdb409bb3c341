//go:build unix

package service

import (
	"os/exec"
	"syscall"
)

// detach makes the agent outlive the terminal that started it.
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
