package main

// End-to-end tests of `wasirun fs`, and of --dir: the built binary on the small
// package (and on a bare .wasm) with host directories mapped in. Outputs are golden
// files with temporary paths replaced by $TMP: the in-memory base carries a fixed
// time (fsprep.LayoutTime) and the test's host files another (fixedHostTime), so
// ls -l and the JSON forms are golden too.

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wasirun/wasirun/internal/fsprep"
	"github.com/wasirun/wasirun/internal/testguest"
)

// fixedHostTime is the modification time of everything fsHostDir makes.
var fixedHostTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// fsHostDir makes dir/host holding h.txt and sub/inner.txt (files 0644,
// directories 0755, whatever the umask, all modified at fixedHostTime), and
// returns its path.
func fsHostDir(t *testing.T, dir string) string {
	t.Helper()
	host := filepath.Join(dir, "host")
	writeFile(t, host, "h.txt", []byte("from the host\n"))
	writeFile(t, host, filepath.Join("sub", "inner.txt"), []byte("inner\n"))
	for _, p := range []struct {
		name string
		mode os.FileMode
	}{{"h.txt", 0o644}, {filepath.Join("sub", "inner.txt"), 0o644}, {"sub", 0o755}, {".", 0o755}} {
		full := filepath.Join(host, p.name)
		if err := os.Chmod(full, p.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(full, fixedHostTime, fixedHostTime); err != nil {
			t.Fatal(err)
		}
	}
	return host
}

// columns collapses the padding between columns to two spaces: the width of a
// column holding a temporary path changes from run to run.
func columns(s string) string {
	return regexp.MustCompile(`  +`).ReplaceAllString(s, "  ")
}

// hostDirSizes replaces the size of each host directory in ls -l output (after
// columns) with $SIZE: it depends on the host's filesystem.
func hostDirSizes(s string) string {
	return regexp.MustCompile(`(?m)^(dir  \d+  )\d+(  .*  host:)`).ReplaceAllString(s, "${1}$$SIZE$2")
}

// fsOK runs the binary and fails the test unless it exits 0 with nothing on stderr.
func fsOK(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, code := runBinary(t, nil, args...)
	if code != 0 || stderr != "" {
		t.Fatalf("wasirun %q: exit code %d, stderr %q", args, code, stderr)
	}
	return stdout
}

// TestE2EFsListing: ls and tree of / on the small package with a host directory at
// /mnt (golden), and ls --json -R checked field by field.
func TestE2EFsListing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	dir := t.TempDir()
	pkg := buildSmallPackage(t, dir)
	host := fsHostDir(t, dir)
	vol := host + ":/mnt"

	golden(t, "fs-ls-root.txt", columns(normalise(fsOK(t, "fs", "ls", "--volume", vol, pkg, "/"), dir)))
	golden(t, "fs-tree-root.txt", normalise(fsOK(t, "fs", "tree", "--volume", vol, pkg, "/"), dir))

	// Two runs print the same JSON: the in-memory base has a fixed time. Without
	// host directories, whose sizes vary from one host filesystem to another, it
	// is a golden file.
	out := fsOK(t, "fs", "ls", "--json", "-R", "--volume", vol, pkg, "/")
	if again := fsOK(t, "fs", "ls", "--json", "-R", "--volume", vol, pkg, "/"); again != out {
		t.Errorf("two runs of ls --json -R differ:\n%s\n%s", out, again)
	}
	golden(t, "fs-ls-json-root.json", fsOK(t, "fs", "ls", "--json", "-R", pkg, "/"))

	var entries []fsprep.Entry
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("ls --json is not a JSON list of entries: %v\n%s", err, out)
	}
	found := map[string]fsprep.Entry{}
	for _, e := range entries {
		found[e.Path] = e
	}
	hostFile := filepath.Join(host, "h.txt")
	hostSt, err := os.Stat(hostFile)
	if err != nil {
		t.Fatal(err)
	}
	if e, want := found["/mnt/h.txt"], (fsprep.Entry{Path: "/mnt/h.txt", Type: "file", Size: 14, Mode: "0644", Mtime: hostSt.ModTime().UnixNano(), Source: "host:" + hostFile, Mount: "/mnt", Writes: "host"}); e != want {
		t.Errorf("/mnt/h.txt = %+v\nwant %+v", e, want)
	}
	if e := found["/mnt/sub/inner.txt"]; e.Source != "host:"+filepath.Join(host, "sub", "inner.txt") || e.Size != 6 || e.Mount != "/mnt" || e.Type != "file" {
		t.Errorf("/mnt/sub/inner.txt = %+v", e)
	}
	if e := found["/mnt/sub"]; e.Type != "dir" || e.Mount != "/mnt" {
		t.Errorf("/mnt/sub = %+v", e)
	}
	if e := found["/data/greeting.txt"]; e.Type != "file" || e.Size != int64(len(smallData)) || e.Source != "volume:/data" || e.Mount != "/data" || e.Mode == "" || e.Writes != "memory" {
		t.Errorf("/data/greeting.txt = %+v", e)
	}
	if e := found["/tmp"]; e.Type != "dir" || e.Source != "tmp" || e.Mount != "/" || e.Writes != "memory" || e.Mtime != fsprep.LayoutTime {
		t.Errorf("/tmp = %+v", e)
	}
}

