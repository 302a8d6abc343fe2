package vfs_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/wasirun/wasirun/internal/vfs"
	"github.com/wasirun/wasirun/internal/vfs/vfstest"
)

// putFile writes data to a new file p of fsys, making its parent directories.
func putFile(t *testing.T, fsys vfs.FS, p, data string) {
	t.Helper()
	for i := 1; i < len(p); i++ {
		if p[i] == '/' {
			if errno := fsys.Mkdir(p[:i], 0o755); errno != vfs.ESUCCESS && errno != vfs.EEXIST {
				t.Fatalf("mkdir %s: %v", p[:i], errno)
			}
		}
	}
	f, errno := fsys.OpenFile(p, vfs.OFlagWrite|vfs.OFlagCreate|vfs.OFlagTruncate, 0o644)
	if errno != vfs.ESUCCESS {
		t.Fatalf("create %s: %v", p, errno)
	}
	if _, errno := f.Write([]byte(data)); errno != vfs.ESUCCESS {
		t.Fatalf("write %s: %v", p, errno)
	}
	f.Close()
}

// readAll reads the whole file at p of fsys (following links, as OpenFile does
// for a mount table).
func readAll(fsys vfs.FS, p string) (string, vfs.Errno) {
	f, errno := fsys.OpenFile(p, vfs.OFlagRead, 0)
	if errno != vfs.ESUCCESS {
		return "", errno
	}
	defer f.Close()
	var out []byte
	buf := make([]byte, 512)
	for len(out) < 1<<20 {
		n, errno := f.Read(buf)
		if errno != vfs.ESUCCESS {
			return string(out), errno
		}
		if n == 0 {
			break
		}
		out = append(out, buf[:n]...)
	}
	return string(out), vfs.ESUCCESS
}

// listDir returns the sorted names in the directory p of fsys.
func listDir(t *testing.T, fsys vfs.FS, p string) []string {
	t.Helper()
	f, errno := fsys.OpenFile(p, vfs.OFlagRead|vfs.OFlagDirectory, 0)
	if errno != vfs.ESUCCESS {
		t.Fatalf("open %s: %v", p, errno)
	}
	defer f.Close()
	var names []string
	var buf [2]vfs.Dirent
	for cookie := uint64(0); len(names) < 1000; {
		n, errno := f.Readdir(cookie, buf[:])
		if errno != vfs.ESUCCESS {
			t.Fatalf("readdir %s: %v", p, errno)
		}
		if n == 0 {
			break
		}
		for _, d := range buf[:n] {
			names = append(names, d.Name)
		}
		cookie = buf[n-1].Next
	}
	slices.Sort(names)
	return names
}

func newHostDir(t *testing.T, dir string) vfs.FS {
	t.Helper()
	f, err := vfs.NewHostDir(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.(interface{ Close() error }).Close() })
	return f
}

// TestMountTableConformance runs fstest over a mount table of three filesystems:
// a tmpfs root, a tmpfs at /data (no directory under it in the root: the mount
// point must be listed anyway) and a read-only tree at /pkg (over an existing
// directory of the root: listed once).
func TestMountTableConformance(t *testing.T) {
	root := vfs.NewTmpFS(nil)
	for p, data := range map[string]string{"/a.txt": "a", "/dir/b.txt": "bb", "/dir/sub/c.txt": "ccc"} {
		putFile(t, root, p, data)
	}
	if errno := root.Mkdir("/emptydir", 0o755); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if errno := root.Mkdir("/pkg", 0o755); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	data := vfs.NewTmpFS(nil)
	putFile(t, data, "/x.txt", "x")
	putFile(t, data, "/sub/y.txt", "yy")

	mt := vfs.NewMountTable(root, "tmp")
	if errno := mt.Mount("/data", data, "tmp"); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if errno := mt.Mount("/pkg", vfs.NewTreeFS(volumeRoot(t)), "volume:data"); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}

	want := []string{"a.txt", "dir/b.txt", "dir/sub/c.txt", "emptydir", "data/x.txt", "data/sub/y.txt", "pkg/dir/emptydir"}
	for name := range treeFiles {
		want = append(want, "pkg/"+name)
	}
	if err := fstest.TestFS(vfstest.IOFS(mt), want...); err != nil {
		t.Fatal(err)
	}
	if got, want := listDir(t, mt, "/"), []string{"a.txt", "data", "dir", "emptydir", "pkg"}; !slices.Equal(got, want) {
		t.Errorf("listing of / = %v, want %v", got, want)
	}
	if got, errno := readAll(mt, "/pkg/hello.txt"); errno != vfs.ESUCCESS || got != treeFiles["hello.txt"] {
		t.Errorf("read /pkg/hello.txt = %q, %v", got, errno)
	}
}

// prefixFS shows the directory prefix of fs as a whole filesystem, so that the
// steps of TestWritableResolving run below a mount point of a mount table.
type prefixFS struct {
	fs     vfs.FS
	prefix string
}

