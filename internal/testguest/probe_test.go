package testguest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasirun/wasirun/internal/testguest"
)

// probe runs the probe under wazero and its own WASI.
type probe struct {
	ctx context.Context
	r   wazero.Runtime
	cm  wazero.CompiledModule
}

func newProbe(t *testing.T) *probe {
	t.Helper()
	path := testguest.Build(t, "probe")
	bin, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	t.Cleanup(func() { r.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	cm, err := r.CompileModule(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	return &probe{ctx, r, cm}
}

// run runs "probe args..." with cfg (nil: a default one) and returns its stdout,
// stderr and exit code.
func (p *probe) run(t *testing.T, cfg wazero.ModuleConfig, args ...string) (stdout, stderr string, code uint32) {
	t.Helper()
	if cfg == nil {
		cfg = wazero.NewModuleConfig()
	}
	var out, errOut bytes.Buffer
	cfg = cfg.WithName("").WithArgs(append([]string{"probe"}, args...)...).WithStdout(&out).WithStderr(&errOut)
	mod, err := p.r.InstantiateModule(p.ctx, p.cm, cfg)
	var exit *sys.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("probe %v: %v", args, err)
	default:
		mod.Close(p.ctx)
	}
	return out.String(), errOut.String(), code
}

func TestBuildOnce(t *testing.T) {
	var wg sync.WaitGroup
	paths := make([]string, 4)
	for i := range paths {
		wg.Go(func() { paths[i] = testguest.Build(t, "probe") })
	}
	wg.Wait()
	for _, p := range paths {
		if p != paths[0] {
			t.Fatalf("paths differ: %q", paths)
		}
	}
	if fi, err := os.Stat(paths[0]); err != nil || fi.Size() == 0 {
		t.Fatalf("built probe: %v", err)
	}
}

func TestProbe(t *testing.T) {
	p := newProbe(t)
	dir := t.TempDir()
	mount := func() wazero.ModuleConfig {
		return wazero.NewModuleConfig().WithFSConfig(wazero.NewFSConfig().WithDirMount(dir, "/"))
	}
	ro := func() wazero.ModuleConfig {
		return wazero.NewModuleConfig().WithFSConfig(wazero.NewFSConfig().WithReadOnlyDirMount(dir, "/"))
	}
	full := func() wazero.ModuleConfig { // 128 KiB free
		return wazero.NewModuleConfig().WithFSConfig(wazero.NewFSConfig().(sysfs.FSConfig).WithSysFSMount(&fullFS{left: 128 << 10}, "/"))
	}
	tests := []struct {
		cfg                 wazero.ModuleConfig
		args                []string
		stdout, stderr      string
		code                uint32
		wantFile, wantBytes string // a host file under dir and its content
	}{
		{args: []string{"args", "a", "b c"}, stdout: "0=probe\n1=args\n2=a\n3=b c\n"},
		{cfg: wazero.NewModuleConfig().WithEnv("B", "2").WithEnv("A", "1 1"), args: []string{"env"}, stdout: "A=1 1\nB=2\n"},
		{cfg: wazero.NewModuleConfig().WithEnv("K", "v"), args: []string{"getenv", "K"}, stdout: "v\n"},
		{args: []string{"getenv", "K"}, stderr: "error: getenv K: not set\n", code: 1},
		{cfg: mount(), args: []string{"cwd"}, stdout: "/\n"},
		{cfg: wazero.NewModuleConfig().WithStdin(strings.NewReader("in\nput")), args: []string{"stdin"}, stdout: "in\nput"},
		{args: []string{"stderr", "to stderr"}, stderr: "to stderr\n"},
		{args: []string{"exit", "3"}, code: 3},
		{args: []string{"exit", "0"}},
		{args: []string{"sleep", "1ms"}, stdout: "slept\n"},
		{args: []string{"nosuch"}, stderr: "usage: probe CMD ARGS...: unknown sub-command \"nosuch\"\n", code: 2},
		{args: []string{"cat"}, stderr: "usage: probe CMD ARGS...: cat: wrong number of arguments: 0\n", code: 2},

		// A sequence over one directory.
		{cfg: mount(), args: []string{"write", "/f.txt", "hello"}, wantFile: "f.txt", wantBytes: "hello"},
		{cfg: mount(), args: []string{"append", "/f.txt", " world"}, wantFile: "f.txt", wantBytes: "hello world"},
		{cfg: mount(), args: []string{"append", "/new.txt", "x"}, wantFile: "new.txt", wantBytes: "x"},
		{cfg: mount(), args: []string{"cat", "/f.txt", "/new.txt"}, stdout: "hello worldx"},
		{cfg: mount(), args: []string{"cat", "/missing"}, stderr: "error: open /missing: ENOENT\n", code: 1},
		{cfg: mount(), args: []string{"mkdir", "/d"}},
		{cfg: mount(), args: []string{"mkdir", "/d"}, stderr: "error: mkdir /d: EEXIST\n", code: 1},
		{cfg: mount(), args: []string{"write", "/d/g", "gg"}},
		{cfg: mount(), args: []string{"rm", "/d"}, stderr: "error: remove /d: ENOTEMPTY\n", code: 1},
		{cfg: mount(), args: []string{"stat", "/f.txt"}, stdout: "f.txt 11 file 0600\n"},
		{cfg: mount(), args: []string{"symlink", "f.txt", "/link"}},
		{cfg: mount(), args: []string{"readlink", "/link"}, stdout: "f.txt\n"},
		{cfg: mount(), args: []string{"stat", "/link"}, stdout: "link 5 symlink 0600\n"},
		{cfg: mount(), args: []string{"cat", "/link"}, stdout: "hello world"},
		{cfg: mount(), args: []string{"rename", "/new.txt", "/d/new.txt"}},
		{cfg: mount(), args: []string{"rename", "/nope", "/d/nope"}, stderr: "error: rename /nope /d/nope: ENOENT\n", code: 1},
		{cfg: mount(), args: []string{"ls", "/"}, stdout: "d/\nf.txt\nlink\n"},
		{cfg: mount(), args: []string{"ls", "/d"}, stdout: "g\nnew.txt\n"},
		{cfg: mount(), args: []string{"rm", "/link"}},
		{cfg: mount(), args: []string{"fill", "/big", "1M"}, stdout: "1048576\n"},
		{cfg: mount(), args: []string{"fill", "/odd", "70001"}, stdout: "70001\n"},
		{cfg: mount(), args: []string{"readall", "/"}, stdout: "5 files 1118591 bytes\n"},
		{cfg: mount(), args: []string{"readall", "/d"}, stdout: "2 files 3 bytes\n"},
		{cfg: mount(), args: []string{"ls", "/nope"}, stderr: "error: open /nope: ENOENT\n", code: 1},

		{args: []string{"panic"}, code: 2},

		// Errors other filesystems give.
		{cfg: ro(), args: []string{"rm", "/f.txt"}, stderr: "error: remove /f.txt: EROFS\n", code: 1},
		{cfg: ro(), args: []string{"cat", "/f.txt"}, stdout: "hello world"},
		{cfg: ro(), args: []string{"mkdir", "/e"}, stderr: "error: mkdir /e: EROFS\n", code: 1},
		{cfg: full(), args: []string{"fill", "/x", "128K"}, stdout: "131072\n"},
		{cfg: full(), args: []string{"fill", "/x", "129K"}, stderr: "error: write /x: EIO\n", code: 1},
		{cfg: full(), args: []string{"cat", "/x"}, stderr: "error: open /x: ENOENT\n", code: 1},
	}
	for _, tc := range tests {
		stdout, stderr, code := p.run(t, tc.cfg, tc.args...)
		if tc.args[0] == "panic" {
			if !strings.Contains(stderr, "panic: probe: panic sub-command") {
				t.Errorf("probe panic: stderr %q", stderr)
			}
			stderr = ""
		}
		if stdout != tc.stdout || stderr != tc.stderr || code != tc.code {
			t.Errorf("probe %q:\nstdout %q, stderr %q, exit %d\nwant   %q, stderr %q, exit %d",
				tc.args, stdout, stderr, code, tc.stdout, tc.stderr, tc.code)
		}
		if tc.wantFile != "" {
			b, err := os.ReadFile(filepath.Join(dir, tc.wantFile))
			if err != nil || string(b) != tc.wantBytes {
				t.Errorf("probe %q: host file %s = %q, %v; want %q", tc.args, tc.wantFile, b, err, tc.wantBytes)
			}
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "big")); err != nil || fi.Size() != 1<<20 {
		t.Errorf("host file big: %v", err)
	}
	// A directory's size is the host's.
	fi, err := os.Stat(filepath.Join(dir, "d"))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("d %d dir 0700\n", fi.Size())
	if stdout, stderr, code := p.run(t, mount(), "stat", "/d"); stdout != want || stderr != "" || code != 0 {
		t.Errorf("probe stat /d: %q, %q, exit %d; want %q", stdout, stderr, code, want)
	}
}
