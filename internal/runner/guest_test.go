package runner

// Runs of the probe (testdata/guests/probe, a Go wasip1 program) through the
// runner: arguments, environment, working directory, package volumes, host
// mounts, and the errnos a guest sees.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasirun/wasirun/internal/fsprep"
	"github.com/wasirun/wasirun/internal/testguest"
	"github.com/wasirun/wasirun/internal/vfs"
)

// probeManifest is the wasmer.toml of the probe package: the probe as two
// commands, a plain one and one whose annotation sets exec-name, main-args and
// env, and a /data volume.
const probeManifest = `[package]
name = "test/probe"
version = "0.1.0"

[[module]]
name = "probe"
source = "probe.wasm"
abi = "wasi"

[[command]]
name = "probe"
module = "probe"
runner = "wasi"

[[command]]
name = "echo"
module = "probe"
runner = "wasi"

[command.annotations.wasi]
exec-name = "prog"
main-args = ["args", "hard", "coded"]
env = ["HARD_CODED=env-vars", "SHARED=pkg"]

[fs]
"/data" = "data"
`

// probePackage writes the probe package as a wasmer.toml directory and returns
// its path.
func probePackage(t *testing.T) string {
	t.Helper()
	wasm, err := os.ReadFile(testguest.Build(t, "probe"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("wasmer.toml", probeManifest)
	write("probe.wasm", string(wasm))
	write("data/hello.txt", "hello from the volume\n")
	write("data/sub/deep.txt", "deep\n")
	return dir
}

// hostDir makes a host directory holding host.txt.
func hostDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "host.txt"), []byte("from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestProbe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a Go guest: skipped with -short")
	}
	pkg := probePackage(t)
	host := hostDir(t)
	hostEnv := []string{"HOME=/root", "SHARED=host", "HOST_ONLY=1"}
	tests := []struct {
		name       string
		opts       Options
		wantCode   int
		wantOut    string
		wantErrOut string // in stderr
	}{
		{name: "argv: exec-name, main-args, then the user's", opts: Options{Command: "echo", Args: []string{"extra", "args"}},
			wantOut: "0=prog\n1=args\n2=hard\n3=coded\n4=extra\n5=args\n"},
		{name: "argv[0] is the command name", opts: Options{Command: "probe", Args: []string{"args", "x"}},
			wantOut: "0=probe\n1=args\n2=x\n"},
		{name: "env: annotation, then --env", opts: Options{Command: "probe", Args: []string{"env"}, Env: []string{"EXTRA=envs", "HOME"}, HostEnv: hostEnv},
			wantOut: "EXTRA=envs\nHOME=/root\n"},
		{name: "env: --forward-env gives the host's, PWD the guest's", opts: Options{Command: "probe", Args: []string{"env"}, ForwardEnv: true, HostEnv: append(hostEnv, "PWD=/on/the/host")},
			wantOut: "HOME=/root\nHOST_ONLY=1\nPWD=/\nSHARED=host\n"},
		{name: "cwd is / by default", opts: Options{Command: "probe", Args: []string{"cwd"}}, wantOut: "/\n"},
		{name: "--cwd", opts: Options{Command: "probe", Args: []string{"cwd"}, Cwd: "/data/sub"}, wantOut: "/data/sub\n"},
		{name: "relative paths resolve from --cwd", opts: Options{Command: "probe", Args: []string{"cat", "deep.txt", "../hello.txt"}, Cwd: "data/sub"},
			wantOut: "deep\nhello from the volume\n"},
		{name: "relative paths resolve from / by default", opts: Options{Command: "probe", Args: []string{"cat", "data/hello.txt"}},
			wantOut: "hello from the volume\n"},
		{name: "the host's working directory mapped is the guest's", opts: Options{Command: "probe", Args: []string{"cat", "host.txt"}, HostCwd: host,
			FS: fsprep.Options{User: []fsprep.UserMount{{Host: host, Guest: "/home"}}}}, wantOut: "from the host\n"},
		{name: "a package volume", opts: Options{Command: "probe", Args: []string{"ls", "/data"}}, wantOut: "hello.txt\nsub/\n"},
		{name: "a write under a package mount", opts: Options{Command: "probe", Args: []string{"write", "/data/hello.txt", "changed"}}},
		{name: "is gone after the run", opts: Options{Command: "probe", Args: []string{"cat", "/data/hello.txt"}}, wantOut: "hello from the volume\n"},
		{name: "a write through a root layer", opts: Options{Command: "probe", Args: []string{"write", "/host.txt", "changed"},
			FS: fsprep.Options{User: []fsprep.UserMount{{Host: host, Guest: "/"}}}}},
		{name: "a write through a host mount", opts: Options{Command: "probe", Args: []string{"write", "/mnt/out.txt", "written"},
			FS: fsprep.Options{User: []fsprep.UserMount{{Host: host, Guest: "/mnt"}}}}},
		{name: "a read-only host mount refuses writes", opts: Options{Command: "probe", Args: []string{"write", "/mnt/ro.txt", "x"},
			FS: fsprep.Options{User: []fsprep.UserMount{{Host: host, Guest: "/mnt", ReadOnly: true}}}}, wantCode: 1, wantErrOut: "error: open /mnt/ro.txt: EROFS"},
		{name: "ENOSPC past --fs-memory-limit", opts: Options{Command: "probe", Args: []string{"fill", "/tmp/big", "4M"}, FS: fsprep.Options{Limiter: vfs.NewLimiter(1 << 20)}},
			wantCode: 1, wantErrOut: "error: write /tmp/big: ENOSPC"},
		{name: "EXDEV for a rename across mounts", opts: Options{Command: "probe", Args: []string{"rename", "/mnt/host.txt", "/tmp/host.txt"},
			FS: fsprep.Options{User: []fsprep.UserMount{{Host: host, Guest: "/mnt"}}}}, wantCode: 1, wantErrOut: "EXDEV"},
		{name: "ENOENT", opts: Options{Command: "probe", Args: []string{"cat", "/nosuch"}}, wantCode: 1, wantErrOut: "error: open /nosuch: ENOENT"},
		{name: "the guest's exit code", opts: Options{Command: "probe", Args: []string{"exit", "7"}}, wantCode: 7},
		{name: "a Go panic exits 2", opts: Options{Command: "probe", Args: []string{"panic"}}, wantCode: 2, wantErrOut: "panic"},
		{name: "a run long enough to install the signal handler", opts: Options{Command: "probe", Args: []string{"sleep", "20ms"}, Signals: true},
			wantOut: "slept\n"},
		{name: "stdin", opts: Options{Command: "probe", Args: []string{"stdin"}, Stdin: strings.NewReader("piped\n")}, wantOut: "piped\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runPath(t, pkg, tt.opts)
			if r.err != nil {
				t.Fatalf("error: %v (stderr %q)", r.err, r.stderr)
			}
			if r.code != tt.wantCode || r.stdout != tt.wantOut || !strings.Contains(r.stderr, tt.wantErrOut) || (tt.wantErrOut == "" && r.stderr != "") {
				t.Errorf("code %d, stdout %q, stderr %q; want %d, %q, stderr containing %q", r.code, r.stdout, r.stderr, tt.wantCode, tt.wantOut, tt.wantErrOut)
			}
		})
	}

	// What the runs above must have left on the host.
	if b, err := os.ReadFile(filepath.Join(host, "host.txt")); err != nil || string(b) != "from the host\n" {
		t.Errorf("host.txt = %q, %v: a root layer modified the host", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(host, "out.txt")); err != nil || string(b) != "written" {
		t.Errorf("out.txt = %q, %v: the write through the host mount did not land", b, err)
	}
	if _, err := os.Stat(filepath.Join(host, "ro.txt")); err == nil {
		t.Error("ro.txt exists: the read-only mount let a write through")
	}
	if b, err := os.ReadFile(filepath.Join(pkg, "data", "hello.txt")); err != nil || string(b) != "hello from the volume\n" {
		t.Errorf("the package's data/hello.txt = %q, %v", b, err)
	}
}
