package fakezoho

import (
	"net/http"
	"net/url"
)

// handleRevoke is POST /oauth/v2/token/revoke: the refresh token and its
// access tokens stop working everywhere.
func (c *Cluster) handleRevoke(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := form(r)
		if !c.enter(w, r, dc, EndpointRevoke) {
			return
		}
		if r.Method != http.MethodPost {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request"})
			return
		}
		c.mu.Lock()
		ok := c.st.deleteRefresh(f.Get("token"))
		c.mu.Unlock()
		if !ok {
			zohoError(w, "invalid_token")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "success"})
	}
}

// handleRevokeToken is the newer POST /oauth/v2/revoke/token: the client
// authenticates with HTTP Basic client_id:client_secret and names the
// token and its token_type. Revoking a refresh token takes its access
// tokens with it; revoking an access token ends that one only. A token
// must belong to the client that revokes it.
func (c *Cluster) handleRevokeToken(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := form(r)
		if !c.enter(w, r, dc, EndpointRevokeToken) {
			return
		}
		if r.Method != http.MethodPost {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request"})
			return
		}
		id, secret, ok := r.BasicAuth()
		c.mu.Lock()
		defer c.mu.Unlock()
		cl, known := c.client(dc, url.Values{"client_id": {id}, "client_secret": {secret}})
		if !ok || !known {
			zohoError(w, "invalid_client")
			return
		}
		tok := f.Get("token")
		switch f.Get("token_type") {
		case "refresh_token":
			rt, found := c.st.refresh[tok]
			if !found || rt.clientID != cl.ID {
				zohoError(w, "invalid_token")
				return
			}
			c.st.deleteRefresh(tok)
		case "access_token":
			at, found := c.st.access[tok]
			if !found || at.clientID != cl.ID {
				zohoError(w, "invalid_token")
				return
			}
			c.st.retire(tok)
		default:
			zohoError(w, "invalid_request")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "success"})
	}
}
