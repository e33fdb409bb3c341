package oauth

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"
	"unicode"

	"ztm/model"
)

// Sentinel errors. Errors returned by this package match them with
// [errors.Is]; [model.ErrRefreshRevoked] and [model.ErrThrottled] are matched
// too, so the vault can react without importing this package.
var (
	// ErrAccessDenied means the user (or org admin) pressed Deny on the
	// consent page or the device verification page.
	ErrAccessDenied = errors.New("access denied")
	// ErrDeviceExpired means a device-flow user code expired before it was
	// approved.
	ErrDeviceExpired = errors.New("device code expired")
	// ErrStateMismatch means a redirect carried a state other than the one
	// ztm sent, or none at all: it does not answer the consent ztm started.
	ErrStateMismatch = errors.New("state mismatch")
	// ErrNoRefreshToken means a profile has no refresh token to refresh with.
	ErrNoRefreshToken = errors.New("no refresh token")
	// ErrPortInUse means the loopback receiver could not bind the redirect
	// URI's port because another program holds it.
	ErrPortInUse = errors.New("port in use")
)

// Codes for [Error] that Zoho does not send but this package assigns when an
// answer is not one of Zoho's usual error bodies.
const (
	// CodeThrottled marks Zoho's throttling answer, whose `error` text is a
	// sentence that may be localized ("Access Denied").
	CodeThrottled = "throttled"
	// CodeHTMLPage marks an HTML page where JSON was expected (a 502 page,
	// a proxy or a captive portal).
	CodeHTMLPage = "html_page"
	// CodeBadResponse marks a body that is neither JSON Zoho would send nor
	// HTML, or JSON that lacks what a success must carry.
	CodeBadResponse = "bad_response"
	// CodeHTTPStatus marks a non-2xx answer without an error code.
	CodeHTTPStatus = "http_status"
)

// Error is an answer from Zoho that is not a success. Its Error method is one
// lowercase sentence for people: what happened and what to do. It never holds
// a secret: Zoho's own text is scrubbed of the values ztm sent.
type Error struct {
	// Op is what was attempted: "exchange", "refresh", "revoke", "device",
	// "userinfo" or "consent".
	Op string
	// Code is Zoho's `error` value ("invalid_code"), or one of the Code*
	// constants of this package.
	Code string
	// Description is Zoho's error_description or message, if any.
	Description string
	// Status is the HTTP status; Zoho sends most errors with 200.
	Status int
	// Server is the accounts server that answered.
	Server string
	// DC is the data center as the profile chose it ("EU"), or its
	// accounts-server URL when it is not a known one.
	DC string
	// answeredBy names Server's data center in the same terms as DC; set
	// only when a redirect or other_dc moved the flow away from the
	// profile's accounts server.
	answeredBy string
}

var opLabels = map[string]string{
	"exchange":   "code exchange",
	"refresh":    "refresh",
	"revoke":     "revoke",
	"device":     "device sign-in",
	"userinfo":   "user info",
	"consent":    "consent",
	"serverinfo": "server list",
	// the first token of a client-credentials profile; its later ones are
	// "refresh"
	"clientcreds": "client credentials",
}

// Error implements error.
func (e *Error) Error() string {
	label := opLabels[e.Op]
	if label == "" {
		label = "zoho"
		if e.Op != "" {
			label = e.Op
		}
	}
	return label + ": " + e.sentence()
}

