package runner

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// withStops derives the context a guest runs under: it ends at opts.Timeout and,
// with opts.Signals, at SIGINT or SIGTERM. reason reports why it ended early (a
// *TimeoutError or *SignalError), nil when it did not; stop releases the timer
// and the signal handler.
//
// Ending the context stops running wasm only when the engine compiled
// termination checks in, which it does with a timeout. Without one, a signal
// ends the process at once with 128 + its number (exitProcess): nothing of the
// guest's is lost, since host directories are written through and the in-memory
// layers end with the process anyway.
func withStops(parent context.Context, opts Options) (ctx context.Context, stop func(), reason func() error) {
	ctx, cancel := context.WithCancel(parent)
	var (
		mu  sync.Mutex
		why error
	)
	end := func(err error) {
		mu.Lock()
		if why == nil {
			why = err
		}
		mu.Unlock()
		cancel()
	}
	var stops []func()
	if opts.Timeout > 0 {
		timer := time.AfterFunc(opts.Timeout, func() { end(&TimeoutError{After: opts.Timeout}) })
		stops = append(stops, func() { timer.Stop() })
	}
	if opts.Signals {
		// Installing the handler costs a few hundred microseconds (the runtime
		// starts a thread to wait for signals), so it is done beside the start
		// of the guest rather than before it. A signal in that window gets Go's
		// default: the process dies of it.
		var (
			smu     sync.Mutex
			stopped bool
		)
		ch := make(chan os.Signal, 1)
		done := make(chan struct{})
		go func() {
			smu.Lock()
			if stopped {
				smu.Unlock()
				return
			}
			signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
			smu.Unlock()
			select {
			case sig := <-ch:
				se := signalError(sig)
				if opts.Timeout <= 0 {
					exitProcess(se.ExitCode())
				}
				end(se)
			case <-done:
			}
		}()
		// signal.Stop waits for the runtime's signal loop to go idle, a
		// thread hand-off measured at about 0.2 ms: it is done beside the
		// caller, which is usually about to exit.
		stops = append(stops, func() {
			go func() {
				smu.Lock()
				stopped = true
				signal.Stop(ch)
				smu.Unlock()
				close(done)
			}()
		})
	}
	stop = func() {
		for _, s := range stops {
			s()
		}
		cancel()
	}
	reason = func() error {
		mu.Lock()
		defer mu.Unlock()
		return why
	}
	return ctx, stop, reason
}

// exitProcess ends the process; a variable so that a test can see the call.
var exitProcess = os.Exit

// signalError describes a stopping signal.
func signalError(sig os.Signal) *SignalError {
	if sig == os.Interrupt {
		return &SignalError{Name: "SIGINT", Number: 2}
	}
	return &SignalError{Name: "SIGTERM", Number: 15}
}
