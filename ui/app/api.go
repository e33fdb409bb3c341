package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ztm/model"
	"ztm/oauth"
)

// TokenSource hands out access tokens for API calls. The vault
// ([Session.APITokens]), the agent and a token server are all one, so
// `ztm api` reads the same whichever holds the key.
type TokenSource interface {
	// Target is the profile as far as choosing a host needs it (name, DC,
	// accounts server, api_domain, environment), without its token: a
	// request to a foreign host is refused before any token is read.
	Target(ctx context.Context, profile string) (model.Profile, error)
	// Token is an access token valid for at least minValid.
	Token(ctx context.Context, profile string, minValid time.Duration) (string, error)
	// Renew is called when Zoho answered refused as a dead token: it
	// refreshes once, unless the token stored meanwhile is already another
	// one, and returns the token to retry with.
	Renew(ctx context.Context, profile, refused string) (string, error)
}

// APIMinValid is how long a token must stay valid to start an API call
// with it: long enough for a slow call or a few pages.
const APIMinValid = 2 * time.Minute

// maxErrorBody bounds what is read of an error answer to classify it.
const maxErrorBody = 64 << 10

// ErrForeignHost means a full URL named a host that is not one of Zoho's
// API hosts for the profile: the token is never sent there.
var ErrForeignHost = errors.New("not a Zoho API host")

// APIRequest is one authenticated call of a Zoho product API.
type APIRequest struct {
	// Profile names the profile whose token is sent.
	Profile string
	// Method is the HTTP method; empty means GET.
	Method string
	// Target is a path on the profile's api_domain ("/crm/v8/org", with
	// a query if any) or a full URL on one of its Zoho API hosts
	// ([oauth.APIHosts]: Desk and others live on their own).
	Target string
	// Header is sent as given, except Authorization, which is ztm's.
	Header http.Header
	// Body, when not nil, opens the request body; it is called again for
	// the one retry after a dead token, so it must start over each time.
	Body func() (io.ReadCloser, error)
}

// APIResponse is Zoho's answer. The caller reads and closes Body.
type APIResponse struct {
	Status int
	Header http.Header
	Body   io.ReadCloser
	// URL is where the request went.
	URL *url.URL
	// Product is the product the URL belongs to, when ztm knows it.
	Product oauth.Product
	// Verdict explains an error status (empty for a success or an error
	// ztm does not know).
	Verdict oauth.APIVerdict
	// Renewed says the first answer was a dead token, the token was
	// refreshed and the call sent again.
	Renewed bool
}

// APIClient calls Zoho's product APIs with tokens from a [TokenSource].
type APIClient struct {
	Tokens TokenSource
	// DCs is the data-center table, for the hosts a profile may reach.
	DCs model.DataCenters
	// HTTP sends the calls; nil means a client that follows no redirect
	// (a redirect would carry the token to wherever it points).
	HTTP *http.Client
}

// ResolveTarget turns a path or URL into the URL to call for p, refusing
// any host that is not one of p's Zoho API hosts.
func ResolveTarget(p model.Profile, dcs model.DataCenters, target string) (*url.URL, error) {
	if strings.HasPrefix(target, "/") {
		base := model.APIBase(p)
		if base == "" {
			return nil, fmt.Errorf("%s has no API domain yet: get its first token (ztm refresh %s), or give a full URL", p.Name, p.Name)
		}
		return url.Parse(base + target)
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("%q is neither a path (/crm/v8/org) nor a URL (https://desk.zoho.eu/api/v1/tickets)", model.Echo(target))
	}
	if u.User != nil || !oauth.IsZohoAPIHost(p, dcs, u.Host) {
		return nil, fmt.Errorf("%w: %s is not one of %s's Zoho API hosts (%s); ztm sends tokens only to Zoho", ErrForeignHost,
			model.Echo(u.Host), p.Name, strings.Join(oauth.APIHosts(p, dcs), ", "))
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("%w: %s over plain http would show the token to the network; use https", ErrForeignHost, model.Echo(u.Host))
	}
	return u, nil
}

