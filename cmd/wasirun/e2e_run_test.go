package main

// End-to-end tests of `wasirun run` and `wasirun PKG`: the built binary on the
// probe (a Go wasip1 program), on hand-assembled modules, and on the real packages
// of ../shared/fixtures. Exit codes, one-line errors (golden) and signals.

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wasirun/wasirun/internal/testguest"
)

// e2eCache returns env that points run's compilation cache at one directory
// shared by the test's runs, so each module compiles once.
func e2eCache(t *testing.T) []string {
	t.Helper()
	return []string{"WASIRUN_CACHE_DIR=" + filepath.Join(e2eDir, "cache")}
}

// writeModule writes wasm to dir/name and returns the path.
func writeModule(t *testing.T, dir, name string, wasm []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestE2ERunOutcomes: exit codes and stderr of run on modules that end every way.
func TestE2ERunOutcomes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	probe := testguest.Build(t, "probe")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		golden   string // stderr's golden file; "" wants stderr empty
	}{
		{"the guest's output and code", []string{"run", probe, "args", "x"}, 0, "0=" + probe + "\n1=args\n2=x\n", ""},
		{"wasirun PKG is run", []string{probe, "--", "args", "--env"}, 0, "0=" + probe + "\n1=args\n2=--env\n", ""},
		{"flags before PKG", []string{"--env", "A=1", probe, "getenv", "A"}, 0, "1\n", ""},
		{"the guest's exit code", []string{probe, "exit", "42"}, 42, "", ""},
		{"a status above 255 is a failure", []string{writeModule(t, dir, "exit256.wasm", testguest.ExitCode(256))}, 1, "", "run-exit-256.stderr"},
		{"an import of the wrong signature", []string{writeModule(t, dir, "badsig.wasm", testguest.BadSignature())}, 126, "", "run-bad-signature.stderr"},
		{"trap", []string{writeModule(t, dir, "trap.wasm", testguest.Trap())}, 134, "", "run-trap.stderr"},
		{"timeout", []string{"run", "--timeout", "200ms", writeModule(t, dir, "loop.wasm", testguest.Loop())}, 124, "", "run-timeout.stderr"},
		{"unsupported imports", []string{writeModule(t, dir, "wasix.wasm", testguest.Unsupported())}, 126, "", "run-unsupported.stderr"},
		{"no such export", []string{"run", "-i", "nosuch", writeModule(t, dir, "add.wasm", testguest.Add())}, 127, "", "run-no-export.stderr"},
		{"no such command", []string{"run", "-c", "nosuch", filepath.Join(dir, "add.wasm")}, 127, "", "run-no-command.stderr"},
		{"invoke", []string{"run", "--invoke", "add", filepath.Join(dir, "add.wasm"), "40", "2"}, 0, "42\n", ""},
		{"a missing host directory", []string{"run", "--volume", filepath.Join(dir, "nosuch") + ":/data", filepath.Join(dir, "add.wasm")}, 125, "", "run-missing-volume.stderr"},
		{"a bad --cwd", []string{"run", "--cwd", "/nosuch", filepath.Join(dir, "add.wasm")}, 125, "", "run-bad-cwd.stderr"},
		{"a negative timeout", []string{"run", "--timeout", "-1s", filepath.Join(dir, "add.wasm")}, 125, "", "run-negative-timeout.stderr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runBinary(t, e2eCache(t), tt.args...)
			if code != tt.wantCode || stdout != tt.wantOut {
				t.Errorf("code %d, stdout %q (stderr %q); want %d, %q", code, stdout, stderr, tt.wantCode, tt.wantOut)
			}
			if tt.golden == "" {
				if stderr != "" {
					t.Errorf("stderr %q, want nothing", stderr)
				}
				return
			}
			golden(t, tt.golden, normalise(stderr, dir))
		})
	}
}

