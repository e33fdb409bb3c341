package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"ztm/model"
)

// Device-flow defaults when Zoho's answer leaves a value out.
const (
	// DefaultDeviceInterval is RFC 8628's default polling interval.
	DefaultDeviceInterval = 5 * time.Second
	// DefaultDeviceLifetime is how long Zoho keeps a user code.
	DefaultDeviceLifetime = 5 * time.Minute
	// slowDownStep is what RFC 8628 adds to the interval on slow_down.
	slowDownStep = 5 * time.Second
)

// DeviceCode is the start of a device-flow sign-in: show UserCode and
// VerificationURL to the user, then call [Client.PollDevice].
type DeviceCode struct {
	// UserCode is what the user types on the verification page.
	UserCode string
	// DeviceCode identifies this sign-in when polling; it is a secret.
	DeviceCode string
	// VerificationURL is the page where the user enters UserCode.
	VerificationURL string
	// ExpiresAt is when UserCode stops working (about 5 minutes).
	ExpiresAt time.Time
	// Interval is the shortest wait between polls.
	Interval time.Duration
	// AccountsServer is where the code was issued and polling starts.
	AccountsServer string
}

// DevicePoll reports one poll, for a progress line.
type DevicePoll struct {
	// Attempt counts polls from 1.
	Attempt int
	// Status is Zoho's answer: "authorization_pending", "slow_down" or
	// "other_dc".
	Status string
	// Next is the wait before the next poll.
	Next time.Duration
	// AccountsServer is where the next poll goes (it changes on other_dc).
	AccountsServer string
}

type deviceCodeJSON struct {
	UserCode        looseString `json:"user_code"`
	DeviceCode      looseString `json:"device_code"`
	VerificationURL looseString `json:"verification_url"`
	VerificationURI looseString `json:"verification_uri"`
	ExpiresIn       looseNumber `json:"expires_in"`
	Interval        looseNumber `json:"interval"`
}

// StartDevice asks the profile's accounts server for a user code, with
// offline access and prompt=consent so the grant carries a refresh token.
func (c *Client) StartDevice(ctx context.Context, p model.Profile) (DeviceCode, error) {
	form := url.Values{
		"grant_type":  {"device_request"},
		"client_id":   {p.ClientID},
		"scope":       {model.JoinScopes(p.Scopes)},
		"access_type": {"offline"},
		"prompt":      {"consent"},
	}
	k := call{op: "device", server: p.AccountsServer, path: "/oauth/v3/device/code", form: form, dc: c.profileDC(p)}
	a, err := c.do(ctx, k)
	if err != nil {
		return DeviceCode{}, err
	}
	if err := c.check(k, a); err != nil {
		return DeviceCode{}, err
	}
	var d deviceCodeJSON
	if err := json.Unmarshal(a.body, &d); err != nil || d.UserCode == "" || d.DeviceCode == "" {
		return DeviceCode{}, &Error{Op: "device", Code: CodeBadResponse, Status: a.status,
			Description: "no user_code or device_code", Server: model.NormalizeServerURL(k.server), DC: k.dc}
	}
	verify := string(d.VerificationURL)
	if verify == "" {
		verify = string(d.VerificationURI)
	}
	return DeviceCode{
		UserCode:        string(d.UserCode),
		DeviceCode:      string(d.DeviceCode),
		VerificationURL: verify,
		ExpiresAt:       c.now().Add(deviceDuration(d.ExpiresIn, DefaultDeviceLifetime, time.Hour)),
		Interval:        deviceDuration(d.Interval, DefaultDeviceInterval, 10*time.Minute),
		AccountsServer:  model.NormalizeServerURL(k.server),
	}, nil
}

