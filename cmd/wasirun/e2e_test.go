package main

// End-to-end tests: they build the wasirun binary once and run it as a user would,
// comparing what it prints with golden files in testdata/golden. Run
//
//	go test ./cmd/wasirun -update
//
// to rewrite the golden files after a deliberate change, and review the diff.
// -short skips them; the binary is built on first use, once per go test run.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/wasirun/wasirun/internal/testguest"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// e2eVersion is linked into the test binary with -X main.version, to check the
// override end to end.
const e2eVersion = "v0.0.0-e2e"

var (
	// update rewrites the golden files instead of comparing with them.
	update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")
	// e2eDir is the directory TestMain made for the binary.
	e2eDir string
	// buildOnce builds the binary into e2eDir on first use, so that runs which need
	// no binary (go test -run TestExitCode, -list, -bench, -fuzz) do not build it.
	buildOnce = sync.OnceValues(buildBinary)
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(testMain(m))
}

// testMain makes the directory for the binary, runs the tests and removes it.
func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "wasirun-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	defer testguest.Cleanup()
	e2eDir = dir
	return m.Run()
}

// buildBinary runs go build -o $e2eDir/wasirun . with main.version set and cgo
// off, as make build does, and returns the binary's path.
func buildBinary() (string, error) {
	exe := filepath.Join(e2eDir, "wasirun")
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	build := exec.Command("go", "build", "-o", exe, "-ldflags", "-X main.version="+e2eVersion, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building wasirun: %v\n%s", err, out)
	}
	return exe, nil
}

// runBinary runs the built wasirun with args and an environment made of fresh,
// empty config and home directories plus env ("KEY=value"; later entries win), and
// no standard input. It returns what the binary wrote and its exit code.
func runBinary(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runBinaryWith(t, invocation{env: env}, args...)
}

// invocation is how runBinaryWith starts the binary.
type invocation struct {
	// env is added to the hermetic environment; later entries win.
	env []string
	// dir is the working directory; "" is the test's.
	dir string
	// stdin is the standard input; nil is none.
	stdin io.Reader
}

// runBinaryWith runs the built wasirun with args as inv says, within a minute,
// and returns what it wrote and its exit code.
func runBinaryWith(t *testing.T, inv invocation, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	binary, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = inv.dir
	cmd.Env = append(hermeticEnv(t), inv.env...)
	if runtime.GOOS == "windows" {
		cmd.Env = append(cmd.Env, "SYSTEMROOT="+os.Getenv("SYSTEMROOT"))
	}
	var out, errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inv.stdin, &out, &errOut
	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	default:
		t.Fatalf("running wasirun %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), code
}

// golden compares got with testdata/golden/<name>, or writes it there with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// oneLineOnly fails the test unless s is exactly one newline-terminated line.
func oneLineOnly(t *testing.T, what, s string) {
	t.Helper()
	if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\n") {
		t.Errorf("%s is not one line: %q", what, s)
	}
}

func TestE2EVersion(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := runBinary(t, nil, "version")
	if code != 0 || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	want := "wasirun " + e2eVersion + " (" + runtime.Version() + ", wazero "
	if !strings.HasPrefix(stdout, want) {
		t.Errorf("stdout %q, want it to start with %q", stdout, want)
	}
	oneLineOnly(t, "stdout", stdout)

	stdout, _, code = runBinary(t, nil, "version", "--json")
	var got buildInfo
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != 0 {
		t.Fatalf("exit code %d, %v: %q", code, err, stdout)
	}
	if got.Version != e2eVersion || got.Go != runtime.Version() {
		t.Errorf("version --json = %+v", got)
	}
}

func TestE2EVersionFromEnvAndConfig(t *testing.T) {
	t.Parallel()
	// WASIRUN_JSON fills the version command's --json flag.
	stdout, _, code := runBinary(t, []string{"WASIRUN_JSON=true"}, "version")
	if code != 0 || !strings.HasPrefix(stdout, "{") {
		t.Errorf("WASIRUN_JSON=true: exit code %d, stdout %q", code, stdout)
	}
	// So does the config file named by --config; the flag still wins.
	cfg := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(cfg, []byte("json = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, _, code = runBinary(t, nil, "--config", cfg, "version")
	if code != 0 || !strings.HasPrefix(stdout, "{") {
		t.Errorf("config json = true: exit code %d, stdout %q", code, stdout)
	}
	stdout, _, code = runBinary(t, nil, "--config", cfg, "version", "--json=false")
	if code != 0 || !strings.HasPrefix(stdout, "wasirun ") {
		t.Errorf("--json=false over config: exit code %d, stdout %q", code, stdout)
	}
}

func TestE2EUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{"bogus-flag", []string{"--bogus"}},
		{"unknown-command", []string{"nosuchcmd"}},
		{"bad-log-level", []string{"--log-level=loud", "version"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := runBinary(t, nil, tt.args...)
			if code != 125 {
				t.Errorf("exit code %d, want 125", code)
			}
			if stdout != "" {
				t.Errorf("stdout not empty: %q", stdout)
			}
			oneLineOnly(t, "stderr", stderr)
			golden(t, tt.name+".stderr", stderr)
		})
	}
}

func TestE2EMissingConfig(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope.toml")
	_, stderr, code := runBinary(t, nil, "--config", missing, "version")
	if want := "wasirun: config file " + missing + ": no such file or directory\n"; code != 125 || stderr != want {
		t.Errorf("exit code %d, stderr %q; want 125, %q", code, stderr, want)
	}
}