// TestE2ERunStops: SIGINT, SIGTERM and --timeout end a run promptly with 130,
// 143 and 124 in every state of the guest: computing without a host call, blocked
// reading an idle stdin pipe or a terminal, blocked writing to a pipe nobody
// reads; with and without --timeout. Each case waits for the guest to say it has
// started (the probe's "ready" on stderr) and, before a signal, for wasirun to
// say it catches signals (its debug log), never for a time; wasirun must then
// exit with the code, not die by the signal.
func TestE2ERunStops(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	t.Parallel()
	binary, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	probe := testguest.Build(t, "probe")
	for _, tt := range []struct {
		name       string
		flags      []string
		guest      string
		sig        syscall.Signal // 0: wait for --timeout
		idleStdin  bool           // stdin is a pipe nobody writes to or closes
		terminal   bool           // stdin is a terminal nobody types on
		fullStdout bool           // stdout is a pipe nobody reads
		want       int
		wantStderr string // after "ready"
	}{
		{name: "computing, SIGINT", guest: "spin", sig: syscall.SIGINT, want: 130},
		{name: "computing, SIGTERM", guest: "spin", sig: syscall.SIGTERM, want: 143},
		{name: "computing, SIGINT with --timeout", flags: []string{"--timeout", "1h"}, guest: "spin", sig: syscall.SIGINT, want: 130},
		{name: "computing, --timeout", flags: []string{"--timeout", "2s"}, guest: "spin", want: 124, wantStderr: "wasirun: timeout after 2s\n"},
		{name: "reading an idle pipe, SIGINT", guest: "block-stdin", idleStdin: true, sig: syscall.SIGINT, want: 130},
		{name: "reading an idle pipe, SIGTERM with --timeout", flags: []string{"--timeout", "1h"}, guest: "block-stdin", idleStdin: true, sig: syscall.SIGTERM, want: 143},
		{name: "reading an idle pipe, --timeout", flags: []string{"--timeout", "2s"}, guest: "block-stdin", idleStdin: true, want: 124, wantStderr: "wasirun: timeout after 2s\n"},
		{name: "reading a terminal, SIGINT", guest: "block-stdin", terminal: true, sig: syscall.SIGINT, want: 130},
		{name: "reading a terminal, --timeout", flags: []string{"--timeout", "2s"}, guest: "block-stdin", terminal: true, want: 124, wantStderr: "wasirun: timeout after 2s\n"},
		{name: "writing to a full pipe, SIGTERM", guest: "flood", fullStdout: true, sig: syscall.SIGTERM, want: 143},
		{name: "writing to a full pipe, --timeout", flags: []string{"--timeout", "2s"}, guest: "flood", fullStdout: true, want: 124, wantStderr: "wasirun: timeout after 2s\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"run", "--log-level", "debug", "--log-format", "json"}, tt.flags...), probe, tt.guest)
			cmd := exec.Command(binary, args...)
			cmd.Env = append(hermeticEnv(t), e2eCache(t)...)
			// A pipe of the test's own, not StderrPipe: Wait closes that one as
			// the process exits, and the last line could be lost.
			stderr, stderrW, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer stderr.Close()
			cmd.Stderr = stderrW
			if tt.idleStdin {
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close() // open until the end: the guest's read never ends by itself
				defer r.Close()
				cmd.Stdin = r
			}
			if tt.terminal {
				_, tty := openTerminal(t)
				cmd.Stdin = tty
			}
			if tt.fullStdout {
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close() // never read: the guest's writes block once it is full
				defer w.Close()
				cmd.Stdout = w
			}
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			stderrW.Close() // the child holds its own copy: the pipe ends when it exits
			done := make(chan struct{})
			defer func() {
				select {
				case <-done:
				default:
					cmd.Process.Kill()
				}
			}()
			rest := make(chan string, 1)
			ready := make(chan struct{})
			go func() {
				b, _ := io.ReadAll(&readyReader{r: stderr, ready: ready, catching: tt.sig == 0})
				rest <- string(b)
			}()
			select {
			case <-ready:
			case <-time.After(2 * time.Minute):
				t.Fatal("in two minutes, the guest did not say it started, or wasirun that it catches signals")
			}
			sent := time.Now()
			if tt.sig != 0 {
				cmd.Process.Signal(tt.sig)
			}
			waited := make(chan error, 1)
			go func() { waited <- cmd.Wait(); close(done) }()
			select {
			case <-waited:
			case <-time.After(30 * time.Second):
				t.Fatalf("still running 30s after it was stopped")
			}
			t.Logf("ended %v after the stop (%v after the start)", time.Since(sent).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
			code := cmd.ProcessState.ExitCode()
			if got := <-rest; code != tt.want || got != tt.wantStderr {
				t.Errorf("exit code %d, stderr after ready %q; want %d, %q", code, got, tt.want, tt.wantStderr)
			}
		})
	}
}

// readyReader reads wasirun's stderr: it closes ready once it has seen the
// guest's "ready" line and wasirun's debug line saying it catches signals (or
// only the first, with catching already set), and passes on what follows but
// the log's lines (JSON objects).
type readyReader struct {
	r        io.Reader
	ready    chan struct{}
	seen     bool
	catching bool
	line     []byte
	out      []byte
}

