package runner

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"
)

// A stopper ends a session early: at its timeout and, when asked, at SIGINT or
// SIGTERM. It calls stop once, with the first reason; reason reports it. It never
// exits the process: the processes it stops return their exit codes up to main.
type stopper struct {
	stop func(stopError)
	log  *zerolog.Logger

	mu       sync.Mutex
	why      stopError
	timer    *time.Timer
	signals  *signalHandler
	released bool
}

// newStopper starts the timeout's timer; with signals, the signal handler waits
// for armSignals.
func newStopper(timeout time.Duration, signals bool, stop func(stopError), log *zerolog.Logger) *stopper {
	s := &stopper{stop: stop, log: log}
	if timeout > 0 {
		s.timer = time.AfterFunc(timeout, func() { s.end(&TimeoutError{After: timeout}) })
	}
	if signals {
		s.signals = &signalHandler{end: s.end, log: log}
	}
	return s
}

// armSignals installs the signal handler signalHandlerDelay from now, once: a
// process calls it as its guest starts, so that a guest that ends sooner never
// pays for the handler.
func (s *stopper) armSignals() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.signals == nil || s.signals.timer != nil || s.released {
		return
	}
	s.signals.timer = time.AfterFunc(signalHandlerDelay, s.signals.install)
}

// end records why the session ends, once, and stops its processes.
func (s *stopper) end(err stopError) {
	s.mu.Lock()
	first := s.why == nil && !s.released
	if first {
		s.why = err
	}
	s.mu.Unlock()
	if first {
		s.stop(err)
	}
}

// reason is why the session ended early, nil when it did not.
func (s *stopper) reason() stopError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.why
}

// release stops the timer and the signal handler.
func (s *stopper) release() {
	s.mu.Lock()
	s.released = true
	s.mu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
	}
	if s.signals != nil {
		s.mu.Lock()
		timer := s.signals.timer
		s.mu.Unlock()
		if timer != nil {
			timer.Stop()
		}
		if s.signals.stop() {
			go s.signals.uninstall() // signal.Stop waits for the runtime's signal loop
		}
	}
}

// signalHandlerDelay is how long a guest runs before SIGINT and SIGTERM are
// caught. Installing the handler starts the runtime's signal loop, a thread
// hand-off that cost a tiny module's start about half a millisecond (measured by
// BenchmarkStartupWarm): a guest that ends sooner never pays it. A signal before
// then gets Go's default, death by the signal, which a shell reports as the same
// 130 or 143.
const signalHandlerDelay = 2 * time.Millisecond

// signalHandler turns SIGINT and SIGTERM into the end of the session.
type signalHandler struct {
	end   func(stopError)
	log   *zerolog.Logger
	timer *time.Timer

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
	h.log.Debug().Msg("catching SIGINT and SIGTERM")
}

func (h *signalHandler) wait(ch <-chan os.Signal, done <-chan struct{}) {
	select {
	case sig := <-ch:
		h.end(signalError(sig))
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

// stopError is why a session ended early: a *TimeoutError or a *SignalError,
// each with the exit code it means.
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
