package runner

import (
	"fmt"
	"strings"
	"time"
)

// Exit codes of the failures the runner reports, as DESIGN.md's table gives them.
// A guest's own exit code is returned as it is.
const (
	ExitFailure     = 125 // wasirun itself cannot do what was asked
	ExitCannotRun   = 126 // the module cannot compile or instantiate
	ExitNotFound    = 127 // no such command, entry function or export
	ExitTimeout     = 124 // --timeout expired
	ExitTrap        = 134 // the guest trapped (128 + SIGABRT)
	exitSignalsBase = 128 // 128 + the signal's number
)

// NotFoundError reports a command, entry function or export that does not exist,
// with what does.
type NotFoundError struct {
	// What is "command", "entry function" or "export".
	What, Name string
	// Context names where it was looked for (the command of an export).
	Context string
	// Exists lists what there is instead.
	Exists []string
	// Kind says what Name is when it exists but is not what was asked for ("a
	// memory", "a global"): --invoke of an export that is not a function.
	Kind string
	// Err is the underlying error, when one says it better.
	Err error
}

func (e *NotFoundError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	where := ""
	if e.Context != "" {
		where = " in " + e.Context
	}
	exists := "none"
	if len(e.Exists) > 0 {
		exists = strings.Join(e.Exists, ", ")
	}
	if e.Kind != "" {
		return fmt.Sprintf("%s %q%s is %s, not a function (exported functions: %s)", e.What, e.Name, where, e.Kind, exists)
	}
	return fmt.Sprintf("no %s %q%s (exported functions: %s)", e.What, e.Name, where, exists)
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// ExitCode is 127.
func (e *NotFoundError) ExitCode() int { return ExitNotFound }

// CannotRunError reports a module that does not compile or instantiate: an
// invalid module, or imports the runner does not provide.
type CannotRunError struct {
	// Module names the module (the command or the file).
	Module string
	// Unsupported lists every import the runner does not provide, "module.name".
	Unsupported []string
	// NeedsWASIX is set when some of them are WASIX's.
	NeedsWASIX bool
	// Err is the engine's error when the module itself is at fault.
	Err error
}

func (e *CannotRunError) Error() string {
	if len(e.Unsupported) == 0 {
		return fmt.Sprintf("%s: cannot compile or instantiate: %v", e.Module, oneLine(e.Err))
	}
	why := ""
	if e.NeedsWASIX {
		why = "it needs WASIX, which wasirun does not support yet; "
	}
	// A WASIX program imports a hundred functions: the line names the first few
	// and counts the rest (--log-level debug lists them all).
	list := e.Unsupported
	more := ""
	if len(list) > maxListedImports {
		more = fmt.Sprintf(" and %d more", len(list)-maxListedImports)
		list = list[:maxListedImports]
	}
	return fmt.Sprintf("%s: cannot run: %s%d unsupported imports: %s%s", e.Module, why, len(e.Unsupported), strings.Join(list, ", "), more)
}

func (e *CannotRunError) Unwrap() error { return e.Err }

// ExitCode is 126.
func (e *CannotRunError) ExitCode() int { return ExitCannotRun }

// maxListedImports is how many unsupported imports a CannotRunError names.
const maxListedImports = 5

// RunnerError reports a command whose runner is not WASI (a WCGI server, an
// Emscripten program): wasirun runs WASI commands only, for now.
type RunnerError struct {
	Command, Runner string
}

func (e *RunnerError) Error() string {
	return fmt.Sprintf("command %q uses the runner %s, which wasirun cannot run yet (it runs %s commands)", e.Command, e.Runner, "https://webc.org/runner/wasi")
}

// ExitCode is 126, as for any module that cannot run.
func (e *RunnerError) ExitCode() int { return ExitCannotRun }

// TrapError reports a guest that trapped.
type TrapError struct {
	// Reason is the engine's reason ("unreachable", "integer divide by zero").
	Reason string
	// Stack is the wasm stack trace, one frame a line, innermost first.
	Stack []string
}

func (e *TrapError) Error() string {
	var b strings.Builder
	b.WriteString("trap: ")
	b.WriteString(e.Reason)
	if len(e.Stack) > 0 {
		b.WriteString("\nwasm stack trace:")
		for _, f := range e.Stack {
			b.WriteString("\n\t")
			b.WriteString(f)
		}
	}
	return b.String()
}

// ExitCode is 134.
func (e *TrapError) ExitCode() int { return ExitTrap }

// TimeoutError reports a run stopped by --timeout.
type TimeoutError struct{ After time.Duration }

func (e *TimeoutError) Error() string { return fmt.Sprintf("timeout after %s", e.After) }

// ExitCode is 124.
func (e *TimeoutError) ExitCode() int { return ExitTimeout }

// SignalError reports a run stopped by a signal (SIGINT, SIGTERM).
type SignalError struct {
	Name   string
	Number int
}

func (e *SignalError) Error() string { return "stopped by " + e.Name }

// ExitCode is 128 plus the signal's number: 130 for SIGINT, 143 for SIGTERM.
func (e *SignalError) ExitCode() int { return exitSignalsBase + e.Number }

// Silent reports that nothing more is printed for this error: a shell prints
// nothing either when a signal stops a process.
func (e *SignalError) Silent() bool { return true }

// oneLine folds an error's text onto one line.
func oneLine(err error) string {
	if err == nil {
		return ""
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ")), " ")
}
