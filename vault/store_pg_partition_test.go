package vault

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"
)

// pgProxy stands between ztm and PostgreSQL so a test can cut the network:
// cut drops every connection and then takes new ones without ever
// answering, as a partition does; heal lets them through again.
type pgProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cutOff bool
	conns  []net.Conn
}

func startPGProxy(t *testing.T, target string) *pgProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.drop() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.conns = append(p.conns, c)
			cut := p.cutOff
			p.mu.Unlock()
			if !cut {
				go p.pipe(c)
			}
		}
	}()
	return p
}

func (p *pgProxy) pipe(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, s)
	p.mu.Unlock()
	go io.Copy(s, c)
	io.Copy(c, s)
	c.Close()
	s.Close()
}

func (p *pgProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *pgProxy) cut() {
	p.mu.Lock()
	p.cutOff = true
	p.mu.Unlock()
	p.drop()
}

func (p *pgProxy) heal() {
	p.mu.Lock()
	p.cutOff = false
	p.mu.Unlock()
	p.drop() // the connections held unanswered fail, and are made again
}

// proxied is rawURL with its host replaced by the proxy's.
func (p *pgProxy) proxied(t *testing.T, rawURL string) (string, string) {
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	u.Host = p.ln.Addr().String()
	return u.String(), target
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A long-lived reader (ztm serve) whose PostgreSQL vanishes behind a
// partition, which answers nothing, must keep reading what it holds at
// once: its periodic check for others' saves must not wait for a network
// that does not answer, holding the vault every reader needs. When the
// network heals it hears of the saves made meanwhile.
func TestPGPartitionDoesNotStallReaders(t *testing.T) {
	v, p := newPGVault(t)
	addProfiles(t, v, 0, 1)
	u, err := url.Parse(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startPGProxy(t, u.Host)
	rp := p
	rp.URL, _ = proxy.proxied(t, p.URL)
	r, err := Open(rp, v.Key(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.ReloadIfChanged(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the listener", r.pg.live.Load)

	proxy.cut()
	waitFor(t, "the listener to notice the cut", func() bool { return !r.pg.live.Load() })
	// As ztm serve's ticks do: the first finds its connection dead, the
	// next ones would make new ones, which the partition never answers.
	for i := range 3 {
		start := time.Now()
		changed, err := r.ReloadIfChanged()
		if took := time.Since(start); err != nil || changed || took > time.Second {
			t.Fatalf("check %d during a partition: %v, %v after %v; want nothing changed, at once", i, changed, err, took)
		}
	}
	if _, err := r.Profile(sampleProfile(0, time.Now()).Name); err != nil {
		t.Fatalf("reading during a partition: %v", err)
	}

	addProfiles(t, v, 1, 1) // saved by another machine meanwhile
	proxy.heal()
	waitFor(t, "the save made during the partition to be seen", func() bool {
		changed, err := r.ReloadIfChanged()
		return err == nil && changed
	})
	if names := profileNames(t, r); len(names) != 2 {
		t.Errorf("after the partition the reader holds %v, want 2 profiles", names)
	}
}
