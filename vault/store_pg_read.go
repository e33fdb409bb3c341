package vault

import (
	"context"
	"encoding/binary"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A read is the one thing `ztm token` asks PostgreSQL, from a process that
// opened its session a moment ago: every round trip counts. So the
// schema's version, the head and its ciphertext come in one statement,
// sent unprepared (Parse, Bind, Execute in one message, no statement
// cache to fill first) with binary results (bytea as it is stored, not
// as hex). Anything unexpected (no tables, no head, another schema
// version) falls back to the separate reads, which say what is wrong.

// readSQL reads the schema version, the head and its ciphertext.
const readSQL = `SELECT s.version, h.version, h.lock_key, b.ciphertext
	FROM ztm_schema s, ztm_head h JOIN ztm_blobs b ON b.version = h.version WHERE h.id = 1`

// binaryResults asks for readSQL's four columns in binary.
var binaryResults = []int16{1, 1, 1, 1}

// read returns the current ciphertext and its version, refusing a schema
// this ztm does not know, in one round trip when all is well.
func (s *pgStore) read(ctx context.Context, q pgQuerier) ([]byte, int64, error) {
	cipher, ver, ok, err := s.readOnce(ctx, q)
	if err != nil {
		return nil, 0, s.err(err, "read")
	}
	if ok {
		return cipher, ver, nil
	}
	if err := s.checkSchemaPG(ctx, q); err != nil {
		return nil, 0, err
	}
	return s.load(ctx, q)
}

// readOnce is read's single statement. ok is false when it did not give
// one row of the schema this ztm writes; err is set only when the server
// could not be asked at all (asking again would only wait again).
func (s *pgStore) readOnce(ctx context.Context, q pgQuerier) (cipher []byte, ver int64, ok bool, err error) {
	pc, done, err := pgConnOf(ctx, q)
	if err != nil {
		return nil, 0, false, err
	}
	defer done()
	res := pc.ExecParams(ctx, readSQL, nil, nil, nil, binaryResults).Read()
	var pe *pgconn.PgError
	if res.Err != nil && (!errors.As(res.Err, &pe) || isConnClass(pe.Code)) {
		return nil, 0, false, res.Err
	}
	if res.Err != nil || len(res.Rows) != 1 || len(res.Rows[0]) != 4 {
		return nil, 0, false, nil
	}
	row := res.Rows[0]
	if len(row[0]) != 4 || len(row[1]) != 8 || len(row[2]) != 4 || row[3] == nil ||
		int(int32(binary.BigEndian.Uint32(row[0]))) != PGSchemaVersion {
		return nil, 0, false, nil
	}
	s.lockKey.Store(int32(binary.BigEndian.Uint32(row[2])))
	return row[3], int64(binary.BigEndian.Uint64(row[1])), true, nil
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
	}
	return nil, nil, errors.ErrUnsupported
}
