//go:build unix

package service_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"ztm/ui/app/service"
)

// An agent that accepts a request and never answers (stuck behind a
// refresh, say) must not hold a cancelled command: the request ends soon
// after its context does, with the context's error.
func TestAgentRequestEndsWhenCancelled(t *testing.T) {
	sock := filepath.Join(shortTempDir(t), "a.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := service.NewAgentClient(sock).Token(ctx, "crm", 0)
		done <- err
	}()
	conn := <-accepted
	defer conn.Close()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("a cancelled request said %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled request to a silent agent did not end")
	}
}

// A deadline on the context bounds the wait on a silent agent too.
func TestAgentRequestEndsAtItsDeadline(t *testing.T) {
	sock := filepath.Join(shortTempDir(t), "a.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	hold := make(chan struct{})
	defer close(hold)
	go func() {
		if c, err := ln.Accept(); err == nil {
			defer c.Close()
			<-hold
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = service.NewAgentClient(sock).Token(ctx, "crm", 0)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("a request to a silent agent with a 300 ms deadline ended after %v with %v", time.Since(start), err)
	}
}
