package vault

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// fileLock is an exclusive advisory lock on the vault's lock file. The lock
// belongs to the open file, so two Vaults in one process exclude each other
// just as two processes do. The file itself is never deleted: removing a
// lock file while another process waits on it would let two holders in.
type fileLock struct{ f *os.File }

// acquireLock waits up to timeout (or until ctx ends) for the lock. It polls
// rather than blocks so that cancellation works everywhere.
func acquireLock(ctx context.Context, path string, timeout time.Duration) (*fileLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the lock file: %w", err)
	}
	deadline := time.Now().Add(timeout)
	wait := time.Millisecond
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("cannot lock %s: %w", path, err)
		}
		if ok {
			// The holder's pid helps the message of whoever waits next.
			if err := f.Truncate(0); err == nil {
				f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			}
			return &fileLock{f}, nil
		}
		if time.Now().After(deadline) {
			holder := lockHolder(f)
			f.Close()
			return nil, fmt.Errorf("%w (%s) for over %s: wait for it to finish, or stop it", ErrLockTimeout, holder, timeout)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 20*time.Millisecond)
	}
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
	err := unlock(l.f)
	if err2 := l.f.Close(); err == nil {
		err = err2
	}
	return err
}
