package fakezoho

import (
	"strings"
	"time"
)

// AddClient registers a client, replacing one with the same ID.
func (c *Cluster) AddClient(cl Client) {
	cl.HomeDC = strings.ToUpper(cl.HomeDC)
	cl.RedirectURIs = append([]string(nil), cl.RedirectURIs...)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.clients[cl.ID] = &cl
}

// AddUser registers an account (home US when HomeDC is empty), replacing
// one with the same email. Every data center already has a default user,
// see [DefaultUser].
func (c *Cluster) AddUser(u User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.addUser(u)
}

// SignIn makes email the user every consent page and device approval acts
// for, as if they were signed in to the browser; "" goes back to each data
// center's default user. A consent started in another data center than
// theirs is redirected home (except across China's border).
func (c *Cluster) SignIn(email string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.signedIn = email
}

// SelfClientCode mints a grant code as the Self Client console's Generate
// Code tab does: for clientID in data center dc, valid for ttl (the
// console offers 3 to 10 minutes; zero means 3), for the signed-in user.
// It needs no redirect URI and, like all codes, works once.
func (c *Cluster) SelfClientCode(clientID, dc string, scopes []string, ttl time.Duration) string {
	if ttl <= 0 {
		ttl = 3 * time.Minute
	}
	dc = strings.ToUpper(dc)
	c.mu.Lock()
	defer c.mu.Unlock()
	code := newToken()
	email := c.st.consentUser(dc).Email
	c.st.codes[code] = &grantCode{
		clientID: clientID, dc: dc, email: email, scopes: append([]string(nil), scopes...),
		expires: c.now().Add(ttl), offline: true, newRefresh: true, self: true,
	}
	return code
}

// MintRefreshToken issues a refresh token directly, skipping consent, for
// tests and benchmarks that need many. The 20-per-user rule applies.
func (c *Cluster) MintRefreshToken(clientID, email, dc string, scopes []string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.issueRefresh(clientID, email, strings.ToUpper(dc), append([]string(nil), scopes...)).token
}

// ValidAccessToken reports whether tok is a live access token.
func (c *Cluster) ValidAccessToken(tok string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.st.access[tok]
	return ok && c.now().Before(at.expires)
}

// ValidRefreshToken reports whether tok is a refresh token Zoho would
// still accept.
func (c *Cluster) ValidRefreshToken(tok string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.st.refresh[tok]
	return ok
}

// RevokeRefreshToken revokes one refresh token, as a user would under
// Connected Apps; it reports whether the token existed.
func (c *Cluster) RevokeRefreshToken(tok string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.deleteRefresh(tok)
}

// RevokeAll revokes every refresh token of a user for a client, as a
// password reset does, and returns how many there were.
func (c *Cluster) RevokeAll(clientID, email string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	list := append([]string(nil), c.st.byUser[userKey(clientID, email)]...)
	for _, t := range list {
		c.st.deleteRefresh(t)
	}
	return len(list)
}

// RefreshTokens counts the refresh tokens a user holds for a client.
func (c *Cluster) RefreshTokens(clientID, email string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.st.byUser[userKey(clientID, email)])
}

// LiveAccessTokens counts the unexpired access tokens of a refresh token.
func (c *Cluster) LiveAccessTokens(refreshToken string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, ok := c.st.refresh[refreshToken]
	if !ok {
		return 0
	}
	n := 0
	for _, t := range rt.access {
		if at, ok := c.st.access[t]; ok && c.now().Before(at.expires) {
			n++
		}
	}
	return n
}

// MintAccessToken issues an access token for a refresh token directly,
// living ttl from now (the fake's TokenTTL when ttl is zero; a negative
// ttl gives a token that is already dead). Like [Cluster.MintRefreshToken]
// it is for seeding tests: no request is counted and the refresh budget is
// untouched, but the 15-live-tokens rule applies. It returns "" for an
// unknown refresh token.
func (c *Cluster) MintAccessToken(refreshToken string, ttl time.Duration) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	rt, ok := c.st.refresh[refreshToken]
	if !ok {
		return ""
	}
	if ttl == 0 {
		ttl = c.opts.TokenTTL
	}
	return c.st.issueAccess(rt, rt.clientID, rt.email, rt.dc, rt.scopes, c.now(), ttl).token
}
