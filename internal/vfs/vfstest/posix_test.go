package vfstest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"

	"github.com/wasirun/wasirun/internal/vfs"
)

// hostFS is a vfs.FS that is a thin wrapper around HostOps: TestWritable over it
// compares the reference with itself, so it must pass.
type hostFS struct {
	vfs.UnimplementedFS
	ops Ops
}

func newHostFS(dir string) vfs.FS { return &hostFS{ops: HostOps(dir)} }

func (h *hostFS) OpenFile(p string, flag vfs.OFlag, perm fs.FileMode) (vfs.File, vfs.Errno) {
	f, errno := h.ops.Open(p, flag, perm)
	if errno != vfs.ESUCCESS {
		return nil, errno
	}
	return &hostFSFile{ops: h.ops, path: p, f: f}, vfs.ESUCCESS
}
func (h *hostFS) Lstat(p string) (vfs.Stat, vfs.Errno)            { return h.ops.Lstat(p) }
func (h *hostFS) Mkdir(p string, perm fs.FileMode) vfs.Errno      { return h.ops.Mkdir(p, perm) }
func (h *hostFS) Chmod(p string, perm fs.FileMode) vfs.Errno      { return h.ops.Chmod(p, perm) }
func (h *hostFS) Rename(from, to string) vfs.Errno                { return h.ops.Rename(from, to) }
func (h *hostFS) Rmdir(p string) vfs.Errno                        { return h.ops.Rmdir(p) }
func (h *hostFS) Unlink(p string) vfs.Errno                       { return h.ops.Unlink(p) }
func (h *hostFS) Link(o, n string) vfs.Errno                      { return h.ops.Link(o, n) }
func (h *hostFS) Symlink(target, p string) vfs.Errno              { return h.ops.Symlink(target, p) }
func (h *hostFS) Readlink(p string) (string, vfs.Errno)           { return h.ops.Readlink(p) }
func (h *hostFS) Utimens(p string, atim, mtim int64) vfs.Errno    { return h.ops.Utimens(p, atim, mtim) }
func (f *hostFSFile) Stat() (vfs.Stat, vfs.Errno)                 { return f.f.Stat() }
func (f *hostFSFile) Read(p []byte) (int, vfs.Errno)              { return f.f.Read(p) }
func (f *hostFSFile) Pread(p []byte, off int64) (int, vfs.Errno)  { return f.f.Pread(p, off) }
func (f *hostFSFile) Write(p []byte) (int, vfs.Errno)             { return f.f.Write(p) }
func (f *hostFSFile) Pwrite(p []byte, off int64) (int, vfs.Errno) { return f.f.Pwrite(p, off) }
func (f *hostFSFile) Lseek(off int64, w int) (int64, vfs.Errno)   { return f.f.Lseek(off, w) }
func (f *hostFSFile) Truncate(size int64) vfs.Errno               { return f.f.Truncate(size) }
func (f *hostFSFile) Close() vfs.Errno                            { return f.f.Close() }

type hostFSFile struct {
	vfs.UnimplementedFile
	ops  Ops
	path string
	f    OpsFile
}

// Readdir lists the directory again and serves it by index; cookie i+1 follows
// entry i.
func (f *hostFSFile) Readdir(cookie uint64, buf []vfs.Dirent) (int, vfs.Errno) {
	list, errno := f.ops.ReadDir(f.path)
	if errno != vfs.ESUCCESS {
		return 0, errno
	}
	slices.SortFunc(list, func(a, b vfs.Dirent) int { return strings.Compare(a.Name, b.Name) })
	n := 0
	for i := cookie; i < uint64(len(list)) && n < len(buf); i++ {
		buf[n] = list[i]
		buf[n].Next = i + 1
		n++
	}
	return n, vfs.ESUCCESS
}

func TestWritableOverHost(t *testing.T) {
	TestWritable(t, func(t *testing.T) vfs.FS { return newHostFS(t.TempDir()) }, nil)
}

// brokenRmdir answers ESUCCESS to Rmdir without removing anything.
type brokenRmdir struct{ vfs.FS }

func (brokenRmdir) Rmdir(string) vfs.Errno { return vfs.ESUCCESS }

