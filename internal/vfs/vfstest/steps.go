package vfstest

import (
	"fmt"
	"io"

	"github.com/wasirun/wasirun/internal/vfs"
)

// Short names for the open flags of the steps.
const (
	rd     = vfs.OFlagRead
	wr     = vfs.OFlagWrite
	rw     = vfs.OFlagRead | vfs.OFlagWrite
	creat  = vfs.OFlagCreate
	excl   = vfs.OFlagExclusive
	trunc  = vfs.OFlagTruncate
	appnd  = vfs.OFlagAppend
	direct = vfs.OFlagDirectory
)

// Times used by the steps, in nanoseconds since the epoch (all after 2001, with
// nanoseconds that a filesystem rounding to microseconds would lose).
const (
	t1 int64 = 1_234_567_890_123_456_789
	t2 int64 = 1_500_000_000_987_654_321
	t3 int64 = 1_600_000_000_000_000_001
	t4 int64 = 1_700_000_000_000_000_500
)

// Steps returns the POSIX behaviour table of TestWritable. The answers are Linux's;
// where POSIX allows two, the step's Alike lists both. Where another host would
// answer differently it is said here: unlink of a directory is EPERM on Darwin
// (POSIX allows either; the vfs contract says EISDIR).
func Steps() []Step {
	return []Step{
		{Name: "create-write-read", Do: func(r *R) {
			r.Create("/f", "hello")
			r.Lstat("/f")
			r.ReadFile("/f")
			r.WriteFile("/f", wr, 0, "HE") // no truncation: overwrites the start
			r.ReadFile("/f")
			h := r.OpenH("/g", rw|creat, 0o644)
			h.Write("abc")
			h.Read(10) // at the end: nothing
			h.Pread(10, 0)
			h.Lseek(1, io.SeekStart)
			h.Read(10)
			h.Stat()
			h.Close()
			h.Write("x") // closed: EBADF
			h.Close()
			r.ReadFile("/g")
		}},
		{Name: "open-missing", Do: func(r *R) {
			r.Open("/missing", rd)
			r.Open("/missing", wr)
			r.Open("/nodir/f", wr|creat)
			r.Lstat("/missing")
			r.ReadFile("/missing")
		}},
		{Name: "create-exclusive", Do: func(r *R) {
			r.Create("/f", "x")
			r.Open("/f", wr|creat|excl)
			r.ReadFile("/f")
			r.Open("/new", wr|creat|excl)
			r.Lstat("/new")
			r.Mkdir("/d", 0o755)
			r.Open("/d", rd|creat|excl)
			r.Symlink("f", "/l")
			r.Open("/l", wr|creat|excl) // O_EXCL does not follow a link either
		}},
		{Name: "open-truncate", Do: func(r *R) {
			r.Create("/f", "hello world")
			r.WriteFile("/f", wr|trunc, 0, "hi")
			r.ReadFile("/f")
			r.Lstat("/f")
			r.WriteFile("/f", wr|creat|trunc, 0o644, "")
			r.Lstat("/f")
		}},
		{Name: "open-append", Do: func(r *R) {
			r.Create("/f", "abc")
			r.WriteFile("/f", wr|appnd, 0, "def")
			r.ReadFile("/f")
			a := r.OpenH("/f", wr|appnd, 0)
			b := r.OpenH("/f", wr, 0)
			b.Pwrite("XY", 10) // grows the file behind a's back
			a.Write("Z")       // lands at the new end
			a.Close()
			b.Close()
			r.ReadFile("/f")
			c := r.OpenH("/f", rw|appnd, 0)
			c.Lseek(0, io.SeekStart)
			c.Write("!") // at the end, whatever the offset
			c.Lseek(0, io.SeekCurrent)
			c.Pread(1, 0)
			c.Close()
			r.ReadFile("/f")
		}},
		{Name: "sparse-write", Do: func(r *R) {
			r.Create("/f", "ab")
			h := r.OpenH("/f", rw, 0)
			h.Pwrite("x", 10)
			h.Stat()
			h.Pread(20, 0)
			h.Lseek(20, io.SeekStart)
			h.Write("y")
			h.Stat()
			h.Lseek(5, io.SeekEnd)
			h.Lseek(-1, io.SeekStart) // EINVAL
			h.Close()
			r.ReadFile("/f")
			r.Lstat("/f")
		}},
		{Name: "truncate", Do: func(r *R) {
			r.Create("/f", "hello")
			h := r.OpenH("/f", rw, 0)
			h.Truncate(10) // grows with zeros
			h.Stat()
			h.Pread(20, 0)
			h.Truncate(2)
			h.Stat()
			h.Pread(20, 0)
			h.Read(20) // the offset did not move
			h.Truncate(-1)
			h.Truncate(0)
			h.Close()
			r.ReadFile("/f")
			r.Lstat("/f")
		}},
		{Name: "access-mode", Do: func(r *R) {
			r.Create("/f", "data")
			w := r.OpenH("/f", wr, 0)
			w.Read(4)
			w.Pread(4, 0)
			w.Close()
			ro := r.OpenH("/f", rd, 0)
			ro.Write("x")
			ro.Pwrite("x", 0)
			ro.Read(4)
			ro.Close()
			r.ReadFile("/f")
		}},
		{Name: "mkdir-rmdir", Do: func(r *R) {
			r.Mkdir("/d", 0o755)
			r.Lstat("/d")
			r.Mkdir("/d", 0o755)
			r.Mkdir("/d/e", 0o755)
			r.Lstat("/d/e")
			r.Rmdir("/d/e")
			r.Rmdir("/d")
			r.Lstat("/d")
			r.Rmdir("/d")
			r.Mkdir("/missing/x", 0o755)
			r.Create("/f", "")
			r.Mkdir("/f", 0o755)
			r.Lstat("/")
		}},
		{Name: "rmdir-non-empty", Alike: []vfs.Errno{vfs.ENOTEMPTY, vfs.EEXIST}, Do: func(r *R) {
			r.Mkdir("/d", 0o755)
			r.Create("/d/f", "x")
			r.Rmdir("/d")
			r.Lstat("/d/f")
			r.Mkdir("/e", 0o755)
			r.Mkdir("/e/sub", 0o755)
			r.Rmdir("/e")
			r.Rmdir("/e/sub")
			r.Rmdir("/e")
			r.ReadDir("/")
		}},
		{Name: "unlink-dir", Do: func(r *R) {
			r.Mkdir("/d", 0o755)
			r.Unlink("/d") // EISDIR on Linux (POSIX: EPERM; the vfs contract: EISDIR)
			r.Lstat("/d")
		}},
		{Name: "rmdir-file", Do: func(r *R) {
			r.Create("/f", "x")
			r.Rmdir("/f")
			r.Lstat("/f")
			r.Mkdir("/d", 0o755)
			r.Symlink("d", "/l")
			r.Rmdir("/l") // a link to a directory is not one
			r.Lstat("/l")
			r.Lstat("/d")
		}},
		{Name: "unlink", Do: func(r *R) {
			r.Create("/f", "x")
			r.Unlink("/f")
			r.Lstat("/f")
			r.Unlink("/f")
			h := r.OpenH("/g", rw|creat, 0o644)
			h.Write("abc")
			r.Unlink("/g") // an open file lives on
			h.Pread(10, 0)
			h.Write("d")
			h.Stat()
			h.Close()
			r.Lstat("/g")
			r.ReadDir("/")
		}},
		{Name: "rename-file", Do: func(r *R) {
			r.Create("/a", "A")
			r.Rename("/a", "/b")
			r.Lstat("/a")
			r.ReadFile("/b")
			r.Rename("/missing", "/c")
			r.Rename("/b", "/nodir/c")
			r.Mkdir("/d", 0o755)
			r.Rename("/b", "/d/b")
			r.ReadFile("/d/b")
			r.ReadDir("/")
			r.ReadDir("/d")
		}},
		{Name: "rename-file-over-file", Do: func(r *R) {
			r.Create("/a", "A")
			r.Create("/b", "BB")
			h := r.OpenH("/b", rd, 0)
			r.Rename("/a", "/b")
			r.ReadFile("/b")
			r.Lstat("/a")
			h.Pread(10, 0) // the replaced file lives on while open
			h.Close()
			r.ReadDir("/")
		}},
		{Name: "rename-to-itself", Do: func(r *R) {
			r.Create("/a", "A")
			r.Rename("/a", "/a")
			r.ReadFile("/a")
			r.Mkdir("/d", 0o755)
			r.Rename("/d", "/d")
			r.Lstat("/d")
			r.Link("/a", "/h")
			r.Rename("/a", "/h") // two names of one file: nothing happens
			r.Lstat("/a")
			r.Lstat("/h")
		}},
		{Name: "rename-dir-over-empty-dir", Do: func(r *R) {
			r.Mkdir("/a", 0o755)
			r.Create("/a/f", "x")
			r.Mkdir("/b", 0o755)
			r.Rename("/a", "/b")
			r.Lstat("/a")
			r.ReadFile("/b/f")
			r.ReadDir("/b")
			r.ReadDir("/")
		}},
		{Name: "rename-dir-over-non-empty-dir", Alike: []vfs.Errno{vfs.ENOTEMPTY, vfs.EEXIST}, Do: func(r *R) {
			r.Mkdir("/a", 0o755)
			r.Mkdir("/b", 0o755)
			r.Create("/b/f", "x")
			r.Rename("/a", "/b")
			r.ReadDir("/b")
			r.Lstat("/a")
		}},
		{Name: "rename-file-over-dir", Do: func(r *R) {
			r.Create("/f", "x")
			r.Mkdir("/d", 0o755)
			r.Rename("/f", "/d")
			r.Lstat("/f")
			r.Lstat("/d")
		}},
		{Name: "rename-dir-over-file", Do: func(r *R) {
			r.Mkdir("/d", 0o755)
			r.Create("/f", "x")
			r.Rename("/d", "/f")
			r.Lstat("/f")
			r.Lstat("/d")
		}},
		{Name: "rename-into-own-subtree", Alike: []vfs.Errno{vfs.ENOTEMPTY, vfs.EEXIST}, Do: func(r *R) {
			r.Mkdir("/a", 0o755)
			r.Mkdir("/a/b", 0o755)
			r.Rename("/a", "/a/b/c") // EINVAL
			r.Rename("/a", "/a/b")   // EINVAL, though /a/b is an empty directory
			r.Rename("/a/b", "/a")   // onto its non-empty parent
			r.ReadDir("/a")
			r.ReadDir("/a/b")
		}},
		{Name: "symlink", Do: func(r *R) {
			r.Symlink("target", "/l") // dangling is fine
			r.Readlink("/l")
			r.Lstat("/l")
			r.Open("/l", rd) // ELOOP: a filesystem never follows a link (TestWritableResolving: ENOENT, it dangles)
			r.Open("/l", rd|vfs.OFlagNoFollow)
			r.Symlink("other", "/l")
			r.Create("/f", "x")
			r.Symlink("/abs/path", "/f")
			r.Readlink("/f")
			r.Readlink("/missing")
			r.Symlink("/abs/path", "/m")
			r.Readlink("/m")
			r.Rename("/m", "/n")
			r.Readlink("/n")
			r.ReadDir("/")
			r.Symlink("f", "/lf")
			r.Unlink("/lf") // removes the link, not the file
			r.ReadFile("/f")
			r.Symlink("x", "/missing/l")
		}},
		{Name: "hard-link", Do: func(r *R) {
			r.Create("/a", "one")
			r.Link("/a", "/b")
			r.Nlink("/a")
			r.Nlink("/b")
			r.SameFile("/a", "/b")
			r.WriteFile("/b", wr|appnd, 0, "+two")
			r.ReadFile("/a")
			r.Unlink("/a")
			r.Nlink("/b")
			r.ReadFile("/b")
			r.Link("/b", "/b")
			r.Link("/missing", "/c")
			r.Link("/b", "/nodir/c")
			r.Mkdir("/d", 0o755)
			r.Link("/d", "/e") // EPERM: no hard links to directories
			r.Symlink("b", "/s")
			r.Link("/s", "/t") // links the symlink itself
			r.Lstat("/t")
			r.Readlink("/t")
			r.ReadDir("/")
		}},
		{Name: "chmod", Do: func(r *R) {
			r.Create("/f", "x")
			r.Chmod("/f", 0o640)
			r.Perm("/f")
			r.Chmod("/f", 0o600)
			r.Perm("/f")
			r.Mkdir("/d", 0o755)
			r.Chmod("/d", 0o700)
			r.Perm("/d")
			r.Chmod("/missing", 0o600)
		}},
		{Name: "utimens", Do: func(r *R) {
			r.Create("/f", "x")
			r.Utimens("/f", t1, t2)
			r.Times("/f")
			r.Utimens("/f", vfs.UTimeOmit, t3)
			r.Times("/f")
			r.Utimens("/f", t4, vfs.UTimeOmit)
			r.Times("/f")
			r.Utimens("/f", vfs.UTimeOmit, vfs.UTimeOmit)
			r.Times("/f")
			r.Utimens("/f", vfs.UTimeNow, vfs.UTimeNow)
			r.MtimNow("/f")
			r.Mkdir("/d", 0o755)
			r.Utimens("/d", t2, t1)
			r.Times("/d")
			r.Utimens("/missing", t1, t1)
		}},
		{Name: "mtime-on-change", Do: func(r *R) {
			r.Create("/f", "x")
			r.Utimens("/f", t1, t1)
			r.WriteFile("/f", wr, 0, "y")
			r.MtimAfter("/f", t1)
			r.Utimens("/f", t1, t1)
			h := r.OpenH("/f", wr, 0)
			h.Truncate(5)
			h.Close()
			r.MtimAfter("/f", t1)
			r.Mkdir("/d", 0o755)
			r.Utimens("/d", t1, t1)
			r.Create("/d/x", "")
			r.MtimAfter("/d", t1)
			r.Utimens("/d", t1, t1)
			r.Unlink("/d/x")
			r.MtimAfter("/d", t1)
		}},
		{Name: "open-directory", Do: func(r *R) {
			r.Mkdir("/d", 0o755)
			r.Open("/d", wr)
			r.Open("/d", rw)
			r.Open("/d", wr|creat)
			r.Open("/d", rd|creat)
			r.Open("/d", rd)
			r.Open("/d", rd|direct)
			h := r.OpenH("/d", rd, 0)
			h.Read(10) // EISDIR
			h.Stat()
			h.Close()
		}},
		{Name: "open-file-as-directory", Do: func(r *R) {
			r.Create("/f", "x")
			r.Open("/f", rd|direct)
			r.ReadDir("/f")
			r.ReadFile("/f")
		}},
		{Name: "path-through-file", Do: func(r *R) {
			r.Create("/f", "x")
			r.Lstat("/f/x")
			r.Open("/f/x", rd)
			r.Open("/f/x", wr|creat)
			r.Mkdir("/f/x", 0o755)
			r.Unlink("/f/x")
			r.Rmdir("/f/x")
			r.Symlink("t", "/f/x")
			r.Link("/f", "/f/x")
			r.Rename("/f", "/f/x")
			r.Readlink("/f/x")
			r.Chmod("/f/x", 0o600)
		}},
		{Name: "readdir", Do: func(r *R) {
			r.Create("/a", "")
			r.Create("/b", "")
			r.Mkdir("/c", 0o755)
			r.Create("/c/x", "")
			r.Symlink("a", "/d")
			r.ReadDir("/")
			r.ReadDir("/c")
			r.Mkdir("/many", 0o755)
			for i := range 10 {
				r.Create(fmt.Sprintf("/many/f%d", i), "")
			}
			r.ReadDir("/many")
			r.Unlink("/a")
			r.Unlink("/c/x")
			r.Rmdir("/c")
			r.ReadDir("/")
			r.Mkdir("/empty", 0o755)
			r.ReadDir("/empty")
			r.ReadDir("/missing")
		}},
	}
}
