package runner

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/wasirun/wasirun/internal/testguest"
)

// TestStopsWhileCollecting: several guests spinning in loops without a host call,
// while the collector stops the world again and again, all end at the session's
// timeout. Before the modules were instrumented, a collection waited forever for
// a goroutine running compiled code, and nothing else ran again.
func TestStopsWhileCollecting(t *testing.T) {
	ctx := context.Background()
	s := NewSession(ctx, SessionConfig{Timeout: 500 * time.Millisecond, CacheDir: testCache})
	defer s.Close(ctx)

	collecting := make(chan struct{})
	defer close(collecting)
	collections := 0
	go func() {
		for {
			select {
			case <-collecting:
				return
			default:
				runtime.GC()
				collections++
			}
		}
	}()

	const guests = 3
	procs := make([]*Process, guests)
	for i := range procs {
		procs[i] = s.Start(ctx, ProcessSpec{Name: "loop", Module: testguest.Loop(), Args: []string{"loop"}})
	}
	for i, p := range procs {
		code, err := p.Wait()
		var timeout *TimeoutError
		if code != ExitTimeout || !errors.As(err, &timeout) {
			t.Errorf("guest %d: code %d, error %v; want %d and a *TimeoutError", i, code, err, ExitTimeout)
		}
	}
	t.Logf("%d collections while the guests ran", collections)
}

// TestStopBeforeStart: a process started in a session that has already been
// stopped ends at once with the stop's code.
func TestStopBeforeStart(t *testing.T) {
	ctx := context.Background()
	s := NewSession(ctx, SessionConfig{Timeout: time.Nanosecond, CacheDir: testCache})
	defer s.Close(ctx)
	for s.stops.reason() == nil {
		runtime.Gosched() // the timer fires on its own goroutine
	}
	code, err := s.Start(ctx, ProcessSpec{Name: "loop", Module: testguest.Loop(), Args: []string{"loop"}}).Wait()
	if code != ExitTimeout || err == nil {
		t.Errorf("code %d, error %v; want %d and the timeout", code, err, ExitTimeout)
	}
}
