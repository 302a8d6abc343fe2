package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wasirun/wasirun/internal/runner"
	"github.com/wasirun/wasirun/internal/webc"
)

// hermeticEnv returns an environment whose config directories are empty temporary
// directories, so that no test reads the config file of the user running it.
func hermeticEnv(t *testing.T) []string {
	t.Helper()
	return []string{"XDG_CONFIG_HOME=" + t.TempDir(), "HOME=" + t.TempDir()}
}

// runTest runs the command line with test streams and returns what it wrote.
func runTest(t *testing.T, env []string, hook func(*cobra.Command), args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ios, _, out, errOut := Test()
	code = runWith(args, ios, env, hook)
	return out.String(), errOut.String(), code
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	formatErr := &webc.FormatError{Path: "pkg.webc", Section: "header", Offset: 0, Err: webc.ErrTruncated}
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"exit error", newExitError(3, nil), 3},
		{"exit error zero", newExitError(0, nil), 0},
		{"exit error with cause", newExitError(127, errors.New(`no command "x"`)), 127},
		{"wrapped exit error", fmt.Errorf("running: %w", newExitError(124, errors.New("timeout after 2s"))), 124},
		{"exit error wins over the format error it wraps", newExitError(126, formatErr), 126},
		{"format error", formatErr, 125},
		{"wrapped format error", fmt.Errorf("opening: %w", formatErr), 125},
		{"usage error", &usageError{err: errors.New("unknown flag: --bogus")}, 125},
		{"wrapped usage error", fmt.Errorf("x: %w", &usageError{err: errors.New("y")}), 125},
		{"any other error", errors.New("disk on fire"), 125},
		// Every row of the README's exit-code table.
		{"README: success", runOutcome(0, nil), 0},
		{"README: the guest exits with N", runOutcome(42, nil), 42},
		{"README: the guest exits with N above 255", runOutcome(256, nil), 1},
		{"README: the guest traps", runOutcome(134, &runner.TrapError{Reason: "unreachable"}), 134},
		{"README: --timeout expires", runOutcome(124, &runner.TimeoutError{After: 2 * time.Second}), 124},
		{"README: SIGINT", runOutcome(130, &runner.SignalError{Name: "SIGINT", Number: 2}), 130},
		{"README: SIGTERM", runOutcome(143, &runner.SignalError{Name: "SIGTERM", Number: 15}), 143},
		{"README: no such command", runOutcome(127, &runner.NotFoundError{What: "command", Name: "x"}), 127},
		{"README: no such export", runOutcome(127, &runner.NotFoundError{What: "export", Name: "x"}), 127},
		{"README: a runner that is not WASI", runOutcome(126, &runner.RunnerError{Command: "serve", Runner: "https://webc.org/runner/wcgi"}), 126},
		{"README: the module cannot compile", runOutcome(126, &runner.CannotRunError{Module: "m", Err: errors.New("invalid magic number")}), 126},
		{"README: unsupported imports", runOutcome(126, &runner.CannotRunError{Module: "m", Unsupported: []string{"wasix_32v1.fd_dup"}, NeedsWASIX: true}), 126},
		{"README: a malformed package", fmt.Errorf("open: %w", formatErr), 125},
		{"README: a bad flag", &usageError{err: errors.New("unknown flag: --bogus")}, 125},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := exitCode(tt.err); got != tt.want {
				t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"silent exit", newExitError(3, nil), ""},
		{"wrapped silent exit", fmt.Errorf("x: %w", newExitError(3, nil)), ""},
		{"exit with cause", newExitError(124, errors.New("timeout after 2s")), "timeout after 2s"},
		{"a status above 255", runOutcome(256, nil), "the guest exited with status 256, which no process status can carry (0 to 255): exiting with 1"},
		{"a signal prints nothing", &runner.SignalError{Name: "SIGINT", Number: 2}, ""},
		{"a timeout", &runner.TimeoutError{After: 2 * time.Second}, "timeout after 2s"},
		{"a trap keeps its stack, indented", &runner.TrapError{Reason: "unreachable", Stack: []string{"f()", "_start()"}},
			"trap: unreachable\n  wasm stack trace:\n  \tf()\n  \t_start()"},
		{"plain", errors.New("bad"), "bad"},
		{"several lines", errors.New("first\n\n  second\r\nthird"), "first second third"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errorMessage(tt.err); got != tt.want {
				t.Errorf("errorMessage(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestRunUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{"unknown flag", []string{"--bogus"}, "wasirun: unknown flag: --bogus\n"},
		{"unknown flag of a command", []string{"version", "--bogus"}, "wasirun: unknown flag: --bogus\n"},
		{"unknown shorthand", []string{"-z"}, "wasirun: unknown shorthand flag: 'z' in -z\n"},
		{"flag without value", []string{"--log-level"}, "wasirun: flag needs an argument: --log-level\n"},
		{"bad log level", []string{"--log-level", "loud", "version"},
			`wasirun: invalid argument "loud" for "--log-level" flag: want one of trace, debug, info, warn, error` + "\n"},
		{"bad log format", []string{"--log-format=xml", "version"},
			`wasirun: invalid argument "xml" for "--log-format" flag: want one of console, json` + "\n"},
		{"not a command, and no file either", []string{"nosuchcmd"}, `wasirun: unknown command "nosuchcmd", and no file of that name ` +
			"(wasirun runs local packages only; it does not fetch registry names such as wasmer/cowsay)\n"},
		{"a missing file", []string{"nosuch.wasm"}, "wasirun: nosuch.wasm: no such file or directory\n"},
		{"misspelled command", []string{"verison"},
			`wasirun: unknown command "verison" for "wasirun"; did you mean "version"?` + "\n"},
		{"extra argument", []string{"version", "extra"}, `wasirun: version: unknown command "extra" for "wasirun version" (usage: wasirun version [flags])` + "\n"},
		{"no package", []string{"inspect"}, "wasirun: inspect: accepts 1 arg(s), received 0 (usage: wasirun inspect [flags] PKG)\n"},
		{"two packages", []string{"inspect", "a.webc", "b.webc"}, "wasirun: inspect: accepts 1 arg(s), received 2 (usage: wasirun inspect [flags] PKG)\n"},
		{"unknown flag", []string{"inspect", "--yaml", "a.webc"}, "wasirun: unknown flag: --yaml\n"},
		{"build without a dir", []string{"package", "build"}, "wasirun: package build: accepts 1 arg(s), received 0 (usage: wasirun package build [flags] DIR)\n"},
		{"build with two dirs", []string{"package", "build", "a", "b"}, "wasirun: package build: accepts 1 arg(s), received 2 (usage: wasirun package build [flags] DIR)\n"},
		{"unpack without -o", []string{"package", "unpack", "pkg.webc"}, "wasirun: package unpack: -o DIR, the directory to write into, is missing (usage: wasirun package unpack [flags] PKG -o DIR)\n"},
		{"unpack without a package", []string{"package", "unpack", "-o", "out"}, "wasirun: package unpack: accepts 1 arg(s), received 0 (usage: wasirun package unpack [flags] PKG -o DIR)\n"},
		{"unpack with two packages", []string{"package", "unpack", "a", "b", "-o", "out"}, "wasirun: package unpack: accepts 1 arg(s), received 2 (usage: wasirun package unpack [flags] PKG -o DIR)\n"},
		{"package with an argument", []string{"package", "nosuch"}, `wasirun: package: unknown command "nosuch" for "wasirun package" (usage: wasirun package [flags])` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := runTest(t, hermeticEnv(t), nil, tt.args...)
			if code != 125 {
				t.Errorf("exit code %d, want 125", code)
			}
			if stderr != tt.wantStderr {
				t.Errorf("stderr:\n%q\nwant:\n%q", stderr, tt.wantStderr)
			}
			if stdout != "" {
				t.Errorf("stdout not empty: %q", stdout)
			}
		})
	}
}

