package vault

import (
	"time"

	"ztm/model"
)

// eventsPerProfile caps the audit trail: enough for a long history and for
// the refresh budget (10 in 10 minutes), small enough to keep saves fast.
const eventsPerProfile = 200

// AddEvent appends to the audit trail, stamping the event with the
// transaction's time when it has none, and trims the profile's oldest
// events past the cap.
func (t *Tx) AddEvent(e model.Event) error {
	if e.At.IsZero() {
		e.At = t.now
	}
	if _, err := t.exec(`INSERT INTO events(profile, at, kind, detail) VALUES(?,?,?,?)`,
		e.Profile, millis(e.At), string(e.Kind), e.Detail); err != nil {
		return err
	}
	_, err := t.exec(`DELETE FROM events WHERE profile = ? AND id NOT IN
		(SELECT id FROM events WHERE profile = ? ORDER BY at DESC, id DESC LIMIT ?)`,
		e.Profile, e.Profile, eventsPerProfile)
	return err
}

// Events returns the newest events first, for one profile or (name "") all.
func (t *Tx) Events(profile string, limit int) ([]model.Event, error) {
	q := `SELECT profile, at, kind, detail FROM events`
	args := []any{}
	if profile != "" {
		q += ` WHERE profile = ?`
		args = append(args, profile)
	}
	q += ` ORDER BY at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Event
	for rows.Next() {
		var e model.Event
		var at int64
		var kind string
		if err := rows.Scan(&e.Profile, &at, &kind, &e.Detail); err != nil {
			return nil, err
		}
		e.At, e.Kind = fromMillis(at), model.EventKind(kind)
		out = append(out, e)
	}
	return out, rows.Err()
}

// budgetEvents selects the events that spent Zoho's refresh budget: every
// refresh, and every recorded refresh failure (Zoho counts the requests it
// refused too).
const budgetEvents = `(kind = 'refresh' OR (kind = 'failure' AND detail LIKE 'refresh:%'))`

// RefreshBudget reports how much of Zoho's refresh budget the profile has
// used in the window before the transaction's time.
func (t *Tx) RefreshBudget(profile string) (model.RefreshBudget, error) {
	rows, err := t.query(`SELECT at FROM events
		WHERE profile = ? AND at > ? AND `+budgetEvents,
		profile, millis(t.now.Add(-model.RefreshWindow)))
	if err != nil {
		return model.RefreshBudget{}, err
	}
	defer rows.Close()
	var times []time.Time
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return model.RefreshBudget{}, err
		}
		times = append(times, fromMillis(at))
	}
	return model.BudgetAt(times, t.now), rows.Err()
}

// RefreshBudgets is [Tx.RefreshBudget] for every profile at once, in one
// query, for the dashboard.
func (t *Tx) RefreshBudgets() (map[string]model.RefreshBudget, error) {
	rows, err := t.query(`SELECT profile, at FROM events WHERE at > ? AND `+budgetEvents,
		millis(t.now.Add(-model.RefreshWindow)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	times := map[string][]time.Time{}
	for rows.Next() {
		var name string
		var at int64
		if err := rows.Scan(&name, &at); err != nil {
			return nil, err
		}
		times[name] = append(times[name], fromMillis(at))
	}
	out := make(map[string]model.RefreshBudget, len(times))
	for name, ts := range times {
		out[name] = model.BudgetAt(ts, t.now)
	}
	return out, rows.Err()
}
