package vault

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"ztm/model"
)

const profileColumns = `p.id, p.name, p.dc, p.accounts_server, p.api_domain, p.client_type,
	p.client_id, p.client_secret, p.redirect_uri, p.scopes, p.consent, p.account, p.tags,
	p.notes, p.keep_alive, p.environment, p.client_credentials, p.soid, p.created_at, p.updated_at,
	t.profile_id, t.access_token, t.refresh_token, t.token_type, t.expires_at, t.obtained_at,
	t.granted_scopes, t.health, t.last_refresh_at, t.last_error`

const profileQuery = `SELECT ` + profileColumns + ` FROM profiles p LEFT JOIN tokens t ON t.profile_id = p.id`

type rowScanner interface{ Scan(dest ...any) error }

func scanProfile(r rowScanner) (model.Profile, error) {
	var p model.Profile
	var scopes, tags, clientType, consent, env string
	var keepAlive, clientCreds int
	var created, updated int64
	var tokID sql.NullInt64
	var access, refresh, typ, granted, health, lastErr sql.NullString
	var expires, obtained, lastRefresh sql.NullInt64
	err := r.Scan(&p.ID, &p.Name, &p.DC, &p.AccountsServer, &p.APIDomain, &clientType,
		&p.ClientID, &p.ClientSecret, &p.RedirectURI, &scopes, &consent, &p.Account, &tags,
		&p.Notes, &keepAlive, &env, &clientCreds, &p.SOID, &created, &updated,
		&tokID, &access, &refresh, &typ, &expires, &obtained, &granted, &health, &lastRefresh, &lastErr)
	if err != nil {
		return p, err
	}
	p.ClientType, p.Consent = model.ClientType(clientType), model.Consent(consent)
	p.Scopes, p.Tags = splitList(scopes), splitList(tags)
	p.KeepAlive, p.ClientCredentials = keepAlive != 0, clientCreds != 0
	p.Environment = model.Environment(env)
	p.CreatedAt, p.UpdatedAt = fromMillis(created), fromMillis(updated)
	if tokID.Valid {
		p.Token = &model.Token{
			AccessToken: access.String, RefreshToken: refresh.String, TokenType: typ.String,
			ExpiresAt: fromMillis(expires.Int64), ObtainedAt: fromMillis(obtained.Int64),
			GrantedScopes: splitList(granted.String), Health: model.Health(health.String),
			LastRefreshAt: fromMillis(lastRefresh.Int64), LastError: lastErr.String,
		}
	}
	return p, nil
}

// Profiles returns every profile with its token, sorted by name.
func (t *Tx) Profiles() ([]model.Profile, error) {
	rows, err := t.tx.QueryContext(t.ctx, profileQuery+` ORDER BY p.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Profile
	for rows.Next() {
		p, err := scanProfile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Profile returns the profile named name (ignoring case), or an error
// wrapping [ErrNoProfile].
func (t *Tx) Profile(name string) (model.Profile, error) {
	p, err := scanProfile(t.tx.QueryRowContext(t.ctx, profileQuery+` WHERE p.name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("%w %q: ztm list shows the profiles there are", ErrNoProfile, name)
	}
	return p, err
}