// deviceDuration reads a duration Zoho may send in seconds or, like its old
// token answers, in milliseconds: a value above limit in seconds is taken
// as milliseconds.
func deviceDuration(n looseNumber, def, limit time.Duration) time.Duration {
	if !n.set || n.v <= 0 {
		return def
	}
	s := n.v
	if s > limit.Seconds() {
		s /= 1000
	}
	if s > limit.Seconds() {
		return limit
	}
	return time.Duration(s * float64(time.Second))
}

type devicePollJSON struct {
	UserLocation   looseString `json:"user_location"`
	AccountsServer looseString `json:"accounts-server"`
}

// PollDevice waits for the user to approve a device code, polling no
// faster than the interval (waiting through c.Sleep before every poll). It
// obeys slow_down by adding 5 s to the interval, follows other_dc to the
// user's data center and keeps polling there, and stops with an error
// matching [ErrAccessDenied] or [ErrDeviceExpired], or when ctx ends.
// progress, if not nil, is told about every poll that did not finish.
//
// A network failure ends the wait: ztm never retries on its own.
func (c *Client) PollDevice(ctx context.Context, p model.Profile, d DeviceCode, progress func(DevicePoll)) (Result, error) {
	server := d.AccountsServer
	if server == "" {
		server = p.AccountsServer
	}
	interval := d.Interval
	if interval <= 0 {
		interval = DefaultDeviceInterval
	}
	expired := func() error {
		return &Error{Op: "device", Code: "expired", Server: model.NormalizeServerURL(server), DC: c.profileDC(p)}
	}
	for attempt := 1; ; attempt++ {
		if !d.ExpiresAt.IsZero() && !c.now().Before(d.ExpiresAt) {
			return Result{}, expired()
		}
		if err := c.sleep(ctx, interval); err != nil {
			return Result{}, fmt.Errorf("device sign-in: %w", err)
		}
		form := url.Values{
			"grant_type":    {"device_token"},
			"code":          {d.DeviceCode},
			"client_id":     {p.ClientID},
			"client_secret": {p.ClientSecret},
		}
		k := call{
			op: "device", server: server, path: "/oauth/v3/device/token", form: form,
			secrets: []string{p.ClientSecret, d.DeviceCode}, dc: c.profileDC(p), movedTo: c.movedTo(p, server),
		}
		a, err := c.do(ctx, k)
		if err != nil {
			return Result{}, err
		}
		if err := c.check(k, a); err != nil {
			var ze *Error
			if !errors.As(err, &ze) {
				return Result{}, err
			}
			switch ze.Code {
			case "authorization_pending":
			case "slow_down":
				interval += slowDownStep
			case "other_dc":
				next, err := c.otherDC(a.body)
				if err != nil {
					return Result{}, err
				}
				server = next
			default:
				return Result{}, err
			}
			if progress != nil {
				progress(DevicePoll{Attempt: attempt, Status: ze.Code, Next: interval, AccountsServer: model.NormalizeServerURL(server)})
			}
			continue
		}
		res, err := c.tokenAnswer(k, a)
		if err != nil {
			return Result{}, err
		}
		if len(res.Token.GrantedScopes) == 0 {
			res.Token.GrantedScopes = append([]string(nil), p.Scopes...)
		}
		return res, nil
	}
}

// otherDC reads where an other_dc answer sends the poll: the data center of
// user_location, or an accounts-server the answer names.
func (c *Client) otherDC(body []byte) (string, error) {
	var o devicePollJSON
	_ = json.Unmarshal(body, &o) // the error member parsed already; missing fields are handled below
	if loc := strings.TrimSpace(string(o.UserLocation)); loc != "" {
		if dc, ok := c.DCs.ByLocation(loc); ok {
			return dc.AccountsServer, nil
		}
	}
	if as := string(o.AccountsServer); as != "" && model.ValidateServerURL(as) == nil {
		return model.NormalizeServerURL(as), nil
	}
	return "", fmt.Errorf("device sign-in: the account lives in data center %q, which ztm does not know; add it with ZTM_DATACENTERS and start again", scrub(string(o.UserLocation), nil))
}
