//go:build !unix

package cli

import "syscall"

func newSessionAttr() *syscall.SysProcAttr { return nil }
