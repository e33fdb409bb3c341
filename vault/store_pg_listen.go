package vault

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// A long-lived reader (the dashboard, ztm serve) learns of other
// processes' saves by LISTEN on its own connection: Changed costs no round
// trip at all, and no reader ever polls the vault. While the listener is
// down (PostgreSQL restarting) Changed says nothing changed; the listener
// reconnects every half second and reads the head once it is back, so a
// change made meanwhile is seen within a second of PostgreSQL's return.

// ListenerApplicationName is the application_name of the session a
// long-lived reader listens for saves on; its other sessions are "ztm".
const ListenerApplicationName = "ztm listener"

// listen starts the listener once.
func (s *pgStore) listen() {
	s.listenOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		s.stop, s.done = cancel, make(chan struct{})
		go s.listenLoop(ctx)
	})
}

func (s *pgStore) listenLoop(ctx context.Context) {
	defer close(s.done)
	for ctx.Err() == nil {
		s.listenConn(ctx)
		s.live.Store(false)
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// listenConn listens on one connection until it fails.
func (s *pgStore) listenConn(ctx context.Context) error {
	cfg := s.pool.Config().ConnConfig.Copy()
	// Named apart from the pool's sessions, so whoever reads
	// pg_stat_activity knows which one waits for word of saves.
	cfg.RuntimeParams["application_name"] = ListenerApplicationName
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	s.listenPID.Store(conn.PgConn().PID())
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	// Listening first, then reading the head: no save falls between.
	ver, err := s.head(ctx, conn)
	if err != nil {
		return err
	}
	s.heard(ver)
	s.live.Store(true)
	s.wasLive.Store(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		key, v, ok := strings.Cut(n.Payload, ":")
		if !ok || key != strconv.Itoa(int(s.lockKey.Load())) {
			continue
		}
		if ver, err := strconv.ParseInt(v, 10, 64); err == nil {
			s.heard(ver)
		}
	}
}

// heard records a version heard of; versions only grow.
func (s *pgStore) heard(ver int64) {
	for {
		cur := s.latest.Load()
		if ver <= cur || s.latest.CompareAndSwap(cur, ver) {
			return
		}
	}
}
