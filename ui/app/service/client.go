package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"filippo.io/age"
)

// Environment variables of a token server's client.
const (
	EnvServer      = "ZTM_SERVER"
	EnvServerToken = "ZTM_SERVER_TOKEN"
)

// Client talks to the service: to a token server over HTTP(S) with a
// reader credential ([NewServerClient]), or to the agent over its socket
// ([NewAgentClient]). Its errors are [*Error] for an answer and wrap
// [ErrUnreachable] or [ErrNoAgent] when nothing answered; [ExitCode] maps
// them to the command line's exit codes.
type Client struct {
	base  string
	cred  string
	hc    *http.Client
	rt    http.RoundTripper // the agent's: used without an http.Client (see client_socket.go)
	agent bool
	vault string // the vault an agent must serve; empty: any
	where string // for messages: the URL or the socket
}

// ForVault makes an agent's client ask only for tokens of the vault at
// path: an agent serving another vault answers with an error wrapping
// [ErrNoAgent], so the command opens its vault as without an agent.
func (c *Client) ForVault(path string) *Client {
	c2 := *c
	c2.vault = path
	return &c2
}

// NewServerClient is a client of the token server at base (http:// or
// https://) with a reader credential. hc nil means a client with a 30 s
// timeout.
func NewServerClient(base, credential string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q: give the server's URL, e.g. https://tokens.example.com:8377", base)
	}
	if credential == "" {
		return nil, fmt.Errorf("%w: set %s to the credential ztm serve grant printed", ErrAuth, EnvServerToken)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: strings.TrimRight(base, "/"), cred: credential, hc: hc, where: base}, nil
}

// ServerFromEnv returns the server URL (flag first, then ZTM_SERVER) and
// the credential (ZTM_SERVER_TOKEN); an empty URL means use the vault.
func ServerFromEnv(flag string, getenv func(string) string) (base, credential string) {
	base = flag
	if base == "" {
		base = getenv(EnvServer)
	}
	return base, getenv(EnvServerToken)
}

// NewAgentClient is a client of the agent listening on socket.
func NewAgentClient(socket string) *Client {
	return &Client{base: "http://agent", rt: socketTransport{socket: socket}, agent: true, where: socket}
}

// Token asks for profile's access token, valid for at least minValid.
func (c *Client) Token(ctx context.Context, profile string, minValid time.Duration) (Token, error) {
	var t Token
	q := "/v1/token/" + url.PathEscape(profile)
	if minValid > 0 {
		q += "?min_valid=" + strconv.Itoa(int(minValid/time.Second))
	}
	err := c.do(ctx, http.MethodGet, q, nil, &t)
	return t, err
}

// Profiles lists the profiles the credential (or the agent's owner) may
// read.
func (c *Client) Profiles(ctx context.Context) ([]ProfileInfo, error) {
	var out struct {
		Profiles []ProfileInfo `json:"profiles"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/profiles", nil, &out)
	return out.Profiles, err
}

// Status asks the agent how it is; the error wraps [ErrNoAgent] when none
// runs.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.do(ctx, http.MethodGet, "/agent/status", nil, &st)
	return st, err
}

// Unlock hands the agent a passphrase; the agent unlocks the vault's key
// with it (one scrypt, in the agent) and keeps it.
func (c *Client) Unlock(ctx context.Context, passphrase string) (Status, error) {
	var st Status
	err := c.do(ctx, http.MethodPost, "/agent/unlock", unlockRequest{Passphrase: passphrase}, &st)
	return st, err
}

// Lock makes the agent forget its key.
func (c *Client) Lock(ctx context.Context) (Status, error) {
	var st Status
	err := c.do(ctx, http.MethodPost, "/agent/lock", nil, &st)
	return st, err
}

// Unwrap asks the agent for the file key of an age header's stanzas;
// the error is [age.ErrIncorrectIdentity] when its key does not open them.
func (c *Client) Unwrap(ctx context.Context, stanzas []*age.Stanza) ([]byte, error) {
	var out unwrapResponse
	err := c.do(ctx, http.MethodPost, "/agent/unwrap", unwrapRequest{Stanzas: stanzas}, &out)
	var e *Error
	if errors.As(err, &e) && e.Code == codeNoMatch {
		return nil, age.ErrIncorrectIdentity
	}
	return out.FileKey, err
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		defer clear(b)
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if c.cred != "" {
		req.Header.Set("Authorization", "Bearer "+c.cred)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.vault != "" {
		req.Header.Set(vaultHeader, c.vault)
	}
	var resp *http.Response
	if c.rt != nil {
		resp, err = c.rt.RoundTrip(req)
	} else {
		resp, err = c.hc.Do(req)
	}
	if err != nil {
		return c.unreachable(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return c.unreachable(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		var eb errorBody
		if json.Unmarshal(data, &eb) != nil || eb.Code == "" {
			return &Error{Status: resp.StatusCode, Code: CodeUnavailable,
				Message: fmt.Sprintf("%s answered HTTP %d without a ztm error: is it a ztm token server?", c.where, resp.StatusCode)}
		}
		if eb.Code == codeOtherVault {
			return fmt.Errorf("%w for this vault: %s", ErrNoAgent, eb.Error)
		}
		return &Error{Status: resp.StatusCode, Code: eb.Code, Message: eb.Error}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: %s answered something that is not ztm's JSON: is it a ztm token server?", ErrUnreachable, c.where)
	}
	return nil
}

// unreachable words a failure to talk to the service; it never includes
// the request, which carries the credential.
func (c *Client) unreachable(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if c.agent && (errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED)) {
		return fmt.Errorf("%w on %s: run ztm unlock to start one", ErrNoAgent, c.where)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if c.agent {
		return fmt.Errorf("%w: the agent on %s did not answer (%v)", ErrUnreachable, c.where, err)
	}
	return fmt.Errorf("%w: cannot reach the token server %s (%v); check the URL and that it runs", ErrUnreachable, c.where, err)
}
