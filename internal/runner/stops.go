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
// termination checks in, which it does with a timeout; without one, a signal
// ends the process (see signalHandler).
func withStops(parent context.Context, opts Options) (ctx context.Context, stop func(), reason func() stopError) {
	ctx, cancel := context.WithCancel(parent)
	var (
		mu  sync.Mutex
		why stopError
	)
	end := func(err stopError) {
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
		h := &signalHandler{exit: opts.Timeout <= 0, end: end}
		timer := time.AfterFunc(signalHandlerDelay, h.install)
		stops = append(stops, func() {
			timer.Stop()
			if h.stop() {
				go h.uninstall() // signal.Stop waits for the runtime's signal loop
			}
		})
	}
	stop = func() {
		for _, s := range stops {
			s()
		}
		cancel()
	}
	reason = func() stopError {
		mu.Lock()
		defer mu.Unlock()
		return why
	}
	return ctx, stop, reason
}

// signalHandlerDelay is how long a guest runs before SIGINT and SIGTERM are
// caught. Installing the handler starts the runtime's signal loop, a thread
// hand-off that cost a tiny module's start about half a millisecond (measured by
// BenchmarkStartupWarm): a guest that ends sooner never pays it. A signal before
// then gets Go's default, death by the signal, which a shell reports as the same
// 130 or 143.
const signalHandlerDelay = 2 * time.Millisecond

// signalHandler stops a run on SIGINT or SIGTERM: with exit set it ends the
// process with 128 + the signal's number (the engine cannot stop running wasm
// without the termination checks only --timeout compiles in; nothing of the
// guest's is lost, since host directories are written through and in-memory
// layers end with the process anyway), otherwise it ends the run's context.
type signalHandler struct {
	exit bool
	end  func(stopError)

	mu        sync.Mutex
	installed bool
	stopped   bool
	ch        chan os.Signal
	done      chan struct{}
}

// install starts catching the signals, unless the run has ended already.
func (h *signalHandler) install() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return
	}
	h.ch, h.done, h.installed = make(chan os.Signal, 1), make(chan struct{}), true
	signal.Notify(h.ch, os.Interrupt, syscall.SIGTERM)
	go h.wait(h.ch, h.done)
}

func (h *signalHandler) wait(ch <-chan os.Signal, done <-chan struct{}) {
	select {
	case sig := <-ch:
		se := signalError(sig)
		if h.exit {
			os.Exit(se.ExitCode())
		}
		h.end(se)
	case <-done:
	}
}

// stop keeps install from catching anything from now on, and reports whether it
// already did (uninstall is then due).
func (h *signalHandler) stop() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	return h.installed
}

// uninstall stops catching the signals.
func (h *signalHandler) uninstall() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.installed {
		signal.Stop(h.ch)
		close(h.done)
		h.installed = false
	}
}

// stopError is why a run's context ended early: a *TimeoutError or a
// *SignalError, each with the exit code it means.
type stopError interface {
	error
	ExitCode() int
}

// signalError describes a stopping signal.
func signalError(sig os.Signal) *SignalError {
	if sig == os.Interrupt {
		return &SignalError{Name: "SIGINT", Number: 2}
	}
	return &SignalError{Name: "SIGTERM", Number: 15}
}
