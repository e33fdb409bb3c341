package vault

import (
	"errors"
	"net/url"
	"strings"

	"ztm/model"
)

// Where the ciphertext lives is the vault's storage seam. A file (the
// default) holds it as vault.age beside its lock file; a PostgreSQL
// database (a team's or a fleet's vault, store_pg*.go) holds it as a row,
// saved by compare-and-swap on its version, with advisory locks for the
// lock file and LISTEN/NOTIFY for the stat that tells a reader another
// process saved. Both hold only age ciphertext: the database in memory,
// the keys and every rule above the seam are the same.

// ErrStoreUnreachable means the vault's PostgreSQL could not be reached.
// It also matches [model.ErrUnreachable], which the command line maps to
// its network exit code.
var ErrStoreUnreachable error = storeUnreachable{}

// storeUnreachable matches model.ErrUnreachable without taking its text:
// wrapping it with %w put "could not reach Zoho" in every message about a
// database that was down.
type storeUnreachable struct{}

func (storeUnreachable) Error() string        { return "the vault's PostgreSQL cannot be reached" }
func (storeUnreachable) Is(target error) bool { return target == model.ErrUnreachable }

// errConflict means another process saved between a reload and a save
// that did not hold the change lock; the change is reapplied.
var errConflict = errors.New("the vault changed during the save")

// IsURL reports whether s names a vault in PostgreSQL (postgres:// or
// postgresql://) rather than a file: a URL is never taken for a path.
func IsURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// Redact returns a PostgreSQL URL with its password removed, for
// messages, logs and `ztm vault info`; anything else is returned as is.
func Redact(s string) string {
	if !IsURL(s) {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "postgres://(a URL that does not parse)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if q.Has("password") {
		q.Del("password")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// urlPassword is the password written in a URL, if any (the one secret a
// connection string may carry).
func urlPassword(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			return pw
		}
	}
	return u.Query().Get("password")
}

// scrubbed is an error whose text has had the connection's secrets
// removed. It unwraps to its kind only, never to the driver's error, so
// no caller can reach the original text.
type scrubbed struct {
	msg  string
	kind error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.kind }

// scrub rewrites err so that neither the URL's password nor the URL
// itself appears in it; kind (may be nil) is what it matches.
func scrub(err error, rawURL string, kind error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if rawURL != "" {
		msg = strings.ReplaceAll(msg, rawURL, Redact(rawURL))
		if pw := urlPassword(rawURL); pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
			if esc := url.QueryEscape(pw); esc != pw {
				msg = strings.ReplaceAll(msg, esc, "xxxxx")
			}
		}
	}
	return &scrubbed{msg: msg, kind: kind}
}