func TestRunNoArgumentsPrintsHelp(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := runTest(t, hermeticEnv(t), nil)
	if code != 0 || stderr != "" {
		t.Fatalf("exit code %d, stderr %q; want 0 and nothing", code, stderr)
	}
	for _, want := range []string{"Usage:", "version", "completion", "--log-level", "WASIRUN_LOG_LEVEL"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("help does not mention %q:\n%s", want, stdout)
		}
	}
}

// addCommand returns a hook that adds a hidden command running fn.
func addCommand(name string, fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command) {
	return func(root *cobra.Command) {
		root.AddCommand(&cobra.Command{Use: name, Hidden: true, RunE: fn})
	}
}

func TestRunRecoversFromPanic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		value      any
		wantStderr string
	}{
		{"string", "boom", "wasirun: internal error: boom\n"},
		{"error", errors.New("nil map"), "wasirun: internal error: nil map\n"},
		{"several lines", "boom\ngoroutine 1 [running]:", "wasirun: internal error: boom goroutine 1 [running]:\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hook := addCommand("panic", func(*cobra.Command, []string) error { panic(tt.value) })
			stdout, stderr, code := runTest(t, hermeticEnv(t), hook, "panic")
			if code != 125 {
				t.Errorf("exit code %d, want 125", code)
			}
			if stderr != tt.wantStderr {
				t.Errorf("stderr %q, want %q", stderr, tt.wantStderr)
			}
			if stdout != "" {
				t.Errorf("stdout not empty: %q", stdout)
			}
		})
	}
}

func TestRunExitError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		wantCode   int
		wantStderr string
	}{
		{"guest exit status, nothing printed", newExitError(42, nil), 42, ""},
		{"code and message", newExitError(124, errors.New("timeout after 2s")), 124, "wasirun: timeout after 2s\n"},
		{"format error", &webc.FormatError{Path: "p.webc", Section: "manifest", Offset: -1, Err: errors.New("bad cbor")},
			125, "wasirun: p.webc: manifest: bad cbor\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hook := addCommand("fail", func(*cobra.Command, []string) error { return tt.err })
			_, stderr, code := runTest(t, hermeticEnv(t), hook, "fail")
			if code != tt.wantCode || stderr != tt.wantStderr {
				t.Errorf("got code %d, stderr %q; want %d, %q", code, stderr, tt.wantCode, tt.wantStderr)
			}
		})
	}
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := runTest(t, hermeticEnv(t), nil, "completion", shell)
			if code != 0 || stderr != "" || !strings.Contains(stdout, "wasirun") {
				t.Errorf("code %d, stderr %q, stdout %d bytes; want 0, nothing, a script", code, stderr, len(stdout))
			}
		})
	}
	t.Run("log levels", func(t *testing.T) {
		t.Parallel()
		stdout, _, code := runTest(t, hermeticEnv(t), nil, "__complete", "--log-level", "")
		if code != 0 {
			t.Fatalf("exit code %d", code)
		}
		for _, l := range logLevelNames() {
			if !strings.Contains(stdout, l+"\n") {
				t.Errorf("completions do not offer %q:\n%s", l, stdout)
			}
		}
	})
}