// TestE2EFsBareWasm: a bare .wasm is a package with no volumes; a host directory at
// /home lists its files.
func TestE2EFsBareWasm(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	dir := t.TempDir()
	app := writeFile(t, dir, "app.wasm", smallWasm)
	host := fsHostDir(t, dir)
	out := fsOK(t, "fs", "ls", "--volume", host+":/home", app, "/home")
	golden(t, "fs-ls-bare-wasm.txt", normalise(out, dir))
}

// TestE2EFsLayers: a host directory mapped at / is a copy-on-write layer and a
// :ro mount refuses writes, and ls -l, stat and stat --json say so.
func TestE2EFsLayers(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	dir := t.TempDir()
	pkg := buildSmallPackage(t, dir)
	host := fsHostDir(t, dir)
	mounts := []string{"--volume", host + ":/", "--volume", host + ":/ro:ro"}
	ls := fsOK(t, append(append([]string{"fs", "ls", "-l"}, mounts...), pkg, "/")...)
	golden(t, "fs-ls-l-layers.txt", hostDirSizes(columns(normalise(ls, dir))))
	stat := fsOK(t, append(append([]string{"fs", "stat"}, mounts...), pkg, "/sub/inner.txt")...)
	golden(t, "fs-stat-root-layer.txt", columns(normalise(stat, dir)))
	for _, tt := range []struct{ path, source, mount, writes string }{
		{"/sub/inner.txt", "host:" + filepath.Join(host, "sub", "inner.txt"), "/", "memory"},
		{"/ro/h.txt", "host:" + filepath.Join(host, "h.txt"), "/ro", "refused"},
		{"/data/greeting.txt", "volume:/data", "/data", "memory"},
	} {
		var e fsprep.Entry
		out := fsOK(t, append(append([]string{"fs", "stat", "--json"}, mounts...), pkg, tt.path)...)
		if err := json.Unmarshal([]byte(out), &e); err != nil {
			t.Fatalf("stat --json %s: %v\n%s", tt.path, err, out)
		}
		if e.Source != tt.source || e.Mount != tt.mount || e.Writes != tt.writes {
			t.Errorf("stat %s = %+v; want source %s, mount %s, writes %s", tt.path, e, tt.source, tt.mount, tt.writes)
		}
	}
}

// TestE2EFsCatStat: cat of a volume file and of a host file; stat --json of
// /dev/null.
func TestE2EFsCatStat(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	dir := t.TempDir()
	pkg := buildSmallPackage(t, dir)
	host := fsHostDir(t, dir)
	vol := host + ":/mnt"
	if got := fsOK(t, "fs", "cat", "--volume", vol, pkg, "/data/greeting.txt"); got != smallData {
		t.Errorf("cat /data/greeting.txt = %q, want %q", got, smallData)
	}
	if got := fsOK(t, "fs", "cat", "--volume", vol, pkg, "/mnt/h.txt"); got != "from the host\n" {
		t.Errorf("cat /mnt/h.txt = %q", got)
	}
	var e fsprep.Entry
	out := fsOK(t, "fs", "stat", "--json", pkg, "/dev/null")
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatalf("stat --json: %v\n%s", err, out)
	}
	if e.Path != "/dev/null" || e.Type != "device" || e.Size != 0 || e.Source != "tmp" || e.Mount != "/" {
		t.Errorf("stat /dev/null = %+v", e)
	}
}

// TestE2EFsCatLimits: cat refuses a device, which may never end, unless
// --max-bytes bounds it, and stops any file there.
func TestE2EFsCatLimits(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	dir := t.TempDir()
	pkg := buildSmallPackage(t, dir)
	if got := fsOK(t, "fs", "cat", "--max-bytes", "1M", pkg, "/dev/zero"); got != strings.Repeat("\x00", 1<<20) {
		t.Errorf("cat --max-bytes 1M /dev/zero: %d bytes, want 1 MiB of zeros", len(got))
	}
	if got := fsOK(t, "fs", "cat", "--max-bytes", "5", pkg, "/data/greeting.txt"); got != smallData[:5] {
		t.Errorf("cat --max-bytes 5 = %q, want %q", got, smallData[:5])
	}
	if got := fsOK(t, "fs", "cat", "--max-bytes", "1K", pkg, "/data/greeting.txt"); got != smallData {
		t.Errorf("cat --max-bytes 1K = %q, want the whole file", got)
	}
	if got := fsOK(t, "fs", "cat", "--max-bytes", "16", pkg, "/dev/urandom"); len(got) != 16 {
		t.Errorf("cat --max-bytes 16 /dev/urandom: %d bytes", len(got))
	}
}

