//go:build unix && !linux

package vault

import (
	"fmt"

	"golang.org/x/sys/unix"
)

func disableCoreDumps() error {
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{}); err != nil {
		return fmt.Errorf("cannot keep secrets out of core dumps (core size limit): %w", err)
	}
	return nil
}
