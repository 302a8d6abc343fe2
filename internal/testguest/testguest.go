// Package testguest provides the WebAssembly programs of wasirun's tests: Go WASI
// programs from testdata/guests, built from source once per test process (Build),
// and tiny hand-assembled core modules (Trap, Loop, Add, Unsupported, ExitCode,
// Hello).
//
// It is a normal (non-test) package so that the tests of any package can import
// it; it imports only the standard library.
package testguest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// build is one guest's build: done once, its result shared by every caller.
type build struct {
	once sync.Once
	path string
	skip string // why the build could not be attempted
	err  error
}

var (
	mu     sync.Mutex
	tmpDir string
	builds = map[string]*build{}
)

// Build compiles the Go program in testdata/guests/<name> (relative to the module
// root) with GOOS=wasip1 GOARCH=wasm and -trimpath, and returns the path of the
// .wasm file. It builds each name once per process, into a temporary directory
// that Cleanup removes; concurrent callers wait for the one build. It skips tb if
// no go command is found and fails it if the build fails.
func Build(tb testing.TB, name string) string {
	tb.Helper()
	mu.Lock()
	b := builds[name]
	if b == nil {
		b = &build{}
		builds[name] = b
	}
	mu.Unlock()
	b.once.Do(func() { b.path, b.skip, b.err = compile(name) })
	switch {
	case b.skip != "":
		tb.Skip(b.skip)
	case b.err != nil:
		tb.Fatalf("testguest: build %s: %v", name, b.err)
	}
	return b.path
}

// Cleanup removes the directory of the built programs. Call it from TestMain
// after m.Run; a later Build builds again.
func Cleanup() {
	mu.Lock()
	defer mu.Unlock()
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
	}
	tmpDir = ""
	builds = map[string]*build{}
}

// outDir returns the per-process directory of built programs, creating it.
func outDir() (string, error) {
	mu.Lock()
	defer mu.Unlock()
	if tmpDir == "" {
		dir, err := os.MkdirTemp("", "testguest-")
		if err != nil {
			return "", err
		}
		tmpDir = dir
	}
	return tmpDir, nil
}

// compile builds testdata/guests/<name>: a Go program (GOOS=wasip1), or a C
// program (main.c) built with Debian's clang, lld and wasi-libc. A non-empty
// skip means the compiler was not found (in CI, where .ci/run installs it, that
// is an error).
func compile(name string) (path, skip string, err error) {
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") {
		return "", "", fmt.Errorf("bad guest name %q", name)
	}
	if root, err := moduleRoot(); err == nil {
		if _, err := os.Stat(filepath.Join(root, "testdata", "guests", name, "main.c")); err == nil {
			return compileC(root, name)
		}
	}
	gobin := goCommand()
	if gobin == "" {
		return "", "testguest: no go command (neither GOROOT/bin/go nor go on PATH): cannot build WebAssembly test programs", nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", "", err
	}
	src := filepath.Join(root, "testdata", "guests", name)
	if _, err := os.Stat(src); err != nil {
		return "", "", err
	}
	dir, err := outDir()
	if err != nil {
		return "", "", err
	}
	path = filepath.Join(dir, name+".wasm")
	cmd := exec.Command(gobin, "build", "-trimpath", "-o", path, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("%s build: %v\n%s", gobin, err, bytes.TrimSpace(out))
	}
	return path, "", nil
}

// compileC builds testdata/guests/<name>/main.c for wasm32-wasi with clang.
func compileC(root, name string) (path, skip string, err error) {
	clang, err := exec.LookPath("clang")
	if err != nil {
		msg := "testguest: clang is not installed (Debian: clang lld wasi-libc libclang-rt-14-dev-wasm32; .ci/run installs them)"
		if os.Getenv("CI") == "true" {
			return "", "", errors.New(msg)
		}
		return "", msg, nil
	}
	dir, err := outDir()
	if err != nil {
		return "", "", err
	}
	path = filepath.Join(dir, name+".wasm")
	cmd := exec.Command(clang, "--target=wasm32-wasi", "-O2", "-o", path, "main.c")
	cmd.Dir = filepath.Join(root, "testdata", "guests", name)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("clang --target=wasm32-wasi: %v\n%s", err, bytes.TrimSpace(out))
	}
	return path, "", nil
}

// goCommand returns the go command of the toolchain that built the test, or the
// one on PATH, or "" if there is neither.
func goCommand() string {
	// runtime.GOROOT is deprecated because the toolchain that built a binary may
	// be gone when it runs; a test binary runs right after go test built it, and
	// the PATH fallback covers the rest.
	if root := runtime.GOROOT(); root != "" {
		p := filepath.Join(root, "bin", "go")
		if runtime.GOOS == "windows" {
			p += ".exe"
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, err := exec.LookPath("go")
	if err != nil {
		return ""
	}
	return p
}

// moduleRoot returns the module root: two levels above this source file or, if
// the test binary was built with -trimpath (and so the file name is not a host
// path), the first directory holding go.mod above the working directory.
func moduleRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			return root, nil
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("module root not found: no go.mod above the working directory")
		}
		dir = parent
	}
}
