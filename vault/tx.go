package vault

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// Tx is a view of the vault inside [Vault.View] or [Vault.Update]. Its
// methods must not be used after the function it was given to returns.
type Tx struct {
	// tx is the transaction of a change, or the bare connection of a
	// View: the vault's mutex already keeps writers out of a read, and a
	// BEGIN and ROLLBACK cost as much as the lookup of ztm token.
	tx       querier
	ctx      context.Context
	now      time.Time
	readOnly bool
	// touched collects the tables a change writes, for the save's check.
	touched map[string]bool
	// mem, in a View, caches the statements of reads.
	mem *memDB
}

// query runs a read, through a cached statement in a View (inside a
// change the transaction would have to prepare it again anyway).
func (t *Tx) query(query string, args ...any) (*sql.Rows, error) {
	if t.mem != nil {
		st, err := t.mem.stmt(t.ctx, query)
		if err != nil {
			return nil, err
		}
		return st.QueryContext(t.ctx, args...)
	}
	return t.tx.QueryContext(t.ctx, query, args...)
}

// queryRow is [Tx.query] for one row.
func (t *Tx) queryRow(query string, args ...any) rowScanner {
	if t.mem != nil {
		st, err := t.mem.stmt(t.ctx, query)
		if err != nil {
			return errRow{err}
		}
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

// errRow is a row whose query could not be prepared.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// Now is the instant the transaction started, from the vault's clock.
func (t *Tx) Now() time.Time { return t.now }

// querier is what *sql.Tx and *sql.Conn have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var errReadOnly = errors.New("vault: a change was attempted inside View; use Update")

func (t *Tx) exec(query string, args ...any) (sql.Result, error) {
	if t.readOnly {
		return nil, errReadOnly
	}
	if t.touched != nil {
		for _, table := range writtenTables(query) {
			t.touched[table] = true
		}
	}
	return t.tx.ExecContext(t.ctx, query, args...)
}

// writtenTables names the tables a statement of ours writes: the one after
// INSERT INTO, UPDATE or DELETE FROM, and tokens when profiles are deleted
// (ON DELETE CASCADE). A statement of another shape yields "*": check all.
func writtenTables(query string) []string {
	f := strings.Fields(query)
	var table string
	switch {
	case len(f) >= 3 && strings.EqualFold(f[0], "INSERT") && strings.EqualFold(f[1], "INTO"),
		len(f) >= 3 && strings.EqualFold(f[0], "DELETE") && strings.EqualFold(f[1], "FROM"):
		table = f[2]
	case len(f) >= 2 && strings.EqualFold(f[0], "UPDATE"):
		table = f[1]
	default:
		return []string{"*"}
	}
	if i := strings.IndexByte(table, '('); i >= 0 {
		table = table[:i]
	}
	if table == "profiles" {
		return []string{"profiles", "tokens"}
	}
	return []string{table}
}

// Setting returns a setting's value, or "" and false when unset.
func (t *Tx) Setting(key string) (string, bool, error) {
	var v string
	err := t.queryRow("SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

// SetSetting stores a setting; an empty value deletes it.
func (t *Tx) SetSetting(key, value string) error {
	if value == "" {
		_, err := t.exec("DELETE FROM settings WHERE key = ?", key)
		return err
	}
	_, err := t.exec(`INSERT INTO settings(key, value) VALUES(?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE value != excluded.value`, key, value)
	return err
}

// meta returns a meta value, or "".
func (t *Tx) meta(key string) string {
	var v string
	t.queryRow("SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	return v
}

func (t *Tx) setMeta(key, value string) error {
	_, err := t.exec(`INSERT INTO meta(key, value) VALUES(?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE value != excluded.value`, key, value)
	return err
}

// Recipients lists the public keys the vault is encrypted to.
func (t *Tx) Recipients() []string {
	var out []string
	for _, line := range strings.Split(t.meta("recipients"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// Info describes the vault for `ztm vault info`.
type Info struct {
	ID         string
	Schema     int
	Generation int64
	CreatedAt  time.Time
	Profiles   int
	Recipients []string
}

// Info reads the vault's description.
func (t *Tx) Info() (Info, error) {
	var in Info
	in.ID = t.meta("vault_id")
	in.Recipients = t.Recipients()
	created := t.meta("created_at")
	if ms, err := parseInt(created); err == nil {
		in.CreatedAt = fromMillis(ms)
	}
	in.Generation, _ = parseInt(t.meta("generation"))
	if err := t.tx.QueryRowContext(t.ctx, "PRAGMA user_version").Scan(&in.Schema); err != nil {
		return in, err
	}
	err := t.tx.QueryRowContext(t.ctx, "SELECT count(*) FROM profiles").Scan(&in.Profiles)
	return in, err
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

func joinList(list []string) string { return strings.Join(list, ",") }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
