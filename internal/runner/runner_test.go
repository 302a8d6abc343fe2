package runner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/wasirun/wasirun/internal/fsprep"
	"github.com/wasirun/wasirun/internal/testguest"
	"github.com/wasirun/wasirun/internal/vfs"
	"github.com/wasirun/wasirun/internal/webc"
)

// testCache is the compilation cache the tests' runs share, so that each module
// compiles once per test process.
var testCache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wasirun-runner-cache-")
	if err != nil {
		panic(err)
	}
	testCache = dir
	code := m.Run()
	testguest.Cleanup()
	os.RemoveAll(dir)
	os.Exit(code)
}

// run prepares and runs the command of c that opts selects, as the run command
// does.
func run(ctx context.Context, c *webc.Container, opts Options) (int, error) {
	p, err := Prepare(c, opts)
	if err != nil {
		return exitCodeOf(err), err
	}
	defer p.Close()
	return p.Run(ctx)
}

// result is what one run gave.
type result struct {
	code           int
	err            error
	stdout, stderr string
}

// runModule writes a module to a file named name and runs it with opts.
func runModule(t *testing.T, name string, wasm []byte, opts Options) result {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	return runPath(t, path, opts)
}

// runPath runs the package or module at path with opts, capturing its output.
func runPath(t *testing.T, path string, opts Options) result {
	t.Helper()
	c, err := webc.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var stdout, stderr bytes.Buffer
	opts.Stdout, opts.Stderr = &stdout, &stderr
	if opts.FS.Limiter == nil {
		opts.FS.Limiter = vfs.NewLimiter(64 << 20)
	}
	if opts.CacheDir == "" {
		opts.CacheDir = testCache
	}
	code, err := run(context.Background(), c, opts)
	return result{code, err, stdout.String(), stderr.String()}
}

