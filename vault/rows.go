package vault

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
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

// A row is read as one text column, its fields joined by the unit
// separator (char 31): at 10,000 profiles that is a third cheaper for
// SQLite than the length-prefixed packing of profilerows.go, and one
// column is one round of driver calls. Stored text may hold the separator
// (nothing stops a vault written elsewhere from having it), which shows
// as a row with too many fields: that row alone is read again with the
// lengths (rowByID). Integers and the flags come first; the token's
// fields are coalesced because concat_ws skips NULLs.
const (
	rowSep    = "\x1f"
	rowNumber = 8 // the integer fields before the text
	rowFrom   = ` FROM profiles p LEFT JOIN tokens t ON t.profile_id = p.id`
	rowInts   = `p.id, p.keep_alive, p.client_credentials, t.profile_id IS NOT NULL,
	coalesce(t.access_token != '', 0), coalesce(t.refresh_token != '', 0),
	coalesce(t.expires_at, 0), coalesce(t.last_refresh_at, 0)`
)

// The text fields: the table's first, AllColumns' after them.
var (
	rowTableText = []string{"p.name", "p.dc", "p.account", "p.environment", "p.client_type", "p.tags", "coalesce(t.health, '')"}
	rowMoreText  = []string{"p.accounts_server", "p.api_domain", "p.client_id", "p.redirect_uri", "p.notes", "p.soid", "p.consent", "p.scopes"}
	rowAllText   = append(append([]string(nil), rowTableText...), rowMoreText...)
)

// rowQueries read every row, in name order; rowByID reads one row with
// its text length-prefixed (profilerows.go), which no content can confuse.
var rowQueries = [...]string{
	TableColumns: `SELECT concat_ws(char(31), ` + rowInts + `, ` + strings.Join(rowTableText, ", ") + `)` + rowFrom + ` ORDER BY p.name`,
	AllColumns:   `SELECT concat_ws(char(31), ` + rowInts + `, ` + strings.Join(rowAllText, ", ") + `)` + rowFrom + ` ORDER BY p.name`,
}
var rowByID = [...]string{
	TableColumns: `SELECT ` + rowInts + `, concat(` + packExpr(rowTableText) + `)` + rowFrom + ` WHERE p.id = ?`,
	AllColumns:   `SELECT ` + rowInts + `, concat(` + packExpr(rowAllText) + `)` + rowFrom + ` WHERE p.id = ?`,
}

// rowReader fills one reused row from the rows of a read.
type rowReader struct {
	t    *Tx
	cols RowColumns
	r    ProfileRow
	ints [rowNumber]int64
	// text are where the text fields go, in query order; fields is the
	// split of the current row, reused.
	text                                      []*string
	tags, consent, scopes, env, ctype, health string
	fields                                    []string
}

func newRowReader(t *Tx, cols RowColumns) *rowReader {
	rr := &rowReader{t: t, cols: cols}
	r := &rr.r
	rr.text = []*string{&r.Name, &r.DC, &r.Account, &rr.env, &rr.ctype, &rr.tags, &rr.health}
	if cols == AllColumns {
		rr.text = append(rr.text, &r.AccountsServer, &r.APIDomain, &r.ClientID, &r.RedirectURI, &r.Notes, &r.SOID, &rr.consent, &rr.scopes)
	}
	rr.fields = make([]string, 0, rowNumber+len(rr.text)+1)
	return rr
}

// parse fills the row from one joined row of text.
func (rr *rowReader) parse(joined string) error {
	f := rr.fields[:0]
	for len(f) < cap(f)-1 {
		i := strings.Index(joined, rowSep)
		if i < 0 {
			break
		}
		f, joined = append(f, joined[:i]), joined[i+1:]
	}
	f = append(f, joined)
	for i := range min(rowNumber, len(f)) {
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return errPacked
		}
		rr.ints[i] = n
	}
	if len(f) != rowNumber+len(rr.text) || strings.Contains(joined, rowSep) {
		return rr.reread(len(f) > 0)
	}
	for i, d := range rr.text {
		*d = f[rowNumber+i]
	}
	rr.fill()
	return nil
}

