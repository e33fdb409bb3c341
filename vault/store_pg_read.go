package vault

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A read is the one thing `ztm token` asks PostgreSQL, from a process that
// opened its session a moment ago: every round trip counts, and so does
// the wait for the whole ciphertext. So the schema's version, the head and
// its ciphertext come in one statement, sent unprepared (Parse, Bind,
// Execute in one message, no statement cache to fill first) with binary
// results (bytea as stored, not as hex). The ciphertext comes in pieces,
// one row each, and decryption starts on the first while PostgreSQL is
// still reading the rest from its TOAST table. Anything unexpected (no
// tables, no head, another schema version) falls back to the separate
// reads, which say what is wrong.

// readPiece is the size of the ciphertext's pieces: one age chunk.
const readPiece = 64 << 10

// readSQL reads the schema version, the head and its ciphertext, in
// pieces of readPiece bytes. It is written for a plan PostgreSQL runs at
// once and streams: the schema's version is a sub-select (a join with a
// table it has no statistics for made it expect millions of rows, and
// compile the query first, for 200 ms), and no ORDER BY (a sort would
// hold every piece back until the last): pieces may come in any order.
var readSQL = fmt.Sprintf(`SELECT (SELECT version FROM ztm_schema), h.version, h.lock_key, length(b.ciphertext), g,
		substring(b.ciphertext FROM g * %[1]d + 1 FOR %[1]d)
	FROM ztm_head h JOIN ztm_blobs b ON b.version = h.version,
		generate_series(0, (length(b.ciphertext) - 1) / %[1]d) g
	WHERE h.id = 1`, readPiece)

// binaryResults asks for readSQL's columns in binary.
var binaryResults = []int16{1, 1, 1, 1, 1, 1}

// checkSQL says what the current ciphertext is, from the head alone: a
// new session's first statement costs PostgreSQL a catalog lookup for
// every table and function it names, and this one names two tables
// where readSQL names three and five functions (half the time).
const checkSQL = `SELECT (SELECT version FROM ztm_schema), version, lock_key, cipher_size, cipher_start
	FROM ztm_head WHERE id = 1`

// read returns the current ciphertext (perhaps still arriving) and its
// version, refusing a schema this ztm does not know, in one round trip
// when all is well. local, when set, waits for the local copy (checked
// meanwhile, see pgcache.go): when the current ciphertext is that copy,
// read returns hit and no stream. Callers wait for the stream before
// they return.
func (s *pgStore) read(ctx context.Context, q pgQuerier, local func() *cachedCopy) (st *pgStream, ver int64, hit bool, err error) {
	st, ver, hit, ok, err := s.readOnce(ctx, q, local)
	if err != nil {
		return nil, 0, false, s.err(err, "read")
	}
	if ok {
		return st, ver, hit, nil
	}
	if err := s.checkSchemaPG(ctx, q); err != nil {
		return nil, 0, false, err
	}
	cipher, ver, err := s.load(ctx, q)
	if err != nil {
		return nil, 0, false, err
	}
	st = &pgStream{buf: cipher}
	st.cond.L = &st.mu
	st.whole()
	st.finish(nil)
	return st, ver, false, nil
}

// readOnce is read's single statement: it returns once the first piece is
// in, and a goroutine receives the rest; or, when the local copy is
// current, with hit and no stream. ok is false when it did not give the
// schema this ztm writes; err is set only when the server could not be
// asked at all (asking again would only wait again).
func (s *pgStore) readOnce(ctx context.Context, q pgQuerier, local func() *cachedCopy) (st *pgStream, ver int64, hit, ok bool, err error) {
	pc, done, err := pgConnOf(ctx, q)
	if err != nil {
		return nil, 0, false, false, err
	}
	if local != nil {
		hit, ver, ok, err := s.checkCopy(ctx, pc, local())
		if err != nil || !ok || hit {
			done()
			return nil, ver, hit, ok, err
		}
	}
	rr := pc.ExecParams(ctx, readSQL, nil, nil, nil, binaryResults)
	row, ver, ok, err := s.headRow(rr, len(binaryResults))
	if ok && (len(row[3]) != 4 || len(row[4]) != 4) {
		rr.Close()
		ok = false
	}
	if !ok {
		done()
		return nil, 0, false, false, err
	}
	size := int64(binary.BigEndian.Uint32(row[3]))
	st = newPGStream(size)
	go func() {
		defer done()
		err := st.addRow(row)
		for err == nil && rr.NextRow() {
			err = st.addRow(rr.Values())
		}
		_, cerr := rr.Close()
		if err == nil && cerr == nil && st.filled != int64(len(st.buf)) {
			err = io.ErrUnexpectedEOF
		}
		st.finish(errors.Join(err, cerr))
	}()
	return st, ver, false, true, nil
}

// checkCopy asks whether the local copy c is the current ciphertext
// (hit), in one statement on pc. ok and err are readOnce's.
func (s *pgStore) checkCopy(ctx context.Context, pc *pgconn.PgConn, c *cachedCopy) (hit bool, ver int64, ok bool, err error) {
	rr := pc.ExecParams(ctx, checkSQL, nil, nil, nil, binaryResults[:5])
	row, ver, ok, err := s.headRow(rr, 5)
	if !ok {
		return false, 0, false, err
	}
	hit = len(row[3]) == 4 && c.matches(ver, int64(int32(binary.BigEndian.Uint32(row[3]))), row[4])
	if _, err := rr.Close(); err != nil {
		return false, 0, false, err
	}
	return hit, ver, true, nil
}

