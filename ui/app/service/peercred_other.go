//go:build !linux && !darwin

package service

import (
	"errors"
	"net"
	"os"
)

// peerUID cannot check the peer here, so every connection is refused: an
// agent that cannot tell who connects must not answer.
func peerUID(net.Conn) (int, error) {
	return -1, errors.New("this system cannot report a socket peer's uid; the agent runs on Linux and macOS")
}

func fileOwner(os.FileInfo) (int, bool) { return 0, false }
