package vault

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The chunk cache hands the oldest chunk's buffer to the next miss; what
// a reader gets must still be the file's bytes wherever it reads, after
// any number of evictions, and the last, short chunk must stay short.
func TestChunkCacheReadsTheFileThroughEvictions(t *testing.T) {
	size := int64(maxCachedChunks+9)*ageChunk + 1234
	plain := make([]byte, size)
	for i := range plain {
		plain[i] = byte(i*7 + i/ageChunk)
	}
	c := newChunkCache(bytes.NewReader(plain), size)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		off := rng.Int64N(size)
		n := 1 + rng.IntN(3*ageChunk)
		got := make([]byte, n)
		k, err := c.ReadAt(got, off)
		want := plain[off:min(off+int64(n), size)]
		if k != len(want) || !bytes.Equal(got[:k], want) {
			t.Fatalf("ReadAt(%d bytes at %d) = %d bytes, differing from the file", n, off, k)
		}
		if off+int64(n) > size && err != io.EOF {
			t.Fatalf("a read past the end said %v, want io.EOF", err)
		}
	}
	c.mu.Lock()
	held := len(c.chunks)
	c.mu.Unlock()
	if held > maxCachedChunks {
		t.Fatalf("the cache holds %d chunks, more than %d", held, maxCachedChunks)
	}
}

// recordingReader is a file's plaintext read at random, recording each
// read; reads at or past block (when set) wait for release, and a read
// that covers bad fails as a damaged chunk does.
type recordingReader struct {
	plain   []byte
	mu      sync.Mutex
	reads   [][2]int64 // offset and length of each read
	block   int64
	started chan struct{}
	release chan struct{}
	active  atomic.Int32
	bad     int64
}

func (r *recordingReader) ReadAt(p []byte, off int64) (int, error) {
	r.active.Add(1)
	defer r.active.Add(-1)
	r.mu.Lock()
	r.reads = append(r.reads, [2]int64{off, int64(len(p))})
	r.mu.Unlock()
	if r.block > 0 && off >= r.block {
		r.started <- struct{}{}
		<-r.release
	}
	if r.bad > 0 && off <= r.bad && r.bad < off+int64(len(p)) {
		return 0, errors.New("failed to decrypt and authenticate chunk")
	}
	n := copy(p, r.plain[off:])
	if off+int64(n) == int64(len(r.plain)) {
		return n, io.EOF
	}
	return n, nil
}

func (r *recordingReader) calls() [][2]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][2]int64(nil), r.reads...)
}

func testPlain(size int64) []byte {
	plain := make([]byte, size)
	for i := range plain {
		plain[i] = byte(i*13 + i/ageChunk)
	}
	return plain
}

// readPages reads the file from the start in SQLite's 4 KiB pages, the way
// a listing goes through it, and checks every byte.
func readPages(t *testing.T, c *chunkCache, plain []byte) error {
	t.Helper()
	page := make([]byte, 4096)
	for off := int64(0); off < int64(len(plain)); off += int64(len(page)) {
		n, err := c.ReadAt(page, off)
		if err != nil && err != io.EOF {
			return err
		}
		if !bytes.Equal(page[:n], plain[off:min(off+int64(len(page)), int64(len(plain)))]) {
			t.Fatalf("the page at %d differs from the file", off)
		}
	}
	return nil
}

