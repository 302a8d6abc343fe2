package fsprep

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/wasirun/wasirun/internal/vfs"
	"github.com/wasirun/wasirun/internal/webc"
)

// pkgVolume is one volume of a test package and the guest path it asks for.
type pkgVolume struct {
	name, guest string
	files       map[string]string // path -> content; a path ending in "/" is a directory
}

// testPackage builds a v3 package whose fs annotation mounts the given volumes.
func testPackage(t *testing.T, vols ...pkgVolume) *webc.Container {
	t.Helper()
	src := &webc.Source{Manifest: &webc.Manifest{Package: map[string]cbor.RawMessage{}}, Volumes: map[string]*webc.Tree{}}
	var fsAnn []map[string]any
	for _, v := range vols {
		tree := webc.NewTree()
		for p, content := range v.files {
			var err error
			if strings.HasSuffix(p, "/") {
				err = tree.AddDir(p)
			} else {
				err = tree.AddFile(p, []byte(content), 0)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		src.Volumes[v.name] = tree
		fsAnn = append(fsAnn, map[string]any{"from": nil, "volume_name": v.name, "mount_path": v.guest})
	}
	raw, err := cbor.Marshal(fsAnn)
	if err != nil {
		t.Fatal(err)
	}
	src.Manifest.Package["fs"] = raw
	var buf bytes.Buffer
	if err := webc.WriteV3(&buf, src); err != nil {
		t.Fatal(err)
	}
	c, err := webc.ParseBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hostDir makes a host directory holding files (path -> content).
func hostDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func prepare(t *testing.T, opts Options) *Root {
	t.Helper()
	r, err := Prepare(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func readFile(t *testing.T, f vfs.FS, p string) string {
	t.Helper()
	h, errno := f.OpenFile(p, vfs.OFlagRead, 0)
	if errno != vfs.ESUCCESS {
		t.Fatalf("open %s: %v", p, errno)
	}
	defer h.Close()
	buf := make([]byte, 4096)
	n, errno := h.Read(buf)
	if errno != vfs.ESUCCESS {
		t.Fatalf("read %s: %v", p, errno)
	}
	return string(buf[:n])
}

func writeFile(f vfs.FS, p, content string) vfs.Errno {
	h, errno := f.OpenFile(p, vfs.OFlagWrite|vfs.OFlagCreate|vfs.OFlagTruncate, 0o644)
	if errno != vfs.ESUCCESS {
		return errno
	}
	defer h.Close()
	_, errno = h.Write([]byte(content))
	return errno
}

func list(t *testing.T, f vfs.FS, dir string) []string {
	t.Helper()
	d, errno := f.OpenFile(dir, vfs.OFlagRead|vfs.OFlagDirectory, 0)
	if errno != vfs.ESUCCESS {
		t.Fatalf("open %s: %v", dir, errno)
	}
	defer d.Close()
	ents, errno := vfs.ReadDirAll(d, 16)
	if errno != vfs.ESUCCESS {
		t.Fatalf("readdir %s: %v", dir, errno)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name)
	}
	slices.Sort(names)
	return names
}

// A host directory at /home beside a package volume at / holding
// lib/python3.6/...: the package's files are reached by relative paths from /home.
func TestHostDirBesidePackageRoot(t *testing.T) {
	pkg := testPackage(t, pkgVolume{name: "atom", guest: "/", files: map[string]string{
		"lib/python3.6/os.py": "import sys", "lib/python3.6/collections/__init__.py": "",
	}})
	home := hostDir(t, map[string]string{"main.py": "print(1)"})
	r := prepare(t, Options{User: []UserMount{{Host: home, Guest: "/home"}}, Container: pkg})
	if got := readFile(t, r, "/home/../lib/python3.6/os.py"); got != "import sys" {
		t.Errorf("os.py = %q", got)
	}
	if got := readFile(t, r, "/home/main.py"); got != "print(1)" {
		t.Errorf("main.py = %q", got)
	}
	if st, errno := r.Stat("/lib/python3.6/collections"); errno != vfs.ESUCCESS || !st.Mode.IsDir() {
		t.Errorf("collections: %v %v", st.Mode, errno)
	}
	if got := list(t, r, "/"); !slices.Contains(got, "lib") || !slices.Contains(got, "home") {
		t.Errorf("/ lists %q", got)
	}
}

// Package mounts stay writable for files and symlinks; the package is unchanged.
func TestPackageMountsWritable(t *testing.T) {
	pkg := testPackage(t, pkgVolume{name: "/data", guest: "/data", files: map[string]string{"a.txt": "alpha"}})
	r := prepare(t, Options{Container: pkg})
	if errno := writeFile(r, "/data/new.txt", "new"); errno != vfs.ESUCCESS {
		t.Fatalf("create under a package mount: %v", errno)
	}
	if errno := writeFile(r, "/data/a.txt", "changed"); errno != vfs.ESUCCESS {
		t.Fatalf("write a package file: %v", errno)
	}
	if errno := r.Symlink("a.txt", "/data/link"); errno != vfs.ESUCCESS {
		t.Fatalf("symlink under a package mount: %v", errno)
	}
	if got := readFile(t, r, "/data/link"); got != "changed" {
		t.Errorf("through the link: %q", got)
	}
	v, _ := pkg.Volume("/data")
	e, _ := v.Lookup("a.txt")
	if b, _ := e.Bytes(); string(b) != "alpha" {
		t.Errorf("the package changed: %q", b)
	}
	if mp, src, _, errno := r.Provenance("/data/a.txt"); errno != vfs.ESUCCESS || mp != "/data" || src != "volume:/data" {
		t.Errorf("provenance %q %q %v", mp, src, errno)
	}
}

// A user mount overrides a package mount at its path and hides what was under it,
// package mounts below included.
func TestUserMountOverridesPackageMount(t *testing.T) {
	pkg := testPackage(t,
		pkgVolume{name: "py", guest: "/python", files: map[string]string{"a.py": ""}},
		pkgVolume{name: "pylib", guest: "/python/lib", files: map[string]string{"l.py": ""}},
		pkgVolume{name: "other", guest: "/other", files: map[string]string{"o.txt": ""}},
	)
	host := hostDir(t, map[string]string{"b.py": ""})
	r := prepare(t, Options{User: []UserMount{{Host: host, Guest: "/python"}}, Container: pkg})
	if got := list(t, r, "/python"); !slices.Equal(got, []string{"b.py"}) {
		t.Errorf("/python lists %q, want only the host's b.py", got)
	}
	if _, errno := r.Stat("/python/lib/l.py"); errno != vfs.ENOENT {
		t.Errorf("a package mount below the overridden one is visible: %v", errno)
	}
	if got := list(t, r, "/other"); !slices.Equal(got, []string{"o.txt"}) {
		t.Errorf("/other lists %q", got)
	}

	_, err := Prepare(Options{User: []UserMount{{Host: host, Guest: "/python"}}, Container: pkg, Conflict: Fail})
	var mc *MountConflictError
	if err == nil || !strings.Contains(err.Error(), `Unable to merge container mount "/python"`) || !errors.As(err, &mc) {
		t.Errorf("fail mode: %v", err)
	}
}

// Two user mounts at one path: the later wins, or fail mode names the path.
func TestUserMountConflict(t *testing.T) {
	a := hostDir(t, map[string]string{"a": ""})
	b := hostDir(t, map[string]string{"b": ""})
	mounts := []UserMount{{Host: a, Guest: "/data"}, {Host: b, Guest: "data/"}}
	r := prepare(t, Options{User: mounts})
	if got := list(t, r, "/data"); !slices.Equal(got, []string{"b"}) {
		t.Errorf("/data lists %q, want the later mount's b", got)
	}
	_, err := Prepare(Options{User: mounts, Conflict: Fail})
	if err == nil || err.Error() != `two user mounts at "/data" (--mount-conflict fail)` {
		t.Errorf("fail mode: %v", err)
	}
}

// Root mounts compose, also in fail mode: the user's, first wins, then the
// package's, all under the writable base.
func TestRootMountsCompose(t *testing.T) {
	first := hostDir(t, map[string]string{"x": "first", "only1": ""})
	second := hostDir(t, map[string]string{"x": "second", "only2": ""})
	pkg := testPackage(t, pkgVolume{name: "atom", guest: "/", files: map[string]string{"x": "pkg", "pkgfile": ""}})
	for _, mode := range []ConflictMode{Override, Fail} {
		r := prepare(t, Options{User: []UserMount{{Host: first, Guest: "/"}, {Host: second, Guest: "."}}, Container: pkg, Conflict: mode})
		if got := readFile(t, r, "/x"); got != "first" {
			t.Errorf("mode %d: /x = %q, want the first root mount's", mode, got)
		}
		got := list(t, r, "/")
		for _, want := range []string{"only1", "only2", "pkgfile", "bin", "dev", "etc", "home", "tmp", "x"} {
			if !slices.Contains(got, want) {
				t.Errorf("mode %d: / lists %q, missing %q", mode, got, want)
			}
		}
		// Writes land in the base, never in the host directory.
		if errno := writeFile(r, "/x", "changed"); errno != vfs.ESUCCESS {
			t.Fatalf("write over a root layer: %v", errno)
		}
		if b, _ := os.ReadFile(filepath.Join(first, "x")); string(b) != "first" {
			t.Errorf("the host file changed: %q", b)
		}
	}
}

// The limiter survives preparation: every in-memory layer draws on it.
func TestLimiterSurvivesPreparation(t *testing.T) {
	pkg := testPackage(t, pkgVolume{name: "/data", guest: "/data", files: map[string]string{"a": ""}})
	l := vfs.NewLimiter(1000)
	r := prepare(t, Options{Container: pkg, Limiter: l})
	if r.Limiter != l {
		t.Error("the root does not report the limiter")
	}
	big := strings.Repeat("x", 600)
	if errno := writeFile(r, "/tmp/a", big); errno != vfs.ESUCCESS {
		t.Fatalf("first write: %v", errno)
	}
	if errno := writeFile(r, "/data/b", big); errno != vfs.ENOSPC && errno != vfs.ESUCCESS {
		t.Fatalf("second write: %v", errno)
	}
	if l.Used() > 1000 {
		t.Errorf("used %d of 1000", l.Used())
	}
	if errno := writeFile(r, "/data/c", big); errno != vfs.ENOSPC {
		t.Errorf("third write: %v, want ENOSPC", errno)
	}
}

func TestGuestPathsInMounts(t *testing.T) {
	host := hostDir(t, map[string]string{"f": ""})
	_, err := Prepare(Options{User: []UserMount{{Host: host, Guest: "../../python"}}})
	if err == nil || !strings.Contains(err.Error(), "parent traversal escapes the virtual root") || !errors.Is(err, ErrEscapesRoot) {
		t.Errorf("../../python: %v", err)
	}
	r := prepare(t, Options{User: []UserMount{{Host: host, Guest: "data"}}})
	if got := list(t, r, "/data"); !slices.Equal(got, []string{"f"}) {
		t.Errorf("relative guest path: /data lists %q", got)
	}
	_, err = Prepare(Options{User: []UserMount{{Host: filepath.Join(host, "missing"), Guest: "/m"}}})
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing host directory: %v", err)
	}
}

// A mapped host directory lists its files with size and nanosecond times.
func TestHostDirListing(t *testing.T) {
	host := hostDir(t, map[string]string{"data.bin": "0123456789"})
	r := prepare(t, Options{User: []UserMount{{Host: host, Guest: "/mnt"}}})
	st, errno := r.Lstat("/mnt/data.bin")
	if errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	hst, err := os.Stat(filepath.Join(host, "data.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size != 10 || st.Mtim != hst.ModTime().UnixNano() {
		t.Errorf("size %d mtime %d, want 10 %d", st.Size, st.Mtim, hst.ModTime().UnixNano())
	}
}

func TestDefaultLayout(t *testing.T) {
	r := prepare(t, Options{})
	for _, d := range []string{"/bin", "/dev", "/etc", "/tmp", "/home"} {
		if st, errno := r.Stat(d); errno != vfs.ESUCCESS || !st.Mode.IsDir() {
			t.Errorf("%s: %v %v", d, st.Mode, errno)
		}
	}
	if st, _ := r.Stat("/tmp"); st.Mode&fs.ModeSticky == 0 || st.Mode.Perm() != 0o777 {
		t.Errorf("/tmp mode %v, want sticky 0777", st.Mode)
	}
	for _, d := range []string{"null", "zero", "urandom", "stdin", "stdout", "stderr"} {
		if st, errno := r.Lstat("/dev/" + d); errno != vfs.ESUCCESS || st.Mode&fs.ModeCharDevice == 0 {
			t.Errorf("/dev/%s: %v %v", d, st.Mode, errno)
		}
	}
	if got := readFile(t, r, "/dev/zero"); got != "" && strings.Trim(got, "\x00") != "" {
		t.Errorf("/dev/zero reads %q", got)
	}
}

// The same host directory twice at one path (--dir . --dir "$PWD") is one mount,
// also in fail mode; the same path with other access is still a clash.
func TestSameUserMountTwice(t *testing.T) {
	host := hostDir(t, map[string]string{"f": ""})
	twice := []UserMount{{Host: host, Guest: host}, {Host: host, Guest: host + "/"}}
	r := prepare(t, Options{User: twice, Conflict: Fail})
	if got := list(t, r, host); !slices.Equal(got, []string{"f"}) {
		t.Errorf("%s lists %q", host, got)
	}
	if n := len(r.Mounts()); n != 2 {
		t.Errorf("%d mounts, want / and %s: %+v", n, host, r.Mounts())
	}
	_, err := Prepare(Options{User: []UserMount{{Host: host, Guest: "/d"}, {Host: host, Guest: "/d", ReadOnly: true}}, Conflict: Fail})
	if err == nil || err.Error() != `two user mounts at "/d" (--mount-conflict fail)` {
		t.Errorf("read-write and read-only at /d: %v", err)
	}
}

// A host directory mapped at its own path (--dir) takes the guest's writes: a
// file created, written and renamed through the guest root is there on the host.
func TestHostMountAtItsPathWritesReachHost(t *testing.T) {
	host := hostDir(t, map[string]string{"old.txt": "old"})
	guest := filepath.ToSlash(host)
	r := prepare(t, Options{User: []UserMount{{Host: host, Guest: guest}}})
	if errno := writeFile(r, guest+"/new.txt", "from the guest"); errno != vfs.ESUCCESS {
		t.Fatalf("write: %v", errno)
	}
	if errno := r.Rename(guest+"/old.txt", guest+"/renamed.txt"); errno != vfs.ESUCCESS {
		t.Fatalf("rename: %v", errno)
	}
	if b, err := os.ReadFile(filepath.Join(host, "new.txt")); err != nil || string(b) != "from the guest" {
		t.Errorf("host new.txt = %q, %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(host, "renamed.txt")); err != nil || string(b) != "old" {
		t.Errorf("host renamed.txt = %q, %v", b, err)
	}
	if e, err := r.Describe(guest + "/new.txt"); err != nil || e.Writes != WritesHost || e.Source != "host:"+filepath.Join(host, "new.txt") {
		t.Errorf("describe new.txt = %+v, %v", e, err)
	}
}
