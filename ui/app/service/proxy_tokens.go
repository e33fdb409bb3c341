package service

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"ztm/ui/app"
)

// cachedToken is a token the proxy sent, valid while the session it came
// from is still the service's: a lock or a new unlock forgets it.
type cachedToken struct {
	tok  Token
	sess *app.Session
	// noted is when the service was last told the profile is in use
	// (Unix ns), so that a request from the cache takes the service's
	// lock at most once per noteEvery, not every time.
	noted atomic.Int64
}

// noteEvery is how often requests served from the cache tell the service
// that the profile is in use; the service refreshes ahead the profiles
// asked for within [AskedWindow], an hour, so a minute late is nothing.
const noteEvery = time.Minute

// token is [Service.token] with the token kept in memory: a valid one
// costs no vault read, which would serialize every request on the
// vault's one SQLite connection.
func (px *proxy) token(ctx context.Context, c Caller, profile string) (Token, error) {
	sess := px.s.current()
	if c.May(profile) && sess != nil {
		px.mu.RLock()
		e, ok := px.tokens[profile]
		px.mu.RUnlock()
		now := px.s.now()
		if ok && e.sess == sess && e.tok.ExpiresAt.After(now.Add(ProxyMinValid)) {
			if last := e.noted.Load(); now.UnixNano()-last >= int64(noteEvery) && e.noted.CompareAndSwap(last, now.UnixNano()) {
				px.s.noteAsked(profile)
			}
			return e.tok, nil
		}
	}
	tok, err := px.s.token(ctx, c, profile, ProxyMinValid) // notes it asked
	if err == nil && sess != nil {
		px.keep(profile, tok, sess)
	}
	return tok, err
}

// remember keeps a renewed token for the next requests.
func (px *proxy) remember(profile string, tok Token) {
	px.keep(profile, tok, px.s.current())
}

func (px *proxy) keep(profile string, tok Token, sess *app.Session) {
	e := &cachedToken{tok: tok, sess: sess}
	e.noted.Store(px.s.now().UnixNano())
	px.mu.Lock()
	px.tokens[profile] = e
	px.mu.Unlock()
}

// apiBase is the API domain parsed, once per domain rather than once per
// request; false when it is no URL with a host.
func (px *proxy) apiBase(domain string) (*url.URL, bool) {
	if u, ok := px.bases.Load(domain); ok {
		return u.(*url.URL), true
	}
	u, err := url.Parse(strings.TrimRight(domain, "/"))
	if err != nil || u.Host == "" {
		return nil, false
	}
	px.bases.Store(domain, u)
	return u, true
}

// proxyTransport is http.DefaultTransport keeping its connections to
// Zoho between requests however many callers there are: with the
// default 2 idle per host, 50 callers at once opened 450 to 700
// connections per 1,000 requests, at Zoho a TCP and TLS handshake each
// (TestProxyKeepsItsConnectionsToZohoAcross50Callers). Idle connections
// still close after 90 s.
func proxyTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 0 // no cap across hosts: CRM, Books and Desk differ
	t.MaxIdleConnsPerHost = 256
	return t
}
