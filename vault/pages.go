package vault

import (
	"database/sql"
	"fmt"
	"time"

	"ztm/model"
)

// A dashboard of 100,000 profiles needs, for each, only what its list
// draws and its filter matches; a whole model.Profile with its secrets is
// about 1.1 KB of heap, its row a fifth of that. It draws its first
// screen from the first rows by name, which the name's index finds
// without reading the rest, and reads the others after. The rows are read
// in storage order: on a lazily opened vault that decrypts each 64 KiB
// chunk once, where the name's order would jump between chunks.

// ProfileSummary is a profile as a list shows it and a filter matches it,
// without its secrets: what is secret is only said to be there. It is
// made to be held, 100,000 at a time: its lists are kept as stored,
// comma-separated, and its times as Unix milliseconds (slices and
// time.Time values were two fifths of it). A listing that prints each
// profile once and forgets it reads [ProfileRow]s instead (rows.go),
// one reused row at a time.
type ProfileSummary struct {
	ID          int64
	Name        string
	DC          string
	Account     string
	ClientID    string
	ClientType  model.ClientType
	Environment model.Environment
	// Scopes and Tags are comma-separated; ScopeList and TagList split them.
	Scopes    string
	Tags      string
	KeepAlive bool
	// ClientCredentials is set when the tokens come from the
	// client-credentials grant; HasSecret when a client secret is stored.
	ClientCredentials bool
	HasSecret         bool
	Token             TokenState
}

// ScopeList is the row's scopes.
func (r *ProfileSummary) ScopeList() []string { return splitList(r.Scopes) }

// TagList is the row's tags.
func (r *ProfileSummary) TagList() []string { return splitList(r.Tags) }

// TokenState is a profile's token without the tokens themselves.
type TokenState struct {
	// Present is false when the profile has no token row at all.
	Present bool
	// HasAccess and HasRefresh say whether an access and a refresh token
	// are stored.
	HasAccess  bool
	HasRefresh bool
	Health     model.Health
	// Expires, Obtained and LastRefresh (the last refresh ztm made) are
	// Unix milliseconds, 0 when unknown; the methods of the same names
	// with At give them as times.
	Expires     int64
	Obtained    int64
	LastRefresh int64
}

// ExpiresAt is when the access token expires.
func (s *TokenState) ExpiresAt() time.Time { return fromMillis(s.Expires) }

// ObtainedAt is when the access token was issued.
func (s *TokenState) ObtainedAt() time.Time { return fromMillis(s.Obtained) }

// LastRefreshAt is the last refresh ztm made; zero when none.
func (s *TokenState) LastRefreshAt() time.Time { return fromMillis(s.LastRefresh) }

// summaryText lists the text fields of a row in the order they are packed
// (see profilerows.go for why they are packed).
var summaryText = []string{
	"p.name", "p.dc", "p.account", "p.client_id", "p.client_type", "p.environment",
	"p.scopes", "p.tags", "t.health",
}

// summarySelect reads rows; the secrets are compared in SQLite, so that only
// whether they are there crosses into Go.
var summarySelect = `SELECT p.id, p.keep_alive, p.client_credentials, p.client_secret != '',
	t.profile_id, t.access_token != '', t.refresh_token != '', t.expires_at, t.obtained_at,
	t.last_refresh_at, concat(` + packExpr(summaryText) + `)
	FROM profiles p LEFT JOIN tokens t ON t.profile_id = p.id`

// ProfileCount is how many profiles the vault holds.
func (t *Tx) ProfileCount() (int, error) {
	var n int
	err := t.queryRow("SELECT count(*) FROM profiles").Scan(&n)
	return n, err
}

// FirstProfileSummaries returns the first n profiles in name order (ignoring
// case, as names are unique), from the name's index: a list's first
// screen, at the cost of n rows whatever the vault's size.
func (t *Tx) FirstProfileSummaries(n int) ([]ProfileSummary, error) {
	return t.profileSummaries(n, summarySelect+` ORDER BY p.name LIMIT ?`, n)
}

// ProfileSummaries returns every profile's row in storage order (the order in
// which they read fastest; callers sort them as they show them).
func (t *Tx) ProfileSummaries() ([]ProfileSummary, error) {
	n, err := t.ProfileCount()
	if err != nil {
		return nil, err
	}
	return t.profileSummaries(n, summarySelect+` ORDER BY p.id`)
}

// profileSummaries runs a row query; size is the number of rows expected, so
// the slice is allocated once.
func (t *Tx) profileSummaries(size int, query string, args ...any) ([]ProfileSummary, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]ProfileSummary, 0, size)
	for rows.Next() {
		out = append(out, ProfileSummary{})
		if err := scanSummary(rows, &out[len(out)-1]); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

func scanSummary(r rowScanner, p *ProfileSummary) error {
	var keepAlive, clientCreds, hasSecret int
	var tokID, hasAccess, hasRefresh, expires, obtained, lastRefresh sql.NullInt64
	var packed string
	err := r.Scan(&p.ID, &keepAlive, &clientCreds, &hasSecret, &tokID, &hasAccess, &hasRefresh,
		&expires, &obtained, &lastRefresh, &packed)
	if err != nil {
		return err
	}
	var clientType, env, health string
	if err := unpack(packed, &p.Name, &p.DC, &p.Account, &p.ClientID, &clientType, &env, &p.Scopes, &p.Tags, &health); err != nil {
		return fmt.Errorf("%w (profile id %d)", err, p.ID)
	}
	p.ClientType, p.Environment = model.ClientType(clientType), model.Environment(env)
	p.KeepAlive, p.ClientCredentials, p.HasSecret = keepAlive != 0, clientCreds != 0, hasSecret != 0
	if tokID.Valid {
		p.Token = TokenState{
			Present: true, HasAccess: hasAccess.Int64 != 0, HasRefresh: hasRefresh.Int64 != 0,
			Expires: expires.Int64, Obtained: obtained.Int64, LastRefresh: lastRefresh.Int64,
			Health: model.Health(health),
		}
	}
	return nil
}
