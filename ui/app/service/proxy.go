package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"ztm/oauth"
	"ztm/ui/app"
)

// Defaults of [ProxyOptions].
const (
	// DefaultMaxReplay is the largest request body the proxy keeps to send
	// again after a dead token; a larger one streams through once.
	DefaultMaxReplay = 1 << 20
	// ProxyMinValid is how long a token must stay valid to be sent on;
	// Run refreshes tokens in use a few minutes before that.
	ProxyMinValid = 2 * time.Minute
)

// ProxyOptions configure [Service.Proxy].
type ProxyOptions struct {
	// Profile maps "/" to one profile, so a tool with a base-URL setting
	// works unchanged; empty means the first path segment names it
	// (/{profile}/{path}).
	Profile string
	// Readers makes every request show a reader credential of the token
	// server (Authorization: Bearer ztmr_..., or Zoho-oauthtoken ztmr_...
	// from an SDK told that is its token). Off loopback it is required;
	// on loopback every request is the owner's.
	Readers bool
	// Transport sends the requests to Zoho; nil means one like
	// http.DefaultTransport that keeps an idle connection for every
	// request in flight (see proxyTransport).
	Transport http.RoundTripper
	// MaxReplay is the largest request body kept for the one retry;
	// default [DefaultMaxReplay].
	MaxReplay int64
	// Log gets one JSON line per request; nil means the service's log.
	Log *slog.Logger
}

// proxy forwards requests to Zoho with the profile's token.
type proxy struct {
	s  *Service
	o  ProxyOptions
	rp *httputil.ReverseProxy

	mu     sync.RWMutex
	tokens map[string]*cachedToken // profile -> the token last sent
	bases  sync.Map                // api_domain -> *url.URL, parsed once
}

// Proxy is the API proxy: http://HOST/{profile}/{path} (or /{path} with
// [ProxyOptions.Profile]) is forwarded to the profile's api_domain + path
// with Authorization: Zoho-oauthtoken added and any incoming Authorization
// removed. Tokens come from [Service.Token]'s flights, so every request
// shares one refresh and every refusal; a dead-token answer is renewed
// once ([Service.Renew]) and the request sent once more when its body was
// small enough to keep. Bodies stream both ways. Each request is logged as
// one line: method, profile, path without the query's values, status and
// milliseconds.
func (s *Service) Proxy(o ProxyOptions) http.Handler {
	if o.MaxReplay <= 0 {
		o.MaxReplay = DefaultMaxReplay
	}
	if o.Log == nil {
		o.Log = s.o.Log
	}
	if o.Transport == nil {
		o.Transport = proxyTransport()
	}
	px := &proxy{s: s, o: o, tokens: map[string]*cachedToken{}}
	px.rp = &httputil.ReverseProxy{
		Rewrite:      px.rewrite,
		Transport:    &renewingTransport{px: px},
		ErrorHandler: px.fail,
		BufferPool:   &bufferPool{},
	}
	return px
}

// proxyCall is what one request carries from ServeHTTP to the transport.
type proxyCall struct {
	caller  Caller
	profile string
	target  *url.URL
	token   string
	body    *replayBody
	renewed bool
}

type callKey struct{}

func (px *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	started := time.Now() // a duration for the log, not the injected clock's business
	rec := &statusWriter{ResponseWriter: w}
	call := &proxyCall{}
	defer func() { px.logLine(r, call, rec.status, time.Since(started)) }()
	profile, rest, ok := px.route(r)
	if !ok {
		writeError(rec, http.StatusNotFound, CodeNotFound, "name the profile first: http://HOST/{profile}/crm/v8/org (or run ztm proxy --profile NAME)")
		return
	}
	call.profile = profile
	c, err := px.caller(r)
	if err != nil {
		writeErr(rec, err)
		return
	}
	call.caller = c
	tok, err := px.token(r.Context(), c, profile)
	if err != nil {
		writeErr(rec, err)
		return
	}
	base, ok := px.apiBase(tok.APIDomain)
	if !ok {
		writeError(rec, http.StatusBadGateway, CodeUnavailable, profile+" has no usable API domain: refresh it once with ztm refresh "+profile)
		return
	}
	call.token = tok.AccessToken
	call.target = &url.URL{Scheme: base.Scheme, Host: base.Host, Path: base.Path + rest.Path, RawPath: joinRaw(base, rest), RawQuery: r.URL.RawQuery}
	if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
		call.body = newReplayBody(r.Body, r.ContentLength, px.o.MaxReplay)
		r.Body = call.body
	}
	px.rp.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), callKey{}, call)))
}

// route splits the request path into the profile and the path to forward.
func (px *proxy) route(r *http.Request) (string, *url.URL, bool) {
	if px.o.Profile != "" {
		return px.o.Profile, &url.URL{Path: r.URL.Path, RawPath: r.URL.RawPath}, true
	}
	p := strings.TrimPrefix(r.URL.Path, "/")
	name, rest, _ := strings.Cut(p, "/")
	if name == "" {
		return "", nil, false
	}
	u := &url.URL{Path: "/" + rest}
	if raw := r.URL.RawPath; raw != "" {
		_, rawRest, _ := strings.Cut(strings.TrimPrefix(raw, "/"), "/")
		u.RawPath = "/" + rawRest
	}
	return name, u, true
}

