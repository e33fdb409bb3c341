package oauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ztm/model"
)

// DefaultTimeout bounds every request to Zoho, from dialling to the last
// byte of the answer.
const DefaultTimeout = 20 * time.Second

// maxBody caps what is read of an answer; Zoho's are a few hundred bytes.
const maxBody = 1 << 20

// Client talks to Zoho's accounts servers. Every field may be replaced,
// which is how tests control the network, the clock and randomness; a zero
// field falls back to the default NewClient would set.
//
// A Client holds no state between calls, apart from the clock skew its
// [SkewMeter] measured last, and is safe for concurrent use.
// It never retries: Zoho allows only 10 refreshes per 10 minutes per
// refresh token, and an automatic retry could spend that budget on a
// request that had in fact succeeded.
type Client struct {
	// HTTP sends the requests. The default does not follow redirects, so a
	// form carrying the client secret is never re-posted elsewhere.
	HTTP *http.Client
	// Timeout bounds each request (through its context).
	Timeout time.Duration
	// Now is the clock used to stamp tokens and check device-code expiry.
	Now func() time.Time
	// Rand is the source for state and PKCE verifiers.
	Rand io.Reader
	// Sleep waits between device-flow polls; it returns early with the
	// context's error.
	Sleep func(ctx context.Context, d time.Duration) error
	// DCs names data centers in messages and resolves the `location` of a
	// redirect or the `user_location` of a device poll.
	DCs model.DataCenters
	// Trusted lists accounts servers trusted beyond DCs: Zoho's own server
	// list, when a face has fetched it with [Client.ServerInfo]. See
	// [TrustAccountsServer].
	Trusted []string
	// Skew measures the clock skew from the Date header of token answers;
	// nil measures nothing. See [SkewMeter].
	Skew *SkewMeter
}

// NewClient returns a Client with safe defaults: its own HTTP client that
// honours the proxy environment and follows no redirects, a 20 s timeout
// per request, the wall clock and crypto/rand.
func NewClient(dcs model.DataCenters) *Client {
	return &Client{
		HTTP:    defaultHTTPClient(),
		Timeout: DefaultTimeout,
		Now:     time.Now,
		Rand:    rand.Reader,
		Sleep:   sleepContext,
		DCs:     dcs,
		Skew:    &SkewMeter{},
	}
}

