package service

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController flush through it.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// maxErrorBody bounds what is read of a 401 to classify it.
const maxErrorBody = 64 << 10

// replayBody streams a request body while keeping up to max bytes of it,
// so a body that fitted can be sent again.
type replayBody struct {
	r    io.ReadCloser
	buf  []byte
	fits bool // the whole body is in buf
	src  io.Reader
}

// newReplayBody reads ahead up to max+1 bytes of a body whose length is
// unknown or at most max; a larger one streams through unkept.
func newReplayBody(r io.ReadCloser, length, max int64) *replayBody {
	b := &replayBody{r: r, src: r}
	if length > max {
		return b
	}
	buf, err := io.ReadAll(io.LimitReader(r, max+1))
	b.buf = buf
	b.fits = err == nil && int64(len(buf)) <= max
	b.src = io.MultiReader(bytes.NewReader(buf), r)
	if err != nil {
		b.src = io.MultiReader(bytes.NewReader(buf), errReader{err})
	}
	return b
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func (b *replayBody) Read(p []byte) (int, error) { return b.src.Read(p) }
func (b *replayBody) Close() error               { return b.r.Close() }
func (b *replayBody) replayable() bool           { return b.fits }
func (b *replayBody) replay() io.ReadCloser      { return io.NopCloser(bytes.NewReader(b.buf)) }

// copyBufferSize is the size of the buffers bodies are copied through,
// io.Copy's and the reverse proxy's own.
const copyBufferSize = 32 << 10

// bufferPool lends the reverse proxy a copy buffer per request instead
// of letting it allocate 32 KiB each time: at thousands of requests a
// second that was most of the proxy's garbage, and collecting it took
// CPU from the clients and Zoho's answers on a small machine.
type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if v, ok := b.p.Get().(*[]byte); ok {
		return *v
	}
	return make([]byte, copyBufferSize)
}

func (b *bufferPool) Put(buf []byte) {
	if cap(buf) == copyBufferSize {
		buf = buf[:copyBufferSize]
		b.p.Put(&buf)
	}
}
