package model

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ClientType is the kind of client registered in Zoho's API Console.
type ClientType string

// The client types ztm can get a grant for.
const (
	// SelfClient is the console's one-per-account client: the user generates
	// a grant code in the console and pastes it; there is no redirect.
	SelfClient ClientType = "self"
	// ServerClient is a server-based client with a registered redirect URI.
	// A loopback redirect (http://localhost:PORT/...) lets ztm catch the code;
	// any other redirect means the user pastes the URL the browser lands on.
	ServerClient ClientType = "server"
	// NonBrowserClient uses Zoho's device flow: the user types a short code
	// on another device.
	NonBrowserClient ClientType = "device"
)

// ClientTypes lists every client type in the order the wizard offers them.
var ClientTypes = []ClientType{SelfClient, ServerClient, NonBrowserClient}

// ParseClientType accepts the stored names and the console's own labels.
func ParseClientType(s string) (ClientType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "self", "self-client", "self client", "selfclient":
		return SelfClient, nil
	case "server", "server-based", "server based", "web":
		return ServerClient, nil
	case "device", "non-browser", "nonbrowser", "non browser":
		return NonBrowserClient, nil
	}
	return "", fmt.Errorf("unknown client type %s: use self, server or device", Echo(s))
}

// Label is the console's name for the client type.
func (c ClientType) Label() string {
	switch c {
	case SelfClient:
		return "Self Client"
	case ServerClient:
		return "Server-based"
	case NonBrowserClient:
		return "Non-browser"
	}
	return string(c)
}

// Consent says who consents: one user for themselves, or an admin for the
// whole org (Zoho's /oauth/v2/org/auth).
type Consent string

// The two kinds of consent.
const (
	UserConsent Consent = "user"
	OrgConsent  Consent = "org"
)

// ParseConsent accepts "user" or "org"; empty means user.
func ParseConsent(s string) (Consent, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "user":
		return UserConsent, nil
	case "org", "organization", "organisation":
		return OrgConsent, nil
	}
	return "", fmt.Errorf("unknown consent %s: use user or org", Echo(s))
}

// GrantMethod is how the first grant is obtained; it follows from the
// client type and the redirect URI.
type GrantMethod string

// The four ways to get a grant.
const (
	GrantPasteCode  GrantMethod = "self"     // Self Client code pasted from the console
	GrantLoopback   GrantMethod = "loopback" // ztm catches the redirect on localhost
	GrantPasteURL   GrantMethod = "paste"    // user pastes the URL the browser landed on
	GrantDeviceFlow GrantMethod = "device"   // device flow for Non-browser clients
	// GrantClientCredentials is Zoho's client-credentials grant (Self Client
	// only): no consent and no refresh token; ztm asks again at expiry.
	GrantClientCredentials GrantMethod = "client-credentials"
)

// Environment says which kind of org a profile's tokens belong to. A CRM
// sandbox or developer org is a separate org with its own tokens and API
// host; a refresh token of one cannot be used for another.
type Environment string

// The environments Zoho offers; the empty value reads as production.
const (
	Production Environment = "production"
	Sandbox    Environment = "sandbox"
	Developer  Environment = "developer"
)

// Environments lists them in the order they are offered.
var Environments = []Environment{Production, Sandbox, Developer}

// ParseEnvironment accepts the three names; empty means production.
func ParseEnvironment(s string) (Environment, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "production", "prod":
		return Production, nil
	case "sandbox":
		return Sandbox, nil
	case "developer", "dev":
		return Developer, nil
	}
	return "", fmt.Errorf("unknown environment %s: use production, sandbox or developer", Echo(s))
}

// OrDefault is the environment, production when unset.
func (e Environment) OrDefault() Environment {
	if e == "" {
		return Production
	}
	return e
}

// Profile is one Zoho client and the tokens ztm keeps for it.
type Profile struct {
	ID   int64
	Name string
	// DC is a data-center ID ("US", "EU"...), or empty for a custom server.
	DC string
	// AccountsServer is where code exchange and every refresh go: the
	// accounts-server Zoho named on the redirect, not where consent started.
	AccountsServer string
	// APIDomain comes from the token response (api_domain).
	APIDomain    string
	ClientType   ClientType
	ClientID     string
	ClientSecret string
	RedirectURI  string
	Scopes       []string
	Consent      Consent
	// Account is the user's email or the org's name, when known.
	Account string
	Tags    []string
	Notes   string
	// KeepAlive asks a running TUI to refresh this profile shortly before
	// its access token expires.
	KeepAlive bool
	// Environment is production (the default), sandbox or developer.
	Environment Environment
	// ClientCredentials marks a Self Client profile whose tokens come from
	// the client-credentials grant: there is never a refresh token, and a
	// "refresh" asks for a new token with the client id and secret.
	ClientCredentials bool
	// SOID is the org a client-credentials token is for, as Zoho writes it
	// (ZohoCRM.<org id>); empty for products that need none.
	SOID      string
	CreatedAt time.Time
	UpdatedAt time.Time
	// Token is nil until the first successful exchange.
	Token *Token
}

// GrantMethod derives how this profile gets a grant.
func (p Profile) GrantMethod() GrantMethod {
	if p.ClientCredentials {
		return GrantClientCredentials
	}
	switch p.ClientType {
	case SelfClient:
		return GrantPasteCode
	case NonBrowserClient:
		return GrantDeviceFlow
	}
	if _, _, ok := LoopbackRedirect(p.RedirectURI); ok {
		return GrantLoopback
	}
	return GrantPasteURL
}

