package service

import (
	"context"
	"net"

	"ztm/ui/app"
	"ztm/vault"
)

// RunProxy is `ztm proxy`: it serves [Service.Proxy] for sess (opened
// through the agent, so a passphrase vault costs no second unlock) on ln
// (from [ListenTCP], which insists on TLS off loopback) until ctx ends,
// refreshing the tokens in use ahead of expiry. A listener that is not
// on loopback always asks for reader credentials, whatever po says.
func RunProxy(ctx context.Context, o Options, sess *app.Session, key *vault.Keyring, ln net.Listener, po ProxyOptions, ready func(*Service)) error {
	o.Idle, o.Max = 0, 0
	s := New(o)
	if err := s.Attach(sess, key); err != nil {
		return err
	}
	if !listensOnLoopback(ln) {
		po.Readers = true
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	if ready != nil {
		ready(s)
	}
	err := Serve(ctx, ln, s.Proxy(po))
	cancel()
	<-done
	return err
}

func listensOnLoopback(ln net.Listener) bool {
	a, ok := ln.Addr().(*net.TCPAddr)
	return ok && a.IP.IsLoopback()
}
