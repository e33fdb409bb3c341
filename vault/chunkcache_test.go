package vault

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
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
	if len(c.chunks) > maxCachedChunks {
		t.Fatalf("the cache holds %d chunks, more than %d", len(c.chunks), maxCachedChunks)
	}
}
