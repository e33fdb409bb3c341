package vault

import (
	"context"
	"errors"
	"fmt"
)

// CopyTo writes this vault, as it is now, to a new vault at dst: a file
// or a PostgreSQL database (`ztm vault migrate`). The copy is the same
// vault (its id, recipients, profiles, events) encrypted to the same
// recipients, so the same key opens it; like every save it is encrypted
// before it leaves memory and checked to decrypt, so no plaintext is ever
// written. It refuses a dst that already holds a vault. This vault is not
// changed.
func (v *Vault) CopyTo(ctx context.Context, dst Paths) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.mem == nil {
		return errors.New("the vault is closed")
	}
	if v.mem.lazy != nil {
		lazy := v.lazy
		v.lazy = false
		err := v.reload()
		v.lazy = lazy
		if err != nil {
			return err
		}
	}
	d := newVault(dst, v.key, Options{Now: v.now, LockTimeout: v.lockT})
	d.mem = v.mem
	defer func() { d.mem = nil }()
	if dst.URL != "" {
		return d.copyToPG(ctx)
	}
	dst, err := resolveLink(dst)
	if err != nil {
		return err
	}
	d.paths = dst
	if err := makeDir(dst.Dir); err != nil {
		return err
	}
	lock, err := acquireLock(ctx, dst.Lock, v.lockT)
	if err != nil {
		return err
	}
	defer lock.release()
	if dst.Exists() {
		return fmt.Errorf("%w at %s: move it away first, or migrate to another path", ErrExists, dst.Vault)
	}
	return d.save(true)
}

// copyToPG saves v's database as the first version of a new vault in
// PostgreSQL.
func (v *Vault) copyToPG(ctx context.Context) error {
	s, err := connectPG(v.paths.URL, nil)
	if err != nil {
		return err
	}
	defer s.close()
	v.pg = s
	l, err := s.lockConn(ctx)
	if err != nil {
		return err
	}
	defer l.release()
	if _, err := s.migratePG(ctx, l, v.lockT); err != nil {
		return err
	}
	if err := s.newHead(ctx, l); err != nil {
		return err
	}
	v.pgq = l.conn
	if err := v.savePG(); err != nil {
		l.conn.Exec(ctx, `DELETE FROM ztm_head WHERE id = 1 AND version = 0`)
		return err
	}
	return nil
}

// newHead makes the head row of a new vault (version 0, no data yet),
// refusing a database that already holds one. Callers hold the schema lock.
func (s *pgStore) newHead(ctx context.Context, l *pgLock) error {
	if _, err := s.head(ctx, l.conn); err == nil {
		return fmt.Errorf("%w in PostgreSQL at %s", ErrExists, s.display)
	} else if !errors.Is(err, ErrNoVault) {
		return err
	}
	key := newLockKey()
	if _, err := l.conn.Exec(ctx, `INSERT INTO ztm_head(id, version, lock_key) VALUES (1, 0, $1)`, key); err != nil {
		return s.err(err, "create")
	}
	s.lockKey.Store(key)
	return nil
}
