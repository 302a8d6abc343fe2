package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wasirun/wasirun/internal/runner"
	"github.com/wasirun/wasirun/internal/webc"
)

// RunOptions are the inputs of "run".
type RunOptions struct {
	IO *IOStreams
	// Package is the package path (any form, a bare .wasm included); Args are
	// the guest's arguments, everything after it.
	Package string
	Args    []string
	// Command is --command, Invoke --invoke.
	Command, Invoke string
	// Env are the --env entries; ForwardEnv is --forward-env.
	Env        []string
	ForwardEnv bool
	// Mounts are the filesystem flags.
	Mounts mountFlags
	// Cwd is the guest's working directory (--cwd).
	Cwd string
	// Timeout is --timeout; 0 is none.
	Timeout time.Duration
	// CacheDir is --cache-dir; NoCache is --no-cache.
	CacheDir string
	NoCache  bool

	// HostEnv is the host's environment; HostCwd its working directory.
	HostEnv []string
	HostCwd string
	// Getenv reads the host environment (for the cache directory).
	Getenv func(string) string
}

// runAliases maps the other spellings of run's flags (Wasmer's) to ours.
var runAliases = map[string]string{
	"entrypoint":       "command",
	"command-name":     "command",
	"forward-host-env": "forward-env",
}

// newCmdRun builds "run [flags] PKG [--] [ARGS...]".
func newCmdRun(f *factory, runF func(*RunOptions) error) *cobra.Command {
	opts := &RunOptions{IO: f.IO, HostEnv: f.Env, Getenv: f.Getenv}
	cmd := &cobra.Command{
		Use:   "run [flags] PKG [--] [ARGS...]",
		Short: "Run a package's command (also: wasirun PKG [--] [ARGS...])",
		Long: `Run a command of a package (.webc, .wasmer, .tar.gz, a directory with wasmer.toml)
or a plain WASI module. Flags come before PKG; everything after PKG is the guest's
(a first -- is dropped).

The guest's argv is the command's exec-name (else its name), the package's
main-args, then ARGS. Its environment is the package's env, then the host's with
--forward-env, then --env. Its filesystem is what "wasirun fs ls" shows.

Exit status: the guest's own; 134 when it traps; 124 on --timeout; 130 and 143
on SIGINT and SIGTERM; 127 when the command or export does not exist; 126 when
the module cannot compile or imports what wasirun does not provide; 125 when
wasirun itself fails (a bad flag, a malformed package).`,
		Example: `  wasirun run pkg.webc -- --help
  wasirun pkg.webc hello
  wasirun run --volume ./data:/data --env MODE=ci --forward-env pkg.wasmer -- build
  wasirun run -i add module.wasm 1 2`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Package, opts.Args = args[0], args[1:]
			if len(opts.Args) > 0 && opts.Args[0] == "--" {
				opts.Args = opts.Args[1:]
			}
			if opts.HostCwd == "" {
				cwd, err := os.Getwd()
				if err != nil {
					return err
				}
				opts.HostCwd = cwd
			}
			if runF != nil {
				return runF(opts)
			}
			return runRun(cmd, opts)
		},
	}
	fl := cmd.Flags()
	fl.SetInterspersed(false) // flags end at PKG: the rest is the guest's
	fl.StringVarP(&opts.Command, "command", "c", "", "the command to run (aliases --entrypoint, --command-name; default: the package's entrypoint)")
	fl.StringVarP(&opts.Invoke, "invoke", "i", "", "call this export instead of _start; numeric parameters are parsed from ARGS and results printed")
	stringListVar(fl, &opts.Env, "env", "set a guest variable: `K=V`, or K to copy the host's")
	fl.BoolVar(&opts.ForwardEnv, "forward-env", false, "give the guest the whole host environment (alias --forward-host-env)")
	fl.StringVar(&opts.Cwd, "cwd", "", "the guest's working directory, a guest `path` (PWD is set to it)")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "stop the guest after this `duration` (exit 124)")
	fl.StringVar(&opts.CacheDir, "cache-dir", "", "keep compiled modules in `dir` (default $XDG_CACHE_HOME/wasirun, else ~/.cache/wasirun)")
	fl.BoolVar(&opts.NoCache, "no-cache", false, "compile without the compilation cache")
	opts.Mounts.register(fl)
	fl.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if canonical, ok := runAliases[name]; ok {
			name = canonical
		}
		return pflag.NormalizedName(name)
	})
	return cmd
}

// runRun runs the package and turns the outcome into the process's exit.
func runRun(cmd *cobra.Command, opts *RunOptions) error {
	if opts.Timeout < 0 {
		return &usageError{err: fmt.Errorf("--timeout: %s is negative", opts.Timeout)}
	}
	fsOpts, err := opts.Mounts.options(opts.HostCwd)
	if err != nil {
		return err
	}
	cacheDir := opts.CacheDir
	if cacheDir == "" {
		cacheDir = runner.DefaultCacheDir(opts.Getenv)
	}
	if opts.NoCache {
		cacheDir = ""
	}
	c, err := webc.Open(opts.Package)
	if err != nil {
		return err
	}
	defer c.Close()

	code, err := runner.Run(cmd.Context(), c, runner.Options{
		Command:    opts.Command,
		Invoke:     opts.Invoke,
		Args:       opts.Args,
		Env:        opts.Env,
		ForwardEnv: opts.ForwardEnv,
		HostEnv:    opts.HostEnv,
		HostCwd:    opts.HostCwd,
		Cwd:        opts.Cwd,
		FS:         fsOpts,
		Timeout:    opts.Timeout,
		CacheDir:   cacheDir,
		Stdin:      opts.IO.In,
		Stdout:     opts.IO.Out,
		Stderr:     opts.IO.ErrOut,
		Signals:    true,
		Log:        zerolog.Ctx(cmd.Context()),
	})
	return runOutcome(opts.IO, code, err)
}

// runOutcome is the error "run" returns for the runner's result: nil for a guest
// that exited 0, the guest's code silently, a trap printed with its wasm stack, a
// signal silently, and every other failure as one line with its code.
func runOutcome(io *IOStreams, code int, err error) error {
	var (
		trap   *runner.TrapError
		signal *runner.SignalError
		coded  interface{ ExitCode() int }
	)
	switch {
	case err == nil && code == 0:
		return nil
	case err == nil:
		return newExitError(code, nil)
	case errors.As(err, &trap):
		// The stack is several lines by nature; the first line stays the one-line
		// summary that scripts read.
		fmt.Fprintf(io.ErrOut, "wasirun: %s\n", strings.ReplaceAll(trap.Error(), "\n", "\n  "))
		return newExitError(code, nil)
	case errors.As(err, &signal):
		return newExitError(code, nil)
	case errors.As(err, &coded):
		return newExitError(coded.ExitCode(), err)
	}
	return err
}