// TestRunOutcomes: how each way a guest ends becomes an exit code and an error.
func TestRunOutcomes(t *testing.T) {
	tests := []struct {
		name     string
		wasm     []byte
		opts     Options
		wantCode int
		wantErr  any    // a pointer to the error type wanted, nil for none
		wantText string // in the error's text
		wantOut  string
	}{
		{name: "proc_exit 0", wasm: testguest.ExitCode(0), wantCode: 0},
		{name: "proc_exit 3", wasm: testguest.ExitCode(3), wantCode: 3},
		{name: "return from _start", wasm: testguest.Add(), wantCode: 0},
		{name: "hello", wasm: testguest.Hello(), wantCode: 0, wantOut: "hello\n"},
		{name: "hello with signals asked for, ending before the handler is installed", wasm: testguest.Hello(), opts: Options{Signals: true}, wantOut: "hello\n"},
		{name: "trap", wasm: testguest.Trap(), wantCode: ExitTrap, wantErr: new(*TrapError), wantText: "trap: unreachable\nwasm stack trace:"},
		{name: "timeout", wasm: testguest.Loop(), opts: Options{Timeout: 50 * time.Millisecond},
			wantCode: ExitTimeout, wantErr: new(*TimeoutError), wantText: "timeout after 50ms"},
		{name: "unsupported imports are all named", wasm: testguest.Unsupported(), wantCode: ExitCannotRun, wantErr: new(*CannotRunError),
			wantText: "mod: cannot run: it needs WASIX, which wasirun does not support yet; 2 unsupported imports: env.foo, wasix_32v1.fd_dup"},
		{name: "not a module", wasm: []byte("\x00asm\x01\x00\x00\x00\x01\x05"), wantCode: ExitCannotRun, wantErr: new(*CannotRunError),
			wantText: "mod: cannot compile or instantiate:"},
		{name: "invoke add", wasm: testguest.Add(), opts: Options{Invoke: "add", Args: []string{"2", "-5"}}, wantOut: "-3\n"},
		{name: "invoke add64", wasm: testguest.Add(), opts: Options{Invoke: "add64", Args: []string{"0x10", "1"}}, wantOut: "17\n"},
		{name: "invoke div_f64", wasm: testguest.Add(), opts: Options{Invoke: "div_f64", Args: []string{"1", "4"}}, wantOut: "0.25\n"},
		{name: "invoke with two results", wasm: testguest.Add(), opts: Options{Invoke: "pair", Args: []string{"21"}}, wantOut: "21\n42\n"},
		{name: "invoke a function without parameters", wasm: testguest.Add(), opts: Options{Invoke: "nothing"}},
		// wazero v1.12 panics validating this module (a function of type 48 of 2):
		// found by FuzzInstrument.
		{name: "a module the engine panics on", wasm: []byte("\x00asm\x01\x00\x00\x00\x01\n\x02`\x01\x7f\x01\x7f`\x00\x01\x7f\x03\x05\x04\x00000\n1\x04\x12\x00A0E\x04\x7fA0\x05A0A0x\x12\x010\v\x12\x000000000000000000\v\x04\x0000\v\x04\x0000\v"),
			wantCode: ExitCannotRun, wantErr: new(*CannotRunError), wantText: "mod: cannot compile or instantiate: the engine failed on it: runtime error: index out of range"},
		{name: "an import of the wrong signature", wasm: testguest.BadSignature(), wantCode: ExitCannotRun, wantErr: new(*CannotRunError),
			wantText: "mod: cannot compile or instantiate:"},
		{name: "stack overflow", wasm: testguest.Recurse(), wantCode: ExitTrap, wantErr: new(*TrapError),
			wantText: "trap: stack overflow (the engine keeps no stack trace of an overflow: the call chain was deeper than the stack allows)"},
		{name: "invoke a memory", wasm: testguest.Hello(), opts: Options{Invoke: "memory"}, wantCode: ExitNotFound, wantErr: new(*NotFoundError),
			wantText: `export "memory" in mod is a memory, not a function (exported functions: _start)`},
		{name: "invoke a missing export", wasm: testguest.Add(), opts: Options{Invoke: "sub"}, wantCode: ExitNotFound, wantErr: new(*NotFoundError),
			wantText: `no export "sub" in mod (exported functions: _start, add, add64, div_f64, nothing, pair)`},
		{name: "invoke with a bad argument", wasm: testguest.Add(), opts: Options{Invoke: "add", Args: []string{"1", "x"}}, wantCode: ExitFailure,
			wantText: `--invoke add: argument 2: "x" is not i32`},
		{name: "--cwd names a file", wasm: testguest.Hello(), opts: Options{Cwd: "/dev/null"}, wantCode: ExitFailure,
			wantText: "--cwd /dev/null: not a directory in the guest"},
		{name: "--cwd climbs above the root", wasm: testguest.Hello(), opts: Options{Cwd: "../.."}, wantCode: ExitFailure,
			wantText: "parent traversal escapes the virtual root"},
		{name: "a command with a missing name", wasm: testguest.Add(), opts: Options{Command: "nosuch"}, wantCode: ExitNotFound, wantErr: new(*NotFoundError),
			wantText: `no command "nosuch" in the package (commands: mod)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runModule(t, "mod.wasm", tt.wasm, tt.opts)
			if r.code != tt.wantCode {
				t.Errorf("code = %d, want %d (error %v)", r.code, tt.wantCode, r.err)
			}
			switch {
			case tt.wantText == "" && r.err != nil:
				t.Errorf("error %v, want none", r.err)
			case tt.wantText != "" && (r.err == nil || !strings.Contains(r.err.Error(), tt.wantText)):
				t.Errorf("error %v, want one containing %q", r.err, tt.wantText)
			}
			if tt.wantErr != nil && r.err != nil && !errors.As(r.err, tt.wantErr) {
				t.Errorf("error %T, want %T", r.err, tt.wantErr)
			}
			if r.err != nil {
				var coded interface{ ExitCode() int }
				if errors.As(r.err, &coded) && coded.ExitCode() != r.code {
					t.Errorf("error's ExitCode() = %d, code %d", coded.ExitCode(), r.code)
				}
			}
			if r.stdout != tt.wantOut {
				t.Errorf("stdout = %q, want %q", r.stdout, tt.wantOut)
			}
		})
	}
}

// TestRunCacheShared: several runs at once over one empty cache directory all
// succeed, and the cache is filled.
func TestRunCacheShared(t *testing.T) {
	cache := t.TempDir()
	path := filepath.Join(t.TempDir(), "hello.wasm")
	if err := os.WriteFile(path, testguest.Hello(), 0o644); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			c, err := webc.Open(path)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			var out bytes.Buffer
			code, err := run(context.Background(), c, Options{CacheDir: cache, Stdout: &out, FS: fsprep.Options{Limiter: vfs.NewLimiter(1 << 20)}})
			if err == nil && (code != 0 || out.String() != "hello\n") {
				err = errors.New("code " + itoa(code) + ", stdout " + quote(out.String()))
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	var files int
	filepath.WalkDir(cache, func(_ string, d os.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			files++
		}
		return nil
	})
	if files == 0 {
		t.Error("the cache directory is empty after the runs")
	}
}

// TestRunnerNotWASI: a command whose runner is not WASI (here a WCGI server) is
// refused with 126 naming the runner, instead of being run as a WASI command.
func TestRunnerNotWASI(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"wasmer.toml": `[package]
name = "test/server"
version = "0.1.0"

[[module]]
name = "server"
source = "server.wasm"
abi = "wasi"

[[command]]
name = "serve"
module = "server"
runner = "https://webc.org/runner/wcgi"
`,
		"server.wasm": string(testguest.Hello()),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := webc.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var stdout bytes.Buffer
	code, err := run(context.Background(), c, Options{Stdout: &stdout, CacheDir: testCache})
	var re *RunnerError
	if code != ExitCannotRun || !errors.As(err, &re) || stdout.Len() != 0 {
		t.Fatalf("code %d, error %v, stdout %q; want %d, a *RunnerError and no output", code, err, stdout.String(), ExitCannotRun)
	}
	const want = `command "serve" uses the runner https://webc.org/runner/wcgi, which wasirun cannot run yet (it runs https://webc.org/runner/wasi commands)`
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
}

// TestDebugLog: with debug logging, a run lists every mount, every preopen, and
// the guest's argv and environment, which a CI user debugging a run needs.
func TestDebugLog(t *testing.T) {
	var logs bytes.Buffer
	log := zerolog.New(&logs).Level(zerolog.DebugLevel)
	host := hostDir(t)
	r := runModule(t, "hello.wasm", testguest.Hello(), Options{
		Args: []string{"one"},
		Env:  []string{"MODE=ci"},
		Cwd:  "/data",
		FS:   fsprep.Options{User: []fsprep.UserMount{{Host: host, Guest: "/data"}}},
		Log:  &log,
	})
	if r.code != 0 || r.err != nil {
		t.Fatalf("code %d, error %v", r.code, r.err)
	}
	for _, want := range []string{
		`"guest":"/data","source":"host:` + host, // the user's mount
		`"fd":3,"name":".","path":"/data"`,       // the preopens
		`"fd":4,"name":"/","path":"/"`,
		`"argv":["hello","one"]`,
		`"env":["PWD=/data","MODE=ci"]`,
		`wasi-libc`, // not a Go program, started elsewhere than /
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the debug log lacks %s:\n%s", want, logs.String())
		}
	}
}
