package vault

import (
	"database/sql"
	"errors"
	"time"
)

// MaxRefreshTokens is Zoho's limit of refresh tokens per user and client:
// a consent past it silently deletes the oldest.
const MaxRefreshTokens = 20

// RecordGrant notes that a consent gave profile a new refresh token for
// clientID.
func (t *Tx) RecordGrant(profile, clientID string) error {
	_, err := t.exec(`INSERT INTO grants(client_id, profile, at) VALUES(?,?,?)`, clientID, profile, millis(t.now))
	return err
}

// RevokeGrants notes that the refresh tokens profile held were revoked at
// Zoho: all of them, or all but the newest (after a new consent replaced
// the old token).
func (t *Tx) RevokeGrants(profile string, keepNewest bool) error {
	q := `UPDATE grants SET revoked_at = ? WHERE profile = ? AND revoked_at = 0`
	if keepNewest {
		q += ` AND id != (SELECT max(id) FROM grants WHERE profile = ?)`
	}
	_, err := t.exec(q, millis(t.now), profile, profile)
	return err
}

// GrantCount says how many refresh tokens ztm obtained for clientID that
// were never revoked, and which profile holds the oldest (the one Zoho
// deletes first). Zoho counts per user too; ztm cannot see the user before
// the consent, so this is an upper bound across the users of the vault.
type GrantCount struct {
	Live          int
	OldestProfile string
	OldestAt      time.Time
}

// LiveGrants counts the refresh tokens ztm holds for clientID.
func (t *Tx) LiveGrants(clientID string) (GrantCount, error) {
	var g GrantCount
	err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM grants WHERE client_id = ? AND revoked_at = 0`, clientID).Scan(&g.Live)
	if err != nil || g.Live == 0 {
		return g, err
	}
	var at int64
	err = t.tx.QueryRowContext(t.ctx, `SELECT profile, at FROM grants WHERE client_id = ? AND revoked_at = 0
		ORDER BY at, id LIMIT 1`, clientID).Scan(&g.OldestProfile, &at)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	g.OldestAt = fromMillis(at)
	return g, err
}
