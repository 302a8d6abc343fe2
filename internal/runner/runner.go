// Package runner runs a command of a package: it picks the command, mixes the
// guest's arguments and environment as Wasmer does, prepares the guest root,
// compiles the atom with wazero (through the on-disk compilation cache), binds
// the WASI host modules of package wasi and calls the entry function, turning
// what happened into an exit code.
package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasirun/wasirun/internal/fsprep"
	"github.com/wasirun/wasirun/internal/vfs"
	"github.com/wasirun/wasirun/internal/wasi"
	"github.com/wasirun/wasirun/internal/webc"
)

// Options is what the user asked for.
type Options struct {
	// Command names the command to run; "" runs the package's entrypoint.
	Command string
	// Invoke names the export to call instead of _start.
	Invoke string
	// Args are the user's arguments, after main-args.
	Args []string
	// Env holds the user's --env entries: "K=V", or "K" to copy one host variable.
	Env []string
	// ForwardEnv passes the whole host environment (HostEnv) to the guest.
	ForwardEnv bool
	// HostEnv is the host's environment, "K=V" entries.
	HostEnv []string
	// HostCwd is the host's working directory: when a user mount maps it, the
	// guest starts there.
	HostCwd string
	// Cwd is the guest's working directory; "" picks one (see workingDir).
	Cwd string
	// FS is how to build the guest root; its Container is set by Run.
	FS fsprep.Options
	// Timeout stops the guest after this long (exit 124); 0 is no limit.
	Timeout time.Duration
	// CacheDir holds compiled modules; "" compiles every time.
	CacheDir string
	// Stdin, Stdout and Stderr are the guest's streams; nil is empty input or
	// discarded output.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Signals stops the guest on SIGINT or SIGTERM with 130 or 143, instead of
	// letting the process die.
	Signals bool
	// Log receives debug lines; nil logs nothing.
	Log *zerolog.Logger
}

// Run runs the command of c that opts selects and returns the guest's exit code.
// A failure of the runner itself is an error with an ExitCode method (see
// errors.go); the returned code is then that one.
func Run(ctx context.Context, c *webc.Container, opts Options) (int, error) {
	log := opts.Log
	if log == nil {
		nop := zerolog.Nop()
		log = &nop
	}
	cmd, err := c.Command(opts.Command)
	if err != nil {
		var nf *webc.CommandNotFoundError
		if errors.As(err, &nf) {
			return ExitNotFound, &NotFoundError{What: "command", Name: nf.Name, Exists: nf.Commands, Err: err}
		}
		return ExitFailure, err
	}
	atom, err := c.CommandAtom(cmd)
	if err != nil {
		return ExitFailure, err
	}

	fsOpts := opts.FS
	fsOpts.Container = c
	root, err := fsprep.Prepare(fsOpts)
	if err != nil {
		return ExitFailure, err
	}
	defer root.Close()
	cwd, err := workingDir(root.MountTable, opts, cmd.Wasi)
	if err != nil {
		return ExitFailure, err
	}
	// Go's wasip1 runtime takes its working directory from PWD. It is set when
	// the guest does not start at "/", and always with --forward-env, whose host
	// PWD would name a directory of the host.
	var extra []string
	if cwd != "/" || opts.ForwardEnv {
		extra = append(extra, "PWD="+cwd)
	}
	stdin := opts.Stdin
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	system, err := wasi.New(wasi.Config{
		Args:     guestArgs(cmd.Name, cmd.Wasi, opts.Args),
		Env:      guestEnv(cmd.Wasi, opts.HostEnv, opts.ForwardEnv, extra, opts.Env),
		Root:     root.MountTable,
		Preopens: []wasi.Preopen{{Name: "/", Path: "/"}, {Name: ".", Path: cwd}},
		Stdin:    stdin,
		Stdout:   opts.Stdout,
		Stderr:   opts.Stderr,
	})
	if err != nil {
		return ExitFailure, err
	}
	defer system.Close()
	log.Debug().Str("command", cmd.Name).Str("cwd", cwd).Int("atom_bytes", len(atom)).Msg("prepared")

	return execute(ctx, atom, cmd.Name, system, opts, log)
}

// workingDir is the guest's working directory: --cwd, else the annotation's cwd,
// else the guest path of a user mount of the host's working directory (Wasmer
// maps it at /home), else "/". It must be a directory of the guest root.
func workingDir(root *vfs.MountTable, opts Options, ann *webc.WasiAnnotation) (string, error) {
	cwd, flag := opts.Cwd, "--cwd"
	if cwd == "" && ann != nil && ann.Cwd != "" {
		cwd, flag = ann.Cwd, "the package's cwd"
	}
	if cwd == "" && opts.HostCwd != "" {
		for _, m := range opts.FS.User {
			if m.Host == opts.HostCwd {
				cwd, flag = m.Guest, "the mapped working directory"
			}
		}
	}
	if cwd == "" {
		return "/", nil
	}
	guest, err := fsprep.NormalizeGuestPath(cwd)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", flag, cwd, err)
	}
	st, errno := root.Stat(guest)
	switch {
	case errno == vfs.ENOENT:
		return "", fmt.Errorf("%s %s: no such directory in the guest", flag, cwd)
	case errno != vfs.ESUCCESS:
		return "", fmt.Errorf("%s %s: %w", flag, cwd, errno)
	case !st.Mode.IsDir():
		return "", fmt.Errorf("%s %s: not a directory in the guest", flag, cwd)
	}
	return guest, nil
}

