package vault

import (
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"ztm/model"
)

// Profiles returns every profile with its token, sorted by name.
func (t *Tx) Profiles() ([]model.Profile, error) {
	// Sized once: a Profile is large, and growing the slice by doubling
	// copied each one several times.
	var n int
	if err := t.queryRow("SELECT count(*) FROM profiles").Scan(&n); err != nil {
		return nil, err
	}
	rows, err := t.query(profileSelect + ` ORDER BY p.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]model.Profile, 0, n)
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
	p, err := scanProfileColumns(t.queryRow(profileColumns+` WHERE p.name = ?`, name))
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
