package service_test

import (
	"io"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"ztm/oauth/fakezoho"
	"ztm/ui/app/service"
)

// benchClient keeps enough idle connections for 50 concurrent callers.
func benchClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 128
	return &http.Client{Transport: t}
}

func fetch(b *testing.B, c *http.Client, req *http.Request) {
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

// benchRequests are the same call made directly to the fake's API host
// with the token, and through the proxy.
func benchRequests(b *testing.B, latency time.Duration) (direct, proxied func() *http.Request) {
	w := newProxyWorldWith(b, service.ProxyOptions{}, func(o *fakezoho.Options) { o.Latency = latency }, time.Hour, "crm")
	tok := w.ps["crm"].Token.AccessToken
	api := w.f.Zoho.APIURL("EU") + "/crm/v8/org"
	direct = func() *http.Request {
		r, _ := http.NewRequest("GET", api, nil)
		r.Header.Set("Authorization", "Zoho-oauthtoken "+tok)
		return r
	}
	proxied = func() *http.Request {
		r, _ := http.NewRequest("GET", w.url+"/crm/crm/v8/org", nil)
		return r
	}
	return direct, proxied
}

func median(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)/2]
}

// BenchmarkProxyAddedLatency alternates a direct call and a proxied one
// on loopback and reports the median of each and the difference (target:
// at most 1 ms added).
func BenchmarkProxyAddedLatency(b *testing.B) {
	direct, proxied := benchRequests(b, 0)
	c := benchClient()
	fetch(b, c, direct())
	fetch(b, c, proxied())
	var ds, ps []time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		fetch(b, c, direct())
		t1 := time.Now()
		fetch(b, c, proxied())
		ds, ps = append(ds, t1.Sub(t0)), append(ps, time.Since(t1))
	}
	b.StopTimer()
	md, mp := median(ds), median(ps)
	b.ReportMetric(float64(md.Microseconds()), "direct-p50-µs")
	b.ReportMetric(float64(mp.Microseconds()), "proxied-p50-µs")
	b.ReportMetric(float64((mp - md).Microseconds()), "added-p50-µs")
}

// BenchmarkProxyThroughput50 runs 1,000 calls from 50 concurrent clients
// directly and then through the proxy, per iteration, and reports both
// rates and the proxy's as a share of the direct one (target: 80 %):
// against the fake answering at once, where client, proxy and fake share
// the machine's cores, and answering after 20 ms, as a distant Zoho does.
func BenchmarkProxyThroughput50(b *testing.B) {
	b.Run("loopback", func(b *testing.B) { throughput(b, 0) })
	b.Run("latency-20ms", func(b *testing.B) { throughput(b, 20*time.Millisecond) })
}

func throughput(b *testing.B, latency time.Duration) {
	direct, proxied := benchRequests(b, latency)
	c := benchClient()
	run := func(mk func() *http.Request) time.Duration {
		const clients, calls = 50, 1000
		next := make(chan struct{}, calls)
		for range calls {
			next <- struct{}{}
		}
		close(next)
		var wg sync.WaitGroup
		start := time.Now()
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range next {
					fetch(b, c, mk())
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	run(direct)
	run(proxied)
	var td, tp time.Duration
	b.ResetTimer()
	for range b.N {
		td += run(direct)
		tp += run(proxied)
	}
	b.StopTimer()
	rd := float64(b.N*1000) / td.Seconds()
	rp := float64(b.N*1000) / tp.Seconds()
	b.ReportMetric(rd, "direct-req/s")
	b.ReportMetric(rp, "proxied-req/s")
	b.ReportMetric(100*rp/rd, "%-of-direct")
}
