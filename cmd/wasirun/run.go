package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
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

	// Implied is set when the command line did not say "run": the package was
	// the first word ("wasirun PKG"), so a missing file may be a mistyped
	// command or a registry name instead.
	Implied bool

	// HostEnv is the host's environment; HostCwd its working directory.
	HostEnv []string
	HostCwd string
	// Getenv reads the host environment (for the cache directory).
	Getenv func(string) string
}

// runAliases maps the other spellings of run's flags (Wasmer's) to ours.
// --entrypoint is not among them: it has a shorthand of its own, -e, so it is a
// flag (an aliasValue of --command), since a pflag flag has one shorthand only.
var runAliases = map[string]string{
	"command-name":     "command",
	"forward-host-env": "forward-env",
}

// impliedRun is the annotation bareRun puts on "run" when it inserts the word
// "run" itself.
const impliedRun = "wasirun-implied-run"

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
			opts.Implied = cmd.Annotations[impliedRun] != ""
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
	fl.StringVarP(&opts.Command, "command", "c", "", "the command to run (also -e, --entrypoint, --command-name; default: the package's entrypoint)")
	aliasVar(fl, "entrypoint", "e", "command") // Wasmer's spelling, and its shorthand
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
	for _, kv := range opts.Env {
		if err := runner.CheckEnvEntry(kv); err != nil {
			return &usageError{err: fmt.Errorf("--env %q: %w", kv, err)}
		}
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
		if errors.Is(err, fs.ErrNotExist) {
			return missingPackage(opts.Package, opts.Implied, err)
		}
		return err
	}
	defer c.Close()

	// The data flow of a run: the package opened, the command selected and the
	// guest root prepared, then the guest run in a session over that root.
	prepared, err := runner.Prepare(c, runner.Options{
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
		Program:    opts.Package,
		Log:        zerolog.Ctx(cmd.Context()),
	})
	if err != nil {
		return err
	}
	defer prepared.Close()
	return runOutcome(prepared.Run(cmd.Context()))
}

// runOutcome is the error "run" returns for the runner's result: nil for a guest
// that exited 0, the guest's own code silently, and otherwise the runner's error,
// which carries its exit code (exitCode reads it) and says how it is printed
// (errorMessage).
func runOutcome(code int, err error) error {
	switch {
	case err == nil && code == 0:
		return nil
	case err == nil && (code < 0 || code > 255):
		// proc_exit takes 32 bits; a process's status keeps 8, and 256 would
		// become a success. Such a status is a failure, said as one.
		return newExitError(exitStatusOutOfRange, fmt.Errorf("the guest exited with status %d, which no process status can carry (0 to 255): exiting with %d", code, exitStatusOutOfRange))
	case err == nil:
		return newExitError(code, nil)
	}
	return err
}

// exitStatusOutOfRange is the exit code of a guest whose status does not fit in
// a process's: a failure, as wasmtime also makes it.
const exitStatusOutOfRange = 1

// missingPackage is the error for a package argument that names no file (err
// says so). A word shaped like a registry name (wasmer/cowsay, python@3.12, a
// URL) is told that wasirun fetches nothing; a word shaped like a path
// (./app.wasm, pkg.webc) keeps the plain "no such file"; any other word that came
// first on the command line ("wasirun journal") may have been meant as a command.
func missingPackage(word string, implied bool, err error) error {
	registry := strings.Contains(word, "://") ||
		!looksLikePath(word) && (strings.Contains(word, "/") || strings.Contains(word, "@"))
	switch {
	case registry:
		name := path.Base(word)
		if at := strings.IndexByte(name, '@'); at > 0 {
			name = name[:at]
		}
		return &usageError{err: fmt.Errorf("no file %q, and wasirun does not fetch registry packages: "+
			"download it first (wasmer package download %s -o %s.webc) and run the file", word, word, name)}
	case implied && !looksLikePath(word):
		return &usageError{err: fmt.Errorf("unknown command %q, and no file of that name "+
			"(wasirun runs local packages only; it does not fetch registry names such as wasmer/cowsay)", word)}
	}
	return err
}

// packageSuffixes end the names of the files wasirun runs.
var packageSuffixes = []string{".wasm", ".webc", ".wasmer", ".tar.gz", ".tgz", ".toml"}

// looksLikePath reports whether word is plainly meant as a file: it starts like
// a path (".", "/", "~", a drive letter), holds a backslash or two slashes, or
// ends like a package file.
func looksLikePath(word string) bool {
	switch {
	case word == "", strings.HasPrefix(word, "."), strings.HasPrefix(word, "/"), strings.HasPrefix(word, "~"),
		strings.ContainsRune(word, '\\'), strings.Count(word, "/") > 1,
		len(word) >= 2 && word[1] == ':' && isDriveLetter(word[0]):
		return true
	}
	lower := strings.ToLower(word)
	for _, s := range packageSuffixes {
		if strings.HasSuffix(lower, s) {
			return true
		}
	}
	return false
}

// aliasValue is a flag that sets another flag of the same set: --entrypoint and
// -e set --command, so that the target counts as given on the command line (and
// WASIRUN_COMMAND or the config file do not override it). The alias itself is
// hidden, and the environment and the config file leave it alone (notConfigurable).
type aliasValue struct {
	flags  *pflag.FlagSet
	target string
}

// aliasAnnotation marks an aliasValue flag; its value names the target.
const aliasAnnotation = "wasirun-alias-of"

// aliasVar declares the hidden flag name (with shorthand, may be "") as another
// spelling of the flag target, which must be declared already.
func aliasVar(fl *pflag.FlagSet, name, shorthand, target string) {
	fl.VarP(&aliasValue{flags: fl, target: target}, name, shorthand, "same as --"+target)
	mustFlag(fl.MarkHidden(name))
	mustFlag(fl.SetAnnotation(name, aliasAnnotation, []string{target}))
}

// Set sets the target.
func (a *aliasValue) Set(s string) error { return a.flags.Set(a.target, s) }

// String returns the target's value.
func (a *aliasValue) String() string { return a.flags.Lookup(a.target).Value.String() }

// Type is the target's type.
func (a *aliasValue) Type() string { return a.flags.Lookup(a.target).Value.Type() }
