package vault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"filippo.io/age"
)

// The Vault's side of a vault in PostgreSQL (store_pg.go is the store's):
// open, reload, save and lock, called where the file vault does the same.

// pgTimeout bounds one round trip that holds no lock.
const pgTimeout = 30 * time.Second

// pgQ is the connection a locked section holds, else the pool. Callers
// hold mu.
func (v *Vault) pgQ() pgQuerier {
	if v.pgq != nil {
		return v.pgq
	}
	return v.pg.pool
}

// reloadIfChangedPG reloads when the vault's version moved. Outside a
// locked section the listener's last word is enough when it is live, and
// nothing is asked while it is down after having been live; otherwise (a locked
// section, or a vault that never listened) the head is read (one small
// row). When PostgreSQL cannot be
// reached, a reader keeps what it holds: `ztm serve` goes on answering
// with the tokens it has, and catches up when the server returns.
func (v *Vault) reloadIfChangedPG() (bool, error) {
	var ver int64
	var err error
	switch {
	case v.pgq == nil && v.pg.live.Load():
		ver = v.pg.latest.Load()
	case v.pgq == nil && v.pg.wasLive.Load() && v.mem != nil:
		// The listener was live and is down: PostgreSQL is away or its
		// connection dropped. (Until it is live the first time, the head
		// is read: a grant made just before must be seen.) A round trip now could wait as long as a partition
		// lasts, holding mu, which every reader of a valid token needs;
		// and the listener reconnects every half second and reads the
		// head once back, so no save is missed for longer than that.
		return false, nil
	default:
		ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
		ver, err = v.pg.head(ctx, v.pgQ())
		cancel()
	}
	if err == nil && v.mem != nil && ver <= v.loaded.ver {
		return false, nil
	}
	if err == nil {
		if err = v.reload(); err == nil {
			return true, nil
		}
	}
	if v.pgq == nil && v.mem != nil && unreachable(err) {
		return false, nil
	}
	return true, err
}

// changedPG is Changed from the listener's word: no round trip.
func (v *Vault) changedPG() bool {
	v.pg.listen()
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.pg.latest.Load() > v.loaded.ver
}