// noLinks answers ENOSYS to Link.
type noLinks struct{ vfs.FS }

func (noLinks) Link(string, string) vfs.Errno { return vfs.ENOSYS }

// eexistRename answers EEXIST where Linux answers ENOTEMPTY, as POSIX allows.
type eexistRename struct{ vfs.FS }

func (e eexistRename) Rename(from, to string) vfs.Errno {
	if errno := e.FS.Rename(from, to); errno != vfs.ENOTEMPTY {
		return errno
	}
	return vfs.EEXIST
}

func step(t *testing.T, name string) Step {
	t.Helper()
	i := slices.IndexFunc(Steps(), func(s Step) bool { return s.Name == name })
	if i < 0 {
		t.Fatalf("no step %q", name)
	}
	return Steps()[i]
}

// compareOver runs step over fsys and over a host directory and compares them.
func compareOver(t *testing.T, name string, fsys vfs.FS, allow bool) ([]string, bool) {
	t.Helper()
	s := step(t, name)
	return Compare(s, Record(s, FSOps(fsys)), Record(s, HostOps(t.TempDir())), allow)
}

func TestCompareFindsBrokenFS(t *testing.T) {
	problems, exception := compareOver(t, "rmdir-non-empty", brokenRmdir{newHostFS(t.TempDir())}, false)
	if len(problems) != 1 || exception {
		t.Fatalf("problems = %q, exception = %v; want one problem", problems, exception)
	}
	for _, want := range []string{"rmdir-non-empty: differs from the host at line 3", "> ", "rmdir /d: ESUCCESS", "rmdir /d: EEXIST|ENOTEMPTY"} {
		if !strings.Contains(problems[0], want) {
			t.Errorf("problem does not contain %q:\n%s", want, problems[0])
		}
	}
}

func TestCompareENOSYS(t *testing.T) {
	// Unlisted: a failure.
	problems, exception := compareOver(t, "hard-link", noLinks{newHostFS(t.TempDir())}, false)
	if len(problems) != 1 || exception || !strings.Contains(problems[0], "link /a /b: ENOSYS") {
		t.Errorf("unlisted ENOSYS: problems = %q, exception = %v", problems, exception)
	}
	// Listed: an exception, reported as such.
	problems, exception = compareOver(t, "hard-link", noLinks{newHostFS(t.TempDir())}, true)
	if len(problems) != 0 || !exception {
		t.Errorf("listed ENOSYS: problems = %q, exception = %v", problems, exception)
	}
	// Listed, but the step works: the list is stale.
	problems, exception = compareOver(t, "hard-link", newHostFS(t.TempDir()), true)
	if len(problems) != 1 || exception || !strings.Contains(problems[0], "remove it from the list") {
		t.Errorf("stale listing: problems = %q, exception = %v", problems, exception)
	}
	// Listed, but a difference comes before the ENOSYS: still a failure.
	s := Step{Name: "x"}
	problems, exception = Compare(s, []string{"a: ESUCCESS", "b: wrong", "c: ENOSYS"}, []string{"a: ESUCCESS", "b: right", "c: ESUCCESS"}, true)
	if len(problems) != 1 || exception || !strings.Contains(problems[0], "before its first ENOSYS") {
		t.Errorf("difference before ENOSYS: problems = %q, exception = %v", problems, exception)
	}
}

func TestCompareAlike(t *testing.T) {
	for _, name := range []string{"rename-dir-over-non-empty-dir", "rename-into-own-subtree"} {
		if problems, _ := compareOver(t, name, eexistRename{newHostFS(t.TempDir())}, false); len(problems) != 0 {
			t.Errorf("%s: EEXIST for ENOTEMPTY: %q", name, problems)
		}
	}
}

func TestCompareLengths(t *testing.T) {
	s := Step{Name: "x"}
	if p, _ := Compare(s, []string{"a"}, []string{"a", "b"}, false); len(p) != 1 || !strings.Contains(p[0], "line 2") {
		t.Errorf("shorter: %q", p)
	}
	if p, _ := Compare(s, []string{"a", "b"}, []string{"a", "b"}, false); len(p) != 0 {
		t.Errorf("equal: %q", p)
	}
}

