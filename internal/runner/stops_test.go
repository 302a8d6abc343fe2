package runner

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
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
	var collections atomic.Int64
	var collector sync.WaitGroup
	collector.Add(1)
	go func() {
		defer collector.Done()
		for {
			select {
			case <-collecting:
				return
			default:
				runtime.GC()
				collections.Add(1)
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
	close(collecting)
	collector.Wait()
	if collections.Load() == 0 {
		t.Error("no collection completed while the guests ran")
	}
	t.Logf("%d collections while the guests ran", collections.Load())
}

// TestStopBeforeStart: a process started in a session that has already been
// stopped ends with the stop's code, and its guest (one without loops, which
// would otherwise run to its end) does nothing.
func TestStopBeforeStart(t *testing.T) {
	ctx := context.Background()
	s := NewSession(ctx, SessionConfig{Timeout: time.Nanosecond, CacheDir: testCache})
	defer s.Close(ctx)
	for s.stops.reason() == nil {
		runtime.Gosched() // the timer fires on its own goroutine
	}
	var stdout bytes.Buffer
	code, err := s.Start(ctx, ProcessSpec{Name: "hello", Module: testguest.Hello(), Args: []string{"hello"}, Stdout: &stdout}).Wait()
	if code != ExitTimeout || err == nil || stdout.Len() != 0 {
		t.Errorf("code %d, error %v, stdout %q; want %d, the timeout and nothing", code, err, stdout.String(), ExitTimeout)
	}
}

// TestSessionProcesses: a session that may run several processes defines every
// WASI function, so that a second process importing what the first did not
// still links.
func TestSessionProcesses(t *testing.T) {
	ctx := context.Background()
	s := NewSession(ctx, SessionConfig{CacheDir: testCache})
	defer s.Close(ctx)
	if code, err := s.Start(ctx, ProcessSpec{Name: "exit", Module: testguest.ExitCode(0), Args: []string{"exit"}}).Wait(); code != 0 || err != nil {
		t.Fatalf("first process: code %d, error %v", code, err)
	}
	var stdout bytes.Buffer
	code, err := s.Start(ctx, ProcessSpec{Name: "hello", Module: testguest.Hello(), Args: []string{"hello"}, Stdout: &stdout}).Wait()
	if code != 0 || err != nil || stdout.String() != "hello\n" {
		t.Errorf("second process: code %d, error %v, stdout %q; want 0 and hello", code, err, stdout.String())
	}
}
