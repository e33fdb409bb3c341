package oauth

import (
	"net/url"
	"strings"

	"ztm/model"
)

// ProductOf says which product an API URL belongs to, from its host and
// path: a desk.* host is Desk; a path under /crm/ is CRM, under /books/ (or
// a books.* host) Books; /oauth/user/info is Accounts; /api/v1/ elsewhere
// is Desk (a fake serves every product on one host).
func ProductOf(u *url.URL) (Product, bool) {
	host := strings.ToLower(u.Hostname())
	path := u.Path
	switch {
	case strings.HasPrefix(host, "desk."):
		return Desk, true
	case strings.HasPrefix(path, "/crm/"):
		return CRM, true
	case strings.HasPrefix(path, "/books/"), strings.HasPrefix(host, "books."):
		return Books, true
	case path == "/oauth/user/info":
		return Accounts, true
	case strings.HasPrefix(path, "/api/v1/"):
		return Desk, true
	}
	return "", false
}

// Probe is a cheap call that proves an access token works.
type Probe struct {
	Product Product
	Method  string
	// URL is absolute, on the profile's host for that product.
	URL string
}

// probePaths are the cheapest calls per product.
var probePaths = map[Product]string{
	CRM:      "/crm/v8/org",
	Books:    "/books/v3/organizations",
	Desk:     "/api/v1/organizations",
	Accounts: "/oauth/user/info",
}

// scopeProducts maps a scope's service to its product.
var scopeProducts = map[string]Product{
	"zohocrm":   CRM,
	"zohobooks": Books,
	"desk":      Desk,
	"aaaserver": Accounts,
}

// LivenessProbe picks the cheap call that proves p's access token works:
// the product of the first of p's scopes that has one (CRM GET
// /crm/v8/org, Books GET /books/v3/organizations, Desk GET
// /api/v1/organizations on the Desk host, Accounts GET /oauth/user/info
// when the scope allows it). A refusal for a missing scope still proves
// the token alive; only [APIVerdict.DeadToken] says it is not. ok is false
// when no scope names such a product or the host is not known yet (no
// api_domain before the first token).
func LivenessProbe(p model.Profile) (Probe, bool) {
	for _, s := range p.Scopes {
		service, _, _ := strings.Cut(s, ".")
		prod, ok := scopeProducts[strings.ToLower(service)]
		if !ok || prod == Accounts && !CanReadUserInfo(p.Scopes) {
			continue
		}
		base := productBase(p, prod)
		if base == "" {
			return Probe{}, false
		}
		return Probe{Product: prod, Method: "GET", URL: base + probePaths[prod]}, true
	}
	return Probe{}, false
}

// productBase is the base URL of a product's API for p.
func productBase(p model.Profile, prod Product) string {
	switch prod {
	case Accounts:
		if model.ValidateServerURL(p.AccountsServer) != nil {
			return ""
		}
		return model.NormalizeServerURL(p.AccountsServer)
	case Desk:
		if u, err := url.Parse(model.NormalizeServerURL(p.AccountsServer)); err == nil && model.ValidateServerURL(p.AccountsServer) == nil {
			if h, ok := deskHost(u.Host); ok {
				return u.Scheme + "://" + h
			}
		}
	}
	return model.APIBase(p)
}

// deskHost turns an accounts host into Desk's: accounts.zoho.eu ->
// desk.zoho.eu, accounts.zohocloud.ca -> desk.zohocloud.ca.
func deskHost(accountsHost string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.ToLower(accountsHost), "accounts.")
	if !ok {
		return "", false
	}
	return "desk." + rest, true
}

// APIHosts lists the hosts that count as Zoho's for p: its api_domain's
// host and the sandbox and developer hosts beside it, the same for the
// table's API domain of p's data center, its accounts server and the Desk
// host. A request to any other host is refused before a token is read.
func APIHosts(p model.Profile, dcs model.DataCenters) []string {
	var hosts []string
	seen := map[string]bool{}
	add := func(h string) {
		if h = normalHost(h); h != "" && !seen[h] {
			seen[h] = true
			hosts = append(hosts, h)
		}
	}
	domains := []string{p.APIDomain}
	accounts := []string{p.AccountsServer}
	dc, ok := dcs.ByID(p.DC)
	if !ok {
		dc, ok = dcs.ByAccountsServer(p.AccountsServer)
	}
	if ok {
		domains = append(domains, dc.APIDomain)
		accounts = append(accounts, dc.AccountsServer)
	}
	for _, d := range domains {
		for _, env := range model.Environments {
			add(model.APIHost(model.Profile{APIDomain: d, Environment: env}))
		}
	}
	for _, a := range accounts {
		if model.ValidateServerURL(a) != nil {
			continue
		}
		if u, err := url.Parse(model.NormalizeServerURL(a)); err == nil {
			add(u.Host)
			if h, ok := deskHost(u.Host); ok {
				add(h)
			}
		}
	}
	return hosts
}

// IsZohoAPIHost reports whether host (a URL's Host, port and all) is one
// of [APIHosts] for p.
func IsZohoAPIHost(p model.Profile, dcs model.DataCenters, host string) bool {
	h := normalHost(host)
	for _, ok := range APIHosts(p, dcs) {
		if h != "" && h == ok {
			return true
		}
	}
	return false
}

// normalHost lower-cases a host and drops the https default port.
func normalHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ":443")
}
