package service_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ztm/ui/app/service"
	"ztm/vault"
)

// BenchmarkTokenLoopback asks a loopback token server for a valid token at
// a fixed 500 requests a second (open loop: a slow answer does not slow
// the next request) and reports the latency's median and 99th percentile.
// -benchtime=3s runs it for about three seconds.
func BenchmarkTokenLoopback(b *testing.B) {
	w := newWorld(b, worldOpts{profiles: []string{"crm-eu"}})
	w.unlock()
	url := w.serveTCP()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	c, err := service.NewServerClient(url, w.grant("bench", []string{"*"}, 0), hc)
	if err != nil {
		b.Fatal(err)
	}
	const rate = 500
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	var failed sync.Once
	b.ResetTimer()
	begin := time.Now()
	for i := range b.N {
		if d := time.Until(begin.Add(time.Duration(i) * time.Second / rate)); d > 0 {
			time.Sleep(d)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			if _, err := c.Token(context.Background(), "crm-eu", time.Minute); err != nil {
				failed.Do(func() { b.Error(err) })
			}
			lat[i] = time.Since(t0)
		}()
	}
	wg.Wait()
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(0, "ns/op") // paced: time per op is the rate, not a measure
}

// BenchmarkServerRSS1000Profiles serves a vault of 1,000 profiles, reads
// every one's token, and reports the process's resident memory.
func BenchmarkServerRSS1000Profiles(b *testing.B) {
	w := newWorld(b, worldOpts{profiles: []string{"seed"}})
	fill(b, w, 1000)
	w.unlock()
	url := w.serveTCP()
	c := w.client(url, w.grant("bench", []string{"*"}, 0))
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := c.Token(ctx, fmt.Sprintf("p%04d", i%1000), time.Minute); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	for i := range 1000 { // every profile read at least once
		c.Token(ctx, fmt.Sprintf("p%04d", i), time.Minute)
	}
	b.ReportMetric(rssMB(b), "rss-MB")
}

// fill adds n profiles p0000... with tokens valid for hours, in one save,
// copying the seed profile's settings.
func fill(b *testing.B, w *world, n int) {
	b.Helper()
	v := w.openVault()
	seed, err := v.Profile("seed")
	if err != nil {
		b.Fatal(err)
	}
	err = v.Update(context.Background(), func(tx *vault.Tx) error {
		for i := range n {
			p := seed
			p.ID, p.Name = 0, fmt.Sprintf("p%04d", i)
			tok := *seed.Token
			tok.AccessToken = fmt.Sprintf("1000.benchaccess%06d", i)
			tok.ExpiresAt = w.clk.Now().Add(10 * time.Hour)
			p.Token = nil
			if err := tx.CreateProfile(&p); err != nil {
				return err
			}
			if err := tx.SetToken(p.Name, tok); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// rssMB reads the resident set size from /proc (Linux); 0 elsewhere.
func rssMB(b *testing.B) float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return float64(kb) / 1024
		}
	}
	b.Log("no VmRSS in /proc/self/status")
	return 0
}