// reread reads the current row again with its text length-prefixed: some
// field holds the separator.
func (rr *rowReader) reread(haveID bool) error {
	if !haveID {
		return errPacked
	}
	var packed string
	i := &rr.ints
	err := rr.t.queryRow(rowByID[rr.cols], i[0]).Scan(&i[0], &i[1], &i[2], &i[3], &i[4], &i[5], &i[6], &i[7], &packed)
	if err != nil {
		return err
	}
	if err := unpack(packed, rr.text...); err != nil {
		return err
	}
	rr.fill()
	return nil
}

// fill sets the row's typed fields from the integers and text read.
func (rr *rowReader) fill() {
	r, i := &rr.r, &rr.ints
	r.ID, r.KeepAlive, r.ClientCredentials = i[0], i[1] != 0, i[2] != 0
	r.HasToken, r.HasAccessToken, r.HasRefreshToken = i[3] != 0, i[4] != 0, i[5] != 0
	r.ExpiresAt, r.LastRefreshAt = fromMillis(i[6]), fromMillis(i[7])
	r.Environment, r.ClientType, r.Health = model.Environment(rr.env), model.ClientType(rr.ctype), model.Health(rr.health)
	r.Tags, r.Consent, r.Scopes = splitList(rr.tags), model.Consent(rr.consent), splitList(rr.scopes)
}

// EachProfileRow calls fn with each profile's row, in name order, until fn
// returns an error, which it returns. The row is reused: fn must not keep
// r (a copy of *r may be kept). Only the columns cols names are read.
//
// SQLite evaluates the rows on a goroutine of its own, handing them over
// in batches, while fn's goroutine parses them and runs fn: on two cores
// the listing's own work no longer waits for SQLite's. fn is called in
// the caller's goroutine.
func (t *Tx) EachProfileRow(cols RowColumns, fn func(r *ProfileRow) error) error {
	if int(cols) >= len(rowQueries) {
		return fmt.Errorf("vault: no row columns %d", cols)
	}
	rows, err := t.query(rowQueries[cols])
	if err != nil {
		return err
	}
	batches, stop := make(chan []string, 2), make(chan struct{})
	var readErr error
	go func() {
		defer close(batches)
		readErr = readRowBatches(rows, batches, stop)
	}()
	rr := newRowReader(t, cols)
	err = func() error {
		for batch := range batches {
			for _, joined := range batch {
				if err := rr.parse(joined); err != nil {
					return err
				}
				if err := fn(&rr.r); err != nil {
					return err
				}
			}
		}
		return nil
	}()
	close(stop)
	for range batches {
		// The reader stops at its next batch; rows are its until then.
	}
	rows.Close()
	if err != nil {
		return err
	}
	return readErr
}

// rowBatch is how many rows the reader hands over at once.
const rowBatch = 256

// readRowBatches reads the joined rows into batches until the rows end or
// stop is closed.
func readRowBatches(rows *sql.Rows, batches chan<- []string, stop <-chan struct{}) error {
	batch := make([]string, 0, rowBatch)
	send := func() bool {
		select {
		case batches <- batch:
			batch = make([]string, 0, rowBatch)
			return true
		case <-stop:
			return false
		}
	}
	for rows.Next() {
		var joined string
		if err := rows.Scan(&joined); err != nil {
			return err
		}
		if batch = append(batch, joined); len(batch) == rowBatch && !send() {
			return nil
		}
	}
	if len(batch) > 0 {
		send()
	}
	return rows.Err()
}

// EachProfileRow is [Tx.EachProfileRow] on the vault as loaded in memory.
// The vault is held for reading until the last call of fn returns.
func (v *Vault) EachProfileRow(cols RowColumns, fn func(r *ProfileRow) error) error {
	return v.View(func(tx *Tx) error { return tx.EachProfileRow(cols, fn) })
}