func joinRaw(base, rest *url.URL) string {
	if rest.RawPath == "" {
		return ""
	}
	return base.EscapedPath() + rest.RawPath
}

// caller is the owner on loopback, else the reader whose credential the
// request shows.
func (px *proxy) caller(r *http.Request) (Caller, error) {
	if !px.o.Readers {
		return Owner, nil
	}
	auth := r.Header.Get("Authorization")
	cred, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		cred, ok = strings.CutPrefix(auth, "Zoho-oauthtoken ")
	}
	cred = strings.TrimSpace(cred)
	if !ok || !strings.HasPrefix(cred, credentialPrefix) {
		return Caller{}, fmt.Errorf("%w: this proxy needs a reader credential: Authorization: Bearer <credential from ztm serve grant>", errUnauthorized)
	}
	return px.s.authenticate(cred)
}

// rewrite aims the outgoing request at Zoho: the profile's host, no
// credential of the caller's, no forwarding headers naming the caller.
func (px *proxy) rewrite(pr *httputil.ProxyRequest) {
	call := pr.In.Context().Value(callKey{}).(*proxyCall)
	pr.Out.URL = call.target
	pr.Out.Host = ""
	h := pr.Out.Header
	for _, k := range []string{"Authorization", "Cookie", "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip"} {
		h.Del(k)
	}
	for k := range h {
		if strings.HasPrefix(k, "Ztm-") {
			h.Del(k)
		}
	}
}

// renewError is a dead token that could not be renewed.
type renewError struct{ err error }

func (e renewError) Error() string { return e.err.Error() }
func (e renewError) Unwrap() error { return e.err }

// fail answers what went wrong between the proxy and Zoho, in the
// service's JSON errors.
func (px *proxy) fail(w http.ResponseWriter, r *http.Request, err error) {
	var re renewError
	switch {
	case errors.As(err, &re):
		writeErr(w, fmt.Errorf("the access token was refused by Zoho as dead and no new one could be had: %w", re.err))
	case errors.Is(err, context.Canceled):
		w.WriteHeader(499) // the client went away; nobody reads this
	default:
		call, _ := r.Context().Value(callKey{}).(*proxyCall)
		host := "Zoho"
		if call != nil && call.target != nil {
			host = call.target.Host
		}
		writeError(w, http.StatusBadGateway, CodeZohoDown, fmt.Sprintf("cannot reach %s (%v); check the network", host, unwrapURLError(err)))
	}
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// logLine is the one line per request.
func (px *proxy) logLine(r *http.Request, call *proxyCall, status int, took time.Duration) {
	if status == 0 {
		status = http.StatusOK
	}
	level := slog.LevelInfo
	if status >= 400 {
		level = slog.LevelWarn
	}
	// Typed attributes: the line is written for every request, and boxing
	// each value would be garbage for every request too.
	attrs := make([]slog.Attr, 0, 7)
	attrs = append(attrs, slog.String("method", r.Method), slog.String("profile", call.profile), slog.String("path", logPath(r.URL)),
		slog.Int("status", status), slog.Float64("ms", float64(took.Microseconds())/1000))
	if !call.caller.Owner && call.caller.Reader != "" {
		attrs = append(attrs, slog.String("reader", call.caller.Reader))
	}
	if call.renewed {
		attrs = append(attrs, slog.Bool("renewed", true))
	}
	px.o.Log.LogAttrs(r.Context(), level, "proxy", attrs...)
}

// logPath is the path with the query's names but not its values, which
// may be personal data or a page token.
func logPath(u *url.URL) string {
	if u.RawQuery == "" {
		return u.Path
	}
	q, _ := url.ParseQuery(u.RawQuery)
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return u.Path + "?" + strings.Join(keys, "&")
}

// renewingTransport adds the token and, on a dead-token answer, renews it
// once and sends the request once more.
type renewingTransport struct{ px *proxy }

func (t *renewingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	call := req.Context().Value(callKey{}).(*proxyCall)
	base := t.px.o.Transport
	req.Header.Set("Authorization", "Zoho-oauthtoken "+call.token)
	resp, err := base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	prod, ok := oauth.ProductOf(req.URL)
	if !ok {
		return resp, nil
	}
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if rerr != nil {
		resp.Body.Close()
		return nil, rerr
	}
	dead := oauth.ClassifyAPIError(prod, resp.StatusCode, data).DeadToken
	if !dead || (call.body != nil && !call.body.replayable()) {
		if dead {
			// The body streamed away and cannot be sent again; renew so
			// the caller's own retry gets a live token.
			if tok, err := t.px.s.renew(req.Context(), call.caller, call.profile, Fingerprint(call.token)); err == nil {
				call.renewed = true
				t.px.remember(call.profile, tok)
			}
		}
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(data), resp.Body), resp.Body}
		return resp, nil
	}
	resp.Body.Close()
	tok, err := t.px.s.renew(req.Context(), call.caller, call.profile, Fingerprint(call.token))
	if err != nil {
		return nil, renewError{err}
	}
	call.token, call.renewed = tok.AccessToken, true
	t.px.remember(call.profile, tok)
	again := req.Clone(req.Context())
	if call.body != nil {
		again.Body = call.body.replay()
	}
	again.Header.Set("Authorization", "Zoho-oauthtoken "+call.token)
	return base.RoundTrip(again)
}

// current is the open session, or nil when the service is locked.
func (s *Service) current() *app.Session {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sess
}
