package fakezoho

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"ztm/model"
)

// Zoho's limits, as the fake enforces them.
const (
	// MaxRefreshTokens is how many refresh tokens a user may hold for one
	// client; making one more deletes the oldest.
	MaxRefreshTokens = 20
	// MaxAccessTokens is how many live access tokens one refresh token may
	// have; issuing one more invalidates the oldest.
	MaxAccessTokens = 15
)

// state is everything the data centers share. Guarded by Cluster.mu.
type state struct {
	clients  map[string]*Client
	users    map[string]*User
	signedIn string

	codes    map[string]*grantCode
	refresh  map[string]*refreshToken
	access   map[string]*accessToken
	byUser   map[string][]string // client+user -> refresh tokens, oldest first
	devices  map[string]*deviceGrant
	byUCode  map[string]*deviceGrant
	consents map[string]*pendingConsent

	counts   map[string]int
	countsDC map[[2]string]int
	faults   map[string][]*faultEntry

	// ccGrants are recent client-credentials grants per client and scope
	// set: with no refresh token, the 10-per-10-minutes budget is kept
	// there.
	ccGrants map[string][]time.Time
	// retired remembers access tokens that were issued and then revoked,
	// evicted or expired by a control, so the product APIs can tell a
	// dead token from garbage as Zoho does.
	retired map[string]bool
	// noPermission holds users (lower-case email) whose CRM profile lacks
	// API access: CRM answers 403 NO_PERMISSION.
	noPermission map[string]bool
	// records overrides Options.Records per collection (see collectionKey).
	records map[string]int
	// serverInfo is GET /oauth/serverinfo's locations when a test changed
	// them; nil means the served data centers.
	serverInfo map[string]string
	// uploaded counts the bytes the upload endpoint has read.
	uploaded int64
	// created counts records created through the CRM API, for their ids.
	created int
}

func (s *state) init() {
	s.clients = map[string]*Client{}
	s.users = map[string]*User{}
	s.codes = map[string]*grantCode{}
	s.refresh = map[string]*refreshToken{}
	s.access = map[string]*accessToken{}
	s.byUser = map[string][]string{}
	s.devices = map[string]*deviceGrant{}
	s.byUCode = map[string]*deviceGrant{}
	s.consents = map[string]*pendingConsent{}
	s.counts = map[string]int{}
	s.countsDC = map[[2]string]int{}
	s.faults = map[string][]*faultEntry{}
	s.ccGrants = map[string][]time.Time{}
	s.retired = map[string]bool{}
	s.noPermission = map[string]bool{}
	s.records = map[string]int{}
}

// grantCode is a code from a consent or the Self Client console.
type grantCode struct {
	clientID, dc, redirectURI, email string
	scopes                           []string
	expires                          time.Time
	used                             bool
	offline                          bool // access_type=offline: a refresh token comes with it
	newRefresh                       bool // prompt=consent, or the user's first grant
	challenge                        string
	self                             bool
}

type refreshToken struct {
	token, clientID, email, dc string
	scopes                     []string
	refreshes                  []time.Time // recent refreshes, for the throttle
	access                     []string    // its access tokens, oldest first
}

type accessToken struct {
	token, refresh, clientID, email, dc string
	scopes                              []string
	expires                             time.Time
	soid                                string // client credentials: the org named by soid
}

type deviceGrant struct {
	deviceCode, userCode, clientID, dc string
	scopes                             []string
	expires                            time.Time
	lastPoll                           time.Time
	status                             string // pending, approved, denied, used
	email                              string
}

type pendingConsent struct {
	dc, clientID, redirectURI, state, accessType, prompt, challenge string
	scopes                                                          []string
	email                                                           string
}

func (s *state) addUser(u User) {
	u.HomeDC = strings.ToUpper(u.HomeDC)
	if u.HomeDC == "" {
		u.HomeDC = "US"
	}
	s.users[strings.ToLower(u.Email)] = &u
}

// consentUser is who is signed in to the browser: the user of SignIn, or
// the data center's default user.
func (s *state) consentUser(dc string) *User {
	if u, ok := s.users[strings.ToLower(s.signedIn)]; ok {
		return u
	}
	return s.users[strings.ToLower(DefaultUser(dc))]
}