// CreateProfile validates and stores a new profile, setting its ID and
// timestamps. A token on p is stored too.
func (t *Tx) CreateProfile(p *model.Profile) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if _, err := t.Profile(p.Name); err == nil {
		return fmt.Errorf("%w: %q; pick another name or remove the old one", ErrProfileExists, p.Name)
	}
	p.CreatedAt, p.UpdatedAt = t.now, t.now
	res, err := t.exec(`INSERT INTO profiles(name, dc, accounts_server, api_domain, client_type,
		client_id, client_secret, redirect_uri, scopes, consent, account, tags, notes, keep_alive,
		environment, client_credentials, soid, created_at, updated_at)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		p.Name, p.DC, p.AccountsServer, p.APIDomain, string(p.ClientType), p.ClientID,
		p.ClientSecret, p.RedirectURI, joinList(p.Scopes), string(p.Consent), p.Account,
		joinList(p.Tags), p.Notes, boolInt(p.KeepAlive), string(p.Environment),
		boolInt(p.ClientCredentials), p.SOID, millis(p.CreatedAt), millis(p.UpdatedAt))
	if err != nil {
		return err
	}
	if p.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	if p.Token != nil {
		if err := t.putToken(p.ID, *p.Token); err != nil {
			return err
		}
	}
	return t.AddEvent(model.Event{Profile: p.Name, Kind: model.EventCreate, Detail: p.ClientType.Label() + " client in " + p.DC})
}

// UpdateProfile stores every field of p (found by ID) except the token.
func (t *Tx) UpdateProfile(p *model.Profile) error {
	if err := p.Validate(); err != nil {
		return err
	}
	p.UpdatedAt = t.now
	res, err := t.exec(`UPDATE profiles SET name=?, dc=?, accounts_server=?, api_domain=?,
		client_type=?, client_id=?, client_secret=?, redirect_uri=?, scopes=?, consent=?,
		account=?, tags=?, notes=?, keep_alive=?, environment=?, client_credentials=?, soid=?,
		updated_at=? WHERE id=?`,
		p.Name, p.DC, p.AccountsServer, p.APIDomain, string(p.ClientType), p.ClientID,
		p.ClientSecret, p.RedirectURI, joinList(p.Scopes), string(p.Consent), p.Account,
		joinList(p.Tags), p.Notes, boolInt(p.KeepAlive), string(p.Environment),
		boolInt(p.ClientCredentials), p.SOID, millis(p.UpdatedAt), p.ID)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return fmt.Errorf("%w: %q; pick another name", ErrProfileExists, p.Name)
		}
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w %q (it was removed meanwhile)", ErrNoProfile, p.Name)
	}
	return nil
}

// RenameProfile renames a profile and its events.
func (t *Tx) RenameProfile(oldName, newName string) error {
	p, err := t.Profile(oldName)
	if err != nil {
		return err
	}
	if err := model.ValidateName(newName); err != nil {
		return err
	}
	if other, err := t.Profile(newName); err == nil && other.ID != p.ID {
		return fmt.Errorf("%w: %q; pick another name", ErrProfileExists, newName)
	}
	if _, err := t.exec(`UPDATE profiles SET name = ?, updated_at = ? WHERE id = ?`, newName, millis(t.now), p.ID); err != nil {
		return err
	}
	for _, table := range []string{"events", "grants"} {
		if _, err := t.exec(`UPDATE `+table+` SET profile = ? WHERE profile = ?`, newName, p.Name); err != nil {
			return err
		}
	}
	return t.AddEvent(model.Event{Profile: newName, Kind: model.EventEdit, Detail: "renamed from " + p.Name})
}

// DeleteProfile removes a profile and its tokens. secure_delete overwrites
// the freed pages, so the secrets leave the database image too.
func (t *Tx) DeleteProfile(name string) error {
	p, err := t.Profile(name)
	if err != nil {
		return err
	}
	if _, err := t.exec(`DELETE FROM profiles WHERE id = ?`, p.ID); err != nil {
		return err
	}
	return t.AddEvent(model.Event{Profile: p.Name, Kind: model.EventDelete})
}

// SetToken replaces the profile's token.
func (t *Tx) SetToken(name string, tok model.Token) error {
	p, err := t.Profile(name)
	if err != nil {
		return err
	}
	return t.putToken(p.ID, tok)
}

// ClearToken forgets the profile's tokens (after a revoke, say).
func (t *Tx) ClearToken(name string) error {
	p, err := t.Profile(name)
	if err != nil {
		return err
	}
	_, err = t.exec(`DELETE FROM tokens WHERE profile_id = ?`, p.ID)
	return err
}

func (t *Tx) putToken(id int64, tok model.Token) error {
	_, err := t.exec(`INSERT INTO tokens(profile_id, access_token, refresh_token, token_type,
		expires_at, obtained_at, granted_scopes, health, last_refresh_at, last_error)
		VALUES(?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(profile_id) DO UPDATE SET access_token=excluded.access_token,
		refresh_token=excluded.refresh_token, token_type=excluded.token_type,
		expires_at=excluded.expires_at, obtained_at=excluded.obtained_at,
		granted_scopes=excluded.granted_scopes, health=excluded.health,
		last_refresh_at=excluded.last_refresh_at, last_error=excluded.last_error`,
		id, tok.AccessToken, tok.RefreshToken, tok.TokenType, millis(tok.ExpiresAt),
		millis(tok.ObtainedAt), joinList(tok.GrantedScopes), string(tok.Health),
		millis(tok.LastRefreshAt), tok.LastError)
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func parseInt(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
