package oauth

import (
	"errors"

	"ztm/model"
)

// NeedsConsent reports whether err means only a new consent can help: Zoho
// no longer accepts the profile's refresh token ([model.ErrRefreshRevoked]
// from a refresh), or the profile has none ([ErrNoRefreshToken]). A revoke
// that finds the token already dead is not such an error: there is nothing
// left to do.
func NeedsConsent(err error) bool {
	var e *Error
	if errors.As(err, &e) && e.Op == "revoke" {
		return false
	}
	return errors.Is(err, model.ErrRefreshRevoked) || errors.Is(err, ErrNoRefreshToken)
}

// WithConsentHint adds the way to consent again to an error that
// [NeedsConsent]: how is what the face offers, such as "press n in the
// dashboard, or run ztm consent crm-eu". This package does not know the
// faces' keys and commands, so each face decorates the errors it shows.
// Other errors, and an empty how, are returned unchanged. The result still
// matches everything err matched with errors.Is and errors.As.
func WithConsentHint(err error, how string) error {
	var h *hintedError
	if err == nil || how == "" || !NeedsConsent(err) || errors.As(err, &h) {
		return err
	}
	return &hintedError{err: err, how: how}
}

// hintedError is an error with what to do next appended.
type hintedError struct {
	err error
	how string
}

func (e *hintedError) Error() string { return e.err.Error() + ": " + e.how }

func (e *hintedError) Unwrap() error { return e.err }

// ConsentHinted marks an error that already says how to consent again, so
// that it is not decorated twice.
func (e *hintedError) ConsentHinted() bool { return true }