// A reader going through the file in order has the chunks ahead decrypted
// for it, several in one read, and gets the file's bytes; nothing is read
// past the end, and the last, short chunk stays short.
func TestChunkCacheReadsAheadOfASequentialReader(t *testing.T) {
	size := int64(2*maxCachedChunks+5)*ageChunk + 777
	r := &recordingReader{plain: testPlain(size)}
	c := newChunkCache(r, size)
	defer c.close()
	if err := readPages(t, c, r.plain); err != nil {
		t.Fatal(err)
	}
	c.close()
	ahead := 0
	for _, rd := range r.calls() {
		if rd[0]+rd[1] > size {
			t.Fatalf("read %d bytes at %d, past the end (%d)", rd[1], rd[0], size)
		}
		if rd[1] > ageChunk {
			ahead++
		}
	}
	if ahead == 0 {
		t.Fatal("no chunks were read ahead in one read; every one was decrypted on demand")
	}
	if n := len(r.calls()); n > int(size/ageChunk)+1+4 {
		t.Errorf("%d reads for %d chunks: chunks decrypted more than once", n, size/ageChunk+1)
	}
}

// Reads out of order (a lookup) start no reading ahead.
func TestChunkCacheDoesNotReadAheadOfALookup(t *testing.T) {
	size := int64(40) * ageChunk
	r := &recordingReader{plain: testPlain(size)}
	c := newChunkCache(r, size)
	defer c.close()
	buf := make([]byte, 4096)
	for _, chunk := range []int64{0, 17, 3, 30, 9} {
		if _, err := c.ReadAt(buf, chunk*ageChunk+100); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(r.calls()); n != 5 {
		t.Fatalf("%d reads of the file for 5 chunks read out of order", n)
	}
}

// A chunk that fails to decrypt fails the read that reaches it, though it
// was first read ahead, and the chunks before it read as the file.
func TestChunkCacheDamagedChunkFailsTheReadThatReachesIt(t *testing.T) {
	size := int64(30) * ageChunk
	bad := int64(12)*ageChunk + 5000
	r := &recordingReader{plain: testPlain(size), bad: bad}
	c := newChunkCache(r, size)
	defer c.close()
	start := bad - bad%ageChunk
	err := readPages(t, c, r.plain[:start])
	if err != nil {
		t.Fatalf("a read before the damaged chunk failed: %v", err)
	}
	// The chunks before it had the damaged one queued to be read ahead:
	// let that read fail first, as it would on the other core.
	triedAhead := func() bool {
		for _, rd := range r.calls() {
			if rd[0] < bad && bad < rd[0]+rd[1] && rd[1] > ageChunk {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(10 * time.Second)
	for !triedAhead() {
		if time.Now().After(deadline) {
			t.Fatal("the damaged chunk was never read ahead: this test does not test the read-ahead")
		}
		runtime.Gosched()
	}
	if _, err := c.ReadAt(make([]byte, 4096), start); err == nil {
		t.Fatal("the read of the damaged chunk succeeded")
	}
}

// Closing the cache waits for a chunk being read ahead, so nothing reads
// the file after it is closed, and leaves no goroutine behind.
func TestChunkCacheCloseWaitsForTheReadAhead(t *testing.T) {
	before := runtime.NumGoroutine()
	size := int64(20) * ageChunk
	r := &recordingReader{plain: testPlain(size), block: 3 * ageChunk, started: make(chan struct{}, 1), release: make(chan struct{})}
	c := newChunkCache(r, size)
	buf := make([]byte, 4096)
	for i := range int64(3) {
		if _, err := c.ReadAt(buf, i*ageChunk); err != nil {
			t.Fatal(err)
		}
	}
	select { // the read-ahead is in the file
	case <-r.started:
	case <-time.After(10 * time.Second):
		t.Fatal("three chunks read in order started no reading ahead")
	}
	closed := make(chan struct{})
	go func() { c.close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("close returned while a chunk was being read ahead")
	default:
	}
	close(r.release)
	<-closed
	if n := r.active.Load(); n != 0 {
		t.Fatalf("%d reads of the file still running after close", n)
	}
	calls := len(r.calls())
	if _, err := c.ReadAt(buf, 0); err == nil {
		t.Error("a read after close succeeded")
	}
	if len(r.calls()) != calls {
		t.Error("the file was read after close")
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after close, %d before", runtime.NumGoroutine(), before)
		}
		runtime.Gosched()
	}
}
