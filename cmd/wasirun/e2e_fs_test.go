package main

// End-to-end tests of `wasirun fs`: the built binary on the small package (and on a
// bare .wasm) with host directories mapped in. The deterministic outputs (ls
// without -l, tree, error messages) are golden files with temporary paths replaced
// by $TMP; the JSON forms, whose in-memory mtimes are wall-clock, are checked field
// by field.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/wasirun/wasirun/internal/fsprep"
)

// fsHostDir makes dir/host holding h.txt and sub/inner.txt, and returns its path.
func fsHostDir(t *testing.T, dir string) string {
	t.Helper()
	host := filepath.Join(dir, "host")
	writeFile(t, host, "h.txt", []byte("from the host\n"))
	writeFile(t, host, filepath.Join("sub", "inner.txt"), []byte("inner\n"))
	return host
}

// columns collapses the padding between columns to two spaces: the width of a
// column holding a temporary path changes from run to run.
func columns(s string) string {
	return regexp.MustCompile(`  +`).ReplaceAllString(s, "  ")
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

	var entries []fsprep.Entry
	out := fsOK(t, "fs", "ls", "--json", "-R", "--volume", vol, pkg, "/")
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
	if e, want := found["/mnt/h.txt"], (fsprep.Entry{Path: "/mnt/h.txt", Type: "file", Size: 14, Mode: "0644", Mtime: hostSt.ModTime().UnixNano(), Source: "host:" + hostFile, Mount: "/mnt"}); e != want {
		t.Errorf("/mnt/h.txt = %+v\nwant %+v", e, want)
	}
	if e := found["/mnt/sub/inner.txt"]; e.Source != "host:"+filepath.Join(host, "sub", "inner.txt") || e.Size != 6 || e.Mount != "/mnt" || e.Type != "file" {
		t.Errorf("/mnt/sub/inner.txt = %+v", e)
	}
	if e := found["/mnt/sub"]; e.Type != "dir" || e.Mount != "/mnt" {
		t.Errorf("/mnt/sub = %+v", e)
	}
	if e := found["/data/greeting.txt"]; e.Type != "file" || e.Size != int64(len(smallData)) || e.Source != "volume:/data" || e.Mount != "/data" || e.Mode == "" {
		t.Errorf("/data/greeting.txt = %+v", e)
	}
	if e := found["/tmp"]; e.Type != "dir" || e.Source != "tmp" || e.Mount != "/" {
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
