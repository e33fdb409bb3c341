package vault

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// fileLock is an exclusive advisory lock on the vault's lock file, and on
// Unix on the vault's directory too. The locks belong to the open files, so
// two Vaults in one process exclude each other just as two processes do.
// ztm never deletes the lock file: removing it while another process waits
// on it would let two holders in.
type fileLock struct{ f, dir *os.File }

// acquireLock waits up to timeout (or until ctx ends) for the lock. It polls
// rather than blocks so that cancellation works everywhere.
//
// A lock file is only a lock while its path still names the locked file:
// someone may delete (or replace) vault.age.lock, and a process that was
// waiting on the old file must not take it as the lock. So after locking,
// the path is checked to be the file locked, and if not the lock is taken
// again on the file the path names now. That alone cannot stop a deletion
// while the lock is held (the next process makes a new file and locks it),
// so on Unix the directory is locked as well: a directory holding a vault
// cannot be deleted. The lock file stays, for its holder's pid and for
// older ztm versions, which lock only it.
func acquireLock(ctx context.Context, path string, timeout time.Duration) (*fileLock, error) {
	deadline := time.Now().Add(timeout)
	wait := time.Millisecond
	var l fileLock
	for {
		if l.f == nil {
			f, ok, err := lockFileOnce(path)
			if err != nil {
				return nil, err
			}
			if ok {
				l.f = f
			} else if time.Now().After(deadline) {
				holder := lockHolder(f)
				f.Close()
				return nil, fmt.Errorf("%w (%s) for over %s: wait for it to finish, or stop it", ErrLockTimeout, holder, timeout)
			} else {
				f.Close()
			}
		}
		if l.f != nil {
			dir, ok, err := lockDir(filepath.Dir(path))
			if err != nil {
				l.release()
				return nil, err
			}
			if ok {
				l.dir = dir
				// The holder's pid helps the message of whoever waits next.
				if err := l.f.Truncate(0); err == nil {
					l.f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
				}
				return &l, nil
			}
			if time.Now().After(deadline) {
				holder := lockHolder(l.f)
				l.release()
				return nil, fmt.Errorf("%w (%s) for over %s: wait for it to finish, or stop it", ErrLockTimeout, holder, timeout)
			}
		}
		select {
		case <-ctx.Done():
			l.release()
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 20*time.Millisecond)
	}
}

// lockFileOnce opens the lock file and tries to lock it once. ok says the
// lock is held on the file the path names; otherwise f is open and the
// caller closes it.
func lockFileOnce(path string) (f *os.File, ok bool, err error) {
	for {
		f, err := openLockFile(path)
		if err != nil {
			return nil, false, err
		}
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, false, fmt.Errorf("%w: cannot lock %s: %w", ErrLockFailed, path, err)
		}
		if !ok || lockStillNamed(f, path) {
			return f, ok, nil
		}
		// Locked a file that is no longer the lock file: try again at once
		// on the one the path names now.
		unlock(f)
		f.Close()
	}
}

// lockStillNamed reports whether path still names the open file f.
func lockStillNamed(f *os.File, path string) bool {
	held, err := f.Stat()
	if err != nil {
		return false
	}
	named, err := os.Lstat(path)
	return err == nil && os.SameFile(held, named)
}

func lockHolder(f *os.File) string {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	if pid := strings.TrimSpace(string(buf[:n])); pid != "" {
		return "pid " + pid
	}
	return "holder unknown"
}

func (l *fileLock) release() error {
	if l == nil {
		return nil
	}
	var err error
	if l.dir != nil {
		err = unlock(l.dir)
		l.dir.Close()
		l.dir = nil
	}
	if l.f != nil {
		if err2 := unlock(l.f); err == nil {
			err = err2
		}
		if err2 := l.f.Close(); err == nil {
			err = err2
		}
		l.f = nil
	}
	return err
}

// lock takes the change lock: the file lock (sweeping the temp files of
// dead saves), or the vault's advisory lock in PostgreSQL.
func (v *Vault) lock(ctx context.Context) (*heldLock, error) {
	if v.pg != nil {
		return v.lockPG(ctx, []int32{changeKey})
	}
	lock, err := acquireLock(ctx, v.paths.Lock, v.lockT)
	if err != nil {
		return nil, err
	}
	sweepTemps(v.paths.Vault)
	return &heldLock{file: lock}, nil
}
