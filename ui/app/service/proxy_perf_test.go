package service_test

import (
	"net/http"
	"runtime"
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
// makes), not a 32 KiB copy buffer each.
func TestProxyAllocatesLittleMoreThanADirectCall(t *testing.T) {
	p := benchRequests(t, 0)
	direct := bytesPerCall(t, benchClient(), p.direct)
	proxied := bytesPerCall(t, benchClient(), p.proxied)
	added := proxied - direct
	t.Logf("%.1f KiB per direct call, %.1f KiB per proxied call", direct/1024, proxied/1024)
	if added > 16<<10 {
		t.Errorf("a proxied call allocates %.1f KiB more than a direct one; want at most 16", added/1024)
	}
}
