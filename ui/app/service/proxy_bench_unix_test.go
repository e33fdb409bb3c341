//go:build unix

package service_test

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// tcpPeers names the loopback connections with port at one end, open or
// closed less than a minute ago (TIME_WAIT), by their other end's
// address as /proc/net/tcp shows it: a new name is a new connection.
// It is empty where there is no /proc.
func tcpPeers(port int) map[string]bool {
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return nil
	}
	suffix := fmt.Sprintf(":%04X", port)
	out := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] == "0A" { // 0A: the listening socket
			continue
		}
		local, remote := f[1], f[2]
		switch {
		case strings.HasSuffix(remote, suffix):
			out[local] = true
		case strings.HasSuffix(local, suffix):
			out[remote] = true
		}
	}
	return out
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
