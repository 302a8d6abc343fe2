package main

// End-to-end tests of the command line's own messages: words that are neither a
// command nor a file, flag values refused before a guest runs, --version and -e.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasirun/wasirun/internal/testguest"
)

// TestE2EFlagMessages: each refusal is exit 125 and one line, held to a golden
// file.
func TestE2EFlagMessages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	add := writeModule(t, dir, "add.wasm", testguest.Add())
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, []byte("env = [\"A=\\u0000\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  []string
		args []string
	}{
		{"unknown-word", nil, []string{"journal", "x"}},
		{"registry-name", nil, []string{"wasmer/cowsay@0.3.0", "hello"}},
		{"run-registry-name", nil, []string{"run", "wasmer/cowsay"}},
		{"run-env-empty-name", nil, []string{"run", "--env", "=x", add}},
		{"run-env-nul", []string{"WASIRUN_CONFIG=" + cfg}, []string{"run", add}},
		{"run-invoke-i32-out-of-range", nil, []string{"run", "-i", "add", add, "4000000000", "1"}},
		{"run-invoke-not-a-number", nil, []string{"run", "-i", "add", add, "1", "two"}},
		{"run-fs-memory-limit-zero", nil, []string{"run", "--fs-memory-limit", "0", add}},
		{"env-bad-boolean", []string{"WASIRUN_FORWARD_ENV=maybe"}, []string{"run", add}},
		{"env-bad-list", []string{"WASIRUN_VOLUME=" + dir + ":/a,"}, []string{"run", add}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := runBinary(t, append(e2eCache(t), tt.env...), tt.args...)
			checkFailure(t, stdout, stderr, code)
			golden(t, tt.name+".stderr", normalise(stderr, dir))
		})
	}
}

// TestE2EFlagsThatWork: a list and a boolean from the environment, -e, and
// --version, on the built binary.
func TestE2EFlagsThatWork(t *testing.T) {
	t.Parallel()
	probe := testguest.Build(t, "probe")

	stdout, stderr, code := runBinary(t, append(e2eCache(t), `WASIRUN_ENV=A=1,"B=x,y"`), probe, "getenv", "B")
	if code != 0 || stdout != "x,y\n" {
		t.Errorf("WASIRUN_ENV list: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	stdout, stderr, code = runBinary(t, append(e2eCache(t), "WASIRUN_FORWARD_ENV=yes", "HOSTONLY=here"), probe, "getenv", "HOSTONLY")
	if code != 0 || stdout != "here\n" {
		t.Errorf("WASIRUN_FORWARD_ENV=yes: code %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	dir := t.TempDir()
	add := writeModule(t, dir, "add.wasm", testguest.Add())
	_, stderr, code = runBinary(t, e2eCache(t), "-e", "nosuch", add)
	if code != 127 || !strings.Contains(stderr, `no command "nosuch"`) {
		t.Errorf("-e nosuch: code %d, stderr %q; want 127 naming the command", code, stderr)
	}

	want, _, _ := runBinary(t, nil, "version")
	stdout, stderr, code = runBinary(t, nil, "--version")
	if code != 0 || stderr != "" || stdout != want || !strings.HasPrefix(stdout, "wasirun "+e2eVersion+" (") {
		t.Errorf("--version: code %d, stdout %q, stderr %q; want %q", code, stdout, stderr, want)
	}
}
