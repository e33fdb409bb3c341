package fakezoho

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"ztm/model"
)

// handleDeviceCode is POST /oauth/v3/device/code: a Non-browser client
// asks for a user code.
func (c *Cluster) handleDeviceCode(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := form(r)
		if !c.enter(w, r, dc, EndpointDeviceCode) {
			return
		}
		if f.Get("grant_type") != "device_request" {
			zohoError(w, "unsupported_grant_type")
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		cl, ok := c.st.clients[f.Get("client_id")]
		if !ok || !cl.availableIn(dc) || cl.Type != model.NonBrowserClient {
			zohoError(w, "invalid_client")
			return
		}
		scopes, err := model.ParseScopes(f.Get("scope"))
		if err != nil {
			zohoError(w, "invalid_scope")
			return
		}
		g := &deviceGrant{
			deviceCode: newToken(), userCode: newUserCode(), clientID: cl.ID, dc: dc,
			scopes: scopes, expires: c.now().Add(c.opts.DeviceCodeTTL), status: "pending",
			lastPoll: c.now(), // a poll sooner than one interval after issue is too fast
		}
		if c.opts.AutoApproveDevice {
			g.status, g.email = "approved", c.st.consentUser(dc).Email
		}
		c.st.devices[g.deviceCode] = g
		c.st.byUCode[g.userCode] = g
		writeJSON(w, http.StatusOK, map[string]any{
			"user_code":        g.userCode,
			"device_code":      g.deviceCode,
			"verification_url": c.URL(dc) + "/oauth/v3/device",
			"expires_in":       int64(c.opts.DeviceCodeTTL / time.Second),
			"interval":         int64(c.opts.DeviceInterval / time.Second),
		})
	}
}

// handleDeviceToken is POST /oauth/v3/device/token: the client polls.
func (c *Cluster) handleDeviceToken(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := form(r)
		if !c.enter(w, r, dc, EndpointDeviceToken) {
			return
		}
		if f.Get("grant_type") != "device_token" {
			zohoError(w, "unsupported_grant_type")
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		cl, ok := c.st.clients[f.Get("client_id")]
		if !ok || cl.secretFor(dc) != f.Get("client_secret") {
			zohoError(w, "invalid_client")
			return
		}
		g, ok := c.st.devices[f.Get("code")]
		if !ok || g.clientID != cl.ID || g.status == "used" {
			zohoError(w, "invalid_code")
			return
		}
		// The client must be enabled where it polls: following other_dc to
		// the user's home needs a multi-DC client, as the tokens live there.
		if !cl.availableIn(dc) {
			zohoError(w, "invalid_client")
			return
		}
		home := ""
		if g.email != "" {
			home = c.st.users[strings.ToLower(g.email)].HomeDC
		}
		now := c.now()
		if !now.Before(g.expires) {
			zohoError(w, "expired")
			return
		}
		tooFast := now.Sub(g.lastPoll) < c.opts.DeviceInterval
		g.lastPoll = now
		switch {
		case tooFast:
			zohoError(w, "slow_down")
		case g.status == "pending":
			zohoError(w, "authorization_pending")
		case g.status == "denied":
			zohoError(w, "access_denied")
		case !strings.EqualFold(home, dc):
			loc, _ := c.dc(home)
			writeJSON(w, http.StatusOK, map[string]string{"error": "other_dc", "user_location": loc.Location})
		default:
			g.status = "used"
			rt := c.st.issueRefresh(cl.ID, g.email, dc, g.scopes)
			at := c.st.issueAccess(rt, cl.ID, g.email, dc, g.scopes, now, c.opts.TokenTTL)
			c.writeToken(w, dc, at, rt)
		}
	}
}

// handleDevicePage is the verification page a person opens: enter the
// user code, Accept or Deny, as the signed-in user.
func (c *Cluster) handleDevicePage(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointDevicePage) {
			return
		}
		c.mu.Lock()
		email := c.st.consentUser(dc).Email
		c.mu.Unlock()
		d := pageData{Device: true, Email: email}
		if r.Method == http.MethodPost {
			code := strings.ToUpper(strings.TrimSpace(r.PostFormValue("user_code")))
			var err error
			if r.PostFormValue("decision") == "accept" {
				err = c.ApproveDevice(code)
				d.Message = "Approved: go back to the application."
			} else {
				err = c.DenyDevice(code)
				d.Message = "Denied."
			}
			if err != nil {
				d.Message = err.Error()
			}
		}
		renderPage(w, http.StatusOK, d)
	}
}

// ApproveDevice approves a user code as the signed-in user (see
// [Cluster.SignIn]), or the default user of the data center where the code
// was issued.
func (c *Cluster) ApproveDevice(userCode string) error {
	c.mu.Lock()
	g, ok := c.st.byUCode[userCode]
	email := ""
	if ok {
		email = c.st.consentUser(g.dc).Email
	}
	c.mu.Unlock()
	return c.ApproveDeviceAs(userCode, email)
}

// ApproveDeviceAs approves a user code as the user with that email; polls
// from another data center than the user's home then get other_dc.
func (c *Cluster) ApproveDeviceAs(userCode, email string) error {
	return c.decideDevice(userCode, email, "approved")
}

// DenyDevice denies a user code: the next poll gets access_denied.
func (c *Cluster) DenyDevice(userCode string) error {
	return c.decideDevice(userCode, "", "denied")
}

func (c *Cluster) decideDevice(userCode, email, status string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.st.byUCode[userCode]
	switch {
	case !ok:
		return fmt.Errorf("no such user code %q", userCode)
	case g.status != "pending":
		return fmt.Errorf("user code %q is already %s", userCode, g.status)
	case !c.now().Before(g.expires):
		return fmt.Errorf("user code %q has expired", userCode)
	}
	if status == "approved" {
		if _, ok := c.st.users[strings.ToLower(email)]; !ok {
			return fmt.Errorf("no such user %q", email)
		}
	}
	g.status, g.email = status, email
	return nil
}
