package vault

import (
	"fmt"
	"time"

	"ztm/model"
)

// A listing (ztm list, list --json) reads profiles as rows: the fields it
// prints and no secret, one at a time in name order, into one reused row.
// Materialising every model.Profile was most of the time and memory of a
// listing at 100,000 profiles (110 MB of heap, and each profile's secrets
// copied out of SQLite only to be dropped).

// RowColumns chooses which of a profile's fields a row read fills: fewer
// columns are less for SQLite to assemble.
type RowColumns uint8

const (
	// TableColumns are what `ztm list` prints: the name, data center,
	// environment, account, client type, tags, and the token's state.
	TableColumns RowColumns = iota
	// AllColumns are every field but the secrets (list --json): the
	// table's and the accounts server, API domain, client id, redirect
	// URI, scopes, consent, notes and soid.
	AllColumns
)

// ProfileRow is what a listing shows of a profile: never a secret. The
// token's secrets are only said to be there or not.
type ProfileRow struct {
	ID                int64
	Name, DC, Account string
	Environment       model.Environment
	ClientType        model.ClientType
	Tags              []string
	KeepAlive         bool
	ClientCredentials bool

	// Filled by AllColumns only.
	AccountsServer, APIDomain, ClientID, RedirectURI, Notes, SOID string
	Consent                                                       model.Consent
	Scopes                                                        []string

	// HasToken says the profile has a token row at all; HasAccessToken and
	// HasRefreshToken say which of its secrets are set.
	HasToken, HasAccessToken, HasRefreshToken bool
	ExpiresAt, LastRefreshAt                  time.Time
	Health                                    model.Health
}

// RefreshHealth is the refresh token's health as model.Token.RefreshHealth
// says it.
func (r *ProfileRow) RefreshHealth() model.Health {
	if !r.HasRefreshToken {
		return model.HealthMissing
	}
	// The rule is model's; a placeholder stands for the secret not read.
	return (&model.Token{RefreshToken: "-", Health: r.Health}).RefreshHealth()
}

// Remaining is the access token's life left at now, as
// model.Token.Remaining says it: 0 without an access token.
func (r *ProfileRow) Remaining(now time.Time) time.Duration {
	if !r.HasAccessToken {
		return 0
	}
	return r.ExpiresAt.Sub(now)
}

// GrantMethod is how the profile's tokens are granted, as
// model.Profile.GrantMethod says (it needs AllColumns: the redirect URI).
func (r *ProfileRow) GrantMethod() model.GrantMethod {
	return model.Profile{ClientType: r.ClientType, ClientCredentials: r.ClientCredentials, RedirectURI: r.RedirectURI}.GrantMethod()
}

// rowInts are the integer columns of a row read, in scan order.
const rowInts = `p.id, p.keep_alive, p.client_credentials, t.profile_id IS NOT NULL,
	coalesce(t.access_token != '', 0), coalesce(t.refresh_token != '', 0),
	coalesce(t.expires_at, 0), coalesce(t.last_refresh_at, 0)`

// The text columns are packed into one as Profiles packs them
// (profilerows.go); the table's first, AllColumns' after them.
var (
	rowTableText = []string{"p.name", "p.dc", "p.account", "p.environment", "p.client_type", "p.tags", "t.health"}
	rowMoreText  = []string{"p.accounts_server", "p.api_domain", "p.client_id", "p.redirect_uri", "p.notes", "p.soid", "p.consent", "p.scopes"}
)

var rowQueries = [...]string{
	TableColumns: rowQuery(rowTableText),
	AllColumns:   rowQuery(append(append([]string(nil), rowTableText...), rowMoreText...)),
}

func rowQuery(text []string) string {
	return `SELECT ` + rowInts + `, concat(` + packExpr(text) + `)
	FROM profiles p LEFT JOIN tokens t ON t.profile_id = p.id ORDER BY p.name`
}

// EachProfileRow calls fn with each profile's row, in name order, until fn
// returns an error, which it returns. The row is reused: fn must not keep
// r (a copy of *r may be kept). Only the columns cols names are read.
func (t *Tx) EachProfileRow(cols RowColumns, fn func(r *ProfileRow) error) error {
	if int(cols) >= len(rowQueries) {
		return fmt.Errorf("vault: no row columns %d", cols)
	}
	rows, err := t.query(rowQueries[cols])
	if err != nil {
		return err
	}
	defer rows.Close()
	var r ProfileRow
	var ints [8]int64
	var packed string
	var tags, consent, scopes, env, ctype, health string
	text := []*string{&r.Name, &r.DC, &r.Account, &env, &ctype, &tags, &health}
	if cols == AllColumns {
		text = append(text, &r.AccountsServer, &r.APIDomain, &r.ClientID, &r.RedirectURI, &r.Notes, &r.SOID, &consent, &scopes)
	}
	for rows.Next() {
		if err := rows.Scan(&ints[0], &ints[1], &ints[2], &ints[3], &ints[4], &ints[5], &ints[6], &ints[7], &packed); err != nil {
			return err
		}
		if err := unpack(packed, text...); err != nil {
			return err
		}
		r.ID, r.KeepAlive, r.ClientCredentials = ints[0], ints[1] != 0, ints[2] != 0
		r.HasToken, r.HasAccessToken, r.HasRefreshToken = ints[3] != 0, ints[4] != 0, ints[5] != 0
		r.ExpiresAt, r.LastRefreshAt = fromMillis(ints[6]), fromMillis(ints[7])
		r.Environment, r.ClientType, r.Health = model.Environment(env), model.ClientType(ctype), model.Health(health)
		r.Tags, r.Consent, r.Scopes = splitList(tags), model.Consent(consent), splitList(scopes)
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachProfileRow is [Tx.EachProfileRow] on the vault as loaded in memory.
// The vault is held for reading until the last call of fn returns.
func (v *Vault) EachProfileRow(cols RowColumns, fn func(r *ProfileRow) error) error {
	return v.View(func(tx *Tx) error { return tx.EachProfileRow(cols, fn) })
}