// PrecheckTarget refuses a full URL whose host belongs to no data center
// of the table, before the vault is even opened; the profile's own hosts
// are checked again by [ResolveTarget] once the profile is known.
func PrecheckTarget(dcs model.DataCenters, target string) error {
	if strings.HasPrefix(target, "/") {
		return nil
	}
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is neither a path (/crm/v8/org) nor a URL (https://desk.zoho.eu/api/v1/tickets)", model.Echo(target))
	}
	for _, dc := range dcs.All() {
		p := model.Profile{DC: dc.ID, AccountsServer: dc.AccountsServer, APIDomain: dc.APIDomain}
		if oauth.IsZohoAPIHost(p, dcs, u.Host) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s belongs to no Zoho data center; ztm sends tokens only to Zoho (a new data center goes in ZTM_DATACENTERS)",
		ErrForeignHost, model.Echo(u.Host))
}

func isLoopbackHost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1"
}

// Do sends req with the profile's token. A 401 that means a dead token
// (oauth.ClassifyAPIError) is answered by one refresh and one retry,
// never more; any other answer is returned as Zoho sent it.
func (c *APIClient) Do(ctx context.Context, req APIRequest) (*APIResponse, error) {
	if err := PrecheckTarget(c.DCs, req.Target); err != nil {
		return nil, err
	}
	p, err := c.Tokens.Target(ctx, req.Profile)
	if err != nil {
		return nil, err
	}
	u, err := ResolveTarget(p, c.DCs, req.Target)
	if err != nil {
		return nil, err
	}
	return c.send(ctx, req, u)
}

// send calls u with a token, renewing it once on a dead-token answer.
func (c *APIClient) send(ctx context.Context, req APIRequest, u *url.URL) (*APIResponse, error) {
	tok, err := c.Tokens.Token(ctx, req.Profile, APIMinValid)
	if err != nil {
		return nil, err
	}
	prod, _ := oauth.ProductOf(u)
	out, err := c.once(ctx, req, u, tok, prod)
	if err != nil || out.Status != http.StatusUnauthorized || !out.Verdict.DeadToken {
		return out, err
	}
	out.Body.Close()
	tok, err = c.Tokens.Renew(ctx, req.Profile, tok)
	if err != nil {
		return nil, fmt.Errorf("%s refused the token as dead, and a new one could not be had: %w", prod, err)
	}
	out, err = c.once(ctx, req, u, tok, prod)
	if out != nil {
		out.Renewed = true
	}
	return out, err
}

// once sends one request; an error status's body is read (bounded) to
// classify it and handed back as a fresh reader.
func (c *APIClient) once(ctx context.Context, req APIRequest, u *url.URL, tok string, prod oauth.Product) (*APIResponse, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.ReadCloser
	if req.Body != nil {
		b, err := req.Body()
		if err != nil {
			return nil, err
		}
		body = b
	}
	hr, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		if body != nil {
			body.Close()
		}
		return nil, err
	}
	for k, vs := range req.Header {
		hr.Header[http.CanonicalHeaderKey(k)] = vs
	}
	hr.Header.Set("Authorization", "Zoho-oauthtoken "+tok)
	resp, err := c.client().Do(hr)
	if err != nil {
		return nil, networkError(u, err)
	}
	out := &APIResponse{Status: resp.StatusCode, Header: resp.Header, Body: resp.Body, URL: u, Product: prod}
	if resp.StatusCode < 400 || prod == "" {
		return out, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	rest := resp.Body
	if err != nil {
		rest.Close()
		return nil, networkError(u, err)
	}
	out.Verdict = oauth.ClassifyAPIError(prod, resp.StatusCode, data)
	out.Body = readCloser{io.MultiReader(bytes.NewReader(data), rest), rest}
	return out, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

func (c *APIClient) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{
		Timeout:       5 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// networkError words a failed call without the request, which carries
// the token in its header (url.Error quotes only the URL).
func networkError(u *url.URL, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.Canceled) {
		return context.Canceled
	}
	return &oauth.NetworkError{Op: "call", Server: u.Host, Err: err}
}
