package cli

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ztm/vault"
)

// PostgreSQL stops and comes back in the middle of a run of readers (on two
// servers) and a writer: the readers of a valid token are served
// throughout; a token that needs the vault gets 503 store_unreachable while
// it is away; no change the writer was told was saved is lost; and both
// servers refresh again within 5 s of PostgreSQL's return, by themselves.
func TestFleetRidesOutAPostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the ztm binary and a PostgreSQL of its own")
	}
	cl := ownCluster(t)
	w := newPGFleetWorld(t, cl.URL)
	valid := w.add("valid")
	w.add("exp-a", expiresIn(-time.Minute))
	w.add("exp-b", expiresIn(-time.Minute))
	cred := w.grant("fleet", "*")
	cs := fleetClients(t, startFleet(t, w, 2), cred)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	var served atomic.Int64
	var failMu sync.Mutex
	var failures []string
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				rctx, rcancel := context.WithTimeout(ctx, 2*time.Second)
				tok, err := cs[i%2].Token(rctx, "valid", 0)
				rcancel()
				switch {
				case ctx.Err() != nil:
				case err != nil || tok.AccessToken != valid.Token.AccessToken:
					failMu.Lock()
					failures = append(failures, fmt.Sprintf("%s: server %d: %v", time.Now().Format("15:04:05.000"), i%2, err))
					failMu.Unlock()
				default:
					served.Add(1)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	wr := startWriter(ctx, t, w, &wg)

	time.Sleep(500 * time.Millisecond)
	if err := cl.StopServer(); err != nil {
		t.Fatal(err)
	}
	down := served.Load()
	for i, name := range []string{"exp-a", "exp-b"} {
		_, err := cs[i].Token(context.Background(), name, 0)
		if !isStoreDown(err) {
			t.Errorf("server %d, %s while PostgreSQL is down: %v; want 503 %s", i, name, err, "store_unreachable")
		}
	}
	time.Sleep(time.Second)
	if served.Load() <= down {
		t.Errorf("no valid token was served while PostgreSQL was down")
	}
	if err := cl.Restart(); err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	for i, name := range []string{"exp-a", "exp-b"} {
		for {
			_, err := cs[i].Token(context.Background(), name, 0)
			if err == nil {
				break
			}
			if time.Since(up) > 5*time.Second {
				t.Fatalf("server %d still fails %s 5 s after PostgreSQL returned: %v", i, name, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Logf("both servers refreshed %v after PostgreSQL returned", time.Since(up).Round(time.Millisecond))
	for wr.lastAcked().Before(up) {
		if time.Since(up) > 5*time.Second {
			t.Fatal("the writer saved nothing in the 5 s after PostgreSQL returned")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	cancel()
	wg.Wait()

	for _, f := range failures {
		t.Errorf("a reader of a valid token was refused: %s", f)
	}
	stored := w.stored()
	acked := wr.names()
	for _, n := range acked {
		if _, ok := stored[n]; !ok {
			t.Errorf("%s was saved (the writer was told so) and is gone", n)
		}
	}
	if len(acked) < 2 {
		t.Errorf("the writer saved %d changes; the test proves nothing", len(acked))
	}
}

// writer adds profiles one after another and remembers which saves it was
// told succeeded.
type writer struct {
	mu    sync.Mutex
	acked []string
	last  time.Time
}

func (wr *writer) lastAcked() time.Time {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	return wr.last
}

func (wr *writer) names() []string {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	return append([]string(nil), wr.acked...)
}

func startWriter(ctx context.Context, t *testing.T, w *world, wg *sync.WaitGroup) *writer {
	v := w.open()
	wr := &writer{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer v.Close()
		for i := 0; ctx.Err() == nil; i++ {
			p := w.profile(fmt.Sprintf("w%04d", i), noToken())
			uctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			err := v.Update(uctx, func(tx *vault.Tx) error { return tx.CreateProfile(&p) })
			cancel()
			if err == nil {
				wr.mu.Lock()
				wr.acked, wr.last = append(wr.acked, p.Name), time.Now()
				wr.mu.Unlock()
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return wr
}
