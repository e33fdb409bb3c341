package fakezoho

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// form reads the request's parameters from the body only: Zoho accepts
// them in the query too, but the fake refuses that so a client that puts
// secrets in URLs fails its tests.
func form(r *http.Request) url.Values {
	if err := r.ParseForm(); err != nil {
		return url.Values{}
	}
	return r.PostForm
}

// handleToken is POST /oauth/v2/token for both grant types.
func (c *Cluster) handleToken(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := form(r)
		endpoint := EndpointToken
		switch f.Get("grant_type") {
		case "authorization_code":
			endpoint = EndpointExchange
		case "refresh_token":
			endpoint = EndpointRefresh
		}
		// client_credentials counts as EndpointToken: it is neither an
		// exchange nor a refresh.
		if !c.enter(w, r, dc, endpoint) {
			return
		}
		if r.Method != http.MethodPost {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request"})
			return
		}
		switch endpoint {
		case EndpointExchange:
			c.exchange(w, dc, f)
		case EndpointRefresh:
			c.refreshGrant(w, dc, f)
		default:
			if f.Get("grant_type") == "client_credentials" {
				c.clientCredentials(w, dc, f)
				return
			}
			zohoError(w, "unsupported_grant_type")
		}
	}
}

// client checks client_id and client_secret for a request at dc. A client
// that is not enabled in dc is as unknown there as a wrong id: Zoho's
// invalid_client, the classic wrong-data-center error.
func (c *Cluster) client(dc string, f url.Values) (*Client, bool) {
	cl, ok := c.st.clients[f.Get("client_id")]
	if !ok || !cl.availableIn(dc) || cl.secretFor(dc) != f.Get("client_secret") {
		return nil, false
	}
	return cl, true
}

func (c *Cluster) exchange(w http.ResponseWriter, dc string, f url.Values) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl, ok := c.client(dc, f)
	if !ok {
		zohoError(w, "invalid_client")
		return
	}
	now := c.now()
	gc, ok := c.st.codes[f.Get("code")]
	switch {
	case ok && !strings.EqualFold(gc.dc, dc) && !cl.MultiDC:
		zohoError(w, "invalid_client") // a code is bound to its data center
		return
	case !ok || gc.used || !now.Before(gc.expires) || gc.clientID != cl.ID:
		zohoError(w, "invalid_code")
		return
	case !gc.self && f.Get("redirect_uri") != gc.redirectURI:
		zohoError(w, "invalid_redirect_uri")
		return
	case gc.challenge != "" && s256(f.Get("code_verifier")) != gc.challenge:
		zohoError(w, "invalid_code")
		return
	}
	gc.used = true
	var rt *refreshToken
	if gc.offline && gc.newRefresh {
		rt = c.st.issueRefresh(cl.ID, gc.email, dc, gc.scopes)
	}
	at := c.st.issueAccess(rt, cl.ID, gc.email, dc, gc.scopes, now, c.opts.TokenTTL)
	c.writeToken(w, dc, at, rt)
}

func (c *Cluster) refreshGrant(w http.ResponseWriter, dc string, f url.Values) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl, ok := c.client(dc, f)
	if !ok {
		zohoError(w, "invalid_client")
		return
	}
	rt, ok := c.st.refresh[f.Get("refresh_token")]
	switch {
	case ok && !strings.EqualFold(rt.dc, dc) && !cl.MultiDC:
		zohoError(w, "invalid_client")
		return
	case !ok || rt.clientID != cl.ID:
		zohoError(w, "invalid_code")
		return
	}
	now := c.now()
	if !rt.allowRefresh(now) {
		throttled(w)
		return
	}
	at := c.st.issueAccess(rt, cl.ID, rt.email, dc, rt.scopes, now, c.opts.TokenTTL)
	c.writeToken(w, dc, at, nil)
}

// writeToken answers a successful token request in the configured format.
// Caller holds c.mu.
func (c *Cluster) writeToken(w http.ResponseWriter, dc string, at *accessToken, rt *refreshToken) {
	d, _ := c.dc(dc)
	ttl := at.expires.Sub(c.now())
	body := map[string]any{
		"access_token": at.token,
		"api_domain":   c.apiDomain(d),
		"token_type":   "Bearer",
	}
	if rt != nil {
		body["refresh_token"] = rt.token
	}
	if c.opts.Legacy {
		body["expires_in_sec"] = int64(ttl / time.Second)
		body["expires_in"] = int64(ttl / time.Millisecond)
	} else {
		body["expires_in"] = int64(ttl / time.Second)
		body["scope"] = strings.Join(at.scopes, " ")
	}
	writeJSON(w, http.StatusOK, body)
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
