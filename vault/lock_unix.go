//go:build unix

package vault

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// openLockFile opens (creating) the lock file without following a
// symbolic link: a link planted there could point the lock, and its
// truncation, at any file the user can write.
func openLockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%w: the lock file %s is a symbolic link, which ztm never makes: remove it (rm %s) and try again", ErrLockFailed, path, path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: cannot open the lock file: %w", ErrLockFailed, err)
	}
	return f, nil
}

// lockDir tries once to lock the directory dir; see acquireLock.
func lockDir(dir string) (*os.File, bool, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, false, fmt.Errorf("%w: cannot open the vault directory to lock it: %w", ErrLockFailed, err)
	}
	ok, err := tryLock(d)
	if err != nil || !ok {
		d.Close()
		if err != nil {
			return nil, false, fmt.Errorf("%w: cannot lock %s: %w", ErrLockFailed, dir, err)
		}
		return nil, false, nil
	}
	return d, true, nil
}

func tryLock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

func unlock(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}

func syncDirHandle(d *os.File) error { return d.Sync() }