func TestCheckAllowList(t *testing.T) {
	if p := checkAllowList(Steps(), []string{"hard-link", "symlink"}); len(p) != 0 {
		t.Errorf("known names: %q", p)
	}
	if p := checkAllowList(Steps(), []string{"hardlink"}); len(p) != 1 || !strings.Contains(p[0], `"hardlink"`) {
		t.Errorf("unknown name: %q", p)
	}
}

func TestStepNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Steps() {
		if seen[s.Name] || s.Name == "" {
			t.Errorf("step name %q empty or repeated", s.Name)
		}
		seen[s.Name] = true
	}
}

func TestHostErrno(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want vfs.Errno
	}{
		{nil, vfs.ESUCCESS},
		{&fs.PathError{Op: "open", Path: "x", Err: syscall.ENOENT}, vfs.ENOENT},
		{&os.LinkError{Op: "rename", Old: "a", New: "b", Err: syscall.ENOTEMPTY}, vfs.ENOTEMPTY},
		{syscall.EISDIR, vfs.EISDIR},
		{os.ErrClosed, vfs.EBADF},
		{fs.ErrNotExist, vfs.ENOENT},
		{fs.ErrExist, vfs.EEXIST},
		{fs.ErrPermission, vfs.EPERM},
		{fs.ErrInvalid, vfs.EINVAL},
		{errors.New("other"), vfs.EIO},
	} {
		if got := hostErrno(tt.err); got != tt.want {
			t.Errorf("hostErrno(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

// TestIOFS runs fstest.TestFS over IOFS of a host directory with links, which
// IOFS must follow in Open and Stat but not in Lstat.
func TestIOFS(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "a", "b", "f.txt"), []byte("hello, world\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "top"), []byte("top"), 0o644))
	must(os.Symlink("b/f.txt", filepath.Join(dir, "a", "rel")))
	must(os.Symlink("/top", filepath.Join(dir, "a", "abs")))     // absolute: from the vfs root
	must(os.Symlink("../../top", filepath.Join(dir, "a", "up"))) // ".." stops at the root
	must(os.Symlink("a/b", filepath.Join(dir, "dirlink")))
	fsys := IOFS(newHostFS(dir))
	if err := fstest.TestFS(fsys, "a/b/f.txt", "top", "a/rel", "a/abs", "a/up", "dirlink"); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"a/rel": "hello, world\n", "a/abs": "top", "a/up": "top", "dirlink/f.txt": "hello, world\n"} {
		got, err := fs.ReadFile(fsys, name)
		if err != nil || string(got) != want {
			t.Errorf("ReadFile(%s) = %q, %v; want %q", name, got, err, want)
		}
	}
	if fi, err := fs.Lstat(fsys, "a/rel"); err != nil || fi.Mode().Type() != fs.ModeSymlink {
		t.Errorf("Lstat(a/rel) = %v, %v; want a symlink", fi, err)
	}
	if target, err := fs.ReadLink(fsys, "dirlink"); err != nil || target != "a/b" {
		t.Errorf("ReadLink(dirlink) = %q, %v", target, err)
	}
}

func TestIOFSErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("loop", filepath.Join(dir, "loop")); err != nil {
		t.Fatal(err)
	}
	fsys := IOFS(newHostFS(dir))
	for _, tt := range []struct {
		name     string
		sentinel error
		errno    vfs.Errno
	}{
		{"missing", fs.ErrNotExist, vfs.ENOENT},
		{"f/x", nil, vfs.ENOTDIR},
		{"loop", nil, vfs.ELOOP},
		{"/f", fs.ErrInvalid, 0},
		{"a/../f", fs.ErrInvalid, 0},
	} {
		_, err := fsys.Open(tt.name)
		var pe *fs.PathError
		if !errors.As(err, &pe) || pe.Path != tt.name {
			t.Errorf("Open(%s) = %v, want a *fs.PathError for it", tt.name, err)
			continue
		}
		if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
			t.Errorf("Open(%s) = %v, want it to match %v", tt.name, err, tt.sentinel)
		}
		if tt.errno != 0 && !errors.Is(err, tt.errno) {
			t.Errorf("Open(%s) = %v, want it to match %s", tt.name, err, tt.errno)
		}
	}
}
