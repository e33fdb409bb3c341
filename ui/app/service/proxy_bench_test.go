package service_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
	"ztm/ui/app/service"
)

// benchClient is the HTTP client of the benchmarks' callers; direct and
// proxied calls each get one built by it, so both keep an idle
// connection per caller. (One client shared by both once kept at most
// 100 idle across the two hosts, so the direct calls, 50 connections
// short of room, opened about 10 per 1,000.)
func benchClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 0
	t.MaxIdleConnsPerHost = 128
	return &http.Client{Transport: t}
}

func fetch(b testing.TB, c *http.Client, req *http.Request) {
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// benchPair is the same call made directly to the fake's API host with
// the token, and through the proxy.
type benchPair struct {
	direct, proxied func() *http.Request
	apiPort         int // the fake API host's port, to count connections to it
}

// benchRequests starts a proxy whose JSON log lines go to a file, as
// those of `ztm proxy` go to its stderr, in front of a fake answering
// after latency.
func benchRequests(b testing.TB, latency time.Duration) benchPair {
	logFile, err := os.Create(filepath.Join(b.TempDir(), "proxy.log"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { logFile.Close() })
	po := service.ProxyOptions{Log: slog.New(slog.NewJSONHandler(logFile, nil))}
	w := newProxyWorldWith(b, po, func(o *fakezoho.Options) { o.Latency = latency }, time.Hour, "crm")
	// Served as `ztm proxy` serves it, with its server's settings.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- service.Serve(ctx, ln, w.svc.Proxy(po)) }()
	b.Cleanup(func() { stop(); <-served })
	proxyURL := "http://" + ln.Addr().String()
	tok := w.ps["crm"].Token.AccessToken
	api := w.f.Zoho.APIURL("EU")
	u, _ := url.Parse(api)
	port, _ := strconv.Atoi(u.Port())
	return benchPair{
		direct: func() *http.Request {
			r, _ := http.NewRequest("GET", api+"/crm/v8/org", nil)
			r.Header.Set("Authorization", "Zoho-oauthtoken "+tok)
			return r
		},
		proxied: func() *http.Request {
			r, _ := http.NewRequest("GET", proxyURL+"/crm/crm/v8/org", nil)
			return r
		},
		apiPort: port,
	}
}

func median[T int | float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkProxyAddedLatency alternates a direct call and a proxied one
// on loopback and reports the median of each and the difference (target:
// at most 1 ms added).
func BenchmarkProxyAddedLatency(b *testing.B) {
	p := benchRequests(b, 0)
	cd, cp := benchClient(), benchClient()
	fetch(b, cd, p.direct())
	fetch(b, cp, p.proxied())
	var ds, ps []time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		fetch(b, cd, p.direct())
		t1 := time.Now()
		fetch(b, cp, p.proxied())
		ds, ps = append(ds, t1.Sub(t0)), append(ps, time.Since(t1))
	}
	b.StopTimer()
	md, mp := median(ds), median(ps)
	b.ReportMetric(float64(md.Microseconds()), "direct-p50-µs")
	b.ReportMetric(float64(mp.Microseconds()), "proxied-p50-µs")
	b.ReportMetric(float64((mp - md).Microseconds()), "added-p50-µs")
}

// BenchmarkProxyThroughput50 makes, per iteration, 1,000 calls from 50
// concurrent clients directly and 1,000 through the proxy (in turn first),
// with clients built alike, and reports the medians over the iterations
// of both rates and of the proxy's share of the direct one (target: 80 %);
// the CPU time the process spent per call each way (client, proxy and
// fake all run in it, so their ratio bounds the share when the cores are
// the limit); and the connections opened to the fake per 1,000 calls.
// Against the fake answering at once client, proxy and fake share the
// machine's cores; answering after 20 ms, as a distant Zoho does, the
// callers wait on the network as real ones do.
func BenchmarkProxyThroughput50(b *testing.B) {
	b.Run("at-once", func(b *testing.B) { throughput(b, benchRequests(b, 0)) })
	b.Run("latency-20ms", func(b *testing.B) { throughput(b, benchRequests(b, 20*time.Millisecond)) })
}

// BenchmarkBareProxyThroughput50 is BenchmarkProxyThroughput50's
// at-once case through the least a Go proxy can be: an
// httputil.ReverseProxy that sets the token, with pooled copy buffers and
// kept connections, no token cache, checks or log. Its share is the bound
// net/http itself sets when one machine runs callers, proxy and API.
func BenchmarkBareProxyThroughput50(b *testing.B) {
	p := benchRequests(b, 0)
	api, _ := url.Parse(p.direct().URL.String())
	auth := p.direct().Header.Get("Authorization")
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 0, 256
	bare := httptest.NewServer(&httputil.ReverseProxy{Transport: t, BufferPool: &testPool{}, Rewrite: func(pr *httputil.ProxyRequest) {
		pr.Out.URL.Scheme, pr.Out.URL.Host = api.Scheme, api.Host
		pr.Out.Header.Set("Authorization", auth)
	}})
	b.Cleanup(bare.Close)
	p.proxied = func() *http.Request {
		r, _ := http.NewRequest("GET", bare.URL+"/crm/v8/org", nil)
		return r
	}
	throughput(b, p)
}

// testPool is a BufferPool of 32 KiB buffers.
type testPool struct{ p sync.Pool }

func (t *testPool) Get() []byte {
	if b, ok := t.p.Get().(*[]byte); ok {
		return *b
	}
	return make([]byte, 32<<10)
}

func (t *testPool) Put(b []byte) { t.p.Put(&b) }

// callsPerRun is how many calls one timed run makes.
const callsPerRun = 1000

// runStats is what one timed run of calls measured.
type runStats struct {
	wall, cpu time.Duration
	conns     int // opened to the fake
}

func throughput(b *testing.B, p benchPair) {
	cd, cp := benchClient(), benchClient()
	run(b, p, cd, p.direct)
	run(b, p, cp, p.proxied)
	var rd, rp, share, ud, up, nd, np []float64
	b.ResetTimer()
	for i := range b.N {
		var d, x runStats
		if i%2 == 0 {
			d, x = run(b, p, cd, p.direct), run(b, p, cp, p.proxied)
		} else {
			x, d = run(b, p, cp, p.proxied), run(b, p, cd, p.direct)
		}
		rd, rp = append(rd, callsPerRun/d.wall.Seconds()), append(rp, callsPerRun/x.wall.Seconds())
		share = append(share, 100*d.wall.Seconds()/x.wall.Seconds())
		ud, up = append(ud, perCall(d.cpu)), append(up, perCall(x.cpu))
		nd, np = append(nd, float64(d.conns)), append(np, float64(x.conns))
	}
	b.StopTimer()
	b.ReportMetric(median(rd), "direct-req/s")
	b.ReportMetric(median(rp), "proxied-req/s")
	b.ReportMetric(median(share), "%-of-direct")
	b.ReportMetric(median(ud), "direct-cpu-µs/call")
	b.ReportMetric(median(up), "proxied-cpu-µs/call")
	// The share the cores allow: what it would be if they were the only
	// limit, as they are when the fake answers at once.
	b.ReportMetric(100*median(ud)/median(up), "cpu-bound-%")
	b.ReportMetric(median(nd), "direct-conns/1000")
	b.ReportMetric(median(np), "proxied-conns/1000")
}

func perCall(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 / callsPerRun }

// run makes callsPerRun calls from 50 concurrent clients.
func run(b *testing.B, p benchPair, c *http.Client, mk func() *http.Request) runStats {
	const clients = 50
	next := make(chan struct{}, callsPerRun)
	for range callsPerRun {
		next <- struct{}{}
	}
	close(next)
	before, cpu0 := tcpPeers(p.apiPort), cpuTime()
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for range next {
				fetch(b, c, mk())
			}
		})
	}
	wg.Wait()
	st := runStats{wall: time.Since(start), cpu: cpuTime() - cpu0}
	for k := range tcpPeers(p.apiPort) {
		if !before[k] {
			st.conns++
		}
	}
	return st
}