// headRow reads the first row of rr, of cols columns starting with the
// schema's version, the head's version and the vault's lock key, and
// keeps the lock key. ok is false (rr closed) when there is no such row of
// the schema this ztm writes; err is set only when the server could not
// be asked at all.
func (s *pgStore) headRow(rr *pgconn.ResultReader, cols int) (row [][]byte, ver int64, ok bool, err error) {
	if !rr.NextRow() {
		_, err := rr.Close()
		var pe *pgconn.PgError
		if err != nil && (!errors.As(err, &pe) || isConnClass(pe.Code)) {
			return nil, 0, false, err
		}
		return nil, 0, false, nil
	}
	row = rr.Values()
	if len(row) != cols || len(row[0]) != 4 || len(row[1]) != 8 || len(row[2]) != 4 ||
		int(int32(binary.BigEndian.Uint32(row[0]))) != PGSchemaVersion {
		rr.Close()
		return nil, 0, false, nil
	}
	s.lockKey.Store(int32(binary.BigEndian.Uint32(row[2])))
	return row, int64(binary.BigEndian.Uint64(row[1])), true, nil
}

// pgConnOf is the wire connection under q, and what gives it back.
func pgConnOf(ctx context.Context, q pgQuerier) (*pgconn.PgConn, func(), error) {
	switch c := q.(type) {
	case *pgxpool.Pool:
		pc, err := c.Acquire(ctx)
		if err != nil {
			return nil, nil, err
		}
		return pc.Conn().PgConn(), pc.Release, nil
	case *pgxpool.Conn:
		return c.Conn().PgConn(), func() {}, nil
	case *pgx.Conn:
		return c.PgConn(), func() {}, nil
	case firstConn:
		return c.pc, c.done, nil
	}
	return nil, nil, errors.ErrUnsupported
}

// pgStream is a ciphertext arriving in pieces: ReadAt waits for the
// bytes it asks for, so age and SQLite read the first pieces while the
// rest is on its way.
type pgStream struct {
	buf  []byte // the whole ciphertext; buf[:filled] has arrived
	have []bool // which pieces have arrived (receiving goroutine only)

	mu     sync.Mutex
	cond   sync.Cond
	filled int64
	done   bool
	err    error // why it stopped short, once done
}

func newPGStream(size int64) *pgStream {
	st := &pgStream{buf: make([]byte, size), have: make([]bool, (size+readPiece-1)/readPiece)}
	st.cond.L = &st.mu
	return st
}

// addRow places the piece in a row of readSQL.
func (st *pgStream) addRow(row [][]byte) error {
	if len(row) != 6 || len(row[4]) != 4 {
		return errors.New("PostgreSQL sent a piece of the ciphertext without its place")
	}
	return st.put(int64(int32(binary.BigEndian.Uint32(row[4]))), row[5])
}

// put places piece i. Only the receiving goroutine writes, and only past
// filled, where no reader looks until filled says so under mu.
func (st *pgStream) put(i int64, p []byte) error {
	size := int64(len(st.buf))
	if i < 0 || i >= int64(len(st.have)) || st.have[i] || int64(len(p)) != min(readPiece, size-i*readPiece) {
		return fmt.Errorf("PostgreSQL sent piece %d of the ciphertext twice, out of range, or of the wrong size", i)
	}
	copy(st.buf[i*readPiece:], p)
	st.have[i] = true
	filled := st.filled
	for j := filled / readPiece; j < int64(len(st.have)) && st.have[j]; j++ {
		filled = min((j+1)*readPiece, size)
	}
	st.mu.Lock()
	st.filled = filled
	st.mu.Unlock()
	st.cond.Broadcast()
	return nil
}

// whole marks all of buf as arrived.
func (st *pgStream) whole() {
	st.mu.Lock()
	st.filled = int64(len(st.buf))
	st.mu.Unlock()
}

// finish marks the end of the stream, short of the whole when err is set.
func (st *pgStream) finish(err error) {
	st.mu.Lock()
	st.done, st.err = true, err
	st.mu.Unlock()
	st.cond.Broadcast()
}

// wait waits for the end of the stream and says why it stopped short.
func (st *pgStream) wait() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	for !st.done {
		st.cond.Wait()
	}
	return st.err
}

// ReadAt waits until b's bytes at off have arrived, or the stream ended.
func (st *pgStream) ReadAt(b []byte, off int64) (int, error) {
	size := int64(len(st.buf))
	if off < 0 || off > size {
		return 0, errors.New("read outside the ciphertext")
	}
	end := min(off+int64(len(b)), size)
	st.mu.Lock()
	for st.filled < end && !st.done {
		st.cond.Wait()
	}
	filled, err := st.filled, st.err
	st.mu.Unlock()
	if filled < end {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return 0, err
	}
	n := copy(b, st.buf[off:end])
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// Close is for readerAtCloser: the memory goes with the last reference.
func (st *pgStream) Close() error { return nil }
