package vault

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"ztm/model"
)

// A list of profiles is read as nine integer columns and one text column packing
// every text field, each as its length in bytes, ':', and the bytes
// (SQLite's concat skips NULLs, so a missing token's fields read as empty).
// Each column the driver fetches costs a round of calls into SQLite, each
// taking the connection's mutex (modernc opens every connection in
// full-mutex mode, with no way to ask otherwise), and a string
// allocation; with 30 columns that was most of the time of listing 10,000
// profiles. One packed column halves it, and its fields share one string.

// packedText lists the text fields in the order they are packed.
var packedText = []string{
	"p.name", "p.dc", "p.accounts_server", "p.api_domain", "p.client_type", "p.client_id",
	"p.client_secret", "p.redirect_uri", "p.scopes", "p.consent", "p.account", "p.tags",
	"p.notes", "p.environment", "p.soid",
	"t.access_token", "t.refresh_token", "t.token_type", "t.granted_scopes", "t.health", "t.last_error",
}

const profileQuery = `SELECT p.id, p.keep_alive, p.client_credentials, p.created_at, p.updated_at,
	t.profile_id, t.expires_at, t.obtained_at, t.last_refresh_at, concat(` + "%s" + `)
	FROM profiles p LEFT JOIN tokens t ON t.profile_id = p.id`

var profileSelect = fmt.Sprintf(profileQuery, packExpr(packedText))

func packExpr(cols []string) string {
	parts := make([]string, 0, 3*len(cols))
	for _, c := range cols {
		parts = append(parts, "octet_length("+c+")", "':'", c)
	}
	return strings.Join(parts, ", ")
}

type rowScanner interface{ Scan(dest ...any) error }

// profileColumns reads one profile column by column. A lookup of one
// profile (ztm token, once per process) uses it: its statement is
// quicker for SQLite to compile than the packed one, and for one row the
// per-column cost does not matter.
const profileColumns = `SELECT p.id, p.name, p.dc, p.accounts_server, p.api_domain, p.client_type,
	p.client_id, p.client_secret, p.redirect_uri, p.scopes, p.consent, p.account, p.tags,
	p.notes, p.keep_alive, p.environment, p.client_credentials, p.soid, p.created_at, p.updated_at,
	t.profile_id, t.access_token, t.refresh_token, t.token_type, t.expires_at, t.obtained_at,
	t.granted_scopes, t.health, t.last_refresh_at, t.last_error
	FROM profiles p LEFT JOIN tokens t ON t.profile_id = p.id`

func scanProfileColumns(r rowScanner) (model.Profile, error) {
	var p model.Profile
	var scopes, tags, clientType, consent, env string
	var keepAlive, clientCreds int
	var created, updated int64
	var tokID, expires, obtained, lastRefresh sql.NullInt64
	var access, refresh, typ, granted, health, lastErr sql.NullString
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

func scanProfile(r rowScanner) (model.Profile, error) {
	var p model.Profile
	var keepAlive, clientCreds int
	var created, updated int64
	var tokID, expires, obtained, lastRefresh sql.NullInt64
	var packed string
	err := r.Scan(&p.ID, &keepAlive, &clientCreds, &created, &updated,
		&tokID, &expires, &obtained, &lastRefresh, &packed)
	if err != nil {
		return p, err
	}
	var clientType, scopes, consent, tags, env string
	var tok model.Token
	var granted, health string
	err = unpack(packed, &p.Name, &p.DC, &p.AccountsServer, &p.APIDomain, &clientType, &p.ClientID,
		&p.ClientSecret, &p.RedirectURI, &scopes, &consent, &p.Account, &tags,
		&p.Notes, &env, &p.SOID,
		&tok.AccessToken, &tok.RefreshToken, &tok.TokenType, &granted, &health, &tok.LastError)
	if err != nil {
		return p, err
	}
	p.ClientType, p.Consent = model.ClientType(clientType), model.Consent(consent)
	p.Scopes, p.Tags = splitList(scopes), splitList(tags)
	p.KeepAlive, p.ClientCredentials = keepAlive != 0, clientCreds != 0
	p.Environment = model.Environment(env)
	p.CreatedAt, p.UpdatedAt = fromMillis(created), fromMillis(updated)
	if tokID.Valid {
		tok.ExpiresAt, tok.ObtainedAt = fromMillis(expires.Int64), fromMillis(obtained.Int64)
		tok.GrantedScopes, tok.Health = splitList(granted), model.Health(health)
		tok.LastRefreshAt = fromMillis(lastRefresh.Int64)
		p.Token = &tok
	}
	return p, nil
}

// errPacked says a packed row does not parse, which only a damaged
// database (or one in another text encoding, refused at load) can cause.
var errPacked = fmt.Errorf("%w: a profile's row is malformed", ErrCorrupt)

// unpack splits a packed row into dst, in order.
func unpack(s string, dst ...*string) error {
	for _, d := range dst {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			return errPacked
		}
		n := 0
		if i > 0 {
			var err error
			if n, err = strconv.Atoi(s[:i]); err != nil || n < 0 {
				return errPacked
			}
		}
		s = s[i+1:]
		if n > len(s) {
			return errPacked
		}
		*d, s = s[:n], s[n:]
	}
	if s != "" {
		return errPacked
	}
	return nil
}
