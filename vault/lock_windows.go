//go:build windows

package vault

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// openLockFile opens (creating) the lock file. Creating a symbolic link
// needs privileges on Windows, so no O_NOFOLLOW is needed.
func openLockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot open the lock file: %w", ErrLockFailed, err)
	}
	return f, nil
}

// lockDir locks nothing on Windows: an open file cannot be deleted there,
// so the lock file alone is enough.
func lockDir(string) (*os.File, bool, error) { return nil, true, nil }

func tryLock(f *os.File) (bool, error) {
	ol := new(windows.Overlapped)
	err := windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return false, nil
	}
	return err == nil, err
}

func unlock(f *os.File) error {
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, new(windows.Overlapped))
}

// Windows cannot sync a directory handle; NTFS journals the rename itself.
func syncDirHandle(*os.File) error { return nil }
