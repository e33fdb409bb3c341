package vault

import (
	"errors"
	"io"
	"sync"
)

// ageChunk is the size of age's payload chunks: the unit of decryption.
const ageChunk = 64 << 10

// maxCachedChunks bounds chunkCache to 4 MiB of plaintext, the chunks
// read ahead included.
const maxCachedChunks = 64

// readAheadChunks is how far ahead of a sequential reader the cache
// decrypts: enough that a listing, which takes several times as long to
// evaluate a chunk's rows as to decrypt it, never waits. The window is
// refilled when the reader is half-way through it, so the goroutine
// wakes once for several chunks and decrypts them in one read.
const readAheadChunks = 8

// chunkCache keeps the age chunks already decrypted. age's ReaderAt keeps
// only the last one, and SQLite's reads jump between the schema, an index
// and two tables, which made it decrypt the same chunks again and again.
//
// A reader that goes through the file in order (a listing reads every
// profile, and their pages are mostly in file order) has the next chunks
// decrypted on another goroutine while SQLite evaluates the rows of this
// one: on two cores, `ztm list` of 10,000 profiles no longer waits about
// 6 ms of its 54 for decryption. A lookup (ztm token) reads a few
// chunks out of order and starts nothing. Every byte still comes from
// age's authenticated decryption: a chunk that fails to decrypt ahead is
// dropped, and the read that reaches it decrypts it again and fails.
type chunkCache struct {
	mu sync.Mutex
	// changed is signalled (with mu) when a chunk read ahead lands or is
	// dropped, and when the read-ahead goroutine stops.
	changed sync.Cond
	r       io.ReaderAt
	size    int64
	chunks  map[int64]*cachedChunk
	// order lists the chunks that are filled, oldest first: the order of
	// eviction. Chunks being filled are in chunks but not in order.
	order []int64
	// queue lists the chunks to read ahead, in order; working says the
	// read-ahead goroutine runs; closed says the cache is closed and reads
	// nothing more ahead.
	queue   []int64
	working bool
	closed  bool
	// scratch is where the read-ahead decrypts a run of chunks.
	scratch []byte
}

// cachedChunk is one chunk of plaintext.
type cachedChunk struct {
	data []byte
	// filling says the chunk is being decrypted (data is not yet valid);
	// ahead says it was read ahead and not yet read, so reaching it
	// moves the read-ahead on.
	filling, ahead bool
}

// errCacheClosed is a read of a lazily loaded vault after it closed.
var errCacheClosed = errors.New("vault: read after the vault closed")

func newChunkCache(r io.ReaderAt, size int64) *chunkCache {
	c := &chunkCache{r: r, size: size, chunks: map[int64]*cachedChunk{}}
	c.changed.L = &c.mu
	return c
}

func (c *chunkCache) ReadAt(p []byte, off int64) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, errCacheClosed
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		if pos >= c.size {
			return n, io.EOF
		}
		chunk, err := c.chunk(pos / ageChunk)
		if err != nil {
			return n, err
		}
		n += copy(p[n:], chunk[pos%ageChunk:])
	}
	return n, nil
}

// chunk returns chunk i's plaintext, decrypting it unless it is cached or
// being read ahead (then it waits for it). It is called with mu held.
func (c *chunkCache) chunk(i int64) ([]byte, error) {
	for {
		e, ok := c.chunks[i]
		if !ok {
			break
		}
		if !e.filling {
			if e.ahead {
				e.ahead = false
				c.readAhead(i)
			}
			return e.data, nil
		}
		c.changed.Wait()
	}
	// A miss right after its two predecessors is a reader going through
	// the file in order.
	_, prev := c.chunks[i-1]
	_, prev2 := c.chunks[i-2]
	c.unqueue(i)
	e, err := c.fill(i)
	if err != nil {
		return nil, err
	}
	if prev && prev2 {
		c.readAhead(i)
	}
	return e.data, nil
}

