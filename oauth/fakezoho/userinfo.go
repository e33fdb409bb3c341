package fakezoho

import (
	"encoding/json"
	"net/http"
	"strings"

	"ztm/model"
)

// handleUserInfo is GET /oauth/user/info: who the access token belongs to,
// if it is live, belongs here, and carries AaaServer.profile.READ. Only the
// Zoho-oauthtoken scheme is accepted, as at Zoho.
func (c *Cluster) handleUserInfo(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointUserInfo) {
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Zoho-oauthtoken ")
		c.mu.Lock()
		defer c.mu.Unlock()
		at, found := c.st.access[strings.TrimSpace(tok)]
		if !ok || !found || !c.now().Before(at.expires) || !c.tokenServedIn(at, dc) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"code": "INVALID_OAUTHTOKEN", "message": "invalid oauth token"})
			return
		}
		if !model.HasScope(at.scopes, "AaaServer.profile.READ") {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"code": "OAUTH_SCOPE_MISMATCH", "message": "invalid oauth scope to access this URL"})
			return
		}
		u := c.st.users[strings.ToLower(at.email)]
		var zuid any = u.ZUID
		if strings.Trim(u.ZUID, "0123456789") == "" && u.ZUID != "" {
			zuid = json.Number(u.ZUID) // Zoho sends the ZUID as a number
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"First_Name":   u.FirstName,
			"Last_Name":    u.LastName,
			"Display_Name": u.DisplayName,
			"Email":        u.Email,
			"ZUID":         zuid,
		})
	}
}

// tokenServedIn reports whether an access token may be used at dc: where
// it was issued, or anywhere for a multi-DC client. Caller holds c.mu.
func (c *Cluster) tokenServedIn(at *accessToken, dc string) bool {
	if strings.EqualFold(at.dc, dc) {
		return true
	}
	cl, ok := c.st.clients[at.clientID]
	return ok && cl.MultiDC
}
