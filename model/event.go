package model

import (
	"errors"
	"time"
)

// EventKind names an entry of the vault's audit trail.
type EventKind string

// Event kinds.
const (
	EventExchange EventKind = "exchange" // a grant code was exchanged for tokens
	EventRefresh  EventKind = "refresh"  // a refresh token produced a new access token
	EventFailure  EventKind = "failure"  // a refresh or exchange failed
	EventRevoke   EventKind = "revoke"   // a refresh token was revoked at Zoho
	EventCreate   EventKind = "create"   // a profile was created
	EventEdit     EventKind = "edit"     // a profile was changed or renamed
	EventDelete   EventKind = "delete"   // a profile was deleted
	EventImport   EventKind = "import"   // a profile came in from a bundle
)

// Event is one entry of the audit trail. Detail never holds a secret.
type Event struct {
	At      time.Time
	Profile string
	Kind    EventKind
	Detail  string
}

// Zoho's refresh budget: at most RefreshLimit access-token requests per
// RefreshWindow for one refresh token; past it Zoho throttles.
const (
	RefreshLimit  = 10
	RefreshWindow = 10 * time.Minute
)

// RefreshBudget counts refreshes in the window before now and says how many
// are left and when the next one frees up.
type RefreshBudget struct {
	Used int
	Left int
	// NextFree is when the oldest refresh in the window leaves it; zero when
	// the budget is not exhausted.
	NextFree time.Time
}

// BudgetAt computes the budget at now from the times of past refreshes
// (any order, any age).
func BudgetAt(refreshes []time.Time, now time.Time) RefreshBudget {
	var in []time.Time
	start := now.Add(-RefreshWindow)
	for _, t := range refreshes {
		if t.After(start) && !t.After(now) {
			in = append(in, t)
		}
	}
	b := RefreshBudget{Used: len(in), Left: max(RefreshLimit-len(in), 0)}
	if b.Left == 0 {
		oldest := in[0]
		for _, t := range in {
			if t.Before(oldest) {
				oldest = t
			}
		}
		b.NextFree = oldest.Add(RefreshWindow)
	}
	return b
}

// Errors shared by the OAuth side (which produces them) and the vault
// (which records their effect on a profile's health) without either
// importing the other.
var (
	// ErrRefreshRevoked means Zoho no longer accepts the refresh token: it
	// was revoked, or deleted by the 21-token rule. A new consent is needed.
	ErrRefreshRevoked = errors.New("refresh token revoked")
	// ErrThrottled means Zoho refused because of too many requests.
	ErrThrottled = errors.New("throttled by Zoho")
	// ErrUnreachable means Zoho gave no answer of its own: no connection, a
	// timeout, or a gateway's error page or 5xx instead of Zoho's JSON.
	// Nothing is wrong with the profile; trying later may work.
	ErrUnreachable = errors.New("could not reach Zoho")
)