func (p prefixFS) path(s string) string {
	if s == "/" {
		return p.prefix
	}
	return p.prefix + s
}

func (p prefixFS) OpenFile(s string, flag vfs.OFlag, perm fs.FileMode) (vfs.File, vfs.Errno) {
	return p.fs.OpenFile(p.path(s), flag, perm)
}
func (p prefixFS) Lstat(s string) (vfs.Stat, vfs.Errno)       { return p.fs.Lstat(p.path(s)) }
func (p prefixFS) Mkdir(s string, perm fs.FileMode) vfs.Errno { return p.fs.Mkdir(p.path(s), perm) }
func (p prefixFS) Chmod(s string, perm fs.FileMode) vfs.Errno { return p.fs.Chmod(p.path(s), perm) }
func (p prefixFS) Rename(a, b string) vfs.Errno               { return p.fs.Rename(p.path(a), p.path(b)) }
func (p prefixFS) Rmdir(s string) vfs.Errno                   { return p.fs.Rmdir(p.path(s)) }
func (p prefixFS) Unlink(s string) vfs.Errno                  { return p.fs.Unlink(p.path(s)) }
func (p prefixFS) Link(a, b string) vfs.Errno                 { return p.fs.Link(p.path(a), p.path(b)) }
func (p prefixFS) Symlink(target, s string) vfs.Errno         { return p.fs.Symlink(target, p.path(s)) }
func (p prefixFS) Readlink(s string) (string, vfs.Errno)      { return p.fs.Readlink(p.path(s)) }
func (p prefixFS) Utimens(s string, atim, mtim int64) vfs.Errno {
	return p.fs.Utimens(p.path(s), atim, mtim)
}

// TestMountTableResolving runs the POSIX behaviour table over a mount table, with
// the reference following a last symlink on open as the table does. No differences
// are allowed: the steps only open a link that dangles or with O_EXCL or
// O_NOFOLLOW, and give the same answers whether or not the table follows it.
//
// "sub" runs the steps below a tmpfs mounted at /sub (the steps' "/" being /sub):
// the steps' relative link targets stay inside it; their absolute ones are only
// read with Readlink, never followed.
func TestMountTableResolving(t *testing.T) {
	t.Run("root", func(t *testing.T) {
		vfstest.TestWritableResolving(t, func(*testing.T) vfs.FS { return vfs.NewMountTable(vfs.NewTmpFS(nil), "tmp") }, nil)
	})
	t.Run("sub", func(t *testing.T) {
		vfstest.TestWritableResolving(t, func(t *testing.T) vfs.FS {
			mt := vfs.NewMountTable(vfs.NewTmpFS(nil), "tmp")
			if errno := mt.Mount("/sub", vfs.NewTmpFS(nil), "tmp"); errno != vfs.ESUCCESS {
				t.Fatal(errno)
			}
			return prefixFS{fs: mt, prefix: "/sub"}
		}, nil)
	})
}

// TestMountTableResolvingExclusiveLink: O_CREAT|O_EXCL on a dangling symlink is
// EEXIST, and nothing is created at the link's target (open(2): "If O_CREAT and
// O_EXCL are set ... and path names a symbolic link, open() shall fail with EEXIST").
func TestMountTableResolvingExclusiveLink(t *testing.T) {
	mt := vfs.NewMountTable(vfs.NewTmpFS(nil), "tmp")
	if errno := mt.Symlink("target", "/l"); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if f, errno := mt.OpenFile("/l", vfs.OFlagWrite|vfs.OFlagCreate|vfs.OFlagExclusive, 0o644); errno != vfs.EEXIST {
		if f != nil {
			f.Close()
		}
		t.Errorf("open excl of a dangling link = %v, want EEXIST", errno)
	}
	if _, errno := mt.Lstat("/target"); errno != vfs.ENOENT {
		t.Errorf("lstat /target = %v, want ENOENT (nothing created through the link)", errno)
	}
}

