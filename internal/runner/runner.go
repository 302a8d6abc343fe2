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
	// Program is the package's path as the user gave it: a bare module's argv[0].
	Program string
}

// Prepared is a run ready to start: its command selected, its guest root built
// and what the guest gets worked out. Between Prepare and Run the root can be
// looked at or changed (a journal will be replayed onto it there).
type Prepared struct {
	// Root is the guest's filesystem, which Close releases.
	Root *fsprep.Root
	// Spec is the guest process: module, argv, environment, preopens, streams.
	Spec ProcessSpec

	opts Options
	log  *zerolog.Logger
}

// Prepare selects the command of c that opts names and its atom, builds the
// guest root (package volumes, user mounts) and the guest's process spec, as
// Wasmer mixes them.
func Prepare(c *webc.Container, opts Options) (*Prepared, error) {
	log := opts.Log
	if log == nil {
		nop := zerolog.Nop()
		log = &nop
	}
	cmd, atom, err := selectCommand(c, opts.Command)
	if err != nil {
		return nil, err
	}
	fsOpts := opts.FS
	fsOpts.Container = c
	root, err := fsprep.Prepare(fsOpts)
	if err != nil {
		return nil, err
	}
	spec, err := processSpec(root, c, cmd, atom, opts)
	if err != nil {
		root.Close()
		return nil, err
	}
	logRun(log, root, spec)
	return &Prepared{Root: root, Spec: spec, opts: opts, log: log}, nil
}

// Run opens a session over the prepared root (the runtime, the compilation
// cache, the stops), starts the guest as its process and waits for it.
func (p *Prepared) Run(ctx context.Context) (int, error) {
	s := NewSession(ctx, SessionConfig{
		Root:     p.Root.MountTable,
		CacheDir: p.opts.CacheDir,
		Timeout:  p.opts.Timeout,
		Signals:  p.opts.Signals,
		Log:      p.log,
		// A run is one process today; WASIX's fork and exec will lift this.
		SingleProcess: true,
	})
	defer s.Close(ctx)
	return s.Start(ctx, p.Spec).Wait()
}

// Close releases the guest root.
func (p *Prepared) Close() error { return p.Root.Close() }

// exitCodeOf is the exit code an error of the runner carries, ExitFailure when
// it carries none.
func exitCodeOf(err error) int {
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	return ExitFailure
}

// selectCommand finds the command opts names (the package's entrypoint when
// none) and its atom. A command whose runner is not WASI is refused by name.
func selectCommand(c *webc.Container, name string) (*webc.Command, []byte, error) {
	cmd, err := c.Command(name)
	if err != nil {
		var nf *webc.CommandNotFoundError
		if errors.As(err, &nf) {
			return nil, nil, &NotFoundError{What: "command", Name: nf.Name, Exists: nf.Commands, Err: err}
		}
		return nil, nil, err
	}
	if !cmd.IsWasi() {
		return nil, nil, &RunnerError{Command: cmd.Name, Runner: cmd.Runner}
	}
	atom, err := c.CommandAtom(cmd)
	if err != nil {
		return nil, nil, err
	}
	return cmd, atom, nil
}

// processSpec is what the guest gets, as Wasmer gives it: argv, the environment,
// the working directory and preopens, the streams.
func processSpec(root *fsprep.Root, c *webc.Container, cmd *webc.Command, atom []byte, opts Options) (ProcessSpec, error) {
	cwd, err := workingDir(root.MountTable, opts, cmd.Wasi)
	if err != nil {
		return ProcessSpec{}, err
	}
	// Go's wasip1 runtime takes its working directory from PWD. It is set when
	// the guest does not start at "/", and always with --forward-env, whose host
	// PWD would name a directory of the host.
	var extra []string
	if cwd != "/" || opts.ForwardEnv {
		extra = append(extra, "PWD="+cwd)
	}
	args := guestArgs(cmd.Name, cmd.Wasi, opts.Args)
	if c.Format == webc.FormatWasm && opts.Program != "" {
		// A bare module's argv[0] is its path as given, as Wasmer, wasmtime and
		// wazero pass it.
		args[0] = opts.Program
	}
	spec := ProcessSpec{
		Name:     cmd.Name,
		Module:   atom,
		Args:     args,
		Env:      guestEnv(cmd.Wasi, opts.HostEnv, opts.ForwardEnv, extra, opts.Env),
		Preopens: preopens(cwd),
		Stdin:    opts.Stdin,
		Stdout:   opts.Stdout,
		Stderr:   opts.Stderr,
	}
	if opts.Invoke != "" {
		spec.Invoke, spec.InvokeArgs = opts.Invoke, opts.Args
	}
	return spec, nil
}

// logRun writes what the guest gets to the debug log: a CI user debugging a run
// needs to see it.
func logRun(log *zerolog.Logger, root *fsprep.Root, spec ProcessSpec) {
	if !log.Debug().Enabled() {
		return
	}
	for _, m := range root.Mounts() {
		log.Debug().Str("guest", m.Path).Str("source", m.Source).Msg("mount")
	}
	for i, p := range spec.Preopens {
		log.Debug().Int("fd", 3+i).Str("name", p.Name).Str("path", p.Path).Msg("preopen")
	}
	log.Debug().Str("command", spec.Name).Strs("argv", spec.Args).Strs("env", spec.Env).Int("module_bytes", len(spec.Module)).Msg("prepared")
	if cwd := spec.Preopens[0].Path; cwd != "/" {
		log.Debug().Str("cwd", cwd).Msg("a program built on wasi-libc (C, C++, Rust) cannot learn this working directory: its getcwd() says / and its relative paths resolve from /; a Go program's resolve from here")
	}
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
