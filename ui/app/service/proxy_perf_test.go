package service_test

import (
	"net/http"
	"runtime"
	"sync"
	"testing"
)

// bytesPerCall is what the whole process allocates per call of mk, made
// one after another.
func bytesPerCall(t *testing.T, c *http.Client, mk func() *http.Request) float64 {
	const calls = 200
	fetch(t, c, mk())
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range calls {
		fetch(t, c, mk())
	}
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / calls
}

// The proxy's garbage is CPU taken from its callers and from Zoho's
// answers when they share a small machine: a proxied call may cost a few
// KiB more than a direct one (the request and response copies net/http
// makes; 7.5 KiB), not a 32 KiB copy buffer each (39 KiB). The bound
// leaves room for -race, under which sync.Pool drops a quarter of what
// it is given back.
func TestProxyAllocatesLittleMoreThanADirectCall(t *testing.T) {
	p := benchRequests(t, 0)
	direct := bytesPerCall(t, benchClient(), p.direct)
	proxied := bytesPerCall(t, benchClient(), p.proxied)
	added := proxied - direct
	t.Logf("%.1f KiB per direct call, %.1f KiB per proxied call", direct/1024, proxied/1024)
	if added > 24<<10 {
		t.Errorf("a proxied call allocates %.1f KiB more than a direct one; want at most 24", added/1024)
	}
}

// With 50 callers at once, the proxy keeps its connections to Zoho open
// between requests (Go's default keeps 2 per host and would open and
// close one for nearly every request, each a TCP and, at Zoho, a TLS
// handshake).
func TestProxyKeepsItsConnectionsToZohoAcross50Callers(t *testing.T) {
	p := benchRequests(t, 0)
	if tcpPeers(p.apiPort) == nil {
		t.Skip("connections are counted from /proc/net/tcp")
	}
	c := benchClient()
	before := tcpPeers(p.apiPort)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for range 20 {
				fetch(t, c, p.proxied())
			}
		})
	}
	wg.Wait()
	opened := 0
	for k := range tcpPeers(p.apiPort) {
		if !before[k] {
			opened++
		}
	}
	t.Logf("%d connections opened", opened)
	// One per caller, and a few more: a connection dialled for a request
	// that meanwhile took a freed one is kept as a spare.
	if opened > 100 {
		t.Errorf("1,000 proxied calls from 50 callers opened %d connections to the API host; want at most 100", opened)
	}
}