// savePG encrypts the database into memory, checks that it decrypts to
// what was written, and saves it as the next version if nobody saved
// since this vault loaded (errConflict otherwise). Callers hold the lock.
func (v *Vault) savePG() error {
	if err := v.mem.checkChanges(); err != nil {
		return fmt.Errorf("%w: the database failed its check (%w); the vault in PostgreSQL is unchanged", ErrSave, err)
	}
	recipients, err := v.mem.recipients()
	if err == nil {
		err = v.step("encrypt")
	}
	if err != nil {
		return fmt.Errorf("%w: could not encrypt (%w); the vault in PostgreSQL is unchanged", ErrSave, err)
	}
	var buf bytes.Buffer
	sum, err := encryptTo(&buf, v.mem, recipients)
	if err == nil {
		err = verifyStream(bytes.NewReader(buf.Bytes()), sum, v.key.identities)
	}
	if err != nil {
		return fmt.Errorf("%w: could not encrypt (%w); the vault in PostgreSQL is unchanged", ErrSave, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	ver, err := v.pg.put(ctx, v.pgQ(), v.loaded.ver, buf.Bytes())
	if err != nil {
		return err
	}
	v.loaded = stamp{ver: ver}
	// What this process saved is what the next reader here would fetch.
	writeCache(v.cache, ver, buf.Bytes())
	return nil
}

// encryptTo streams the database, encrypted to recipients, into w.
func encryptTo(w *bytes.Buffer, m *memDB, recipients []age.Recipient) (imageSum, error) {
	aw, err := age.Encrypt(w, recipients...)
	if err != nil {
		return imageSum{}, err
	}
	sum, err := m.writeImage(aw, nil)
	if err != nil {
		return imageSum{}, err
	}
	return sum, aw.Close()
}

// dropOldPG deletes the versions before the current one (the backup),
// after a recipient was removed: they are encrypted to the removed key.
func (v *Vault) dropOldPG() (BackupFate, error) {
	ctx, cancel := context.WithTimeout(context.Background(), pgTimeout)
	defer cancel()
	tag, err := v.pgQ().Exec(ctx, `DELETE FROM ztm_blobs WHERE version < (SELECT version FROM ztm_head WHERE id = 1)`)
	if err != nil {
		return BackupNone, fmt.Errorf("the removed key can still open the previous version kept in PostgreSQL, which could not be deleted (%w): run ztm vault recipients rm again", v.pg.err(err, "clean"))
	}
	if tag.RowsAffected() == 0 {
		return BackupNone, nil
	}
	return BackupRemoved, nil
}

// heldLock is the change lock (or a refresh's locks) a section holds: the
// lock file, or advisory locks on one PostgreSQL connection.
type heldLock struct {
	file *fileLock
	pg   *pgLock
}

func (l *heldLock) release() error {
	if l == nil {
		return nil
	}
	if l.pg != nil {
		return l.pg.release()
	}
	return l.file.release()
}

// use makes a locked section's reads and saves go through the
// connection that holds its locks, until the returned func is called.
// Callers hold mu.
func (v *Vault) use(l *heldLock) func() {
	if l == nil || l.pg == nil {
		return func() {}
	}
	v.pgq = l.pg.conn
	return func() { v.pgq = nil }
}

// lockPG takes the advisory locks keys, in order, on one connection.
func (v *Vault) lockPG(ctx context.Context, keys []int32) (*heldLock, error) {
	l, err := v.pg.lockConn(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := l.take(ctx, k, v.lockT); err != nil {
			l.release()
			return nil, err
		}
	}
	return &heldLock{pg: l}, nil
}

// lockRefresh takes what a refresh of names[i], i in idx, needs: the file
// lock, or in PostgreSQL one advisory lock per profile (in a fixed order,
// so two refreshers never wait on each other), which lets other profiles
// refresh at the same time anywhere in the fleet.
func (v *Vault) lockRefresh(ctx context.Context, names []string, idx []int) (*heldLock, error) {
	if v.pg == nil {
		return v.lock(ctx)
	}
	var keys []int32
	for _, i := range idx {
		keys = append(keys, profileKey(names[i]))
	}
	slices.Sort(keys)
	return v.lockPG(ctx, slices.Compact(keys))
}

// widen adds the change lock to a refresh's profile locks before its save.
func (v *Vault) widen(ctx context.Context, l *heldLock) error {
	if l.pg == nil {
		return nil
	}
	return l.pg.take(ctx, changeKey, v.lockT)
}

// Recheck is [Vault.ReloadIfChanged] without trusting the change
// listener: on a vault in PostgreSQL it asks the database for the current
// version (one small row) and reloads when it moved. A notification takes
// a few milliseconds to arrive, so a long-lived reader calls this before
// refusing what a save made just now would allow (a new reader
// credential), and rate-limits it: it costs a round trip. The question is
// asked without holding the vault, so a server that does not answer
// stalls only this caller, for at most timeout; the reload that follows a
// change holds it, as ReloadIfChanged's does. An unreachable server keeps
// what is loaded. A file vault is stat'ed, as ReloadIfChanged does.
func (v *Vault) Recheck(ctx context.Context, timeout time.Duration) (bool, error) {
	if v.pg == nil {
		return v.ReloadIfChanged()
	}
	v.pg.listen()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	ver, err := v.pg.head(ctx, v.pg.pool)
	cancel()
	if unreachable(err) || errors.Is(err, context.DeadlineExceeded) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	v.pg.heard(ver)
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.mem != nil && ver <= v.loaded.ver {
		return false, nil
	}
	if err := v.reload(); err != nil {
		if v.mem != nil && unreachable(err) {
			return false, nil
		}
		return true, err
	}
	return true, nil
}