func (rr *readyReader) Read(p []byte) (int, error) {
	for len(rr.out) == 0 {
		var b [1]byte
		n, err := rr.r.Read(b[:])
		if n == 1 {
			rr.line = append(rr.line, b[0])
			if b[0] == '\n' {
				rr.take(string(rr.line))
				rr.line = rr.line[:0]
			}
		}
		if err != nil {
			return 0, err
		}
	}
	n := copy(p, rr.out)
	rr.out = rr.out[n:]
	return n, nil
}

// take handles one line of stderr.
func (rr *readyReader) take(line string) {
	switch {
	case strings.HasPrefix(line, "{"):
		if strings.Contains(line, `"message":"catching SIGINT and SIGTERM"`) {
			rr.catching = true
		}
	case !rr.seen && line == "ready\n":
		rr.seen = true
	default:
		if rr.seen {
			rr.out = append(rr.out, line...)
		}
	}
	if rr.seen && rr.catching && rr.ready != nil {
		close(rr.ready)
		rr.ready = nil
	}
}

// TestE2ERunSharedCache: several processes filling one empty compilation cache at
// once all run the guest.
func TestE2ERunSharedCache(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	t.Parallel()
	binary, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	probe := testguest.Build(t, "probe")
	cache := t.TempDir()
	const n = 4
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	for i := range cmds {
		outs[i] = new(bytes.Buffer)
		cmds[i] = exec.Command(binary, "run", "--cache-dir", cache, probe, "args", "same")
		cmds[i].Env = hermeticEnv(t)
		cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil || outs[i].String() != "0="+probe+"\n1=args\n2=same\n" {
			t.Errorf("process %d: %v, output %q", i, err, outs[i])
		}
	}
	// And a run from the filled cache.
	stdout, stderr, code := runBinary(t, nil, "run", "--cache-dir", cache, probe, "args")
	if code != 0 || stdout != "0="+probe+"\n1=args\n" {
		t.Errorf("from the cache: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestE2ERunRealPackages: the real packages of ../shared/fixtures.
func TestE2ERunRealPackages(t *testing.T) {
	t.Parallel()
	dir := fixturePackages(t) // stops the test when absent
	pkg := func(name string) string { return filepath.Join(dir, name) }
	t.Run("cowsay draws its cow", func(t *testing.T) {
		stdout, stderr, code := runBinary(t, e2eCache(t), "run", "-c", "cowsay", pkg("cowsay-0.3.0.tar.gz"), "hello", "wasirun")
		want := " _______________\n< hello wasirun >\n ---------------\n        \\   ^__^\n"
		if code != 0 || !strings.HasPrefix(stdout, want) || stderr != "" {
			t.Errorf("code %d, stderr %q, stdout:\n%s\nwant it to start with:\n%s", code, stderr, stdout, want)
		}
	})
	for _, tt := range []struct {
		name, file, golden string
		code               int
	}{
		{"dash needs WASIX", "dash-1.0.18-f0d13233-bcda-4cf1-9a23-3460bffaae2a.webc", "run-dash.stderr", 126},
		{"a command in a registry dependency", "wasmer-tests--volume-static-webserver@0.1.0.webc", "run-dependency.stderr", 125},
		{"a package without commands", "hello-0.1.0-665d2ddc-80e6-4845-85d3-4587b1693bb7.webc", "run-no-commands.stderr", 127},
		{"a library whose atom imports canonical_abi", "wit-pack-0.3.0.tar.gz", "run-library.stderr", 127},
		{"cowsay without -c: two commands, no entrypoint", "cowsay-0.3.0.tar.gz", "run-no-entrypoint.stderr", 127},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runBinary(t, e2eCache(t), "run", pkg(tt.file))
			if code != tt.code || stdout != "" {
				t.Errorf("code %d, stdout %q; want %d and nothing", code, stdout, tt.code)
			}
			oneLineOnly(t, "stderr", stderr)
			golden(t, tt.golden, stderr)
		})
	}
}

// TestE2ERunCacheDir: the compilation cache goes to $XDG_CACHE_HOME/wasirun, else
// ~/.cache/wasirun, or where --cache-dir says; --no-cache writes none.
func TestE2ERunCacheDir(t *testing.T) {
	t.Parallel()
	hello := writeModule(t, t.TempDir(), "hello.wasm", testguest.Hello())
	entries := func(dir string) int {
		n := 0
		filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				n++
			}
			return nil
		})
		return n
	}
	home, xdg, flag := t.TempDir(), t.TempDir(), t.TempDir()
	tests := []struct {
		name string
		env  []string
		args []string
		dir  string // where the cache must be; "" for none
	}{
		{"~/.cache/wasirun by default", []string{"HOME=" + home}, nil, filepath.Join(home, ".cache", "wasirun")},
		{"$XDG_CACHE_HOME/wasirun", []string{"HOME=" + t.TempDir(), "XDG_CACHE_HOME=" + xdg}, nil, filepath.Join(xdg, "wasirun")},
		{"--cache-dir", []string{"XDG_CACHE_HOME=" + t.TempDir()}, []string{"--cache-dir", flag}, flag},
		{"--no-cache", []string{"HOME=" + t.TempDir(), "XDG_CACHE_HOME=" + filepath.Join(t.TempDir(), "none")}, []string{"--no-cache"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runBinary(t, tt.env, append(append([]string{"run"}, tt.args...), hello)...)
			if code != 0 || stdout != "hello\n" || stderr != "" {
				t.Fatalf("code %d, stdout %q, stderr %q", code, stdout, stderr)
			}
			if tt.dir != "" && entries(tt.dir) == 0 {
				t.Errorf("no compiled module under %s", tt.dir)
			}
		})
	}
	// --no-cache: the XDG directory it was given was never created.
	var none string
	for _, e := range tests[3].env {
		if v, ok := strings.CutPrefix(e, "XDG_CACHE_HOME="); ok {
			none = v
		}
	}
	if _, err := os.Stat(none); err == nil {
		t.Errorf("--no-cache created %s", none)
	}
}