// execute compiles the atom, instantiates it over system and calls its entry.
func execute(ctx context.Context, atom []byte, name string, system *wasi.System, opts Options, log *zerolog.Logger) (int, error) {
	imported, err := checkImports(name, atom)
	if err != nil {
		return ExitCannotRun, err
	}
	ctx, stop, reason := withStops(ctx, opts)
	defer stop()

	// The engine can stop running wasm only with termination checks compiled
	// into every loop of the guest, which slow it; they are asked for only when
	// --timeout needs them (as the wazero CLI does). Signals without a timeout
	// end the process from their handler instead (see withStops).
	config := wazero.NewRuntimeConfig().WithCloseOnContextDone(opts.Timeout > 0)
	if opts.CacheDir != "" {
		cache, err := openCache(opts.CacheDir)
		if err != nil {
			return ExitFailure, err
		}
		config = config.WithCompilationCache(cache)
	}
	r := wazero.NewRuntimeWithConfig(ctx, config)
	defer r.Close(ctx)

	start := time.Now()
	compiled, err := r.CompileModule(ctx, atom)
	if err != nil {
		if stopped := reason(); stopped != nil {
			return stopped.ExitCode(), stopped
		}
		return ExitCannotRun, &CannotRunError{Module: name, Err: err}
	}
	log.Debug().Dur("took", time.Since(start)).Msg("compiled")
	if err := wasi.Define(ctx, r, imported); err != nil {
		return ExitFailure, err
	}
	ctx = wasi.WithSystem(ctx, system)
	mod, err := r.InstantiateModule(ctx, compiled, system.ModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		if code, err, ok := outcome(err, reason()); ok {
			return code, err
		}
		return ExitCannotRun, &CannotRunError{Module: name, Err: err}
	}
	return call(ctx, mod, compiled, name, opts, reason)
}

// call runs the entry function (or the --invoke export) and classifies the end.
func call(ctx context.Context, mod api.Module, compiled wazero.CompiledModule, name string, opts Options, reason func() stopError) (int, error) {
	entry := "_start"
	if opts.Invoke != "" {
		entry = opts.Invoke
	}
	fn := mod.ExportedFunction(entry)
	if fn == nil {
		what := "entry function"
		if opts.Invoke != "" {
			what = "export"
		}
		return ExitNotFound, &NotFoundError{What: what, Name: entry, Context: name, Exists: exportedFunctions(compiled)}
	}
	def := fn.Definition()
	var params []uint64
	if opts.Invoke != "" && (len(def.ParamTypes()) > 0 || len(def.ResultTypes()) > 0) {
		if init := mod.ExportedFunction("_initialize"); init != nil {
			if _, err := init.Call(ctx); err != nil {
				code, err, _ := outcome(err, reason())
				return code, err
			}
		}
		var err error
		if params, err = parseParams(entry, def.ParamTypes(), opts.Args); err != nil {
			return ExitFailure, err
		}
	}
	results, err := fn.Call(ctx, params...)
	if code, err, ok := outcome(err, reason()); ok {
		return code, err
	}
	if opts.Stdout != nil {
		for i, t := range def.ResultTypes() {
			fmt.Fprintln(opts.Stdout, formatValue(t, results[i]))
		}
	}
	return 0, nil
}

// outcome classifies the error of a guest call: ok is false for nil. stopped is
// why the run's context ended early, nil when it did not: a guest the engine
// stopped for it ends with that error's code.
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

// trapError splits the engine's "wasm error: REASON\nwasm stack trace:\n\t..." text.
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
	return t
}

// checkImports refuses a module that imports anything the runner does not
// provide, naming every such import, and otherwise returns a test of whether the
// module imports a function (nil: treat every function as imported). It reads the
// import section alone, before compiling, so that a module the engine would refuse
// for a feature (WASIX's shared memory) is still named for what it needs. A
// section it cannot read is left for the compiler to report.
func checkImports(name string, atom []byte) (func(module, name string) bool, error) {
	imports, err := webc.ModuleImports(bytes.NewReader(atom), int64(len(atom)))
	if err != nil {
		return nil, nil
	}
	var unsupported []string
	wasix := false
	for _, imp := range imports {
		if imp.Kind == 0 && wasi.Supported(imp.Module, imp.Name) {
			continue
		}
		what := imp.Module + "." + imp.Name
		if int(imp.Kind) < len(importKinds) && importKinds[imp.Kind] != "" {
			what += " (" + importKinds[imp.Kind] + ")"
		}
		unsupported = append(unsupported, what)
		wasix = wasix || strings.HasPrefix(imp.Module, "wasix")
	}
	if len(unsupported) > 0 {
		return nil, &CannotRunError{Module: name, Unsupported: unsupported, NeedsWASIX: wasix}
	}
	imported := func(module, name string) bool {
		for _, imp := range imports {
			if imp.Kind == 0 && imp.Module == module && imp.Name == name {
				return true
			}
		}
		return false
	}
	return imported, nil
}

// importKinds names the kinds of imports other than functions (0), by their
// number in the import section.
var importKinds = [...]string{1: "table", 2: "memory", 3: "global", 4: "tag"}

// exportedFunctions lists the names of a module's exported functions.
func exportedFunctions(m wazero.CompiledModule) []string {
	defs := m.ExportedFunctions()
	names := make([]string, 0, len(defs))
	for name := range defs {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
