package service

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// A request to the agent goes out on a connection of its own, dialled,
// written and read in the caller's goroutine. The agent is local and its
// socket cheap to dial, while net/http's client and pooled transport
// start goroutines (and so threads) to dial, read, write and time out:
// for a one-shot `ztm token` through the agent they cost more than the
// agent's answer. It never asks the context for its Done channel either:
// the command line starts listening for Ctrl+C only once something waits
// on it (see ui/cli's signal context), so the reads wake up now and then
// to look at ctx.Err instead.

// agentTimeout bounds a request to the agent that has no deadline of its
// own: a refresh behind it is bounded by the agent's own timeouts.
const agentTimeout = 2 * time.Minute

// cancelPoll is how often a read waiting on the agent checks whether the
// request was cancelled.
const cancelPoll = 200 * time.Millisecond

// socketTransport is the agent's [http.RoundTripper].
type socketTransport struct{ socket string }

func (t socketTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	ctx := req.Context()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(agentTimeout)
	}
	d := net.Dialer{Deadline: deadline}
	conn, err := d.Dial("unix", t.socket)
	if err != nil {
		return nil, err
	}
	c := &pollConn{Conn: conn, ctx: ctx, deadline: deadline}
	req.Close = true
	if err := req.Write(c); err != nil {
		conn.Close()
		return nil, c.why(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), req)
	if err != nil {
		conn.Close()
		return nil, c.why(err)
	}
	resp.Body = &connBody{ReadCloser: resp.Body, conn: conn}
	return resp, nil
}

// pollConn is a connection whose reads give up at the deadline or soon
// after the context is cancelled.
type pollConn struct {
	net.Conn
	ctx      context.Context
	deadline time.Time
}

func (c *pollConn) Read(p []byte) (int, error) {
	for {
		if err := c.ctx.Err(); err != nil {
			return 0, err
		}
		until := time.Now().Add(cancelPoll)
		if until.After(c.deadline) {
			until = c.deadline
		}
		c.Conn.SetReadDeadline(until)
		n, err := c.Conn.Read(p)
		if n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) || !time.Now().Before(c.deadline) {
			return n, err
		}
	}
}

func (c *pollConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(c.deadline)
	return c.Conn.Write(p)
}

// why is err, or the context's error when the request was cancelled.
func (c *pollConn) why(err error) error {
	if cerr := c.ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}

// connBody closes the connection with the response's body.
type connBody struct {
	io.ReadCloser
	conn net.Conn
}

func (b *connBody) Close() error {
	err := b.ReadCloser.Close()
	b.conn.Close()
	return err
}
