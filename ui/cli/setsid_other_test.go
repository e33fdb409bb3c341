//go:build !unix

package cli

import "syscall"

func newSessionAttr() *syscall.SysProcAttr { return nil }

// processAlive cannot ask here: a directory is kept unless its pid is
// not a number.
func processAlive(pid int) bool { return pid > 0 }