func defaultHTTPClient() *http.Client {
	return &http.Client{
		Transport: http.DefaultTransport.(*http.Transport).Clone(),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTPClient()
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) random() io.Reader {
	if c.Rand != nil {
		return c.Rand
	}
	return rand.Reader
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return sleepContext(ctx, d)
}

// profileDC names the data center the profile chose, for messages.
func (c *Client) profileDC(p model.Profile) string {
	if p.DC != "" {
		return strings.ToUpper(p.DC)
	}
	return c.DCs.Describe(p.AccountsServer)
}

// call is one request: what, where, and the secrets it carries (so any
// text from the answer can be scrubbed of them).
type call struct {
	op      string
	server  string // accounts server URL
	path    string
	form    url.Values // POST body; nil means GET
	query   url.Values // URL query; only the older revoke form has one
	auth    string     // access token for the Authorization header
	basic   [2]string  // client id and secret for HTTP Basic, if set
	secrets []string
	dc      string // the profile's data center, for messages
	movedTo string // server's data center when a redirect or other_dc moved the flow there
}

// answer is what came back.
type answer struct {
	status      int
	contentType string
	body        []byte
}

// do sends one request and reads the answer. A failure to get an answer
// becomes a *NetworkError; a cancelled parent context is returned as is.
func (c *Client) do(ctx context.Context, k call) (answer, error) {
	if err := model.ValidateServerURL(k.server); err != nil {
		return answer{}, fmt.Errorf("%s: accounts server: %w", opLabel(k.op), err)
	}
	endpoint := model.NormalizeServerURL(k.server) + k.path
	if k.query != nil {
		endpoint += "?" + k.query.Encode()
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()

	method, body := http.MethodGet, io.Reader(nil)
	if k.form != nil {
		method, body = http.MethodPost, strings.NewReader(k.form.Encode())
	}
	req, err := http.NewRequestWithContext(rctx, method, endpoint, body)
	if err != nil {
		// The error would quote the URL, and the older revoke form carries
		// a token in it.
		return answer{}, fmt.Errorf("%s: cannot build a request to %s", opLabel(k.op), hostOf(k.server))
	}
	if k.form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ztm")
	if k.auth != "" {
		req.Header.Set("Authorization", "Zoho-oauthtoken "+k.auth)
	}
	if k.basic[0] != "" {
		req.SetBasicAuth(k.basic[0], k.basic[1])
	}

	resp, err := c.httpClient().Do(req)
	if err != nil {
		return answer{}, c.netErr(ctx, k, err)
	}
	defer resp.Body.Close()
	if k.path == "/oauth/v2/token" {
		c.Skew.Observe(resp.Header.Get("Date"), c.now())
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return answer{}, c.netErr(ctx, k, err)
	}
	return answer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: data}, nil
}

// netErr classifies a transport failure. The URL of a *url.Error is
// dropped: it holds no secret (secrets travel in bodies and headers), but
// the sentence reads better with the host alone.
func (c *Client) netErr(ctx context.Context, k call, err error) error {
	if ctx.Err() != nil {
		// The caller gave up (Ctrl-C, a closed screen): not the network's fault.
		return fmt.Errorf("%s: %w", opLabel(k.op), ctx.Err())
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &NetworkError{Op: k.op, Server: hostOf(k.server), Err: err, timeout: c.timeout()}
}

// movedTo names server's data center when it is not the profile's own
// accounts server, for the wrong-DC sentence of invalid_client.
func (c *Client) movedTo(p model.Profile, server string) string {
	if sameServer(server, p.AccountsServer) {
		return ""
	}
	return c.DCs.Describe(server)
}

func opLabel(op string) string {
	if l, ok := opLabels[op]; ok {
		return l
	}
	return op
}

func hostOf(server string) string {
	u, err := url.Parse(strings.TrimSpace(server))
	if err != nil || u.Host == "" {
		return server
	}
	return u.Host
}

// zohoError is the part of every Zoho answer that says what went wrong.
type zohoError struct {
	Error       looseString `json:"error"`
	Description looseString `json:"error_description"`
	Status      looseString `json:"status"`
	Code        looseString `json:"code"`
	Message     looseString `json:"message"`
}

// check turns an answer that is not a success into an *Error. It returns
// nil for a 2xx JSON body without an `error`; the caller then decodes it.
func (c *Client) check(k call, a answer) error {
	e := classify(a.status, a.contentType, a.body)
	if e == nil {
		return nil
	}
	e.Op = k.op
	e.Server = model.NormalizeServerURL(k.server)
	e.DC = k.dc
	e.answeredBy = k.movedTo
	e.Code = scrub(e.Code, k.secrets)
	e.Description = scrub(e.Description, k.secrets)
	return e
}

// classify reads an answer's error, if any, without knowing the request.
// HTTP status 0 means "unknown" (the body alone is judged).
func classify(status int, contentType string, body []byte) *Error {
	if looksHTML(contentType, body) {
		return &Error{Code: CodeHTMLPage, Status: status}
	}
	var z zohoError
	if err := json.Unmarshal(body, &z); err != nil {
		if status != 0 && (status < 200 || status > 299) {
			return &Error{Code: CodeHTTPStatus, Status: status}
		}
		return &Error{Code: CodeBadResponse, Status: status, Description: "not JSON"}
	}
	code := strings.TrimSpace(string(z.Error))
	if code == "" && status >= 400 {
		code = strings.TrimSpace(string(z.Code)) // user info answers with "code"
	}
	desc := string(z.Description)
	if desc == "" {
		desc = string(z.Message)
	}
	switch {
	case isThrottle(status, code, string(z.Status)):
		return &Error{Code: CodeThrottled, Status: status, Description: desc}
	case code != "":
		return &Error{Code: code, Status: status, Description: desc}
	case status != 0 && (status < 200 || status > 299):
		return &Error{Code: CodeHTTPStatus, Status: status, Description: desc}
	}
	return nil
}

// isThrottle recognises Zoho's throttling answer by its shape, since its
// words may be localized: an `error` that is a phrase rather than a
// snake_case code, with `"status":"failure"` or HTTP 400. HTTP 429 counts
// too.
func isThrottle(status int, code, zstatus string) bool {
	if status == http.StatusTooManyRequests {
		return true
	}
	failure := strings.EqualFold(strings.TrimSpace(zstatus), "failure") || status == http.StatusBadRequest
	return code != "" && failure && !isCodeWord(code)
}

func isCodeWord(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return s != ""
}

func looksHTML(contentType string, body []byte) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && (mt == "text/html" || mt == "application/xhtml+xml") {
		return true
	}
	return bytes.HasPrefix(bytes.TrimSpace(body), []byte("<"))
}

// looseString accepts a JSON string, number, boolean or null, so an
// unexpected type in an error field cannot hide the error itself.
type looseString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *looseString) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = looseString(str)
		return nil
	}
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*s = ""
		return nil
	}
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		*s = ""
		return nil
	}
	*s = looseString(b)
	return nil
}
