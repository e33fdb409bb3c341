package model

import (
	"net/url"
	"strings"
)

// APIHost is the host a profile's API calls go to: the host of its
// api_domain for production, and for a sandbox or developer org the
// environment's own host derived from it (www.zohoapis.eu becomes
// sandbox.zohoapis.eu or developer.zohoapis.eu). It is empty when the
// profile has no api_domain yet (before its first token). A host that is
// not one of Zoho's (a loopback fake) is returned unchanged.
func APIHost(p Profile) string {
	u, ok := apiDomainURL(p)
	if !ok {
		return ""
	}
	return environmentHost(u.Host, p.Environment)
}

// APIBase is [APIHost] with the api_domain's scheme: the base URL API
// paths are appended to ("https://sandbox.zohoapis.eu").
func APIBase(p Profile) string {
	u, ok := apiDomainURL(p)
	if !ok {
		return ""
	}
	return u.Scheme + "://" + environmentHost(u.Host, p.Environment)
}

func apiDomainURL(p Profile) (*url.URL, bool) {
	if p.APIDomain == "" || ValidateServerURL(p.APIDomain) != nil {
		return nil, false
	}
	u, err := url.Parse(NormalizeServerURL(p.APIDomain))
	return u, err == nil
}

// environmentHost swaps the first label of a zohoapis host for the
// environment's: www.zohoapis.com.au -> sandbox.zohoapis.com.au.
func environmentHost(host string, env Environment) string {
	env = env.OrDefault()
	if env == Production {
		return host
	}
	lower := strings.ToLower(host)
	switch {
	case strings.HasPrefix(lower, "zohoapis."):
		return string(env) + "." + host
	case strings.Contains(lower, ".zohoapis."):
		_, rest, _ := strings.Cut(host, ".")
		return string(env) + "." + rest
	}
	return host
}