// escapeSetup is a mount table whose root is a tmpfs holding /etc/passwd "guest"
// and a link /rootlink -> /host/.., with a host directory mounted at /host. The
// host directory is base/root; base holds markers ("OUTSIDE") that resolution
// must never reach: base/passwd, base/etc/passwd, base/marker.
func escapeSetup(t *testing.T) (mt *vfs.MountTable, guest vfs.FS, base, hostRoot string) {
	t.Helper()
	base = t.TempDir()
	hostRoot = filepath.Join(base, "root")
	for _, d := range []string{hostRoot, filepath.Join(base, "etc")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"passwd", "marker", "etc/passwd"} {
		if err := os.WriteFile(filepath.Join(base, f), []byte("OUTSIDE"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"esc": "../../../../etc", "abs": "/etc", "dotdot": "..", "a": "b", "b": "../../../..",
	} {
		if err := os.Symlink(target, filepath.Join(hostRoot, link)); err != nil {
			t.Fatal(err)
		}
	}
	guest = vfs.NewTmpFS(nil)
	putFile(t, guest, "/etc/passwd", "guest")
	if errno := guest.Mkdir("/host", 0o755); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if errno := guest.Symlink("/host/..", "/rootlink"); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	mt = vfs.NewMountTable(guest, "tmp")
	if errno := mt.Mount("/host", newHostDir(t, hostRoot), "host:"+hostRoot); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	return mt, guest, base, hostRoot
}

func hostListing(t *testing.T, dir string) []string {
	t.Helper()
	list, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range list {
		names = append(names, e.Name())
	}
	return names
}

// TestMountTableEscape applies the escape table of os/root_test.go to resolution
// through a mount table: links in a host directory that would climb out of it on
// the host resolve inside the guest instead (".." clamps at the guest root, an
// absolute target starts at the guest root), and never reach the host.
func TestMountTableEscape(t *testing.T) {
	mt, guest, base, _ := escapeSetup(t)
	_, hostEtcErr := os.Lstat("/etc/newfile")
	before := hostListing(t, base)

	for _, p := range []string{"/host/abs/passwd", "/host/esc/passwd", "/host/a/etc/passwd", "/host/dotdot/etc/passwd", "/rootlink/etc/passwd", "/host/../etc/passwd", "/host/../../etc/passwd"} {
		if got, errno := readAll(mt, p); errno != vfs.ESUCCESS || got != "guest" {
			t.Errorf("read %s = %q, %v; want the guest's \"guest\"", p, got, errno)
		}
	}
	for _, p := range []string{"/host/dotdot/marker", "/host/a/marker", "/host/esc/../marker", "/host/dotdot/passwd"} {
		if got, errno := readAll(mt, p); errno != vfs.ENOENT {
			t.Errorf("read %s = %q, %v; want ENOENT (the guest root has no such file)", p, got, errno)
		}
	}

	rootSt, errno := mt.Stat("/")
	if errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	for _, p := range []string{"/host/dotdot", "/host/a", "/host/b", "/rootlink", "/host/.."} {
		st, errno := mt.Stat(p)
		if errno != vfs.ESUCCESS || !st.Mode.IsDir() || st.Ino != rootSt.Ino || st.Dev != rootSt.Dev {
			t.Errorf("stat %s = %+v, %v; want the guest root %+v", p, st, errno, rootSt)
		}
	}
	wantRoot := []string{"etc", "host", "rootlink"}
	for _, p := range []string{"/host/..", "/host/dotdot", "/rootlink", "/host/a/", "/host/esc/.."} {
		if got := listDir(t, mt, p); !slices.Equal(got, wantRoot) {
			t.Errorf("readdir %s = %v, want the guest root %v", p, got, wantRoot)
		}
	}

	putFile(t, mt, "/host/esc/newfile", "new")
	if got, errno := readAll(guest, "/etc/newfile"); errno != vfs.ESUCCESS || got != "new" {
		t.Errorf("guest /etc/newfile = %q, %v; want the file created through /host/esc", got, errno)
	}
	if errno := mt.Mkdir("/host/abs/newdir", 0o755); errno != vfs.ESUCCESS {
		t.Errorf("mkdir /host/abs/newdir: %v", errno)
	} else if st, errno := guest.Lstat("/etc/newdir"); errno != vfs.ESUCCESS || !st.Mode.IsDir() {
		t.Errorf("guest /etc/newdir: %v", errno)
	}
	if after := hostListing(t, base); !slices.Equal(before, after) {
		t.Errorf("host directory's parent changed: %v -> %v", before, after)
	}
	if _, err := os.Lstat("/etc/newfile"); hostEtcErr != nil && err == nil {
		t.Errorf("the host's /etc/newfile was created")
	}
	if _, err := os.Lstat(filepath.Join(base, "etc", "newfile")); err == nil {
		t.Errorf("base/etc/newfile was created")
	}
}

// TestMountTableEscapeRace swaps a directory of the host directory with links to
// "/" and ".." while paths under it are opened through the mount table: every
// read gives the directory's own marker or the guest's, never a file outside the
// host directory.
func TestMountTableEscapeRace(t *testing.T) {
	mt, _, _, hostRoot := escapeSetup(t)
	sw := filepath.Join(hostRoot, "sw")
	if err := os.Mkdir(sw, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sw, "marker"), []byte("inside"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			target := "/"
			if i%2 == 1 {
				target = ".."
			}
			os.Rename(sw, sw+".dir")
			os.Symlink(target, sw)
			os.Remove(sw)
			os.Rename(sw+".dir", sw)
		}
	}()
	deadline := time.Now().Add(300 * time.Millisecond)
	seen := map[string]int{}
	for time.Now().Before(deadline) {
		for _, p := range []string{"/host/sw/marker", "/host/sw/passwd", "/host/sw/etc/passwd", "/host/sw/../marker"} {
			got, errno := readAll(mt, p)
			if errno == vfs.ESUCCESS {
				seen[got]++
				if got != "inside" && got != "guest" {
					t.Errorf("read %s = %q: outside the host directory", p, got)
				}
			}
		}
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("contents read: %v", seen)
}