func (cl *Client) availableIn(dc string) bool {
	return cl.MultiDC || strings.EqualFold(cl.homeDC(), dc)
}

func (cl *Client) homeDC() string {
	if cl.HomeDC == "" {
		return "US"
	}
	return strings.ToUpper(cl.HomeDC)
}

func (cl *Client) secretFor(dc string) string {
	if s, ok := cl.DCSecrets[strings.ToUpper(dc)]; ok {
		return s
	}
	return cl.Secret
}

// newToken makes a value shaped like Zoho's: 1000.<hex>.<hex>.
func newToken() string {
	return "1000." + randomHex(16) + "." + randomHex(16)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// newUserCode is short and easy to type: eight consonants.
func newUserCode() string {
	const letters = "BCDFGHJKLMNPQRSTVWXZ"
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b)
}

func userKey(clientID, email string) string {
	return clientID + "\x00" + strings.ToLower(email)
}

// hasRefresh reports whether the user already holds a refresh token for
// the client: without prompt=consent Zoho then issues none.
func (s *state) hasRefresh(clientID, email string) bool {
	return len(s.byUser[userKey(clientID, email)]) > 0
}

// issueRefresh makes a refresh token, deleting the user's oldest for this
// client when they already hold MaxRefreshTokens: Zoho's 21st-token rule.
func (s *state) issueRefresh(clientID, email, dc string, scopes []string) *refreshToken {
	k := userKey(clientID, email)
	for len(s.byUser[k]) >= MaxRefreshTokens {
		s.deleteRefresh(s.byUser[k][0])
	}
	rt := &refreshToken{token: newToken(), clientID: clientID, email: email, dc: dc, scopes: scopes}
	s.refresh[rt.token] = rt
	s.byUser[k] = append(s.byUser[k], rt.token)
	return rt
}

// deleteRefresh removes a refresh token and its access tokens.
func (s *state) deleteRefresh(token string) bool {
	rt, ok := s.refresh[token]
	if !ok {
		return false
	}
	for _, at := range rt.access {
		s.retire(at)
	}
	delete(s.refresh, token)
	k := userKey(rt.clientID, rt.email)
	list := s.byUser[k]
	for i, t := range list {
		if t == token {
			s.byUser[k] = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(s.byUser[k]) == 0 {
		delete(s.byUser, k)
	}
	return true
}

// issueAccess makes an access token, for rt when not nil. A refresh token
// keeps at most MaxAccessTokens live ones: the oldest goes first.
func (s *state) issueAccess(rt *refreshToken, clientID, email, dc string, scopes []string, now time.Time, ttl time.Duration) *accessToken {
	at := &accessToken{token: newToken(), clientID: clientID, email: email, dc: dc, scopes: scopes, expires: now.Add(ttl)}
	if rt != nil {
		at.refresh = rt.token
		live := rt.access[:0]
		for _, t := range rt.access {
			if a, ok := s.access[t]; ok && now.Before(a.expires) {
				live = append(live, t)
			} else {
				s.retire(t)
			}
		}
		for len(live) >= MaxAccessTokens {
			s.retire(live[0])
			live = live[1:]
		}
		rt.access = append(live, at.token)
	}
	s.access[at.token] = at
	return at
}

// retire forgets a live access token but remembers that it existed, so an
// API call with it is answered as a dead token, not as garbage.
func (s *state) retire(token string) {
	if _, ok := s.access[token]; ok {
		delete(s.access, token)
		s.retired[token] = true
	}
}

// allowRefresh applies the 10-per-10-minutes rule to rt at now and, when
// allowed, records the refresh.
func (rt *refreshToken) allowRefresh(now time.Time) bool {
	var ok bool
	rt.refreshes, ok = allowIn(rt.refreshes, now)
	return ok
}

// allowIn applies the 10-per-10-minutes rule to the recent request times
// and, when allowed, records one at now. It returns the pruned list.
func allowIn(times []time.Time, now time.Time) ([]time.Time, bool) {
	recent := times[:0]
	for _, t := range times {
		if now.Sub(t) < model.RefreshWindow {
			recent = append(recent, t)
		}
	}
	if len(recent) >= model.RefreshLimit {
		return recent, false
	}
	return append(recent, now), true
}