func (e *Error) sentence() string {
	dc := e.DC
	if dc == "" {
		dc = "this data center"
	}
	switch e.Code {
	case "invalid_code":
		switch e.Op {
		case "refresh":
			return "Zoho no longer accepts this refresh token (invalid_code): it was revoked, or deleted after 20 newer ones were made; consent again to get a new one"
		case "device":
			return "Zoho no longer knows this device code (invalid_code); start the sign-in again"
		}
		return "the grant code has expired or was already used (invalid_code); generate a new code and exchange it at once: a redirect code lives about 1-2 minutes, a Self Client code 3-10 minutes"
	case "invalid_client":
		if e.DC != "" && e.answeredBy != "" && !strings.EqualFold(e.DC, e.answeredBy) {
			return fmt.Sprintf("the client id or secret is wrong, or the client is not enabled in %s (invalid_client): you chose %s but Zoho sent this grant to %s; enable Multi-DC for the client in the API Console, or choose %s", e.answeredBy, e.DC, e.answeredBy, e.answeredBy)
		}
		if e.DC == "" {
			return "the client id or secret is wrong, or the client is registered in another data center (invalid_client); check both in the API Console, or choose the data center where the client was made"
		}
		return fmt.Sprintf("the client id or secret is wrong, or the client is registered in another data center (invalid_client): you chose %s; check both in that data center's API Console, or choose the data center where the client was made", e.DC)
	case "missing_org_info":
		return "Zoho needs to know which org the token is for (missing_org_info); set the profile's soid to the product and org id, such as --soid ZohoCRM.12345678"
	case "invalid_client_secret":
		return "the client secret is wrong (invalid_client_secret); copy it again from the API Console: with Multi-DC each data center has its own secret"
	case "invalid_redirect_uri":
		return "the redirect URI differs from the one registered in the API Console (invalid_redirect_uri); it must match exactly, scheme, port and path included"
	case "invalid_scope":
		return "Zoho refused the scopes (invalid_scope); check that each is spelled Service.scope.OPERATION and exists in " + dc
	case "access_denied":
		if e.Op == "device" {
			return "the sign-in was denied on the verification page (access_denied); start again and approve it"
		}
		return "the consent was denied (access_denied); start again and choose Accept"
	case "expired":
		return "the user code expired before it was approved (expired); start again and enter the code within 5 minutes"
	case "invalid_token", "invalid_oauthtoken", "INVALID_OAUTHTOKEN":
		if e.Op == "revoke" {
			return "Zoho does not know this refresh token (" + e.Code + "); it was probably revoked already, so nothing is left to do"
		}
		return "the access token is invalid or expired (" + e.Code + "); refresh it and try again"
	case "OAUTH_SCOPE_MISMATCH":
		return "the token lacks the AaaServer.profile.READ scope (OAUTH_SCOPE_MISMATCH); add it to the profile's scopes and consent again"
	case CodeThrottled:
		return "Zoho is throttling requests (too many in a short time); wait about 10 minutes before trying again: Zoho allows 10 refreshes per 10 minutes for each refresh token"
	case CodeHTMLPage:
		return fmt.Sprintf("Zoho answered with a web page instead of JSON (HTTP %d); the accounts server may be down, or a proxy or captive portal is in the way; try again later", e.Status)
	case CodeBadResponse:
		what := "an answer ztm cannot read"
		if e.Description != "" {
			what += " (" + e.Description + ")"
		}
		return fmt.Sprintf("Zoho sent %s with HTTP %d; try again later, and report it if it persists", what, e.Status)
	case CodeHTTPStatus:
		return fmt.Sprintf("Zoho answered HTTP %d without an error code; try again later", e.Status)
	}
	detail := e.Code
	if e.Description != "" {
		detail += ": " + e.Description
	}
	if e.Gateway() {
		return fmt.Sprintf("Zoho's server failed with HTTP %d (%s); nothing is wrong with the profile: try again later", e.Status, detail)
	}
	return "Zoho refused the request (" + detail + "); check the profile's client, scopes and data center, and report it if it persists"
}

// Is lets errors.Is match the sentinels of this package and of model.
func (e *Error) Is(target error) bool {
	switch target {
	case model.ErrRefreshRevoked:
		return (e.Op == "refresh" && e.Code == "invalid_code") ||
			(e.Op == "revoke" && e.Code == "invalid_token")
	case model.ErrThrottled:
		return e.Code == CodeThrottled
	case model.ErrUnreachable:
		return e.Gateway()
	case ErrAccessDenied:
		return e.Code == "access_denied"
	case ErrDeviceExpired:
		return e.Op == "device" && e.Code == "expired"
	}
	return false
}