// runBinaryIn is runBinary with the working directory set to dir.
func runBinaryIn(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runBinaryWith(t, invocation{env: e2eCache(t), dir: dir}, args...)
}

// TestE2EDirMount: `wasirun run --dir .` maps the working directory at its own
// path, starts the guest there, and the guest's writes reach the host; a relative
// --dir is mapped at its absolute path too.
func TestE2EDirMount(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	probe := testguest.Build(t, "probe")
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, filepath.Join("sub", "keep.txt"), []byte("kept"))
	run := func(args ...string) string {
		t.Helper()
		stdout, stderr, code := runBinaryIn(t, dir, append([]string{"run"}, args...)...)
		if code != 0 || stderr != "" {
			t.Fatalf("wasirun run %q: exit code %d, stderr %q", args, code, stderr)
		}
		return stdout
	}
	guestDir := filepath.ToSlash(dir)
	if got := run("--dir", ".", probe, "cwd"); got != guestDir+"\n" {
		t.Errorf("the guest starts in %q, want %q", got, guestDir)
	}
	run("--dir", ".", probe, "write", "out.txt", "written by the guest")
	if b, err := os.ReadFile(filepath.Join(dir, "out.txt")); err != nil || string(b) != "written by the guest" {
		t.Errorf("out.txt on the host: %q, %v", b, err)
	}
	run("--dir", "sub", probe, "write", guestDir+"/sub/new.txt", "through --dir sub")
	if b, err := os.ReadFile(filepath.Join(dir, "sub", "new.txt")); err != nil || string(b) != "through --dir sub" {
		t.Errorf("sub/new.txt on the host: %q, %v", b, err)
	}
	if got := run("--dir", ".", probe, "cat", "sub/keep.txt"); got != "kept" {
		t.Errorf("cat sub/keep.txt = %q", got)
	}
	stdout, stderr, code := runBinaryIn(t, dir, "run", "--dir", ".:ro", probe, "write", "ro.txt", "x")
	if code != 1 || !strings.Contains(stderr, "EROFS") {
		t.Errorf("a write under --dir .:ro: exit code %d, stdout %q, stderr %q; want 1 and EROFS", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "ro.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ro.txt on the host: %v", err)
	}

	var e fsprep.Entry
	stdout, stderr, code = runBinaryIn(t, dir, "fs", "stat", "--json", "--dir", ".", probe, guestDir+"/out.txt")
	if err := json.Unmarshal([]byte(stdout), &e); err != nil || code != 0 {
		t.Fatalf("fs stat --json: exit code %d, %v\n%s%s", code, err, stdout, stderr)
	}
	if want := (fsprep.Entry{Path: guestDir + "/out.txt", Type: "file", Size: 20, Mode: e.Mode, Mtime: e.Mtime, Source: "host:" + filepath.Join(dir, "out.txt"), Mount: guestDir, Writes: "host"}); e != want {
		t.Errorf("fs stat = %+v\nwant %+v", e, want)
	}
}

// TestE2EFsErrors: each bad input gives exit 125 and one line on stderr, compared
// (with $TMP) with testdata/golden/fs-<name>.stderr.
func TestE2EFsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// args returns the command line, given the package and a host directory.
		args func(dir, pkg, host string) []string
	}{
		{"missing-host-dir", func(dir, pkg, host string) []string {
			return []string{"fs", "ls", "--volume", filepath.Join(dir, "nope") + ":/x", pkg}
		}},
		{"escaping-guest-path", func(dir, pkg, host string) []string {
			return []string{"fs", "ls", "--volume", host + ":../../python", pkg}
		}},
		{"mount-conflict-fail", func(dir, pkg, host string) []string {
			return []string{"fs", "ls", "--mount-conflict", "fail", "--volume", host + ":/data", pkg}
		}},
		{"missing-guest-path", func(dir, pkg, host string) []string {
			return []string{"fs", "ls", pkg, "/nope"}
		}},
		{"path-through-file", func(dir, pkg, host string) []string {
			return []string{"fs", "ls", pkg, "/data/greeting.txt/x"}
		}},
		{"cat-device", func(dir, pkg, host string) []string {
			return []string{"fs", "cat", pkg, "/dev/zero"}
		}},
		{"cat-bad-max-bytes", func(dir, pkg, host string) []string {
			return []string{"fs", "cat", "--max-bytes", "lots", pkg, "/dev/zero"}
		}},
		{"dir-host-root", func(dir, pkg, host string) []string {
			return []string{"fs", "ls", "--dir", "/", pkg}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if testing.Short() {
				t.Skip("end-to-end test: skipped with -short")
			}
			dir := t.TempDir()
			pkg := buildSmallPackage(t, dir)
			host := fsHostDir(t, dir)
			stdout, stderr, code := runBinary(t, nil, tt.args(dir, pkg, host)...)
			checkFailure(t, stdout, stderr, code)
			golden(t, "fs-"+tt.name+".stderr", normalise(stderr, dir))
		})
	}
}
