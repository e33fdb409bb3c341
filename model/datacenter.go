package model

import (
	"encoding/json"
	"fmt"
	"net/netip"
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
	// Unconfirmed names the fields, by their JSON names ("accounts_server",
	// "api_console", "api_domain"), that no Zoho page confirms yet, so the
	// faces can say so when they show them.
	Unconfirmed []string `json:"unconfirmed,omitempty"`
}

// Confirmed reports whether a Zoho page confirms field (a JSON name such as
// "api_console"); see [DataCenter.Unconfirmed].
func (dc DataCenter) Confirmed(field string) bool {
	for _, f := range dc.Unconfirmed {
		if f == field {
			return false
		}
	}
	return true
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
	if n.Unconfirmed != nil {
		old.Unconfirmed = n.Unconfirmed
	}
	return old
}

func (dc DataCenter) validate() error {
	for _, f := range dc.Unconfirmed {
		if f != "accounts_server" && f != "api_console" && f != "api_domain" {
			return fmt.Errorf("data center %s: unconfirmed names %s: use accounts_server, api_console or api_domain", dc.ID, Echo(f))
		}
	}
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
	out := append([]DataCenter(nil), d.list...)
	for i := range out {
		out[i].Unconfirmed = append([]string(nil), out[i].Unconfirmed...)
	}
	return out
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
//
// A user part is refused: in https://accounts.zoho.eu@evil.example the
// host is evil.example, and the form carrying the client secret would go
// there. A query or fragment, even an empty one, is refused as well: a
// server URL has none, and a URL with one was not meant as a server.
func ValidateServerURL(s string) error {
	s = strings.TrimSpace(s)
	if len(s) > MaxURL {
		return fmt.Errorf("%s is too long for a server URL: give only the server, such as https://accounts.zoho.eu", Echo(s))
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%s is not a URL: use the form https://accounts.zoho.eu", Echo(s))
	}
	if u.User != nil || strings.Contains(u.Host, "@") {
		return fmt.Errorf("%s has a user part before '@', so it would send requests to %s: give only the server, such as https://accounts.zoho.eu", Echo(s), Echo(u.Hostname()))
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(s, "?#") {
		return fmt.Errorf("%s has a path, query or fragment: give only the server, such as https://accounts.zoho.eu", Echo(s))
	}
	if !validHost(u.Hostname()) {
		return fmt.Errorf("%s does not name a valid host: use the form https://accounts.zoho.eu", Echo(s))
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%s uses plain http: Zoho servers need https", Echo(s))
	default:
		return fmt.Errorf("%s must start with https://", Echo(s))
	}
}

// validHost accepts a DNS name of letters, digits, '-' and '.', or an IP
// address literal.
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !isAlnum(c) && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// NormalizeServerURL trims spaces and a trailing slash.
func NormalizeServerURL(s string) string {
	return strings.TrimRight(strings.TrimSpace(s), "/")
}

// IsLoopbackHost reports whether host names this machine: the literal
// name localhost, an IPv4 address in 127.0.0.0/8, or ::1. Names are not
// matched by prefix: 127.attacker.example is a public host.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if err != nil || addr.Zone() != "" {
		return false
	}
	return addr.Is4() && addr.IsLoopback() || addr == netip.IPv6Loopback()
}
