package fakezoho

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"ztm/model"
)

// clientCredentials is POST /oauth/v2/token with
// grant_type=client_credentials: a Self Client asks for an access token
// with its own id and secret, no consent and no refresh token. The
// 10-per-10-minutes budget is kept per client and scope set, since there
// is no refresh token to key it on.
func (c *Cluster) clientCredentials(w http.ResponseWriter, dc string, f url.Values) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl, ok := c.client(dc, f)
	if !ok {
		zohoError(w, "invalid_client")
		return
	}
	if cl.Type != model.SelfClient {
		// OAuth's word for a client not allowed this grant type; Zoho
		// documents the grant for Self Clients only.
		zohoError(w, "unauthorized_client")
		return
	}
	scopes, err := model.ParseScopes(f.Get("scope"))
	if err != nil {
		zohoError(w, "invalid_scope")
		return
	}
	soid := f.Get("soid")
	if cl.RequireSOID && !validSOID(soid) {
		zohoError(w, "missing_org_info")
		return
	}
	key := ccKey(cl.ID, scopes)
	now := c.now()
	var allowed bool
	c.st.ccGrants[key], allowed = allowIn(c.st.ccGrants[key], now)
	if !allowed {
		throttled(w)
		return
	}
	at := c.st.issueAccess(nil, cl.ID, c.st.consentUser(dc).Email, dc, scopes, now, c.opts.TokenTTL)
	at.soid = soid
	c.writeToken(w, dc, at, nil)
}

// validSOID accepts Zoho's shape for soid: a service and an org id,
// such as ZohoCRM.600000001.
func validSOID(soid string) bool {
	service, org, ok := strings.Cut(soid, ".")
	return ok && service != "" && org != "" && strings.Trim(org, "0123456789") == ""
}

// ccKey is the budget key of a client-credentials grant: the client and
// its scopes in any order.
func ccKey(clientID string, scopes []string) string {
	s := make([]string, len(scopes))
	for i, x := range scopes {
		s[i] = strings.ToLower(x)
	}
	slices.Sort(s)
	return clientID + "\x00" + strings.Join(s, ",")
}
