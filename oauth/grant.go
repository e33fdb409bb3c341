package oauth

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"ztm/model"
)

// Grant is what a consent came back with: a code, or the error Zoho put on
// the redirect instead.
type Grant struct {
	// Code is the grant code ("1000.xxxx.yyyy").
	Code string
	// State is the state the redirect carried, if any.
	State string
	// Location is Zoho's `location` value ("eu"), if any.
	Location string
	// AccountsServer is where the code must be exchanged: the redirect's
	// `accounts-server`, or the data center of Location. Empty for a bare
	// code: the profile's accounts server applies.
	AccountsServer string
	// Error is the redirect's `error` ("access_denied"), if any.
	Error string
	// ErrorDescription is the redirect's `error_description`, if any.
	ErrorDescription string
}

// OtherDC reports the data center a grant came from when it differs from
// the profile's accounts server, so the UI can say "this code came from IN,
// you chose EU". dcs names known data centers; an unknown server is
// returned as a data center whose ID and name are its host.
func (g Grant) OtherDC(p model.Profile, dcs model.DataCenters) (model.DataCenter, bool) {
	if g.AccountsServer == "" || sameServer(g.AccountsServer, p.AccountsServer) {
		return model.DataCenter{}, false
	}
	if dc, ok := dcs.ByAccountsServer(g.AccountsServer); ok {
		return dc, true
	}
	host := hostOf(g.AccountsServer)
	return model.DataCenter{ID: host, Name: host, Location: g.Location, AccountsServer: g.AccountsServer}, true
}

func sameServer(a, b string) bool {
	ua, errA := url.Parse(model.NormalizeServerURL(a))
	ub, errB := url.Parse(model.NormalizeServerURL(b))
	return errA == nil && errB == nil && strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host)
}

// looksLikeCode reports whether s can be a grant code. Zoho's look like
// 1000.<hex>.<hex>; any URL-safe token of 8 to 1000 characters is accepted
// so a change of format does not lock users out, while a sentence or a
// half-copied URL is refused. (Written out, not as a regexp: {8,1000}
// would compile to thousands of states at every start.)
func looksLikeCode(s string) bool {
	if len(s) < 8 || len(s) > 1000 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("._~-", c) >= 0) {
			return false
		}
	}
	return true
}

// ParsePasted reads what a user pasted: a bare grant code (a Self Client
// code, or one copied out of a URL), or the whole URL the browser landed on
// after consent, with or without its scheme. Surrounding spaces, quotes and
// angle brackets are ignored.
//
// State: when wantState is not empty, a URL must carry exactly that state;
// a URL with no state is refused as well, because Zoho always returns the
// state it was sent, so such a URL does not answer the consent ztm started.
// A bare code carries no state and is accepted: the user chose to copy it.
//
// A URL with `error=access_denied` (believed even without a state, since
// it can only end the attempt) returns the Grant (with Error set) and a
// *Error matching [ErrAccessDenied]. The accounts server comes from
// `accounts-server` (validated), else from `location` through dcs.
func ParsePasted(input string, wantState string, dcs model.DataCenters) (Grant, error) {
	if len(input) > model.MaxURL {
		return Grant{}, fmt.Errorf("the pasted text is %d bytes, more than a grant code or redirect URL can be (%d): copy only the code, or only the address bar", len(input), model.MaxURL)
	}
	s := model.CleanPasted(input)
	if s == "" {
		return Grant{}, errors.New("nothing was pasted: paste the grant code, or the whole URL the browser landed on")
	}
	if !looksLikeURL(s) {
		return parseBareCode(s)
	}
	q := pastedQuery(s)
	g := Grant{
		Code:             strings.TrimSpace(q.Get("code")),
		State:            q.Get("state"),
		Location:         strings.TrimSpace(q.Get("location")),
		Error:            strings.TrimSpace(q.Get("error")),
		ErrorDescription: q.Get("error_description"),
	}
	if g.Code == "" && g.Error == "" {
		return Grant{}, errors.New("the pasted URL has no code: copy the whole address from the browser's address bar after choosing Accept")
	}
	// A denial without state is believed: it can only end the attempt, not
	// slip in a code.
	if wantState != "" && !(g.Error != "" && g.State == "") {
		if err := checkState(g.State, wantState); err != nil {
			return Grant{}, err
		}
	}
	if g.Error != "" {
		g.Code = ""
		return g, &Error{Op: "consent", Code: scrub(g.Error, nil), Description: scrub(g.ErrorDescription, nil)}
	}
	if !looksLikeCode(g.Code) {
		return Grant{}, errors.New("the code in the pasted URL is damaged: copy the whole address again")
	}
	if as := q.Get("accounts-server"); as != "" {
		if err := model.ValidateServerURL(as); err != nil {
			return Grant{}, fmt.Errorf("the pasted URL names an accounts server ztm will not use: %w", err)
		}
		g.AccountsServer = model.NormalizeServerURL(as)
	} else if g.Location != "" {
		if dc, ok := dcs.ByLocation(g.Location); ok {
			g.AccountsServer = dc.AccountsServer
		}
	}
	return g, nil
}

// checkState compares in constant time; the state is a secret of sorts.
func checkState(got, want string) error {
	if got == "" {
		return fmt.Errorf("%w: the URL has no state, so it does not answer the consent ztm opened; start again and paste the URL from that tab", ErrStateMismatch)
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return fmt.Errorf("%w: the URL answers another consent, not the one ztm opened; start again and paste the URL from that tab", ErrStateMismatch)
	}
	return nil
}

func looksLikeURL(s string) bool {
	return strings.ContainsAny(s, "?=&/")
}

func parseBareCode(s string) (Grant, error) {
	switch {
	case model.LooksLikeClientID(s) && strings.ToUpper(s) == s:
		return Grant{}, errors.New("this looks like a client id, not a grant code: generate a code in the API Console and paste that")
	case !looksLikeCode(s):
		return Grant{}, errors.New("this does not look like a grant code (1000.xxxx.xxxx) or a redirect URL: copy it again")
	}
	return Grant{Code: s}, nil
}

// pastedQuery extracts the parameters of a pasted redirect: the query after
// '?', or the whole text when it is itself a query ("code=...&state=...").
// HTML-escaped ampersands from chat apps are undone, and a fragment is read
// when the query has neither code nor error.
func pastedQuery(s string) url.Values {
	s = strings.ReplaceAll(s, "&amp;", "&")
	rest, frag, _ := strings.Cut(s, "#")
	query := rest
	if _, after, ok := strings.Cut(rest, "?"); ok {
		query = after
	} else if !strings.Contains(rest, "=") {
		query = ""
	}
	q, _ := url.ParseQuery(query) // keep what parses; a damaged pair is just missing
	if q.Get("code") == "" && q.Get("error") == "" && frag != "" {
		if fq, _ := url.ParseQuery(frag); fq.Get("code") != "" || fq.Get("error") != "" {
			return fq
		}
	}
	return q
}