// Validate checks everything a profile needs before it can be saved.
func (p Profile) Validate() error {
	if err := ValidateName(p.Name); err != nil {
		return err
	}
	if err := ValidateServerURL(p.AccountsServer); err != nil {
		return fmt.Errorf("accounts server: %w", err)
	}
	if _, err := ParseClientType(string(p.ClientType)); err != nil {
		return err
	}
	if _, err := ParseConsent(string(p.Consent)); err != nil {
		return err
	}
	if err := ValidateClientID(p.ClientID); err != nil {
		return err
	}
	if err := ValidateClientSecret(p.ClientSecret); err != nil {
		return err
	}
	if p.ClientType == ServerClient {
		if err := ValidateRedirectURI(p.RedirectURI); err != nil {
			return err
		}
	}
	if err := ValidateScopes(p.Scopes); err != nil {
		return err
	}
	for _, t := range p.Tags {
		if err := ValidateTag(t); err != nil {
			return err
		}
	}
	return p.validateRest()
}

// ValidateName enforces profile names that are safe to type in a shell:
// 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or
// digit.
func ValidateName(name string) error {
	if name == "" {
		return fmt.Errorf("the profile needs a name, such as crm-eu or books-prod")
	}
	if !shaped(name, 1, 64, isAlnum, func(c byte) bool { return isAlnum(c) || strings.IndexByte("._@-", c) >= 0 }) {
		return fmt.Errorf("profile name %s: use 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit", Echo(name))
	}
	return nil
}

// ValidateTag enforces short tags without spaces or commas.
func ValidateTag(tag string) error {
	if !shaped(tag, 1, 32, isAlnum, func(c byte) bool { return isAlnum(c) || strings.IndexByte("._-", c) >= 0 }) {
		return fmt.Errorf("tag %s: use up to 32 letters, digits, '.', '_' or '-'", Echo(tag))
	}
	return nil
}

// ParseTags splits a comma- or space-separated list, trimming and dropping
// duplicates.
func ParseTags(s string) ([]string, error) {
	var tags []string
	seen := map[string]bool{}
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if seen[t] {
			continue
		}
		if err := ValidateTag(t); err != nil {
			return nil, err
		}
		seen[t] = true
		tags = append(tags, t)
	}
	return tags, nil
}

// ValidateClientID checks the shape of a console client id: four digits, a
// dot and an upper-case alphanumeric string (1000.XXXXXXXX...).
func ValidateClientID(id string) error {
	if id == "" {
		return fmt.Errorf("the client id is empty: copy it from the API Console (it looks like 1000.XXXXXXXX)")
	}
	if !LooksLikeClientID(id) {
		return fmt.Errorf("%q does not look like a Zoho client id, which looks like 1000.XXXXXXXX: copy it again from the API Console", Redact(id))
	}
	return nil
}

// LooksLikeClientID reports whether id has the shape of a console client
// id: four digits, a dot, 10 to 64 letters and digits.
func LooksLikeClientID(id string) bool {
	return len(id) > 5 && id[4] == '.' && shaped(id[:4], 4, 4, isDigit, isDigit) &&
		shaped(id[5:], 10, 64, isAlnum, isAlnum)
}

// ValidateClientSecret rejects an empty secret or one with inner spaces.
func ValidateClientSecret(secret string) error {
	if secret == "" {
		return fmt.Errorf("the client secret is empty: copy it from the API Console, next to the client id")
	}
	if len(secret) > MaxSecret {
		return fmt.Errorf("the client secret is too long (%d bytes, at most %d): copy only the secret from the API Console", len(secret), MaxSecret)
	}
	if strings.ContainsAny(secret, " \t\r\n") {
		return fmt.Errorf("the client secret contains spaces: copy it again from the API Console")
	}
	return nil
}

// ValidateRedirectURI requires an absolute http(s) URL without a fragment.
func ValidateRedirectURI(uri string) error {
	if uri == "" {
		return fmt.Errorf("a server-based client needs its redirect URI, exactly as registered in the API Console")
	}
	if len(uri) > MaxURL {
		return fmt.Errorf("redirect URI %s is too long (at most %d bytes): copy it again from the API Console", Echo(uri), MaxURL)
	}
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("redirect URI %s must be an absolute http(s) URL, such as http://localhost:8765/callback", Echo(uri))
	}
	if u.User != nil {
		return fmt.Errorf("redirect URI %s has a user part before '@', so Zoho would send the code to %s: copy it again from the API Console", Echo(uri), Echo(u.Hostname()))
	}
	if u.Fragment != "" || strings.Contains(uri, "#") {
		return fmt.Errorf("redirect URI %s must not have a #fragment", Echo(uri))
	}
	if u.Scheme == "http" && !IsLoopbackHost(u.Hostname()) {
		return fmt.Errorf("redirect URI %s uses plain http on a public host: use https, or http://localhost:PORT/PATH", Echo(uri))
	}
	return nil
}

// LoopbackRedirect reports whether uri is a redirect ztm can catch itself:
// http on localhost (or 127.0.0.1) with an explicit port. It returns the
// port and the path to serve.
func LoopbackRedirect(uri string) (port int, path string, ok bool) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || !IsLoopbackHost(u.Hostname()) {
		return 0, "", false
	}
	port, err = strconv.Atoi(u.Port())
	if err != nil || port <= 0 || port > 65535 {
		return 0, "", false
	}
	path = u.Path
	if path == "" {
		path = "/"
	}
	return port, path, true
}

// CleanPasted trims what terminals and chat apps add around a pasted value:
// spaces, newlines and matching quotes or angle brackets.
func CleanPasted(s string) string {
	s = strings.TrimSpace(s)
	for len(s) >= 2 {
		first, last := s[0], s[len(s)-1]
		if (first == '"' && last == '"') || (first == '\'' && last == '\'') ||
			(first == '<' && last == '>') || (first == '`' && last == '`') {
			s = strings.TrimSpace(s[1 : len(s)-1])
			continue
		}
		break
	}
	return s
}
