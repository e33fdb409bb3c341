package model

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// DataCenter is one of Zoho's regional deployments. Accounts, consoles and
// tokens do not cross data centers (unless a client is enabled for several).
type DataCenter struct {
	// ID is the short upper-case name used on the command line: US, EU, IN...
	ID string `json:"id"`
	// Name is the display name, such as "Europe".
	Name string `json:"name"`
	// Location is the value Zoho sends as `location` on a redirect ("eu").
	Location string `json:"location"`
	// AccountsServer is where consent, code exchange and refresh happen.
	AccountsServer string `json:"accounts_server"`
	// APIConsole is where clients are registered for this data center.
	APIConsole string `json:"api_console"`
	// APIDomain is the default API domain; the token response's api_domain wins.
	APIDomain string `json:"api_domain"`
}

// DataCenters is an ordered set of data centers with lookups by ID, by the
// `location` value of a redirect and by accounts-server URL.
type DataCenters struct {
	list []DataCenter
}

// ParseDataCenters decodes a JSON array of data centers and validates it.
func ParseDataCenters(data []byte) (DataCenters, error) {
	var list []DataCenter
	if err := json.Unmarshal(data, &list); err != nil {
		return DataCenters{}, fmt.Errorf("data centers: %w", err)
	}
	var dcs DataCenters
	for _, dc := range list {
		if err := dcs.Put(dc); err != nil {
			return DataCenters{}, err
		}
	}
	return dcs, nil
}

// Put adds dc, or replaces the data center with the same ID. Fields left
// empty in a replacement keep their previous value, so an override file
// can change just one URL.
func (d *DataCenters) Put(dc DataCenter) error {
	dc.ID = strings.ToUpper(strings.TrimSpace(dc.ID))
	if dc.ID == "" {
		return fmt.Errorf("data center without an id")
	}
	for i, old := range d.list {
		if old.ID == dc.ID {
			merged := mergeDC(old, dc)
			if err := merged.validate(); err != nil {
				return err
			}
			d.list[i] = merged
			return nil
		}
	}
	if dc.Location == "" {
		dc.Location = strings.ToLower(dc.ID)
	}
	if dc.Name == "" {
		dc.Name = dc.ID
	}
	if err := dc.validate(); err != nil {
		return err
	}
	d.list = append(d.list, dc)
	return nil
}

func mergeDC(old, n DataCenter) DataCenter {
	if n.Name != "" {
		old.Name = n.Name
	}
	if n.Location != "" {
		old.Location = n.Location
	}
	if n.AccountsServer != "" {
		old.AccountsServer = n.AccountsServer
	}
	if n.APIConsole != "" {
		old.APIConsole = n.APIConsole
	}
	if n.APIDomain != "" {
		old.APIDomain = n.APIDomain
	}
	return old
}

func (dc DataCenter) validate() error {
	if err := ValidateServerURL(dc.AccountsServer); err != nil {
		return fmt.Errorf("data center %s: accounts server: %w", dc.ID, err)
	}
	for _, u := range []string{dc.APIConsole, dc.APIDomain} {
		if u == "" {
			continue
		}
		if err := ValidateServerURL(u); err != nil {
			return fmt.Errorf("data center %s: %w", dc.ID, err)
		}
	}
	return nil
}

// All returns the data centers in their defined order.
func (d DataCenters) All() []DataCenter {
	return append([]DataCenter(nil), d.list...)
}

// IDs returns the data-center IDs in their defined order.
func (d DataCenters) IDs() []string {
	ids := make([]string, len(d.list))
	for i, dc := range d.list {
		ids[i] = dc.ID
	}
	return ids
}

// ByID finds a data center by ID, ignoring case.
func (d DataCenters) ByID(id string) (DataCenter, bool) {
	id = strings.ToUpper(strings.TrimSpace(id))
	for _, dc := range d.list {
		if dc.ID == id {
			return dc, true
		}
	}
	return DataCenter{}, false
}

// ByLocation finds a data center by the `location` value Zoho puts on a
// redirect or a device-flow `user_location`, ignoring case.
func (d DataCenters) ByLocation(loc string) (DataCenter, bool) {
	loc = strings.ToLower(strings.TrimSpace(loc))
	for _, dc := range d.list {
		if strings.ToLower(dc.Location) == loc || strings.ToLower(dc.ID) == loc {
			return dc, true
		}
	}
	return DataCenter{}, false
}

// ByAccountsServer finds the data center whose accounts server has the same
// scheme and host as server (a trailing slash or path is ignored).
func (d DataCenters) ByAccountsServer(server string) (DataCenter, bool) {
	want, err := url.Parse(strings.TrimSpace(server))
	if err != nil || want.Host == "" {
		return DataCenter{}, false
	}
	for _, dc := range d.list {
		have, err := url.Parse(dc.AccountsServer)
		if err == nil && strings.EqualFold(have.Host, want.Host) && strings.EqualFold(have.Scheme, want.Scheme) {
			return dc, true
		}
	}
	return DataCenter{}, false
}

// Describe names the data center of an accounts server for messages: its ID
// when it is a known one ("EU"), else the URL itself.
func (d DataCenters) Describe(server string) string {
	if dc, ok := d.ByAccountsServer(server); ok {
		return dc.ID
	}
	return server
}

// Sorted returns the IDs sorted alphabetically; used for stable completion.
func (d DataCenters) Sorted() []string {
	ids := d.IDs()
	sort.Strings(ids)
	return ids
}

// ValidateServerURL accepts an absolute http(s) URL with a host and nothing
// after the host but an optional slash. Plain http is allowed only for
// loopback hosts, which is what tests and the demo use.
func ValidateServerURL(s string) error {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a URL: use the form https://accounts.zoho.eu", s)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q has a path or query: give only the server, such as https://accounts.zoho.eu", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%q uses plain http: Zoho servers need https", s)
	default:
		return fmt.Errorf("%q must start with https://", s)
	}
}

// NormalizeServerURL trims spaces and a trailing slash.
func NormalizeServerURL(s string) string {
	return strings.TrimRight(strings.TrimSpace(s), "/")
}

// IsLoopbackHost reports whether host names this machine.
func IsLoopbackHost(host string) bool {
	switch strings.ToLower(host) {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return strings.HasPrefix(host, "127.")
}