// TestE2ERunAbsolutePaths: with the host's working directory mapped at /src (so
// the guest starts in /src), absolute paths mean the guest root for a C program
// built on wasi-libc as for a Go program, and a file written by an absolute path
// lands where that path says. wasi-libc takes the preopen registered last for
// every path; wasirun used to register "/" first and "." last, so "/src/a.txt"
// opened /src/src/a.txt.
func TestE2ERunAbsolutePaths(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	t.Parallel()
	binary, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	c := testguest.Build(t, "cpaths")
	probe := testguest.Build(t, "probe")
	host := t.TempDir()
	for name, text := range map[string]string{"a.txt": "top\n", "src/a.txt": "src\n"} {
		p := filepath.Join(host, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(binary, append([]string{"run", "--volume", ".:/src"}, args...)...)
		cmd.Dir = host
		cmd.Env = append(hermeticEnv(t), e2eCache(t)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"C, absolute paths", []string{c, "cat", "/src/a.txt", "/src/src/a.txt"}, "/src/a.txt: top\n/src/src/a.txt: src\n"},
		{"C, getcwd", []string{c, "cwd"}, "/\n"},
		{"Go, absolute paths", []string{probe, "cat", "/src/a.txt", "/src/src/a.txt"}, "top\nsrc\n"},
		{"Go, relative paths from the working directory", []string{probe, "cat", "a.txt", "src/a.txt"}, "top\nsrc\n"},
		{"Go, the working directory", []string{probe, "cwd"}, "/src\n"},
	} {
		if got := run(tt.args...); got != tt.want {
			t.Errorf("%s: output %q, want %q", tt.name, got, tt.want)
		}
	}
	// A write by an absolute path reaches the host file that path maps.
	run(c, "write", "/src/out.txt", "written")
	if b, err := os.ReadFile(filepath.Join(host, "out.txt")); err != nil || string(b) != "written" {
		t.Errorf("host out.txt: %q, %v; want the guest's text", b, err)
	}
	if _, err := os.Stat(filepath.Join(host, "src", "out.txt")); err == nil {
		t.Errorf("the write landed in src/out.txt, the working directory's src")
	}
}

// TestE2ERunUnusableCache: a --cache-dir that cannot be used (here a file) costs
// a warning, not the run.
func TestE2ERunUnusableCache(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "not-a-dir")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	hello := writeModule(t, dir, "hello.wasm", testguest.Hello())
	stdout, stderr, code := runBinary(t, nil, "run", "--cache-dir", file, hello)
	if code != 0 || stdout != "hello\n" {
		t.Fatalf("code %d, stdout %q, stderr %q; want 0 and hello", code, stdout, stderr)
	}
	for _, want := range []string{"compiling without the compilation cache", "compilation cache " + file + ": not a directory"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
}
