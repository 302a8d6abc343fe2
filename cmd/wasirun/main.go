// Command wasirun runs WebC/Wasmer packages and plain WASI modules on wazero.
//
// main (with System, which wraps the standard streams) is the only code that
// touches the process: os.Args, os.Environ, os.Exit. Everything below run takes its
// streams and environment as arguments, so tests drive the whole command line
// without swapping process-global state.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wasirun/wasirun/internal/runner"
)

// version is the release version, set at link time with
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/wasirun
//
// When empty, the main module version from the build info is used. It is the one
// package-level variable in this command, and only the linker writes it.
var version string

// Exit codes, as in DESIGN.md ("Errors and exit codes"). Only exitCode turns an error
// into a code; a command that needs a code other than exitFailure (the guest's exit
// status, 124 timeout, 126 cannot instantiate, 127 not found, 134 trap) returns an
// *exitError carrying it. Add a named constant here when the first command uses one.
const (
	// exitOK: the command (or the guest) succeeded.
	exitOK = 0
	// exitFailure: wasirun itself failed (bad flag, bad config, unreadable or
	// malformed package, internal error).
	exitFailure = 125
)

func main() {
	os.Exit(run(os.Args[1:], System(), os.Environ()))
}

// run executes the command line args (without the program name) with the given
// streams and environment ("KEY=value" entries, as os.Environ returns them) and
// returns the process exit code. It never panics and never writes more than one
// line of its own to io.ErrOut on failure.
func run(args []string, io *IOStreams, env []string) int {
	return runWith(args, io, env, nil)
}

// runWith is run with a hook that may change the root command before it executes.
// Tests use the hook to add commands the binary does not ship (one that panics, one
// that reports the flag values it sees); run passes nil.
func runWith(args []string, io *IOStreams, env []string, hook func(root *cobra.Command)) (code int) {
	defer func() {
		// Defence in depth: a panic anywhere below is a bug, but the user still gets
		// one line and wasirun's failure code, not a Go stack trace.
		if r := recover(); r != nil {
			fmt.Fprintf(io.ErrOut, "wasirun: internal error: %s\n", oneLine(fmt.Sprint(r)))
			code = exitFailure
		}
	}()

	f := newFactory(io, env, version)
	root := newCmdRootFor(f, args)
	if hook != nil {
		root = newCmdRoot(f)
		hook(root)
	}
	if args == nil {
		args = []string{} // cobra reads os.Args when given nil
	}
	if wantsVersion(root, args) {
		fmt.Fprint(io.Out, versionText(f.Build()))
		return exitOK
	}
	root.SetArgs(bareRun(root, args))
	err := root.ExecuteContext(context.Background())
	if msg := errorMessage(err); msg != "" {
		fmt.Fprintf(io.ErrOut, "wasirun: %s\n", msg)
	}
	return exitCode(err)
}

// exitCode maps the error a command returned to the process exit code. It is the
// only place that does so; each rung of the ladder is a row of the exit-code
// table of the README and of TestExitCode.
func exitCode(err error) int {
	var (
		exitErr *exitError
		coded   interface{ ExitCode() int }
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &exitErr):
		// The guest's own exit status.
		return exitErr.code
	case errors.As(err, &coded):
		// The runner's outcomes: a trap (134), --timeout (124), SIGINT and
		// SIGTERM (130, 143), no such command or export (127), a module or a
		// runner wasirun cannot run (126).
		return coded.ExitCode()
	default:
		// wasirun itself failed: a usage error, a malformed package
		// (*webc.FormatError), anything else.
		return exitFailure
	}
}

// errorMessage is what is printed (after "wasirun: ") for err, or "" when
// nothing should be: no error, an *exitError without a cause (the guest exited
// with a code and already said what it had to say), an error that is silent by
// nature (a signal: a shell prints nothing either). It is one line, but for a
// trap, whose wasm stack follows its one-line summary, indented.
func errorMessage(err error) string {
	if err == nil {
		return ""
	}
	var (
		exitErr *exitError
		silent  interface{ Silent() bool }
		trap    *runner.TrapError
	)
	switch {
	case errors.As(err, &exitErr) && exitErr.err == nil:
		return ""
	case errors.As(err, &silent) && silent.Silent():
		return ""
	case errors.As(err, &trap):
		return strings.ReplaceAll(trap.Error(), "\n", "\n  ")
	}
	return oneLine(err.Error())
}

// exitError makes the process exit with code. A command returns one when the
// outcome is not wasirun's generic failure: the guest's own exit status, a trap, a
// timeout, a missing command. err, when not nil, is printed as one line; when nil,
// nothing is printed.
type exitError struct {
	code int
	err  error
}

// newExitError returns an error that exits with code and prints err (if not nil).
func newExitError(code int, err error) *exitError {
	return &exitError{code: code, err: err}
}

// Error returns the cause's message, or "exit status N" when there is no cause.
func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

// Unwrap returns the cause.
func (e *exitError) Unwrap() error { return e.err }

// usageError is a mistake on the command line: an unknown flag or command, a bad
// flag value, the wrong number of arguments.
type usageError struct {
	err error
}

// Error returns the cause's message.
func (e *usageError) Error() string { return e.err.Error() }

// Unwrap returns the cause.
func (e *usageError) Unwrap() error { return e.err }

// usageArgs wraps a cobra argument validator so that its errors are usage errors
// that name the command and show its usage line:
//
//	inspect: accepts 1 arg(s), received 0 (usage: wasirun inspect [flags] PKG)
func usageArgs(validate cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := validate(cmd, args); err != nil {
			return commandUsageError(cmd, err)
		}
		return nil
	}
}

// commandUsageError is a usage error of cmd that names it and shows its usage line.
func commandUsageError(cmd *cobra.Command, err error) error {
	name := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
	return &usageError{err: fmt.Errorf("%s: %w (usage: %s)", name, err, cmd.UseLine())}
}

// oneLine folds a message that spans several lines into one.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
