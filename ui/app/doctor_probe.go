package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"

	"ztm/model"
	"ztm/oauth"
)

// ErrAPIRefused means a product API refused a profile's access token for
// a reason other than its death (a missing scope, a user without API
// access): the token works, the profile does not.
var ErrAPIRefused = errors.New("the product API refused the token")

// errAPIUnreachable means a liveness call got no answer from the product,
// or only a gateway's.
var errAPIUnreachable = fmt.Errorf("the product API did not answer: %w", model.ErrUnreachable)

// maxProbeBody caps what is read of a liveness answer; error bodies are a
// few hundred bytes, and an organization list not much more.
const maxProbeBody = 64 << 10

// ProbeResult is the liveness call of a checkup. URL holds no secret: the
// token travels in the Authorization header.
type ProbeResult struct {
	Product oauth.Product `json:"product"`
	Method  string        `json:"method"`
	URL     string        `json:"url"`
	// Status is the HTTP status of the answer.
	Status int `json:"status"`
	// OK says the call succeeded: the token works for the product.
	OK bool `json:"ok"`
	// Code is the product's error code ("INVALID_TOKEN", "57"), if any.
	Code string `json:"code,omitempty"`
	// DeadToken says the answer means the token expired or was revoked.
	DeadToken bool `json:"dead_token"`
	// Explanation is one sentence on Code, with what to do; empty for a
	// code ztm does not know.
	Explanation string `json:"explanation,omitempty"`
	// AfterRefresh says the call was made again after the checkup's
	// refresh.
	AfterRefresh bool `json:"after_refresh"`
}

// probe makes the liveness call, and once more after a refresh when the
// product says the token is dead.
func (k *checkup) probe(ctx context.Context) {
	pr, ok := oauth.LivenessProbe(k.p)
	if !ok {
		k.note("no liveness call: none of %s's scopes names CRM, Books, Desk or Accounts (%s)", k.p.Name, oauth.UserInfoScope)
		return
	}
	if k.p.Token == nil || k.p.Token.AccessToken == "" {
		return
	}
	res, err := k.call(ctx, pr)
	if err != nil {
		k.unreachable(err, fmt.Sprintf("could not make the liveness call %s %s: %v", pr.Method, pr.URL, err))
		return
	}
	res.AfterRefresh = k.c.Refreshed
	k.c.Probe = &res
	switch {
	case res.OK:
	case res.DeadToken && !k.c.Refreshed:
		if k.refresh(ctx, fmt.Sprintf("%s says the access token is dead (%s)", pr.Product, res.Code)) {
			k.note("%s; doctor refreshed it once", res.Explanation)
			k.probe(ctx)
		}
	case res.Status >= 500:
		k.unreachable(errAPIUnreachable, fmt.Sprintf("%s answered HTTP %d to the liveness call: a gateway or an outage, not a refusal; try again later", pr.Product, res.Status))
	default:
		k.unhealthy(fmt.Errorf("%w: %s %d %s", ErrAPIRefused, pr.Product, res.Status, res.Code), refusalSentence(res))
	}
}

// refusalSentence explains a product's refusal, in its own words when ztm
// knows the code.
func refusalSentence(r ProbeResult) string {
	if r.Explanation != "" {
		if r.DeadToken && r.AfterRefresh {
			return r.Explanation + "; the refresh did not help: consent again"
		}
		return r.Explanation
	}
	code := ""
	if r.Code != "" {
		code = " " + model.Echo(r.Code)
	}
	return fmt.Sprintf("%s refused the liveness call %s %s with HTTP %d%s, a code ztm does not know; check the profile's scopes and the account's access to %s",
		r.Product, r.Method, r.URL, r.Status, code, r.Product)
}

// call sends one liveness request with the access token in the header,
// through the Zoho client's HTTP client (which follows no redirect, so
// the token goes nowhere else), and reads the clock skew from the answer.
func (k *checkup) call(ctx context.Context, pr oauth.Probe) (ProbeResult, error) {
	res := ProbeResult{Product: pr.Product, Method: pr.Method, URL: pr.URL}
	timeout := k.s.Zoho.Timeout
	if timeout <= 0 {
		timeout = oauth.DefaultTimeout
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, pr.Method, pr.URL, nil)
	if err != nil {
		return res, fmt.Errorf("%w: cannot build the request", errAPIUnreachable)
	}
	req.Header.Set("Authorization", "Zoho-oauthtoken "+k.p.Token.AccessToken)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ztm")
	resp, err := k.httpClient().Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		return res, fmt.Errorf("%w: %v", errAPIUnreachable, err)
	}
	defer resp.Body.Close()
	k.observeSkew(resp.Header.Get("Date"))
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxProbeBody))
	res.Status = resp.StatusCode
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" {
		// A proxy's or a portal's page says nothing about the token.
		res.Status = max(res.Status, http.StatusBadGateway)
		return res, nil
	}
	if res.Status >= 200 && res.Status <= 299 {
		res.OK = true
		return res, nil
	}
	v := oauth.ClassifyAPIError(pr.Product, res.Status, body)
	res.Code, res.DeadToken, res.Explanation = v.Code, v.DeadToken, v.Explanation
	return res, nil
}

func (k *checkup) httpClient() *http.Client {
	if k.s.Zoho.HTTP != nil {
		return k.s.Zoho.HTTP
	}
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// observeSkew measures the clock skew from an answer's Date header, for
// this checkup and for the client's own meter.
func (k *checkup) observeSkew(date string) {
	now := k.s.Now()
	var m oauth.SkewMeter
	m.Observe(date, now)
	if skew, _, ok := m.Last(); ok {
		k.c.Skew, k.c.SkewKnown = skew, true
		k.s.Zoho.Skew.Observe(date, now)
	}
}
