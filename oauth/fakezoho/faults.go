package fakezoho

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Endpoint names for [Cluster.Requests] and [Cluster.InjectFault].
const (
	EndpointAuth        = "auth"         // consent page (user or org), including decisions
	EndpointExchange    = "exchange"     // token endpoint, grant_type=authorization_code
	EndpointRefresh     = "refresh"      // token endpoint, grant_type=refresh_token
	EndpointToken       = "token"        // token endpoint, client_credentials or any other grant_type
	EndpointRevoke      = "revoke"       // /oauth/v2/token/revoke (the older form)
	EndpointRevokeToken = "revoke_token" // /oauth/v2/revoke/token (the newer form)
	EndpointServerInfo  = "serverinfo"   // /oauth/serverinfo
	EndpointUserInfo    = "userinfo"     // /oauth/user/info
	EndpointDeviceCode  = "device_code"  // /oauth/v3/device/code
	EndpointDeviceToken = "device_token" // /oauth/v3/device/token
	EndpointDevicePage  = "device_page"  // /oauth/v3/device (verification page)
)

// Fault replaces the fake's answer on an endpoint, to test how a client
// copes with outages, odd bodies and slowness.
type Fault struct {
	// Status is the HTTP status to answer with; default 200.
	Status int `json:"status,omitempty"`
	// Body is the body to answer with.
	Body string `json:"body,omitempty"`
	// ContentType defaults to application/json.
	ContentType string `json:"content_type,omitempty"`
	// Delay waits (in real time) before answering. A fault with only a
	// Delay then answers normally.
	Delay time.Duration `json:"delay,omitempty"`
	// CloseConnection drops the connection without an answer.
	CloseConnection bool `json:"close_connection,omitempty"`
	// Count is how many requests the fault applies to: 0 means one,
	// negative means every request from now on.
	Count int `json:"count,omitempty"`
	// DC limits the fault to one data center (by ID); empty means all.
	DC string `json:"dc,omitempty"`
}

type faultEntry struct {
	f    Fault
	left int // < 0: forever
}

// InjectFault queues f for endpoint (one of the Endpoint constants).
// Faults apply in the order they were injected.
func (c *Cluster) InjectFault(endpoint string, f Fault) {
	left := f.Count
	if left == 0 {
		left = 1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.st.faults[endpoint] = append(c.st.faults[endpoint], &faultEntry{f: f, left: left})
}

// Requests counts requests that reached endpoint in any data center,
// whatever their outcome (faults included).
func (c *Cluster) Requests(endpoint string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.counts[endpoint]
}

// RequestsAt counts requests that reached endpoint in one data center.
func (c *Cluster) RequestsAt(dcID, endpoint string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.countsDC[[2]string{strings.ToUpper(dcID), endpoint}]
}

// AllRequests returns every counter, for the test-support endpoint.
func (c *Cluster) AllRequests() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.st.counts))
	for k, v := range c.st.counts {
		out[k] = v
	}
	return out
}

// enter runs before every handler: it counts the request, waits out the
// configured latency and applies a fault. It reports whether the handler
// should go on.
func (c *Cluster) enter(w http.ResponseWriter, r *http.Request, dc, endpoint string) bool {
	c.mu.Lock()
	c.st.counts[endpoint]++
	c.st.countsDC[[2]string{dc, endpoint}]++
	f, ok := c.takeFault(endpoint, dc)
	c.mu.Unlock()

	if !sleep(r, c.opts.Latency) {
		return false
	}
	if !ok {
		return true
	}
	if !sleep(r, f.Delay) {
		return false
	}
	if f.CloseConnection {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return false
			}
		}
		panic(http.ErrAbortHandler) // drops the connection on HTTP/2 too
	}
	if f.Status == 0 && f.Body == "" {
		return true // a pure delay
	}
	ct := f.ContentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(f.Body))
	return false
}

// takeFault pops the next fault for endpoint and dc. Caller holds c.mu.
func (c *Cluster) takeFault(endpoint, dc string) (Fault, bool) {
	list := c.st.faults[endpoint]
	for i, e := range list {
		if e.f.DC != "" && !strings.EqualFold(e.f.DC, dc) {
			continue
		}
		if e.left > 0 {
			e.left--
			if e.left == 0 {
				c.st.faults[endpoint] = append(list[:i:i], list[i+1:]...)
			}
		}
		return e.f, true
	}
	return Fault{}, false
}

// sleep waits d unless the client goes away first.
func sleep(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// zohoError answers like Zoho: HTTP 200 with {"error": code}.
func zohoError(w http.ResponseWriter, code string) {
	writeJSON(w, http.StatusOK, map[string]string{"error": code})
}

// throttled is Zoho's answer past the refresh limit: HTTP 400, a phrase
// instead of an error code, and status "failure".
func throttled(w http.ResponseWriter) {
	writeJSON(w, http.StatusBadRequest, map[string]string{
		"error":             "Access Denied",
		"error_description": "You have made too many requests continuously. Please try again after some time.",
		"status":            "failure",
	})
}
