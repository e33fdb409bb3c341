package vault

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgStore is a vault kept in PostgreSQL. The table ztm_head holds the
// current version and the vault's lock key; ztm_blobs holds the age
// ciphertext of the current version and of the one before it (what
// vault.age.bak is to a file). A save is one statement: it moves the head
// from the version the saver loaded to the next, inserts the new blob,
// drops the older ones and notifies listeners, or does nothing when the
// head has moved (a conflict). PostgreSQL never sees a secret.
type pgStore struct {
	url     string // the full connection string: never shown
	display string // the URL without its password
	secrets []string
	pool    *pgxpool.Pool
	wire    *pgconn.Config // for a connection of its own, outside the pool
	lockKey atomic.Int32   // the first key of every advisory lock of this vault
	closing sync.WaitGroup // connections of their own, being closed

	listenOnce sync.Once
	wasLive    atomic.Bool   // the listener was live once: PostgreSQL was reached
	latest     atomic.Int64  // head version last heard of; 0 = unknown
	live       atomic.Bool   // the listener is connected and listening
	listenPID  atomic.Uint32 // the listener's backend process, for tests that cut it
	stop       context.CancelFunc
	done       chan struct{}
}

// notifyChannel is the channel saves notify on; the payload is
// "lockkey:version", so vaults sharing a database tell theirs apart.
const notifyChannel = "ztm_vault"

// schemaLockKey is the advisory lock taken while the schema is created or
// migrated, and while a vault is created.
const schemaLockKey = 0x7a746d00 // "ztm\0"

// connectPG prepares a pool for the vault at rawURL. It connects lazily:
// errors come with the first query.
func connectPG(rawURL string, getenv func(string) string) (*pgStore, error) {
	s := &pgStore{url: rawURL, display: Redact(rawURL)}
	if pw := urlPassword(rawURL); pw != "" {
		s.secrets = append(s.secrets, pw)
	}
	if getenv != nil {
		if pw := getenv("PGPASSWORD"); pw != "" {
			s.secrets = append(s.secrets, pw)
		}
	}
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: the vault URL %s does not parse: %v; write it as postgres://USER@HOST:PORT/DB?sslmode=MODE",
			ErrNotVault, s.display, s.scrubText(err.Error()))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > 5*time.Second {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	cfg.MaxConns = 8
	cfg.ConnConfig.RuntimeParams["application_name"] = "ztm"
	s.wire = cfg.ConnConfig.Config.Copy()
	s.pool, err = pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, s.err(err, "connect to")
	}
	return s, nil
}

func (s *pgStore) close() {
	if s.stop != nil {
		s.stop()
		<-s.done
	}
	s.pool.Close()
	s.closing.Wait()
}

// firstConn is a pool with a connection of its own for a lazy open's
// read (see connectWire); the pool answers the rest.
type firstConn struct {
	*pgxpool.Pool
	pc   *pgconn.PgConn
	done func() // once the read is over
}

// connectWire opens a connection outside the pool, at the wire protocol.
// A new process's open is waiting for its first connection, and a pool's
// first connection costs half a millisecond more before it even dials:
// pgx builds its table of data types (a process's first, the slowest),
// on a goroutine the pool starts.
func (s *pgStore) connectWire(ctx context.Context) (*pgconn.PgConn, error) {
	return pgconn.ConnectConfig(ctx, s.wire.Copy())
}

// closeWire ends pc's session meanwhile; close waits for it.
func (s *pgStore) closeWire(pc *pgconn.PgConn) {
	if pc == nil {
		return
	}
	s.closing.Add(1)
	go func() {
		defer s.closing.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		pc.Close(ctx)
	}()
}

func (s *pgStore) scrubText(msg string) string {
	return scrub(errors.New(msg), s.url, nil).Error()
}

// err turns a driver error into one for people: the password and URL
// scrubbed, unreachable servers matching [ErrStoreUnreachable], lock
// timeouts [ErrLockTimeout], and what to do next.
func (s *pgStore) err(err error, doing string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		if !pgconn.Timeout(err) || errors.Is(err, context.Canceled) {
			return err
		}
	}
	msg := err.Error()
	for _, sec := range s.secrets {
		if len(sec) >= 3 {
			msg = strings.ReplaceAll(msg, sec, "xxxxx")
		}
	}
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && pe.Code == "55P03":
		return scrub(fmt.Errorf("%w (another ztm holds it at %s): wait for it to finish, or stop it", ErrLockTimeout, s.display), s.url, ErrLockTimeout)
	case errors.As(err, &pe) && (pe.Code == "28P01" || pe.Code == "28000"):
		return scrub(fmt.Errorf("cannot %s the vault at %s: PostgreSQL refused the login (%s): check the user, and the password in PGPASSWORD or ~/.pgpass", doing, s.display, pe.Message), s.url, nil)
	case errors.As(err, &pe) && !isConnClass(pe.Code):
		return scrub(fmt.Errorf("cannot %s the vault at %s: %s", doing, s.display, msg), s.url, nil)
	}
	return scrub(fmt.Errorf("cannot %s the vault at %s: %s; check that PostgreSQL is running and reachable (%w)",
		doing, s.display, msg, ErrStoreUnreachable), s.url, ErrStoreUnreachable)
}

// isConnClass reports SQLSTATEs that mean the server is going away or not
// there yet: connection exceptions and shutdowns.
func isConnClass(code string) bool {
	return len(code) == 5 && (code[:2] == "08" || code[:3] == "57P")
}

