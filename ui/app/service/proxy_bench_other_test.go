//go:build !unix

package service_test

import "time"

// tcpPeers is empty: connections are counted from Linux's /proc.
func tcpPeers(int) map[string]bool { return nil }

// cpuTime is zero: the CPU time comes from getrusage.
func cpuTime() time.Duration { return 0 }