// fill decrypts chunk i into a buffer of the cache and caches it. It is
// called with mu held and releases it while it decrypts; on an error
// nothing is cached.
func (c *chunkCache) fill(i int64) (*cachedChunk, error) {
	e := c.start(i)
	c.mu.Unlock()
	_, err := c.r.ReadAt(e.data, i*ageChunk)
	c.mu.Lock()
	if err == io.EOF {
		err = nil // the last chunk: e.data is exactly what is left
	}
	c.finish(i, []*cachedChunk{e}, err)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// start makes chunk i's entry, being filled, with a buffer of its size.
// It is called with mu held.
func (c *chunkCache) start(i int64) *cachedChunk {
	n := min(ageChunk, c.size-i*ageChunk)
	b := c.buffer()
	if int64(cap(b)) >= n {
		b = b[:n]
	} else {
		b = make([]byte, n)
	}
	e := &cachedChunk{data: b, filling: true}
	c.chunks[i] = e
	return e
}

// finish ends the filling of the chunks from first on: cached, or
// dropped after an error. It is called with mu held.
func (c *chunkCache) finish(first int64, run []*cachedChunk, err error) {
	for k, e := range run {
		e.filling = false
		if err != nil {
			delete(c.chunks, first+int64(k))
			continue
		}
		c.order = append(c.order, first+int64(k))
	}
	c.changed.Broadcast()
}

// buffer returns a buffer for a new chunk: a full cache gives its oldest
// chunk's buffer, since a scan of 100,000 profiles misses thousands of
// times, and a fresh 64 KiB each time was most of its garbage. It is
// called with mu held.
func (c *chunkCache) buffer() []byte {
	if len(c.chunks) < maxCachedChunks || len(c.order) == 0 {
		return nil
	}
	old := c.order[0]
	c.order = c.order[1:]
	b := c.chunks[old].data
	delete(c.chunks, old)
	return b
}

// readAhead queues the chunks after i that are not cached yet, up to
// readAheadChunks ahead, and starts the goroutine that decrypts them,
// unless the chunks up to half-way are there already. It is called with
// mu held.
func (c *chunkCache) readAhead(i int64) {
	if c.closed {
		return
	}
	if _, ok := c.chunks[i+readAheadChunks/2]; ok || c.queued(i+readAheadChunks/2) {
		return
	}
	last := min(i+readAheadChunks, (c.size-1)/ageChunk)
	for j := i + 1; j <= last; j++ {
		if _, ok := c.chunks[j]; !ok && !c.queued(j) {
			c.queue = append(c.queue, j)
		}
	}
	if len(c.queue) > 0 && !c.working {
		c.working = true
		go c.readAheadLoop()
	}
}

// readAheadLoop decrypts the queued chunks, then returns: it holds no
// goroutine while nothing is queued.
func (c *chunkCache) readAheadLoop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.queue) > 0 && !c.closed {
		first, run := c.takeRun()
		if len(run) > 0 {
			c.fillRun(first, run)
		}
	}
	c.working = false
	c.changed.Broadcast()
}

// takeRun takes from the queue the chunks to read next in one call: the
// first and those queued right after it, none cached. It is called with
// mu held.
func (c *chunkCache) takeRun() (int64, []*cachedChunk) {
	first := c.queue[0]
	var run []*cachedChunk
	for len(c.queue) > 0 && c.queue[0] == first+int64(len(run)) && len(run) < readAheadChunks {
		i := c.queue[0]
		c.queue = c.queue[1:]
		if _, ok := c.chunks[i]; ok {
			break
		}
		run = append(run, c.start(i))
	}
	return first, run
}

// fillRun decrypts consecutive chunks in one read into the read-ahead's
// own buffer, then copies them out: age's ReaderAt allocates a chunk's
// worth for each call, which was most of a listing's garbage. It is
// called with mu held and releases it while it decrypts.
func (c *chunkCache) fillRun(first int64, run []*cachedChunk) {
	off := first * ageChunk
	n := min(int64(len(run))*ageChunk, c.size-off)
	if int64(cap(c.scratch)) < n {
		c.scratch = make([]byte, readAheadChunks*ageChunk)
	}
	buf := c.scratch[:n]
	c.mu.Unlock()
	_, err := c.r.ReadAt(buf, off)
	if err == io.EOF {
		err = nil
	}
	if err == nil {
		for k, e := range run {
			copy(e.data, buf[k*ageChunk:])
		}
	}
	c.mu.Lock()
	c.finish(first, run, err)
	if err == nil {
		for _, e := range run {
			e.ahead = true
		}
	}
}

func (c *chunkCache) queued(i int64) bool {
	for _, j := range c.queue {
		if j == i {
			return true
		}
	}
	return false
}

// unqueue takes chunk i off the read-ahead queue: the reader is about to
// decrypt it itself.
func (c *chunkCache) unqueue(i int64) {
	for k, j := range c.queue {
		if j == i {
			c.queue = append(c.queue[:k], c.queue[k+1:]...)
			return
		}
	}
}

// close stops the reading ahead and waits for a chunk being decrypted
// ahead, so that nothing reads the file after it is closed.
func (c *chunkCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed, c.queue = true, nil
	for c.working {
		c.changed.Wait()
	}
	// The plaintext goes with the vault, not at some later collection.
	for _, e := range c.chunks {
		clear(e.data)
	}
	clear(c.scratch)
	c.chunks, c.order, c.scratch = map[int64]*cachedChunk{}, nil, nil
}
