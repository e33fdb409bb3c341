//go:build linux || darwin

package service

import (
	"errors"
	"net"
	"os"
	"syscall"
)

// peerUID reads the connecting process's uid from the kernel (the
// per-OS sockPeerUID), never from anything the client says.
func peerUID(c net.Conn) (int, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return -1, errors.New("not a Unix socket")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return -1, err
	}
	uid, cerr := -1, error(nil)
	if err := raw.Control(func(fd uintptr) { uid, cerr = sockPeerUID(int(fd)) }); err != nil {
		return -1, err
	}
	return uid, cerr
}

func fileOwner(fi os.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}
