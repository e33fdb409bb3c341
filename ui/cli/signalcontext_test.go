package cli

import (
	"context"
	"errors"
	"testing"
)

// The commands' context listens for Ctrl+C only once something waits on
// it, and ends (as signal.NotifyContext's does) when Main stops it.
func TestSignalContextListensOnlyOnceWaitedOn(t *testing.T) {
	t.Parallel()
	s := &signalContext{}
	if s.Err() != nil || s.ctx != nil {
		t.Fatal("the context listens, or is done, before anything waited on it")
	}
	done := s.Done()
	if s.ctx == nil {
		t.Fatal("waiting on the context did not start listening")
	}
	select {
	case <-done:
		t.Fatal("the context is done with no signal and no stop")
	default:
	}
	child, cancel := context.WithCancel(s)
	defer cancel()
	s.stop()
	<-done
	<-child.Done()
	if !errors.Is(s.Err(), context.Canceled) {
		t.Errorf("after stop Err() = %v, want context.Canceled", s.Err())
	}

	late := &signalContext{}
	late.stop()
	select {
	case <-late.Done():
	default:
		t.Error("a context stopped before anything waited on it is not done")
	}
}