// unreachable reports whether err says the server could not be reached.
func unreachable(err error) bool { return errors.Is(err, ErrStoreUnreachable) }

// pgQuerier is a pool, or the one connection a locked change holds.
type pgQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// head reads the current version (0 when the vault has none yet) and the
// vault's lock key.
func (s *pgStore) head(ctx context.Context, q pgQuerier) (int64, error) {
	var ver int64
	var key int32
	err := q.QueryRow(ctx, `SELECT version, lock_key FROM ztm_head WHERE id = 1`).Scan(&ver, &key)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, s.noVault()
	}
	if err != nil {
		return 0, s.missingSchema(err, "read")
	}
	s.lockKey.Store(key)
	return ver, nil
}

// load reads the current ciphertext and its version.
func (s *pgStore) load(ctx context.Context, q pgQuerier) ([]byte, int64, error) {
	var ver int64
	var key int32
	var cipher []byte
	err := q.QueryRow(ctx, `SELECT h.version, h.lock_key, b.ciphertext FROM ztm_head h
		JOIN ztm_blobs b ON b.version = h.version WHERE h.id = 1`).Scan(&ver, &key, &cipher)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, s.noVault()
	}
	if err != nil {
		return nil, 0, s.missingSchema(err, "read")
	}
	s.lockKey.Store(key)
	return cipher, ver, nil
}

func (s *pgStore) noVault() error {
	return fmt.Errorf("%w in PostgreSQL at %s: create one with ztm vault init --vault URL, or move a file vault in with ztm vault migrate --to URL", ErrNoVault, s.display)
}

// missingSchema tells a database without ztm's tables from other errors.
func (s *pgStore) missingSchema(err error, doing string) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" {
		return s.noVault()
	}
	return s.err(err, doing)
}

// put saves cipher as the version after old, if the head is still at old.
// It returns the new version, or errConflict.
func (s *pgStore) put(ctx context.Context, q pgQuerier, old int64, cipher []byte) (int64, error) {
	var ver int64
	err := q.QueryRow(ctx, `WITH h AS (
			UPDATE ztm_head SET version = version + 1, saved_at = now(),
				cipher_size = length($2::bytea), cipher_start = substring($2::bytea FROM 1 FOR `+strconv.Itoa(cachePrefix)+`)
			WHERE id = 1 AND version = $1 RETURNING version, lock_key),
		ins AS (INSERT INTO ztm_blobs(version, ciphertext) SELECT version, $2 FROM h RETURNING version),
		del AS (DELETE FROM ztm_blobs WHERE version < $1 AND EXISTS (SELECT 1 FROM h)),
		n AS (SELECT pg_notify('`+notifyChannel+`', h.lock_key::text || ':' || h.version::text) FROM h)
		SELECT ins.version FROM ins, n`, old, cipher).Scan(&ver)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, errConflict
	}
	if err != nil {
		return 0, saveErrPG(s.err(err, "save"))
	}
	s.heard(ver)
	return ver, nil
}

func saveErrPG(err error) error {
	return fmt.Errorf("%w: %w; the vault in PostgreSQL is unchanged", ErrSave, err)
}

// pgLock is a set of session advisory locks held on one connection.
// PostgreSQL releases them when the session ends, so a holder that
// crashes or loses its connection never leaves a vault locked.
type pgLock struct {
	s    *pgStore
	conn *pgxpool.Conn
}

// lockConn takes a connection from the pool for a locked section.
func (s *pgStore) lockConn(ctx context.Context) (*pgLock, error) {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, s.err(err, "lock")
	}
	return &pgLock{s: s, conn: c}, nil
}

// take waits up to timeout for the advisory lock (lockKey, k2).
func (l *pgLock) take(ctx context.Context, k2 int32, timeout time.Duration) error {
	return l.takeKeys(ctx, l.s.lockKey.Load(), k2, timeout)
}

// release drops every lock this connection holds and hands it back; a
// connection that cannot say so is closed, which drops them too.
func (l *pgLock) release() error {
	if l == nil || l.conn == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := l.conn.Exec(ctx, "SELECT pg_advisory_unlock_all()"); err != nil {
		l.conn.Conn().Close(ctx)
	}
	l.conn.Release()
	l.conn = nil
	return nil
}

// changeKey is the second key of the lock every change takes.
const changeKey = 0

// profileKey is the second key of the lock a refresh of profile name
// takes: refreshes of different profiles run in parallel, on any machine.
func profileKey(name string) int32 {
	h := fnv.New32a()
	h.Write([]byte(name))
	k := int32(h.Sum32())
	if k == changeKey {
		k = 1
	}
	return k
}

// newLockKey picks a vault's lock key at creation.
func newLockKey() int32 {
	var b [4]byte
	rand.Read(b[:])
	k := int32(binary.BigEndian.Uint32(b[:]))
	if k == schemaLockKey {
		k++
	}
	return k
}

// takeKeys waits up to timeout for the advisory lock (k1, k2).
func (l *pgLock) takeKeys(ctx context.Context, k1, k2 int32, timeout time.Duration) error {
	ms := strconv.FormatInt(max(timeout.Milliseconds(), 1), 10)
	// One round trip, simple protocol (the values are integers we made).
	_, err := l.conn.Exec(ctx, "SET lock_timeout = "+ms+"; SELECT pg_advisory_lock("+
		strconv.Itoa(int(k1))+", "+strconv.Itoa(int(k2))+")")
	return l.s.err(err, "lock")
}
