package fakezoho

import (
	"net/http"
	"strings"
)

// handleServerInfo is GET /oauth/serverinfo: Zoho's data-center discovery,
// answered from accounts.zoho.com, mapping each location code to its
// accounts server. The fake names its own servers, so a client that
// discovers data centers finds the fake's; [Cluster.SetServerLocation]
// changes the list. Every data center's server answers it, with the same
// list.
func (c *Cluster) handleServerInfo(dc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.enter(w, r, dc, EndpointServerInfo) {
			return
		}
		if r.Method != http.MethodGet {
			writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"result": "success", "locations": c.ServerLocations()})
	}
}

// ServerLocations is what GET /oauth/serverinfo answers: location code
// ("us", "eu") to accounts server URL.
func (c *Cluster) ServerLocations() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.locations()
}

// locations copies the current list. Caller holds c.mu.
func (c *Cluster) locations() map[string]string {
	out := map[string]string{}
	if c.st.serverInfo == nil {
		for _, dc := range c.dcs {
			out[dc.Location] = c.URL(dc.ID)
		}
		return out
	}
	for k, v := range c.st.serverInfo {
		out[k] = v
	}
	return out
}

// SetServerLocation changes GET /oauth/serverinfo's list, as Zoho's does
// when it opens a data center or moves one: location (such as "ae") now
// maps to accountsServer; an empty accountsServer removes the location.
func (c *Cluster) SetServerLocation(location, accountsServer string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	current := c.locations()
	location = strings.ToLower(location)
	if accountsServer == "" {
		delete(current, location)
	} else {
		current[location] = accountsServer
	}
	c.st.serverInfo = current
}