// Gateway reports whether the answer came from something in front of Zoho
// rather than from Zoho's accounts service: a web page where JSON was
// expected (a proxy's 502 page, a captive portal), a body that is not
// JSON at all, or an HTTP 5xx without one of Zoho's error codes. Such an
// answer says nothing about the profile, so it is the "unreachable" kind,
// like a [NetworkError], and matches [model.ErrUnreachable].
func (e *Error) Gateway() bool {
	switch {
	case e.Code == CodeHTMLPage:
		return true
	case e.Code == CodeBadResponse && e.Description == "not JSON":
		return true
	case e.Status >= 500 && e.Status <= 599:
		return !knownCodes[e.Code]
	}
	return false
}

// knownCodes are the codes whose sentence says what Zoho meant; an HTTP
// 5xx carrying one of them is still Zoho speaking.
var knownCodes = map[string]bool{
	"invalid_code": true, "invalid_client": true, "invalid_client_secret": true, "invalid_redirect_uri": true,
	"invalid_scope": true, "access_denied": true, "expired": true, "invalid_token": true,
	"invalid_oauthtoken": true, "INVALID_OAUTHTOKEN": true, "OAUTH_SCOPE_MISMATCH": true, CodeThrottled: true,
	"missing_org_info": true,
}

// NetworkError means no answer came from the accounts server: a timeout, a
// refused connection, a name that does not resolve, a closed connection or
// a certificate that is not trusted.
type NetworkError struct {
	// Op is what was attempted, as in [Error].
	Op string
	// Server is the host that could not be reached ("accounts.zoho.eu").
	Server string
	// Err is the cause, without the request URL.
	Err error
	// timeout is the per-request limit, for the message.
	timeout time.Duration
}

// Error implements error.
func (e *NetworkError) Error() string {
	return fmt.Sprintf("could not reach %s: %s; check your network or proxy", e.Server, e.cause())
}

// Unwrap returns the cause, so errors.Is(err, context.DeadlineExceeded) works.
func (e *NetworkError) Unwrap() error { return e.Err }

func (e *NetworkError) cause() string {
	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var netErr net.Error
	switch {
	case errors.Is(e.Err, context.DeadlineExceeded) || errors.As(e.Err, &netErr) && netErr.Timeout():
		if e.timeout > 0 {
			return fmt.Sprintf("no answer within %s", e.timeout)
		}
		return "no answer in time"
	case errors.Is(e.Err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(e.Err, &dnsErr):
		if dnsErr.IsNotFound {
			return "the host name does not resolve"
		}
		return "the host name could not be looked up"
	case errors.As(e.Err, &unknownCA), errors.As(e.Err, &hostErr), errors.As(e.Err, &invalid):
		return "its certificate is not trusted (a proxy may be intercepting HTTPS)"
	case errors.Is(e.Err, io.EOF), errors.Is(e.Err, io.ErrUnexpectedEOF), errors.Is(e.Err, syscall.ECONNRESET):
		return "the connection closed before an answer came"
	case errors.Is(e.Err, syscall.ENETUNREACH), errors.Is(e.Err, syscall.EHOSTUNREACH):
		return "the network is unreachable"
	}
	return "the connection failed"
}

// Is makes every NetworkError match [model.ErrUnreachable].
func (e *NetworkError) Is(target error) bool { return target == model.ErrUnreachable }

// IsNetwork reports whether err means Zoho could not be reached: no answer
// at all (a [NetworkError]), or only a gateway's answer ([Error.Gateway]).
// Both are the "unreachable" kind, as opposed to an answer from Zoho; it
// is errors.Is(err, model.ErrUnreachable).
func IsNetwork(err error) bool {
	return errors.Is(err, model.ErrUnreachable)
}

// scrub makes text from the server safe to show: it removes control
// characters, replaces every value ztm sent as a secret, and caps the length.
// A well-behaved Zoho never echoes a secret, but the sentence must stay safe
// even if a proxy or a buggy server does.
func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	const maxLen = 160
	if r := []rune(s); len(r) > maxLen {
		s = string(r[:maxLen-1]) + "…"
	}
	return s
}
