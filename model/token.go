package model

import (
	"strconv"
	"time"
)

// Token is what ztm keeps of a profile's OAuth grant.
type Token struct {
	AccessToken  string
	RefreshToken string
	// TokenType is what Zoho returned ("Bearer"); API calls nevertheless use
	// the Zoho-oauthtoken scheme.
	TokenType string
	// ExpiresAt is when the access token stops working.
	ExpiresAt time.Time
	// ObtainedAt is when the access token was issued.
	ObtainedAt time.Time
	// GrantedScopes are the scopes the grant was made for.
	GrantedScopes []string
	// Health describes the refresh token; see [Health].
	Health Health
	// LastRefreshAt is the last successful refresh (zero if none yet).
	LastRefreshAt time.Time
	// LastError is the last refresh failure, for display (never a secret).
	LastError string
}

// Health is the state of a profile's refresh token.
type Health string

// Refresh-token health values.
const (
	HealthOK        Health = "ok"
	HealthMissing   Health = "missing"   // no refresh token (online access, or never exchanged)
	HealthRevoked   Health = "revoked"   // Zoho answered invalid_code on refresh
	HealthThrottled Health = "throttled" // Zoho is throttling refreshes for now
)

// RefreshHealth reports the health of the refresh token, treating an empty
// refresh token as missing whatever was stored.
func (t *Token) RefreshHealth() Health {
	if t == nil || t.RefreshToken == "" {
		return HealthMissing
	}
	if t.Health == "" {
		return HealthOK
	}
	return t.Health
}

// Remaining is the access token's life left at now; negative once expired.
func (t *Token) Remaining(now time.Time) time.Duration {
	if t == nil || t.AccessToken == "" {
		return 0
	}
	return t.ExpiresAt.Sub(now)
}

// ValidFor reports whether the access token stays valid for at least margin
// after now.
func (t *Token) ValidFor(now time.Time, margin time.Duration) bool {
	return t != nil && t.AccessToken != "" && t.ExpiresAt.Sub(now) >= margin
}

// Lifetime is the access token's whole life, from issue to expiry.
func (t *Token) Lifetime() time.Duration {
	if t == nil || t.ObtainedAt.IsZero() {
		return time.Hour
	}
	if d := t.ExpiresAt.Sub(t.ObtainedAt); d > 0 {
		return d
	}
	return time.Hour
}

// LifeLeft is the fraction of the access token's life left at now, in [0, 1].
func (t *Token) LifeLeft(now time.Time) float64 {
	rem := t.Remaining(now)
	if rem <= 0 {
		return 0
	}
	f := float64(rem) / float64(t.Lifetime())
	if f > 1 {
		return 1
	}
	return f
}

// Urgency grades how soon a token needs attention, for colour and sorting.
type Urgency int

// Urgency levels, from calm to expired.
const (
	UrgencyNone     Urgency = iota // no token at all
	UrgencyOK                      // more than 15 minutes left
	UrgencySoon                    // 5 to 15 minutes left
	UrgencyCritical                // under 5 minutes left
	UrgencyExpired                 // expired
)

// Thresholds used by [Token.Urgency].
const (
	SoonThreshold     = 15 * time.Minute
	CriticalThreshold = 5 * time.Minute
)

// Urgency grades the access token at now.
func (t *Token) Urgency(now time.Time) Urgency {
	if t == nil || t.AccessToken == "" {
		return UrgencyNone
	}
	switch rem := t.Remaining(now); {
	case rem <= 0:
		return UrgencyExpired
	case rem < CriticalThreshold:
		return UrgencyCritical
	case rem < SoonThreshold:
		return UrgencySoon
	}
	return UrgencyOK
}

// FormatRemaining renders a countdown the way the dashboard shows it:
// "42m 13s", "1h 02m", "59s", and once past, "expired 5m ago".
func FormatRemaining(d time.Duration) string {
	if d <= 0 {
		return "expired " + FormatAgo(-d)
	}
	return formatSpan(d)
}

// FormatAgo renders a past span: "just now", "12s ago", "5m ago", "3h ago",
// "2d ago".
func FormatAgo(d time.Duration) string {
	if d < time.Second {
		return "just now"
	}
	return coarseSpan(d) + " ago"
}

func formatSpan(d time.Duration) string {
	s := int64(d / time.Second)
	if d%time.Second != 0 {
		s++ // a countdown shows whole seconds rounded up: 0.4 s left is "1s"
	}
	h, m, sec := s/3600, s/60%60, s%60
	// Built with strconv, not fmt: `ztm list` and the dashboard format one
	// of these per profile, and Sprintf was a twentieth of a listing.
	b := make([]byte, 0, 12)
	switch {
	case h >= 24:
		b = pair(b, h/24, 'd', h%24, 'h')
	case h > 0:
		b = pair(b, h, 'h', m, 'm')
	case m > 0:
		b = pair(b, m, 'm', sec, 's')
	default:
		b = append(strconv.AppendInt(b, sec, 10), 's')
	}
	return string(b)
}

// pair appends "<a><ua> <b two digits><ub>", as in "3h 05m".
func pair(b []byte, a int64, ua byte, c int64, uc byte) []byte {
	b = append(strconv.AppendInt(b, a, 10), ua, ' ')
	if c < 10 {
		b = append(b, '0')
	}
	return append(strconv.AppendInt(b, c, 10), uc)
}

func coarseSpan(d time.Duration) string {
	n, unit := int64(d/(24*time.Hour)), "d"
	switch {
	case d < time.Minute:
		n, unit = int64(d/time.Second), "s"
	case d < time.Hour:
		n, unit = int64(d/time.Minute), "m"
	case d < 48*time.Hour:
		n, unit = int64(d/time.Hour), "h"
	}
	return strconv.FormatInt(n, 10) + unit
}

// AuthorizationHeader is the header Zoho APIs expect. Zoho does not accept
// "Bearer" here, whatever token_type says.
func AuthorizationHeader(accessToken string) string {
	return "Authorization: Zoho-oauthtoken " + accessToken
}

// Redact shows enough of a secret to recognise it and no more: the first
// four characters of a long value, then asterisks.
func Redact(s string) string {
	switch {
	case s == "":
		return ""
	case len(s) <= 8:
		return "********"
	}
	return s[:4] + "********"
}
