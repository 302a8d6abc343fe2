package runner

import (
	"context"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/tetratelabs/wazero"

	"github.com/wasirun/wasirun/internal/wasi"
)

// A Session is what the processes of one run share: the guest root, the wazero
// runtime with its compilation cache, and the stops (--timeout, SIGINT and
// SIGTERM) that end every process of the run. The caller prepares the root and
// closes it after the session; later the session will also own the journal and
// the process table.
//
// A run is a session with one process today; WASIX adds processes (fork, exec)
// and threads, each with its own WASI state, on the same runtime and root.
type Session struct {
	root    wasi.Root
	runtime wazero.Runtime
	log     *zerolog.Logger
	// cacheDir is the compilation cache in use, "" for none.
	cacheDir string
	// narrow: define only the host functions the first process imports.
	narrow bool

	stops *stopper

	mu        sync.Mutex
	defined   bool // the WASI host modules are in the runtime
	processes []*Process
}

// SessionConfig is what a session is made of.
type SessionConfig struct {
	// Root is the guest's filesystem, prepared by the caller (fsprep.Prepare).
	Root wasi.Root
	// CacheDir holds compiled modules; "" compiles every time. A directory that
	// cannot be used costs a warning, not the run.
	CacheDir string
	// Timeout ends every process after this long (exit 124); 0 is no limit.
	Timeout time.Duration
	// Signals ends every process on SIGINT or SIGTERM (130, 143) instead of
	// letting the process die.
	Signals bool
	// Log receives debug lines; nil logs nothing.
	Log *zerolog.Logger
	// SingleProcess promises that the session runs one process: the WASI host
	// functions are then defined for that process's imports alone (the engine
	// builds a trampoline for each, so a start pays for every one defined).
	// Otherwise every function is defined, for whatever a later process imports.
	SingleProcess bool
}

// NewSession creates the runtime of a run and starts its stops: the timeout
// counts from here, since compiling a module is part of what it bounds.
func NewSession(ctx context.Context, cfg SessionConfig) *Session {
	log := cfg.Log
	if log == nil {
		nop := zerolog.Nop()
		log = &nop
	}
	// Every module is instrumented (package interrupt) so that it can be stopped
	// and never holds up the collector; the engine's own termination checks, which
	// leave compiled code at every loop iteration, are not needed.
	config := wazero.NewRuntimeConfig()
	cacheDir := ""
	if cfg.CacheDir != "" {
		cache, err := openCache(cfg.CacheDir)
		if err != nil {
			// An unusable cache directory costs speed, not the run.
			log.Warn().Err(err).Msg("compiling without the compilation cache")
		} else {
			config = config.WithCompilationCache(cache)
			cacheDir = cfg.CacheDir
		}
	}
	s := &Session{
		root:     cfg.Root,
		runtime:  wazero.NewRuntimeWithConfig(ctx, config),
		log:      log,
		cacheDir: cacheDir,
		narrow:   cfg.SingleProcess,
	}
	s.stops = newStopper(cfg.Timeout, cfg.Signals, s.stopAll, log)
	return s
}

// stopAll stops every process of the session for err (a *TimeoutError or a
// *SignalError).
func (s *Session) stopAll(err stopError) {
	s.mu.Lock()
	procs := append([]*Process(nil), s.processes...)
	s.mu.Unlock()
	for _, p := range procs {
		p.stop(err)
	}
}

// Close releases the stops and the runtime. A process whose guest is still
// blocked in a host call (a read of a terminal, a write to a full pipe) after it
// was stopped keeps the runtime: its goroutine may still touch guest memory, and
// the process exits right after anyway.
func (s *Session) Close(ctx context.Context) error {
	s.stops.release()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.processes {
		if !p.finished() {
			s.log.Debug().Str("process", p.name).Msg("a stopped guest is still in a host call: the runtime is left to the process's exit")
			return nil
		}
	}
	return s.runtime.Close(ctx)
}

// defineHost defines the WASI host modules in the runtime, once: in a session
// of a single process, only the functions it imports (imported); otherwise all.
func (s *Session) defineHost(ctx context.Context, imported func(module, name string) bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.defined {
		return nil
	}
	if !s.narrow {
		imported = nil
	}
	if err := wasi.Define(ctx, s.runtime, imported); err != nil {
		return err
	}
	s.defined = true
	return nil
}

// add records a process; a stop that came before it started stops it at once.
func (s *Session) add(p *Process) {
	s.mu.Lock()
	s.processes = append(s.processes, p)
	s.mu.Unlock()
	if err := s.stops.reason(); err != nil {
		p.stop(err)
	}
}
