package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasirun/wasirun/internal/interrupt"
	"github.com/wasirun/wasirun/internal/wasi"
)

// ProcessSpec is what one guest process runs: a module, its arguments,
// environment, preopens and streams.
type ProcessSpec struct {
	// Name names the process in messages: the command, or the module's file.
	Name string
	// Module is the module's bytes.
	Module []byte
	// Args is argv, argv[0] first; Env holds "K=V" entries.
	Args, Env []string
	// Preopens are the directories the guest gets as fds 3, 4, ...
	Preopens []wasi.Preopen
	// Invoke names the export to call instead of _start; InvokeArgs are its
	// parameters, as text.
	Invoke     string
	InvokeArgs []string
	// Stdin, Stdout and Stderr are the guest's streams; nil is empty input or
	// discarded output.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// A Process is one guest running in a session, on its own goroutine, with its
// own WASI state and module instance.
type Process struct {
	name    string
	session *Session
	spec    ProcessSpec
	cancel  context.CancelFunc

	done      chan struct{} // closed when the guest's goroutine has returned
	code      int           // the outcome, set before done is closed
	err       error
	stopped   chan struct{} // closed by the first stop
	stopOnce  sync.Once
	stopErr   stopError
	mu        sync.Mutex
	interrupt api.MutableGlobal // the instance's stop flag, once instantiated
}

// stopGrace is how long Wait gives a stopped guest to end by itself (its loops
// trap within a fraction of a millisecond once the stop flag is set) before it
// reports the stop anyway: a guest blocked in a host call that cannot be
// interrupted (a read of a terminal or an idle pipe, a write to a full one)
// would otherwise keep the run from ending.
const stopGrace = 250 * time.Millisecond

// Start starts a process in the session: compiling its module (through the
// compilation cache), instantiating it and calling its entry function happen on
// the process's goroutine; Wait returns the outcome.
func (s *Session) Start(ctx context.Context, spec ProcessSpec) *Process {
	ctx, cancel := context.WithCancel(ctx)
	p := &Process{
		name:    spec.Name,
		session: s,
		spec:    spec,
		cancel:  cancel,
		done:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	s.add(p)
	go func() {
		defer close(p.done)
		defer cancel()
		defer func() {
			// The engine panics on some malformed modules (wazero v1.12's
			// validation indexes a type a function section names without
			// checking it): the user gets the module refused in one line, as
			// for any module that does not compile, never a Go stack trace.
			if r := recover(); r != nil {
				p.code, p.err = ExitCannotRun, &CannotRunError{Module: spec.Name, Err: fmt.Errorf("the engine failed on it: %v", r)}
			}
		}()
		p.code, p.err = p.run(ctx)
	}()
	return p
}

// Wait returns the process's exit code, and the error that explains it when
// the guest did not simply exit: a trap, a stop, a module that cannot run. It
// returns within stopGrace of a stop, whatever the guest is doing.
func (p *Process) Wait() (int, error) {
	select {
	case <-p.done:
		return p.code, p.err
	case <-p.stopped:
	}
	grace := time.NewTimer(stopGrace)
	defer grace.Stop()
	select {
	case <-p.done:
		return p.code, p.err
	case <-grace.C:
		p.session.log.Debug().Str("process", p.name).Msg("the stopped guest is blocked in a host call: not waiting for it")
		return p.stopErr.ExitCode(), p.stopErr
	}
}

// finished reports whether the guest's goroutine has returned.
func (p *Process) finished() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the guest to end for err: its loops trap at their next check, and
// host calls that wait on its context (poll_oneoff's clocks) return.
func (p *Process) stop(err stopError) {
	p.stopOnce.Do(func() {
		p.stopErr = err
		close(p.stopped)
		p.cancel()
		p.mu.Lock()
		if p.interrupt != nil {
			p.interrupt.Set(1)
		}
		p.mu.Unlock()
	})
}

// stopReason is why the process was stopped, nil when it was not.
func (p *Process) stopReason() stopError {
	select {
	case <-p.stopped:
		return p.stopErr
	default:
		return nil
	}
}

// run compiles, instantiates and calls the guest.
func (p *Process) run(ctx context.Context) (int, error) {
	s, spec, log := p.session, p.spec, p.session.log
	imported, err := checkImports(spec.Name, spec.Module)
	if err != nil {
		return ExitCannotRun, err
	}
	module, err := instrument(s.cacheDir, spec.Module)
	if err != nil {
		// A module the rewrite cannot read is malformed (the compiler says how,
		// below) or uses what it does not know: it runs as it is, stopped only
		// when it calls the host.
		log.Debug().Err(err).Msg("the module runs without loop checks")
		module = spec.Module
	}
	start := time.Now()
	compiled, err := s.runtime.CompileModule(ctx, module)
	if err != nil && len(module) != len(spec.Module) {
		// The rewritten module does not compile: the module as given decides.
		// When it compiles, the rewrite is at fault (or a damaged cache entry):
		// the guest runs without loop checks; when it does not, the compiler's
		// verdict on it is what the user gets.
		if compiled, err = s.runtime.CompileModule(ctx, spec.Module); err == nil {
			log.Warn().Msg("the rewritten module does not compile: the guest runs without loop checks, and only stops in a host call")
			forgetInstrumented(s.cacheDir, spec.Module)
		}
	}
	if err != nil {
		if stopped := p.stopReason(); stopped != nil {
			return stopped.ExitCode(), stopped
		}
		return ExitCannotRun, &CannotRunError{Module: spec.Name, Err: err}
	}
	log.Debug().Dur("took", time.Since(start)).Msg("compiled")
	if err := s.defineHost(ctx, imported); err != nil {
		return ExitFailure, err
	}

	stdin := spec.Stdin
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	system, err := wasi.New(wasi.Config{
		Args:     spec.Args,
		Env:      spec.Env,
		Root:     s.root,
		Preopens: spec.Preopens,
		Stdin:    stdin,
		Stdout:   spec.Stdout,
		Stderr:   spec.Stderr,
	})
	if err != nil {
		return ExitFailure, err
	}
	defer system.Close()

	ctx = wasi.WithSystem(ctx, system)
	mod, err := s.runtime.InstantiateModule(ctx, compiled, system.ModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		// Only a stop or the guest's own exit (from a start function) is an
		// outcome here; anything else (an import of the wrong type, a data
		// segment out of bounds) is a module that cannot run.
		var exit *sys.ExitError
		if stopped := p.stopReason(); stopped != nil {
			return stopped.ExitCode(), stopped
		} else if errors.As(err, &exit) {
			return int(exit.ExitCode()), nil
		}
		return ExitCannotRun, &CannotRunError{Module: spec.Name, Err: err}
	}
	if g, ok := mod.ExportedGlobal(interrupt.ExportName).(api.MutableGlobal); ok {
		p.mu.Lock()
		p.interrupt = g
		if p.stopReason() != nil {
			g.Set(1)
		}
		p.mu.Unlock()
	}
	// The rewrite turns a start function into an export, called here with the
	// stop flag wired, so that a loop in it can be stopped too.
	if start := mod.ExportedFunction(interrupt.StartExportName); start != nil {
		if stopped := p.stopReason(); stopped != nil {
			return stopped.ExitCode(), stopped
		}
		if _, err := start.Call(ctx); err != nil {
			code, err, _ := outcome(err, p.stopReason())
			return code, err
		}
	}
	return p.call(ctx, mod, compiled)
}

// call runs the entry function (or the --invoke export) and classifies the end.
func (p *Process) call(ctx context.Context, mod api.Module, compiled wazero.CompiledModule) (int, error) {
	spec := p.spec
	entry := "_start"
	if spec.Invoke != "" {
		entry = spec.Invoke
	}
	fn := mod.ExportedFunction(entry)
	if fn == nil {
		what := "entry function"
		if spec.Invoke != "" {
			what = "export"
		}
		err := &NotFoundError{What: what, Name: entry, Context: spec.Name, Exists: exportedFunctions(compiled)}
		if _, isMemory := compiled.ExportedMemories()[entry]; isMemory {
			err.Kind = "a memory"
		} else if isGlobal(mod, entry) {
			err.Kind = "a global"
		}
		return ExitNotFound, err
	}
	def := fn.Definition()
	var params []uint64
	if spec.Invoke != "" && (len(def.ParamTypes()) > 0 || len(def.ResultTypes()) > 0) {
		if init := mod.ExportedFunction("_initialize"); init != nil {
			if stopped := p.stopReason(); stopped != nil {
				return stopped.ExitCode(), stopped
			}
			if _, err := init.Call(ctx); err != nil {
				code, err, _ := outcome(err, p.stopReason())
				return code, err
			}
		}
		var err error
		if params, err = parseParams(entry, def.ParamTypes(), spec.InvokeArgs); err != nil {
			return ExitFailure, err
		}
	}
	// A stop that came while the module compiled or was instantiated ends the
	// process before its guest does anything.
	if stopped := p.stopReason(); stopped != nil {
		return stopped.ExitCode(), stopped
	}
	p.session.stops.armSignals()
	results, err := fn.Call(ctx, params...)
	if code, err, ok := outcome(err, p.stopReason()); ok {
		return code, err
	}
	if spec.Stdout != nil {
		for _, s := range formatResults(def.ResultTypes(), results) {
			fmt.Fprintln(spec.Stdout, s)
		}
	}
	return 0, nil
}

// isGlobal reports whether the instance exports a global called name (the
// stop flag the rewrite adds is not the guest's).
func isGlobal(mod api.Module, name string) bool {
	return name != interrupt.ExportName && mod.ExportedGlobal(name) != nil
}

// outcome classifies the error of a guest call: ok is false for nil. stopped is
// why the process was stopped, nil when it was not: a guest that trapped or was
// cancelled after a stop ends with the stop's code.
func outcome(err error, stopped stopError) (int, error, bool) {
	if err == nil {
		return 0, nil, false
	}
	var exit *sys.ExitError
	isExit := errors.As(err, &exit)
	if stopped != nil && (!isExit || exit.ExitCode() == sys.ExitCodeDeadlineExceeded || exit.ExitCode() == sys.ExitCodeContextCanceled) {
		return stopped.ExitCode(), stopped, true
	}
	if isExit {
		return int(exit.ExitCode()), nil, true
	}
	return ExitTrap, trapError(err), true
}

// trapError splits the engine's "wasm error: REASON\nwasm stack trace:\n\t..."
// text. A stack overflow comes without a trace from the engine (it does not
// unwind a stack it ran out of); its reason says so.
func trapError(err error) *TrapError {
	msg := err.Error()
	reason, stack, _ := strings.Cut(msg, "\nwasm stack trace:")
	reason = strings.TrimPrefix(reason, "wasm error: ")
	t := &TrapError{Reason: reason}
	for _, line := range strings.Split(stack, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			t.Stack = append(t.Stack, line)
		}
	}
	if len(t.Stack) == 0 && strings.Contains(reason, "stack overflow") {
		t.Reason += " (the engine keeps no stack trace of an overflow: the call chain was deeper than the stack allows)"
	}
	return t
}
