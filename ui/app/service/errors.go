package service

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"ztm/model"
	"ztm/oauth"
	"ztm/vault"
)

// Error codes of the HTTP API, in its JSON errors ({"code", "error"}), in
// the log's result field and in the metrics' result label.
const (
	CodeOK           = "ok"
	CodeUnauthorized = "unauthorized"      // 401: no credential, or not a live one
	CodeNotAllowed   = "not_allowed"       // 403: the credential does not cover the profile
	CodeNoProfile    = "no_profile"        // 404: no such profile
	CodeNoToken      = "no_token"          // 404: the profile has no grant yet
	CodeThrottled    = "throttled"         // 429: Zoho's budget is spent, or Zoho throttles
	CodeRevoked      = "revoked"           // 502: the refresh token no longer works
	CodeZohoRefused  = "zoho_refused"      // 502: Zoho answered with another error
	CodeZohoDown     = "zoho_unreachable"  // 502: Zoho could not be reached
	CodeLocked       = "locked"            // 503: the agent holds no key
	CodeUnavailable  = "unavailable"       // 503: the vault is busy or damaged
	CodeStoreDown    = "store_unreachable" // 503: the vault's PostgreSQL cannot be reached
	CodeNotFound     = "not_found"         // 404: no such endpoint
)

// classify maps an error of the service to its HTTP status and code.
func classify(err error) (int, string) {
	var zerr *oauth.Error
	switch {
	case err == nil:
		return http.StatusOK, CodeOK
	case errors.Is(err, ErrNotAllowed):
		return http.StatusForbidden, CodeNotAllowed
	case errors.Is(err, errUnauthorized):
		return http.StatusUnauthorized, CodeUnauthorized
	case errors.Is(err, ErrLocked):
		return http.StatusServiceUnavailable, CodeLocked
	case errors.Is(err, vault.ErrNoProfile):
		return http.StatusNotFound, CodeNoProfile
	case errors.Is(err, vault.ErrNoToken):
		return http.StatusNotFound, CodeNoToken
	case errors.Is(err, model.ErrThrottled), errors.Is(err, vault.ErrBudget):
		return http.StatusTooManyRequests, CodeThrottled
	case errors.Is(err, model.ErrRefreshRevoked):
		return http.StatusBadGateway, CodeRevoked
	case errors.Is(err, vault.ErrStoreUnreachable):
		// Before IsNetwork, which it also matches: the reader must learn
		// that the vault, not Zoho, is away, and that retrying soon helps.
		return http.StatusServiceUnavailable, CodeStoreDown
	case oauth.IsNetwork(err):
		return http.StatusBadGateway, CodeZohoDown
	case errors.As(err, &zerr):
		return http.StatusBadGateway, CodeZohoRefused
	}
	return http.StatusServiceUnavailable, CodeUnavailable
}

// resultOf is the result label of a token request.
func resultOf(err error) string {
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	_, code := classify(err)
	return code
}

func levelOf(err error) slog.Level {
	if err != nil {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// Client-side errors, matched with errors.Is on what [Client] returns.
var (
	// ErrAuth: the server refused the credential, or none was given.
	ErrAuth = errors.New("the token server refused the credential")
	// ErrZoho: Zoho refused the refresh (throttled, revoked, another error).
	ErrZoho = errors.New("zoho refused")
	// ErrUnreachable: the server or agent could not be reached, or Zoho
	// could not be reached from it.
	ErrUnreachable = errors.New("unreachable")
	// ErrNoAgent: no agent runs (nothing listens on the socket).
	ErrNoAgent = errors.New("no agent runs")
)

// Exit codes of the command line, for [ExitCode].
const (
	ExitNoProfile = 2
	ExitAuth      = 3
	ExitZoho      = 4
	ExitNetwork   = 5
)

// ExitCode maps an error from [Client] to the command line's exit code: 2
// no such profile or not allowed, 3 authentication (or a locked agent), 4
// Zoho refused, 5 unreachable (the service, Zoho, or the vault's
// PostgreSQL); 1 for anything else, 0 for nil.
func ExitCode(err error) int {
	var e *Error
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrUnreachable), errors.Is(err, ErrNoAgent):
		return ExitNetwork
	case !errors.As(err, &e):
		return 1
	}
	switch e.Code {
	case CodeNoProfile, CodeNotAllowed:
		return ExitNoProfile
	case CodeUnauthorized, CodeLocked:
		return ExitAuth
	case CodeNoToken, CodeThrottled, CodeRevoked, CodeZohoRefused:
		return ExitZoho
	case CodeZohoDown, CodeStoreDown:
		return ExitNetwork
	}
	return 1
}

// Error is an error answer from the service: its status, code and the
// sentence it sent (which never holds a secret).
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Is lets callers match the classes above, and [vault.ErrNoProfile] for a
// missing profile, so the command line's existing exit codes apply.
func (e *Error) Is(target error) bool {
	switch e.Code {
	case CodeNoProfile:
		return target == vault.ErrNoProfile
	case CodeUnauthorized:
		return target == ErrAuth
	case CodeLocked:
		return target == ErrLocked
	case CodeNoToken, CodeThrottled, CodeRevoked, CodeZohoRefused:
		return target == ErrZoho
	case CodeZohoDown, CodeStoreDown:
		return target == ErrUnreachable
	}
	return false
}
