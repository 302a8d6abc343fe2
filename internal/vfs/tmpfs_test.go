package vfs

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
)

// tmpClock is a deterministic clock for a tmpfs under test: it reads t until a test
// moves it.
type tmpClock struct{ t int64 }

func (c *tmpClock) now() int64 { return c.t }

// newTmpTest returns a tmpfs with a fake clock at 1e18 ns.
func newTmpTest(t testing.TB, l *Limiter) (*tmpfs, *tmpClock) {
	t.Helper()
	clk := &tmpClock{t: 1e18}
	fsys := NewTmpFS(l).(*tmpfs)
	fsys.now = clk.now
	fsys.root.atim, fsys.root.mtim, fsys.root.ctim = clk.t, clk.t, clk.t
	return fsys, clk
}

func tmpOK(t testing.TB, errno Errno, what string) {
	t.Helper()
	if errno != ESUCCESS {
		t.Fatalf("%s: %v", what, errno)
	}
}

func tmpWant(t testing.TB, got, want Errno, what string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// tmpWrite creates or replaces path with data.
func tmpWrite(t testing.TB, fsys FS, path, data string) {
	t.Helper()
	f, errno := fsys.OpenFile(path, OFlagWrite|OFlagCreate|OFlagTruncate, 0o644)
	tmpOK(t, errno, "open "+path)
	if n, errno := f.Write([]byte(data)); errno != ESUCCESS || n != len(data) {
		t.Fatalf("write %s: %d %v", path, n, errno)
	}
	tmpOK(t, f.Close(), "close "+path)
}

// tmpRead returns the contents of path.
func tmpRead(t testing.TB, fsys FS, path string) string {
	t.Helper()
	f, errno := fsys.OpenFile(path, OFlagRead, 0)
	tmpOK(t, errno, "open "+path)
	defer f.Close()
	var out []byte
	buf := make([]byte, 3) // small, to exercise the offset
	for {
		n, errno := f.Read(buf)
		tmpOK(t, errno, "read "+path)
		if n == 0 {
			return string(out)
		}
		out = append(out, buf[:n]...)
	}
}

// tmpList lists dir batch entries at a time.
func tmpList(t testing.TB, fsys FS, dir string, batch int) []string {
	t.Helper()
	f, errno := fsys.OpenFile(dir, OFlagRead|OFlagDirectory, 0)
	tmpOK(t, errno, "open "+dir)
	defer f.Close()
	var names []string
	buf := make([]Dirent, batch)
	var cookie uint64
	for {
		n, errno := f.Readdir(cookie, buf)
		tmpOK(t, errno, "readdir "+dir)
		for _, d := range buf[:n] {
			names = append(names, d.Name)
			cookie = d.Next
		}
		if n < len(buf) {
			return names
		}
	}
}

func tmpStat(t testing.TB, fsys FS, path string) Stat {
	t.Helper()
	st, errno := fsys.Lstat(path)
	tmpOK(t, errno, "lstat "+path)
	return st
}

func TestTmpfsPaths(t *testing.T) {
	fsys, _ := newTmpTest(t, nil)
	tmpWrite(t, fsys, "/f", "x")
	tmpOK(t, fsys.Mkdir("/d", 0o755), "mkdir")
	long := "/" + strings.Repeat("n", 256)
	for _, tt := range []struct {
		path string
		want Errno
	}{
		{"/", ESUCCESS},
		{"/d", ESUCCESS},
		{"", EINVAL},
		{"d", EINVAL},
		{"/d/", EINVAL},
		{"//d", EINVAL},
		{"/./d", EINVAL},
		{"/d/..", EINVAL},
		{long, ENAMETOOLONG},
		{"/" + strings.Repeat("n", 255), ENOENT},
		{"/f/x", ENOTDIR},
		{"/missing", ENOENT},
		{"/missing/x", ENOENT},
	} {
		_, errno := fsys.Lstat(tt.path)
		tmpWant(t, errno, tt.want, fmt.Sprintf("Lstat(%q)", tt.path))
		if tt.want != ESUCCESS && tt.want != ENOENT {
			_, errno = fsys.OpenFile(tt.path, OFlagRead|OFlagCreate, 0o644)
			tmpWant(t, errno, tt.want, fmt.Sprintf("OpenFile(%q, create)", tt.path))
			tmpWant(t, fsys.Mkdir(tt.path, 0o755), tt.want, fmt.Sprintf("Mkdir(%q)", tt.path))
		}
	}
}

func TestTmpfsOpenFlags(t *testing.T) {
	setup := func(t *testing.T) *tmpfs {
		fsys, _ := newTmpTest(t, nil)
		tmpWrite(t, fsys, "/f", "hello")
		tmpOK(t, fsys.Mkdir("/d", 0o755), "mkdir")
		tmpOK(t, fsys.Symlink("/f", "/l"), "symlink")
		tmpOK(t, MkDevice(fsys, "/null", DevNull), "mkdev")
		return fsys
	}
	for _, tt := range []struct {
		path string
		flag OFlag
		want Errno
		// after, when set, is the content of /f after the open.
		after string
	}{
		{"/f", OFlagRead, ESUCCESS, "hello"},
		{"/f", 0, ESUCCESS, "hello"},
		{"/f", OFlagWrite, ESUCCESS, "hello"},
		{"/f", OFlagRead | OFlagWrite | OFlagTruncate, ESUCCESS, ""},
		{"/f", OFlagWrite | OFlagCreate, ESUCCESS, "hello"},
		{"/f", OFlagWrite | OFlagCreate | OFlagExclusive, EEXIST, "hello"},
		{"/f", OFlagRead | OFlagDirectory, ENOTDIR, "hello"},
		{"/f", OFlagPath | OFlagDirectory, ENOTDIR, "hello"},
		{"/f", OFlagPath | OFlagTruncate | OFlagWrite, ESUCCESS, "hello"},
		{"/new", OFlagWrite | OFlagCreate, ESUCCESS, "hello"},
		{"/new", OFlagWrite | OFlagCreate | OFlagExclusive, ESUCCESS, "hello"},
		{"/new", OFlagRead | OFlagCreate | OFlagDirectory, EINVAL, "hello"},
		{"/new", OFlagRead, ENOENT, "hello"},
		{"/new", OFlagPath | OFlagCreate, ENOENT, "hello"},
		{"/d/new", OFlagWrite | OFlagCreate, ESUCCESS, "hello"},
		{"/f/new", OFlagWrite | OFlagCreate, ENOTDIR, "hello"},
		{"/d", OFlagRead, ESUCCESS, "hello"},
		{"/d", OFlagRead | OFlagDirectory, ESUCCESS, "hello"},
		{"/d", OFlagWrite, EISDIR, "hello"},
		{"/d", OFlagRead | OFlagWrite, EISDIR, "hello"},
		{"/d", OFlagRead | OFlagCreate, EISDIR, "hello"},
		{"/d", OFlagRead | OFlagTruncate, EISDIR, "hello"},
		{"/d", OFlagRead | OFlagCreate | OFlagExclusive, EEXIST, "hello"},
		{"/", OFlagRead | OFlagDirectory, ESUCCESS, "hello"},
		{"/l", OFlagRead, ELOOP, "hello"},
		{"/l", OFlagRead | OFlagNoFollow, ELOOP, "hello"},
		{"/l", OFlagWrite | OFlagCreate | OFlagNoFollow, ELOOP, "hello"},
		{"/l", OFlagWrite | OFlagCreate | OFlagExclusive, EEXIST, "hello"},
		{"/l", OFlagRead | OFlagDirectory | OFlagNoFollow, ENOTDIR, "hello"},
		{"/l", OFlagPath, ESUCCESS, "hello"},
		{"/l", OFlagPath | OFlagNoFollow, ESUCCESS, "hello"},
		{"/null", OFlagWrite | OFlagTruncate, ESUCCESS, "hello"},
	} {
		t.Run(fmt.Sprintf("%s_%#x", tt.path, tt.flag), func(t *testing.T) {
			fsys := setup(t)
			f, errno := fsys.OpenFile(tt.path, tt.flag, 0o640)
			tmpWant(t, errno, tt.want, "OpenFile")
			if errno == ESUCCESS {
				tmpOK(t, f.Close(), "close")
				if tt.flag&OFlagCreate != 0 && tt.path != "/f" {
					if st := tmpStat(t, fsys, tt.path); st.Mode != 0o640 || st.Size != 0 || st.Nlink != 1 {
						t.Errorf("created %s: %+v", tt.path, st)
					}
				}
			} else if f != nil {
				t.Errorf("OpenFile returned a file with %v", errno)
			}
			if got := tmpRead(t, fsys, "/f"); got != tt.after {
				t.Errorf("/f = %q, want %q", got, tt.after)
			}
		})
	}
}

func TestTmpfsHandleAccess(t *testing.T) {
	fsys, _ := newTmpTest(t, nil)
	tmpWrite(t, fsys, "/f", "hello")
	tmpOK(t, fsys.Mkdir("/d", 0o755), "mkdir")
	buf := make([]byte, 4)
	dents := make([]Dirent, 4)
	type op struct {
		name string
		do   func(File) Errno
	}
	ops := []op{
		{"Stat", func(f File) Errno { _, e := f.Stat(); return e }},
		{"Read", func(f File) Errno { _, e := f.Read(buf); return e }},
		{"Pread", func(f File) Errno { _, e := f.Pread(buf, 0); return e }},
		{"Write", func(f File) Errno { _, e := f.Write([]byte("x")); return e }},
		{"Pwrite", func(f File) Errno { _, e := f.Pwrite([]byte("x"), 0); return e }},
		{"Lseek", func(f File) Errno { _, e := f.Lseek(0, io.SeekStart); return e }},
		{"Readdir", func(f File) Errno { _, e := f.Readdir(0, dents); return e }},
		{"Truncate", func(f File) Errno { return f.Truncate(5) }},
		{"Sync", func(f File) Errno { return f.Sync() }},
		{"Datasync", func(f File) Errno { return f.Datasync() }},
		{"Utimens", func(f File) Errno { return f.Utimens(UTimeOmit, UTimeOmit) }},
		{"Chmod", func(f File) Errno { return f.Chmod(0o644) }},
		{"SetAppend", func(f File) Errno { return f.SetAppend(false) }},
	}
	// want lists the errno of each op, in the order of ops.
	for _, tt := range []struct {
		name, path string
		flag       OFlag
		closed     bool
		want       []Errno
	}{
		{"read-only file", "/f", OFlagRead, false,
			[]Errno{0, 0, 0, EBADF, EBADF, 0, ENOTDIR, EBADF, 0, 0, 0, 0, 0}},
		{"write-only file", "/f", OFlagWrite, false,
			[]Errno{0, EBADF, EBADF, 0, 0, 0, EBADF, 0, 0, 0, 0, 0, 0}},
		{"read-write file", "/f", OFlagRead | OFlagWrite, false,
			[]Errno{0, 0, 0, 0, 0, 0, ENOTDIR, 0, 0, 0, 0, 0, 0}},
		{"path-only file", "/f", OFlagPath, false,
			[]Errno{0, EBADF, EBADF, EBADF, EBADF, EBADF, EBADF, EBADF, EBADF, EBADF, EBADF, EBADF, EBADF}},
		{"directory", "/d", OFlagRead, false,
			[]Errno{0, EISDIR, EISDIR, EBADF, EBADF, EISDIR, 0, EBADF, 0, 0, 0, 0, 0}},
		{"closed file", "/f", OFlagRead | OFlagWrite, true,
			[]Errno{EBADF, EBADF, EBADF, EBADF, EBADF, EBADF, EBADF, EBADF, EBADF, EBADF, EBADF, EBADF, EBADF}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for i, o := range ops {
				f, errno := fsys.OpenFile(tt.path, tt.flag, 0)
				tmpOK(t, errno, "open")
				if tt.closed {
					tmpOK(t, f.Close(), "close")
				}
				tmpWant(t, o.do(f), tt.want[i], o.name)
				if tt.closed {
					tmpWant(t, f.Close(), EBADF, "second Close")
				} else {
					tmpOK(t, f.Close(), "close")
				}
			}
		})
	}
	if got := tmpRead(t, fsys, "/f"); got != "xello" {
		t.Errorf("/f = %q", got)
	}
}

func TestTmpfsReadWrite(t *testing.T) {
	fsys, _ := newTmpTest(t, nil)
	f, errno := fsys.OpenFile("/f", OFlagRead|OFlagWrite|OFlagCreate, 0o644)
	tmpOK(t, errno, "open")
	defer f.Close()
	type step struct {
		op   string // write, pwrite, read, pread, seek, trunc
		data string
		off  int64
		// n is the count returned, or the offset for seek; got is what a read read.
		n    int64
		want Errno
	}
	for i, s := range []step{
		{op: "write", data: "hello", n: 5},
		{op: "pread", off: 0, n: 5, data: "hello"},
		{op: "read", n: 0}, // at the end
		{op: "seek", off: 1, n: 1},
		{op: "read", n: 4, data: "ello"},
		{op: "pwrite", data: "J", off: 0, n: 1},
		{op: "pread", off: 0, n: 5, data: "Jello"},
		{op: "pread", off: 5, n: 0},
		{op: "pread", off: 100, n: 0},
		{op: "pread", off: -1, want: EINVAL},
		{op: "pwrite", data: "x", off: -1, want: EINVAL},
		{op: "pwrite", data: "", off: 100, n: 0}, // does not extend
		{op: "pread", off: 0, n: 5, data: "Jello"},
		// Sparse: writes past the end fill the gap with zeros.
		{op: "pwrite", data: "end", off: 8, n: 3},
		{op: "pread", off: 0, n: 11, data: "Jello\x00\x00\x00end"},
		{op: "seek", off: 2, n: 13}, // SeekEnd below
		{op: "write", data: "!", n: 1},
		{op: "pread", off: 0, n: 14, data: "Jello\x00\x00\x00end\x00\x00!"},
		// Shrink, then grow again: the grown part reads zeros, not the old bytes.
		{op: "trunc", off: 2},
		{op: "trunc", off: 6},
		{op: "pread", off: 0, n: 6, data: "Je\x00\x00\x00\x00"},
		{op: "pwrite", data: "z", off: 9, n: 1},
		{op: "pread", off: 0, n: 10, data: "Je\x00\x00\x00\x00\x00\x00\x00z"},
		{op: "trunc", off: -1, want: EINVAL},
		{op: "trunc", off: tmpMaxSize + 1, want: EFBIG},
		{op: "pwrite", data: "x", off: tmpMaxSize, want: EFBIG},
		{op: "pwrite", data: "x", off: 1<<63 - 1, want: EFBIG},
	} {
		var n int64
		var errno Errno
		var got []byte
		switch s.op {
		case "write":
			var k int
			k, errno = f.Write([]byte(s.data))
			n = int64(k)
		case "pwrite":
			var k int
			k, errno = f.Pwrite([]byte(s.data), s.off)
			n = int64(k)
		case "read":
			got = make([]byte, 64)
			var k int
			k, errno = f.Read(got)
			n, got = int64(k), got[:k]
		case "pread":
			got = make([]byte, 64)
			var k int
			k, errno = f.Pread(got, s.off)
			n, got = int64(k), got[:k]
		case "seek":
			whence := io.SeekStart
			if s.n == 13 {
				whence = io.SeekEnd
			}
			n, errno = f.Lseek(s.off, whence)
		case "trunc":
			errno = f.Truncate(s.off)
		}
		if errno != s.want || n != s.n || (got != nil && string(got) != s.data) {
			t.Fatalf("step %d %s(%q, %d) = %d %q %v, want %d %q %v", i, s.op, s.data, s.off, n, got, errno, s.n, s.data, s.want)
		}
	}
}

// TestTmpfsShrink: a large file shrunk to a small size frees its chunks, gives the
// buffer of the one it cuts back, and keeps its bytes.
func TestTmpfsShrink(t *testing.T) {
	l := NewLimiter(0)
	fsys, _ := newTmpTest(t, l)
	tmpWrite(t, fsys, "/f", strings.Repeat("ab", 3*tmpChunkSize/2))
	f, _ := fsys.OpenFile("/f", OFlagRead|OFlagWrite, 0)
	defer f.Close()
	n := fsys.root.dir.lookup("f")
	if len(n.data.chunks) != 3 || l.Used() != 3*tmpChunkSize {
		t.Fatalf("before shrinking: %d chunks, used %d", len(n.data.chunks), l.Used())
	}
	tmpOK(t, f.Truncate(10), "truncate")
	buf := make([]byte, 20)
	k, _ := f.Pread(buf, 0)
	if c := n.data.chunks; len(c) != 1 || cap(c[0]) > 4<<10 || string(buf[:k]) != "ababababab" || l.Used() != 10 {
		t.Errorf("after shrinking: %d chunks, cap %d, data %q, used %d", len(c), cap(c[0]), buf[:k], l.Used())
	}
	// The first chunk stores zeros to its end; the rest are holes.
	tmpOK(t, f.Truncate(3*tmpChunkSize), "truncate")
	if l.Used() != tmpChunkSize || len(n.data.chunks) != 1 {
		t.Errorf("after growing by truncation: %d chunks, used %d, want 1 %d", len(n.data.chunks), l.Used(), tmpChunkSize)
	}
	tmpOK(t, f.Truncate(0), "truncate")
	if n.data.chunks != nil || l.Used() != 0 {
		t.Errorf("after truncating to 0: %d chunks, used %d", len(n.data.chunks), l.Used())
	}
}

func TestTmpfsLseek(t *testing.T) {
	fsys, _ := newTmpTest(t, nil)
	tmpWrite(t, fsys, "/f", "0123456789")
	f, errno := fsys.OpenFile("/f", OFlagRead, 0)
	tmpOK(t, errno, "open")
	defer f.Close()
	for _, tt := range []struct {
		off    int64
		whence int
		want   int64
		errno  Errno
	}{
		{3, io.SeekStart, 3, 0},
		{2, io.SeekCurrent, 5, 0},
		{-1, io.SeekEnd, 9, 0},
		{5, io.SeekEnd, 15, 0}, // past the end is allowed
		{-16, io.SeekCurrent, 0, EINVAL},
		{-1, io.SeekStart, 0, EINVAL},
		{1<<63 - 1, io.SeekEnd, 0, EINVAL},
		{0, 7, 0, EINVAL},
	} {
		got, errno := f.Lseek(tt.off, tt.whence)
		if errno != tt.errno || (errno == 0 && got != tt.want) {
			t.Errorf("Lseek(%d, %d) = %d %v, want %d %v", tt.off, tt.whence, got, errno, tt.want, tt.errno)
		}
	}
}

// TestTmpfsAppend: Write in append mode writes at the end whatever the offset;
// Pwrite writes at the offset it is given.
func TestTmpfsAppend(t *testing.T) {
	fsys, _ := newTmpTest(t, nil)
	tmpWrite(t, fsys, "/f", "abc")
	f, errno := fsys.OpenFile("/f", OFlagRead|OFlagWrite|OFlagAppend, 0)
	tmpOK(t, errno, "open")
	defer f.Close()
	if _, errno := f.Lseek(0, io.SeekStart); errno != 0 {
		t.Fatal(errno)
	}
	f.Write([]byte("de"))
	if off, _ := f.Lseek(0, io.SeekCurrent); off != 5 {
		t.Errorf("offset after an append = %d, want 5", off)
	}
	f.Pwrite([]byte("X"), 1)
	f.Write([]byte("f"))
	if got := tmpRead(t, fsys, "/f"); got != "aXcdef" {
		t.Errorf("after appends: %q, want aXcdef", got)
	}
	tmpOK(t, f.SetAppend(false), "SetAppend")
	f.Lseek(0, io.SeekStart)
	f.Write([]byte("Y"))
	tmpOK(t, f.SetAppend(true), "SetAppend")
	f.Write([]byte("g"))
	if got := tmpRead(t, fsys, "/f"); got != "YXcdefg" {
		t.Errorf("after SetAppend: %q, want YXcdefg", got)
	}
}

func TestTmpfsSymlink(t *testing.T) {
	fsys, _ := newTmpTest(t, nil)
	tmpWrite(t, fsys, "/f", "x")
	tmpOK(t, fsys.Symlink("../some/where", "/l"), "symlink")
	st := tmpStat(t, fsys, "/l")
	if st.Mode != fs.ModeSymlink|0o777 || st.Size != int64(len("../some/where")) || st.Nlink != 1 {
		t.Errorf("Lstat(/l) = %+v", st)
	}
	if target, errno := fsys.Readlink("/l"); errno != 0 || target != "../some/where" {
		t.Errorf("Readlink = %q %v", target, errno)
	}
	for _, tt := range []struct {
		what string
		got  Errno
		want Errno
	}{
		{"Symlink onto a file", fsys.Symlink("x", "/f"), EEXIST},
		{"Symlink onto a symlink", fsys.Symlink("x", "/l"), EEXIST},
		{"Symlink with an empty target", fsys.Symlink("", "/e"), ENOENT},
		{"Symlink in a missing dir", fsys.Symlink("x", "/no/l"), ENOENT},
		{"Symlink under a file", fsys.Symlink("x", "/f/l"), ENOTDIR},
		{"Symlink through a symlink", fsys.Symlink("x", "/l/l"), ENOTDIR},
		{"Readlink of a file", tmpErr(fsys.Readlink("/f")), EINVAL},
		{"Readlink of a dir", tmpErr(fsys.Readlink("/")), EINVAL},
		{"Readlink of nothing", tmpErr(fsys.Readlink("/none")), ENOENT},
		{"Chmod of a symlink", fsys.Chmod("/l", 0o600), ENOTSUP},
		{"Mkdir onto a symlink", fsys.Mkdir("/l", 0o755), EEXIST},
		{"Unlink of a symlink", fsys.Unlink("/l"), ESUCCESS},
	} {
		tmpWant(t, tt.got, tt.want, tt.what)
	}
	if got := tmpRead(t, fsys, "/f"); got != "x" {
		t.Errorf("the link's target changed: %q", got)
	}
}

func tmpErr[T any](_ T, errno Errno) Errno { return errno }

func TestTmpfsHardLink(t *testing.T) {
	fsys, _ := newTmpTest(t, nil)
	tmpWrite(t, fsys, "/f", "one")
	tmpOK(t, fsys.Mkdir("/d", 0o755), "mkdir")
	tmpOK(t, fsys.Symlink("/f", "/l"), "symlink")
	tmpOK(t, fsys.Link("/f", "/d/g"), "link")
	a, b := tmpStat(t, fsys, "/f"), tmpStat(t, fsys, "/d/g")
	if a != b || a.Nlink != 2 {
		t.Errorf("linked stats differ or Nlink != 2: %+v %+v", a, b)
	}
	tmpWrite(t, fsys, "/d/g", "two")
	if got := tmpRead(t, fsys, "/f"); got != "two" {
		t.Errorf("write through a link: /f = %q", got)
	}
	tmpOK(t, fsys.Link("/l", "/l2"), "link of a symlink")
	if st := tmpStat(t, fsys, "/l2"); st.Mode.Type() != fs.ModeSymlink || st.Nlink != 2 {
		t.Errorf("link of a symlink: %+v", st)
	}
	for _, tt := range []struct {
		old, new string
		want     Errno
	}{
		{"/d", "/d2", EPERM},
		{"/", "/r", EPERM},
		{"/f", "/d/g", EEXIST},
		{"/f", "/d", EEXIST},
		{"/none", "/x", ENOENT},
		{"/f", "/none/x", ENOENT},
		{"/f", "/f/x", ENOTDIR},
	} {
		tmpWant(t, fsys.Link(tt.old, tt.new), tt.want, fmt.Sprintf("Link(%s, %s)", tt.old, tt.new))
	}
	tmpOK(t, fsys.Unlink("/f"), "unlink")
	if st := tmpStat(t, fsys, "/d/g"); st.Nlink != 1 || st.Size != 3 {
		t.Errorf("after unlinking one name: %+v", st)
	}
	if got := tmpRead(t, fsys, "/d/g"); got != "two" {
		t.Errorf("/d/g = %q", got)
	}
}

func TestTmpfsRename(t *testing.T) {
	type check struct {
		path string
		// data is the file's content, "dir" for a directory, "" for absent.
		data string
	}
	setup := func(t *testing.T) (*tmpfs, *Limiter) {
		l := NewLimiter(0)
		fsys, _ := newTmpTest(t, l)
		tmpWrite(t, fsys, "/a", "A")
		tmpWrite(t, fsys, "/b", "BB")
		tmpOK(t, fsys.Mkdir("/d", 0o755), "mkdir")
		tmpOK(t, fsys.Mkdir("/d/sub", 0o755), "mkdir")
		tmpWrite(t, fsys, "/d/sub/x", "X")
		tmpOK(t, fsys.Mkdir("/e", 0o755), "mkdir")
		tmpOK(t, fsys.Mkdir("/full", 0o755), "mkdir")
		tmpWrite(t, fsys, "/full/y", "Y")
		tmpOK(t, fsys.Link("/a", "/a2"), "link")
		tmpOK(t, fsys.Symlink("/a", "/l"), "symlink")
		return fsys, l
	}
	for _, tt := range []struct {
		name, from, to string
		want           Errno
		checks         []check
	}{
		{"file to a new name", "/a", "/n", 0, []check{{"/a", ""}, {"/n", "A"}, {"/a2", "A"}}},
		{"file into a dir", "/a", "/e/a", 0, []check{{"/a", ""}, {"/e/a", "A"}}},
		{"file replaces a file", "/a", "/b", 0, []check{{"/a", ""}, {"/b", "A"}}},
		{"symlink replaces a file", "/l", "/b", 0, []check{{"/l", ""}}},
		{"dir replaces an empty dir", "/d", "/e", 0, []check{{"/d", ""}, {"/e/sub/x", "X"}}},
		{"dir to a new name", "/d", "/e/d", 0, []check{{"/d", ""}, {"/e/d/sub/x", "X"}}},
		{"dir onto a non-empty dir", "/e", "/full", ENOTEMPTY, []check{{"/e", "dir"}, {"/full/y", "Y"}}},
		{"dir onto its parent", "/d/sub", "/d", ENOTEMPTY, []check{{"/d/sub/x", "X"}}},
		{"dir onto a file", "/e", "/a", ENOTDIR, []check{{"/e", "dir"}, {"/a", "A"}}},
		{"file onto a dir", "/a", "/e", EISDIR, []check{{"/e", "dir"}, {"/a", "A"}}},
		{"dir into itself", "/d", "/d/sub/d", EINVAL, []check{{"/d/sub/x", "X"}}},
		{"dir onto its child", "/d", "/d/sub", EINVAL, []check{{"/d/sub/x", "X"}}},
		{"prefix that is not a parent", "/d", "/dd", 0, []check{{"/dd/sub/x", "X"}}},
		{"onto itself", "/a", "/a", 0, []check{{"/a", "A"}}},
		{"dir onto itself", "/d", "/d", 0, []check{{"/d/sub/x", "X"}}},
		{"two links of one file", "/a", "/a2", 0, []check{{"/a", "A"}, {"/a2", "A"}}},
		{"missing source", "/none", "/n", ENOENT, nil},
		{"missing target dir", "/a", "/none/n", ENOENT, []check{{"/a", "A"}}},
		{"target under a file", "/a", "/b/n", ENOTDIR, []check{{"/a", "A"}}},
		{"root", "/", "/n", EBUSY, nil},
		{"onto the root", "/e", "/", EBUSY, nil},
		{"not absolute", "a", "/n", EINVAL, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys, l := setup(t)
			tmpWant(t, fsys.Rename(tt.from, tt.to), tt.want, "Rename")
			for _, c := range tt.checks {
				st, errno := fsys.Lstat(c.path)
				switch {
				case c.data == "":
					tmpWant(t, errno, ENOENT, "Lstat "+c.path)
				case c.data == "dir":
					if errno != 0 || !st.Mode.IsDir() {
						t.Errorf("%s: %+v %v, want a directory", c.path, st, errno)
					}
				default:
					if got := tmpRead(t, fsys, c.path); got != c.data {
						t.Errorf("%s = %q, want %q", c.path, got, c.data)
					}
				}
			}
			tmpCheckTree(t, fsys, l)
		})
	}
}

// TestTmpfsRenameCounts checks link counts and the limiter across renames.
func TestTmpfsRenameCounts(t *testing.T) {
	l := NewLimiter(0)
	fsys, clk := newTmpTest(t, l)
	tmpOK(t, fsys.Mkdir("/p", 0o755), "mkdir")
	tmpOK(t, fsys.Mkdir("/q", 0o755), "mkdir")
	tmpOK(t, fsys.Mkdir("/p/c", 0o755), "mkdir")
	tmpOK(t, fsys.Mkdir("/q/e", 0o755), "mkdir")
	tmpWrite(t, fsys, "/x", "12345")
	tmpWrite(t, fsys, "/y", "123")
	clk.t += 10
	tmpOK(t, fsys.Rename("/p/c", "/q/e"), "rename dir over an empty dir")
	if p, q := tmpStat(t, fsys, "/p"), tmpStat(t, fsys, "/q"); p.Nlink != 2 || q.Nlink != 3 {
		t.Errorf("Nlink after moving a dir: /p %d (want 2), /q %d (want 3)", p.Nlink, q.Nlink)
	}
	if p, c := tmpStat(t, fsys, "/p"), tmpStat(t, fsys, "/q/e"); p.Mtim != clk.t || p.Ctim != clk.t || c.Ctim != clk.t || c.Mtim == clk.t {
		t.Errorf("times after a rename: parent %+v, moved %+v", p, c)
	}
	if root := tmpStat(t, fsys, "/"); root.Nlink != 4 {
		t.Errorf("root Nlink = %d, want 4", root.Nlink)
	}
	tmpOK(t, fsys.Rename("/y", "/x"), "rename file over a file")
	if got := l.Used(); got != 3 {
		t.Errorf("Used after replacing a 5-byte file = %d, want 3", got)
	}
}

// tmpCheckTree walks the whole tree and checks its invariants: a directory's Nlink
// is 2 + its subdirectories and its Size its number of entries, a file's Nlink is
// the number of names it has, and the limiter counts the bytes the distinct regular
// files store (when nothing is open): their sizes less their holes.
func tmpCheckTree(t *testing.T, fsys *tmpfs, l *Limiter) {
	t.Helper()
	names := map[uint64]uint64{}
	stats := map[uint64]Stat{}
	stored := map[uint64]int64{}
	var walk func(dir string)
	walk = func(dir string) {
		st := tmpStat(t, fsys, dir)
		subdirs, entries := uint64(0), 0
		for _, name := range tmpList(t, fsys, dir, 7) {
			entries++
			p := strings.TrimSuffix(dir, "/") + "/" + name
			cst := tmpStat(t, fsys, p)
			if cst.Mode.IsDir() {
				subdirs++
				walk(p)
				continue
			}
			names[cst.Ino]++
			stats[cst.Ino] = cst
			if _, _, n, _ := fsys.walk(p); cst.Mode.Type() == 0 {
				stored[cst.Ino] = n.data.stored()
			}
		}
		if st.Nlink != 2+subdirs || st.Size != int64(entries) {
			t.Errorf("%s: Nlink %d Size %d, want %d %d", dir, st.Nlink, st.Size, 2+subdirs, entries)
		}
	}
	walk("/")
	var sum int64
	for ino, st := range stats {
		if st.Nlink != names[ino] {
			t.Errorf("Ino %d: Nlink %d, but %d names", ino, st.Nlink, names[ino])
		}
		if st.Mode.Type() == 0 {
			sum += stored[ino]
		}
	}
	if l != nil && l.Used() != sum {
		t.Errorf("limiter counts %d, files store %d", l.Used(), sum)
	}
}

func TestTmpfsUnlinkRmdirMkdir(t *testing.T) {
	fsys, clk := newTmpTest(t, nil)
	tmpWrite(t, fsys, "/f", "x")
	tmpOK(t, fsys.Mkdir("/d", 0o700), "mkdir")
	tmpOK(t, fsys.Mkdir("/d/e", 0o755), "mkdir")
	tmpOK(t, fsys.Mkdir("/empty", 0o755), "mkdir")
	tmpOK(t, fsys.Symlink("/d", "/l"), "symlink")
	if st := tmpStat(t, fsys, "/d"); st.Mode != fs.ModeDir|0o700 || st.Nlink != 3 || st.Size != 1 {
		t.Errorf("Lstat(/d) = %+v", st)
	}
	clk.t += 5
	for _, tt := range []struct {
		what string
		got  Errno
		want Errno
	}{
		{"Mkdir of an existing dir", fsys.Mkdir("/d", 0o755), EEXIST},
		{"Mkdir of an existing file", fsys.Mkdir("/f", 0o755), EEXIST},
		{"Mkdir of the root", fsys.Mkdir("/", 0o755), EEXIST},
		{"Mkdir in a missing dir", fsys.Mkdir("/no/d", 0o755), ENOENT},
		{"Unlink of a dir", fsys.Unlink("/d"), EISDIR},
		{"Unlink of the root", fsys.Unlink("/"), EISDIR},
		{"Unlink of nothing", fsys.Unlink("/none"), ENOENT},
		{"Unlink under a file", fsys.Unlink("/f/x"), ENOTDIR},
		{"Rmdir of a file", fsys.Rmdir("/f"), ENOTDIR},
		{"Rmdir of a symlink", fsys.Rmdir("/l"), ENOTDIR},
		{"Rmdir of a non-empty dir", fsys.Rmdir("/d"), ENOTEMPTY},
		{"Rmdir of the root", fsys.Rmdir("/"), EBUSY},
		{"Rmdir of nothing", fsys.Rmdir("/none"), ENOENT},
		{"Rmdir of an empty dir", fsys.Rmdir("/d/e"), ESUCCESS},
		{"Rmdir of the emptied dir", fsys.Rmdir("/d"), ESUCCESS},
		{"Unlink of a file", fsys.Unlink("/f"), ESUCCESS},
		{"Unlink of a symlink", fsys.Unlink("/l"), ESUCCESS},
	} {
		tmpWant(t, tt.got, tt.want, tt.what)
	}
	if got := tmpList(t, fsys, "/", 10); !slices.Equal(got, []string{"empty"}) {
		t.Errorf("left: %q", got)
	}
	if st := tmpStat(t, fsys, "/"); st.Nlink != 3 || st.Mtim != clk.t || st.Ctim != clk.t {
		t.Errorf("root after removals: %+v", st)
	}
}

func TestTmpfsRemovedDirHandle(t *testing.T) {
	fsys, _ := newTmpTest(t, nil)
	tmpOK(t, fsys.Mkdir("/d", 0o755), "mkdir")
	f, errno := fsys.OpenFile("/d", OFlagRead|OFlagDirectory, 0)
	tmpOK(t, errno, "open")
	tmpOK(t, fsys.Rmdir("/d"), "rmdir")
	if n, errno := f.Readdir(0, make([]Dirent, 4)); n != 0 || errno != 0 {
		t.Errorf("Readdir of a removed dir = %d %v", n, errno)
	}
	if st, _ := f.Stat(); st.Nlink != 0 {
		t.Errorf("Nlink of a removed dir = %d", st.Nlink)
	}
	tmpOK(t, f.Close(), "close")
}

func TestTmpfsChmod(t *testing.T) {
	fsys, clk := newTmpTest(t, nil)
	tmpWrite(t, fsys, "/f", "x")
	tmpOK(t, fsys.Mkdir("/d", 0o755), "mkdir")
	for _, tt := range []struct {
		path string
		perm fs.FileMode
		want fs.FileMode
	}{
		{"/f", 0o600, 0o600},
		{"/f", 0o4755 | fs.ModeSetuid, fs.ModeSetuid | 0o755},
		{"/f", fs.ModeDir | 0o644, 0o644}, // type bits are not changed
		{"/d", fs.ModeSticky | 0o777, fs.ModeDir | fs.ModeSticky | 0o777},
		{"/d", 0, fs.ModeDir},
		{"/", 0o700, fs.ModeDir | 0o700},
	} {
		clk.t++
		tmpOK(t, fsys.Chmod(tt.path, tt.perm), "chmod")
		if st := tmpStat(t, fsys, tt.path); st.Mode != tt.want || st.Ctim != clk.t {
			t.Errorf("Chmod(%s, %v): mode %v ctim %d, want %v %d", tt.path, tt.perm, st.Mode, st.Ctim, tt.want, clk.t)
		}
	}
	tmpWant(t, fsys.Chmod("/none", 0o644), ENOENT, "Chmod of nothing")
	f, errno := fsys.OpenFile("/f", OFlagRead, 0)
	tmpOK(t, errno, "open")
	tmpOK(t, f.Chmod(0o640), "fchmod")
	if st, _ := f.Stat(); st.Mode != 0o640 {
		t.Errorf("after fchmod: %v", st.Mode)
	}
	f.Close()
}

func TestTmpfsTimes(t *testing.T) {
	fsys, clk := newTmpTest(t, nil)
	t0 := clk.t
	tmpWrite(t, fsys, "/f", "x")
	type times struct{ a, m, c int64 }
	get := func(path string) times {
		st := tmpStat(t, fsys, path)
		return times{st.Atim, st.Mtim, st.Ctim}
	}
	if got := get("/f"); got != (times{t0, t0, t0}) {
		t.Errorf("create: %+v", got)
	}
	steps := []struct {
		what string
		do   func()
		path string
		// want is in offsets from t0.
		want times
	}{
		{"read changes nothing (noatime)", func() { tmpRead(t, fsys, "/f") }, "/f", times{0, 0, 0}},
		{"write", func() {
			f, _ := fsys.OpenFile("/f", OFlagWrite, 0)
			f.Write([]byte("y"))
			f.Close()
		}, "/f", times{0, 2, 2}},
		{"truncate by open", func() {
			f, _ := fsys.OpenFile("/f", OFlagWrite|OFlagTruncate, 0)
			f.Close()
		}, "/f", times{0, 3, 3}},
		{"utimens", func() { fsys.Utimens("/f", 111, 222) }, "/f", times{111 - t0, 222 - t0, 4}},
		{"utimens omit atim", func() { fsys.Utimens("/f", UTimeOmit, 333) }, "/f", times{111 - t0, 333 - t0, 5}},
		{"utimens now", func() { fsys.Utimens("/f", UTimeNow, UTimeOmit) }, "/f", times{6, 333 - t0, 6}},
		{"utimens omit both", func() { fsys.Utimens("/f", UTimeOmit, UTimeOmit) }, "/f", times{6, 333 - t0, 6}},
		{"utimens before the epoch", func() { fsys.Utimens("/f", -5, -7) }, "/f", times{-5 - t0, -7 - t0, 8}},
		{"link changes ctim", func() { fsys.Link("/f", "/g") }, "/f", times{-5 - t0, -7 - t0, 9}},
		{"link changes the dir", nil, "/", times{0, 9, 9}},
		{"mkdir", func() { fsys.Mkdir("/d", 0o755) }, "/d", times{11, 11, 11}},
		{"create in a dir", func() { tmpWrite(t, fsys, "/d/x", "") }, "/d", times{11, 12, 12}},
		{"unlink in a dir", func() { fsys.Unlink("/d/x") }, "/d", times{11, 13, 13}},
		{"fd utimens", func() {
			f, _ := fsys.OpenFile("/d", OFlagRead, 0)
			f.Utimens(UTimeNow, UTimeNow)
			f.Close()
		}, "/d", times{14, 14, 14}},
		{"ftruncate", func() {
			f, _ := fsys.OpenFile("/g", OFlagWrite, 0)
			f.Truncate(10)
			f.Close()
		}, "/f", times{-5 - t0, 15, 15}},
		{"symlink utimens is its own", func() {
			fsys.Symlink("/f", "/l")
			fsys.Utimens("/l", 1, 2)
		}, "/l", times{1 - t0, 2 - t0, 16}},
	}
	for i, s := range steps {
		clk.t = t0 + int64(i+1)
		if s.do != nil {
			s.do()
		} else {
			clk.t--
		}
		want := times{s.want.a + t0, s.want.m + t0, s.want.c + t0}
		if got := get(s.path); got != want {
			t.Errorf("%s: %s times %+v, want %+v", s.what, s.path, got, want)
		}
	}
}

func TestTmpfsInodes(t *testing.T) {
	fsys, _ := newTmpTest(t, nil)
	if st := tmpStat(t, fsys, "/"); st.Ino != 1 || st.Mode != fs.ModeDir|0o755 || st.Nlink != 2 || st.Dev != 0 {
		t.Errorf("root: %+v", st)
	}
	tmpWrite(t, fsys, "/f", "")
	tmpOK(t, fsys.Mkdir("/d", 0o755), "mkdir")
	tmpOK(t, fsys.Symlink("x", "/l"), "symlink")
	tmpOK(t, MkDevice(fsys, "/n", DevNull), "mkdev")
	tmpOK(t, fsys.Link("/f", "/d/f"), "link")
	tmpOK(t, fsys.Unlink("/f"), "unlink")
	tmpWrite(t, fsys, "/f", "") // a new file: a new inode
	seen := map[uint64]string{1: "/"}
	f, errno := fsys.OpenFile("/", OFlagRead, 0)
	tmpOK(t, errno, "open")
	defer f.Close()
	buf := make([]Dirent, 10)
	n, _ := f.Readdir(0, buf)
	for _, d := range buf[:n] {
		st := tmpStat(t, fsys, "/"+d.Name)
		if d.Ino != st.Ino || d.Type != st.Mode.Type() {
			t.Errorf("%s: dirent %+v, Lstat %+v", d.Name, d, st)
		}
		if other, dup := seen[d.Ino]; dup {
			t.Errorf("%s and %s share Ino %d", other, d.Name, d.Ino)
		}
		seen[d.Ino] = d.Name
	}
	if len(seen) != 5 {
		t.Errorf("saw %d inodes, want 5: %v", len(seen), seen)
	}
	if a, b := tmpStat(t, fsys, "/d/f"), tmpStat(t, fsys, "/f"); a.Ino == b.Ino {
		t.Errorf("a new file reused Ino %d", a.Ino)
	}
}

// TestTmpfsReaddirCookies lists a directory half-way, changes it (removing entries
// listed and not yet listed, adding entries, enough removals to compact), and
// continues from the cookie: every entry that existed throughout is listed exactly
// once, no entry is listed twice, and a removed entry not yet listed is not listed.
func TestTmpfsReaddirCookies(t *testing.T) {
	for _, batch := range []int{1, 7, 64} {
		t.Run(fmt.Sprint("batch", batch), func(t *testing.T) {
			fsys, _ := newTmpTest(t, nil)
			const n = 200
			for i := range n {
				tmpWrite(t, fsys, fmt.Sprintf("/f%03d", i), "")
			}
			f, errno := fsys.OpenFile("/", OFlagRead|OFlagDirectory, 0)
			tmpOK(t, errno, "open")
			defer f.Close()
			buf := make([]Dirent, batch)
			var cookie uint64
			seen := map[string]int{}
			read := func(limit int) (done bool) {
				for len(seen) < limit {
					k, errno := f.Readdir(cookie, buf)
					tmpOK(t, errno, "readdir")
					for _, d := range buf[:k] {
						if d.Next <= cookie || d.Next&(1<<63) != 0 {
							t.Fatalf("cookie %d after %d", d.Next, cookie)
						}
						seen[d.Name]++
						cookie = d.Next
					}
					if k < len(buf) {
						return true
					}
				}
				return false
			}
			read(n / 2)
			before := maps.Clone(seen)
			removed := map[string]bool{}
			// Remove two entries in three, listed or not (enough to compact), and
			// add new ones.
			for i := range n {
				if i%3 == 1 {
					continue
				}
				name := fmt.Sprintf("f%03d", i)
				tmpOK(t, fsys.Unlink("/"+name), "unlink")
				removed[name] = true
			}
			for i := range 20 {
				tmpWrite(t, fsys, fmt.Sprintf("/new%02d", i), "")
			}
			// Rename one entry that is not yet listed: it may show under its new name.
			tmpOK(t, fsys.Rename("/f199", "/moved"), "rename")
			removed["f199"] = true
			if d := fsys.root.dir; len(d.ents) >= n+20 {
				t.Errorf("no compaction: %d entries, %d tombstones", len(d.ents), d.dead)
			}
			for !read(1 << 30) {
			}
			for name, c := range seen {
				if c != 1 {
					t.Errorf("%s listed %d times", name, c)
				}
			}
			for i := range n {
				name := fmt.Sprintf("f%03d", i)
				switch {
				case !removed[name] && seen[name] != 1:
					t.Errorf("%s existed throughout but was listed %d times", name, seen[name])
				case removed[name] && before[name] == 0 && seen[name] != 0:
					t.Errorf("%s was removed before the listing reached it, but was listed", name)
				}
			}
			// Entries added meanwhile get cookies after every existing one, so the
			// listing in progress reaches them.
			for i := range 20 {
				if name := fmt.Sprintf("new%02d", i); seen[name] != 1 {
					t.Errorf("%s was listed %d times", name, seen[name])
				}
			}
			if seen["moved"] != 1 {
				t.Errorf("moved was listed %d times", seen["moved"])
			}
			if k, errno := f.Readdir(cookie, buf); k != 0 || errno != 0 {
				t.Errorf("Readdir past the end = %d %v", k, errno)
			}
			if k, errno := f.Readdir(1<<62, buf); k != 0 || errno != 0 {
				t.Errorf("Readdir of a far cookie = %d %v", k, errno)
			}
			// A fresh listing shows exactly the live entries, in insertion order.
			got := tmpList(t, fsys, "/", batch)
			var want []string
			for i := range n {
				if name := fmt.Sprintf("f%03d", i); !removed[name] {
					want = append(want, name)
				}
			}
			for i := range 20 {
				want = append(want, fmt.Sprintf("new%02d", i))
			}
			want = append(want, "moved")
			if !slices.Equal(got, want) {
				t.Errorf("fresh listing:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestTmpfsReaddirRemovedNotListed: an entry removed before the listing reaches it
// is not listed.
func TestTmpfsReaddirRemovedNotListed(t *testing.T) {
	fsys, _ := newTmpTest(t, nil)
	for i := range 10 {
		tmpWrite(t, fsys, fmt.Sprintf("/f%d", i), "")
	}
	f, _ := fsys.OpenFile("/", OFlagRead, 0)
	defer f.Close()
	buf := make([]Dirent, 3)
	k, _ := f.Readdir(0, buf)
	cookie := buf[k-1].Next
	tmpOK(t, fsys.Unlink("/f5"), "unlink")
	tmpOK(t, fsys.Unlink("/f1"), "unlink") // already listed
	var rest []string
	for {
		k, _ := f.Readdir(cookie, buf)
		for _, d := range buf[:k] {
			rest = append(rest, d.Name)
			cookie = d.Next
		}
		if k < len(buf) {
			break
		}
	}
	if want := []string{"f3", "f4", "f6", "f7", "f8", "f9"}; !slices.Equal(rest, want) {
		t.Errorf("rest = %q, want %q", rest, want)
	}
}

// TestTmpfsUnlinkedOpen: a file unlinked while open stays readable and writable
// through its handle, and its bytes are released when the last handle closes.
func TestTmpfsUnlinkedOpen(t *testing.T) {
	for _, remove := range []string{"unlink", "rename over"} {
		t.Run(remove, func(t *testing.T) {
			l := NewLimiter(100)
			fsys, _ := newTmpTest(t, l)
			tmpWrite(t, fsys, "/f", "0123456789")
			tmpWrite(t, fsys, "/other", "ab")
			f1, _ := fsys.OpenFile("/f", OFlagRead|OFlagWrite, 0)
			f2, _ := fsys.OpenFile("/f", OFlagPath, 0)
			if remove == "unlink" {
				tmpOK(t, fsys.Unlink("/f"), "unlink")
			} else {
				tmpOK(t, fsys.Rename("/other", "/f"), "rename")
			}
			if got := l.Used(); got != 12 {
				t.Errorf("Used while open = %d, want 12", got)
			}
			buf := make([]byte, 20)
			if n, errno := f1.Pread(buf, 0); errno != 0 || string(buf[:n]) != "0123456789" {
				t.Errorf("read of an unlinked file: %q %v", buf[:n], errno)
			}
			if n, errno := f1.Pwrite([]byte("xyz"), 10); n != 3 || errno != 0 {
				t.Errorf("write to an unlinked file: %d %v", n, errno)
			}
			if st, _ := f1.Stat(); st.Nlink != 0 || st.Size != 13 {
				t.Errorf("Stat of an unlinked file: %+v", st)
			}
			tmpOK(t, f1.Close(), "close")
			if got := l.Used(); got != 15 {
				t.Errorf("Used with one handle left = %d, want 15", got)
			}
			tmpOK(t, f2.Close(), "close")
			if got := l.Used(); got != 2 {
				t.Errorf("Used after the last close = %d, want 2", got)
			}
		})
	}
}

// TestTmpfsLimiterShared: two tmpfs share one limiter; a write stores what fits,
// the next gives ENOSPC; deleting everything brings the count back to 0.
func TestTmpfsLimiterShared(t *testing.T) {
	l := NewLimiter(1000)
	a, _ := newTmpTest(t, l)
	b, _ := newTmpTest(t, l)
	tmpWrite(t, a, "/a", strings.Repeat("a", 600))
	fb, errno := b.OpenFile("/b", OFlagWrite|OFlagCreate, 0o644)
	tmpOK(t, errno, "open")
	if n, errno := fb.Write(make([]byte, 600)); n != 400 || errno != 0 {
		t.Errorf("write past the limit = %d %v, want 400 ESUCCESS", n, errno)
	}
	if n, errno := fb.Write(make([]byte, 1)); n != 0 || errno != ENOSPC {
		t.Errorf("write at the limit = %d %v, want 0 ENOSPC", n, errno)
	}
	if n, errno := fb.Pwrite([]byte("x"), 0); n != 1 || errno != 0 {
		t.Errorf("overwrite at the limit = %d %v", n, errno)
	}
	tmpWant(t, fb.Truncate(401), ENOSPC, "Truncate past the limit")
	if st, _ := fb.Stat(); st.Size != 400 {
		t.Errorf("size after a refused Truncate = %d", st.Size)
	}
	tmpOK(t, fb.Truncate(100), "shrink")
	if got := l.Used(); got != 700 {
		t.Errorf("Used = %d, want 700", got)
	}
	tmpOK(t, fb.Truncate(400), "grow")
	fa, _ := a.OpenFile("/a", OFlagWrite|OFlagTruncate, 0)
	if got := l.Used(); got != 400 {
		t.Errorf("Used after OFlagTruncate = %d, want 400", got)
	}
	fa.Close()
	fb.Close()
	tmpOK(t, a.Unlink("/a"), "unlink")
	tmpOK(t, b.Unlink("/b"), "unlink")
	if got := l.Used(); got != 0 {
		t.Errorf("Used after deleting everything = %d, want 0", got)
	}
}

// TestTmpfsWriteWhatFits: a write that grows a file stores what fits; a sparse write
// whose gap does not fit stores nothing.
func TestTmpfsWriteWhatFits(t *testing.T) {
	for _, tt := range []struct {
		name    string
		size    int // the file's size before
		off     int64
		n       int
		written int
		want    Errno
		used    int64
	}{
		{"fits", 0, 0, 10, 10, 0, 10},
		{"partly", 0, 0, 15, 10, 0, 10},
		{"overwrite and grow", 5, 3, 15, 7, 0, 10},
		{"sparse, part of the data fits", 2, 8, 5, 2, 0, 10},
		{"sparse, only the gap fits", 2, 10, 5, 0, ENOSPC, 2},
		{"sparse, the gap does not fit", 2, 12, 5, 0, ENOSPC, 2},
		{"full", 10, 10, 1, 0, ENOSPC, 10},
		{"full, overwrite", 10, 9, 1, 1, 0, 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLimiter(10)
			fsys, _ := newTmpTest(t, l)
			tmpWrite(t, fsys, "/f", strings.Repeat("o", tt.size))
			f, _ := fsys.OpenFile("/f", OFlagWrite, 0)
			defer f.Close()
			n, errno := f.Pwrite(bytes.Repeat([]byte("x"), tt.n), tt.off)
			if n != tt.written || errno != tt.want || l.Used() != tt.used {
				t.Errorf("Pwrite = %d %v (used %d), want %d %v (used %d)", n, errno, l.Used(), tt.written, tt.want, tt.used)
			}
			if st, _ := f.Stat(); st.Size != tt.used {
				t.Errorf("size %d, want %d", st.Size, tt.used)
			}
		})
	}
}

func TestTmpfsDevices(t *testing.T) {
	fsys, _ := newTmpTest(t, NewLimiter(10))
	tmpOK(t, fsys.Mkdir("/dev", 0o755), "mkdir")
	for _, d := range []struct {
		name string
		dev  Device
	}{{"null", DevNull}, {"zero", DevZero}, {"urandom", DevURandom}} {
		tmpOK(t, MkDevice(fsys, "/dev/"+d.name, d.dev), "mkdev")
		st := tmpStat(t, fsys, "/dev/"+d.name)
		if st.Mode != fs.ModeDevice|fs.ModeCharDevice|0o666 || st.Size != 0 {
			t.Errorf("Lstat(/dev/%s) = %+v", d.name, st)
		}
	}
	tmpWant(t, MkDevice(fsys, "/dev/null", DevNull), EEXIST, "MkDevice onto a device")
	tmpWant(t, MkDevice(fsys, "/dev/x", nil), EINVAL, "MkDevice of nil")
	tmpWant(t, MkDevice(fsys, "/none/x", DevNull), ENOENT, "MkDevice in a missing dir")
	tmpWant(t, MkDevice(struct{ UnimplementedFS }{}, "/x", DevNull), ENOSYS, "MkDevice on another FS")
	tmpWant(t, MkDevice(struct{ FS }{fsys}, "/x", DevNull), ENOSYS, "MkDevice through a wrapper")

	big := make([]byte, 64) // more than the limiter allows: devices do not count
	for _, tt := range []struct {
		path    string
		read    int
		nonzero bool
	}{{"/dev/null", 0, false}, {"/dev/zero", 64, false}, {"/dev/urandom", 64, true}} {
		f, errno := fsys.OpenFile(tt.path, OFlagRead|OFlagWrite|OFlagTruncate, 0)
		tmpOK(t, errno, "open "+tt.path)
		for i := range big {
			big[i] = 0xff
		}
		n, errno := f.Read(big)
		if n != tt.read || errno != 0 {
			t.Errorf("%s: Read = %d %v", tt.path, n, errno)
		}
		if !tt.nonzero && tt.read > 0 && !bytes.Equal(big, make([]byte, 64)) {
			t.Errorf("%s read non-zeros", tt.path)
		}
		if tt.nonzero && bytes.Equal(big, make([]byte, 64)) {
			t.Errorf("%s read zeros", tt.path)
		}
		if n, errno := f.Write(big); n != 64 || errno != 0 {
			t.Errorf("%s: Write = %d %v", tt.path, n, errno)
		}
		if n, errno := f.Pwrite(big, 0); n != 64 || errno != 0 {
			t.Errorf("%s: Pwrite = %d %v", tt.path, n, errno)
		}
		if _, errno := f.Pwrite(big, -1); errno != EINVAL {
			t.Errorf("%s: Pwrite at -1 = %v", tt.path, errno)
		}
		tmpWant(t, f.Truncate(0), EINVAL, tt.path+" Truncate")
		tmpOK(t, f.Close(), "close")
		ro, _ := fsys.OpenFile(tt.path, OFlagRead, 0)
		if _, errno := ro.Write(big); errno != EBADF {
			t.Errorf("%s: Write on a read-only handle = %v", tt.path, errno)
		}
		ro.Close()
		wo, _ := fsys.OpenFile(tt.path, OFlagWrite, 0)
		if _, errno := wo.Read(big); errno != EBADF {
			t.Errorf("%s: Read on a write-only handle = %v", tt.path, errno)
		}
		wo.Close()
	}
	list := tmpList(t, fsys, "/dev", 10)
	if !slices.Equal(list, []string{"null", "zero", "urandom"}) {
		t.Errorf("/dev = %q", list)
	}
	d, _ := fsys.OpenFile("/dev", OFlagRead, 0)
	buf := make([]Dirent, 3)
	d.Readdir(0, buf)
	d.Close()
	if buf[0].Type != fs.ModeDevice|fs.ModeCharDevice {
		t.Errorf("dirent type %v", buf[0].Type)
	}
	tmpOK(t, fsys.Link("/dev/null", "/null2"), "link a device")
	tmpOK(t, fsys.Unlink("/null2"), "unlink a device")
}

// TestTmpfsHammer runs concurrent creates, writes, reads, listings, renames and
// unlinks in per-goroutine and shared directories (run it with -race), then checks
// the tree and that deleting everything brings the limiter to 0.
func TestTmpfsHammer(t *testing.T) {
	l := NewLimiter(1 << 20)
	fsys := NewTmpFS(l).(*tmpfs)
	tmpOK(t, fsys.Mkdir("/shared", 0o755), "mkdir")
	const workers, rounds = 8, 300
	errs := make(chan string, workers*rounds)
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			own := fmt.Sprintf("/g%d", g)
			if errno := fsys.Mkdir(own, 0o755); errno != 0 {
				errs <- "mkdir " + errno.String()
				return
			}
			buf := make([]byte, 128)
			dents := make([]Dirent, 8)
			for i := range rounds {
				dir := own
				if i%2 == 1 {
					dir = "/shared"
				}
				p := fmt.Sprintf("%s/f%d", dir, i%10)
				f, errno := fsys.OpenFile(p, OFlagRead|OFlagWrite|OFlagCreate, 0o644)
				if errno != 0 {
					errs <- fmt.Sprint("open ", p, " ", errno)
					continue
				}
				f.Pwrite(buf[:i%128], int64(i%7))
				f.Write(buf[:17])
				f.Pread(buf, 0)
				f.Stat()
				switch i % 5 {
				case 0:
					fsys.Unlink(p)
				case 1:
					fsys.Rename(p, fmt.Sprintf("%s/r%d", dir, i%3))
				case 2:
					f.Truncate(int64(i % 50))
				case 3:
					fsys.Link(p, fmt.Sprintf("%s/h%d", dir, g))
				}
				fsys.Lstat(p)
				if d, errno := fsys.OpenFile(dir, OFlagRead, 0); errno == 0 {
					var cookie uint64
					for {
						n, _ := d.Readdir(cookie, dents)
						if n == 0 {
							break
						}
						cookie = dents[n-1].Next
					}
					d.Close()
				}
				if errno := f.Close(); errno != 0 {
					errs <- "close " + errno.String()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	tmpCheckTree(t, fsys, l)
	tmpRemoveAll(t, fsys, "/")
	if got := l.Used(); got != 0 {
		t.Errorf("Used after deleting everything = %d, want 0", got)
	}
}

// tmpRemoveAll removes everything below dir.
func tmpRemoveAll(t *testing.T, fsys FS, dir string) {
	t.Helper()
	for _, name := range tmpList(t, fsys, dir, 16) {
		p := strings.TrimSuffix(dir, "/") + "/" + name
		if st := tmpStat(t, fsys, p); st.Mode.IsDir() {
			tmpRemoveAll(t, fsys, p)
			tmpOK(t, fsys.Rmdir(p), "rmdir "+p)
		} else {
			tmpOK(t, fsys.Unlink(p), "unlink "+p)
		}
	}
}

// TestTmpfsAllocs holds the hot paths to their allocation budgets.
func TestTmpfsAllocs(t *testing.T) {
	fsys, _ := newTmpTest(t, NewLimiter(1<<20))
	tmpOK(t, fsys.Mkdir("/a", 0o755), "mkdir")
	tmpOK(t, fsys.Mkdir("/a/b", 0o755), "mkdir")
	for i := range 100 {
		tmpWrite(t, fsys, fmt.Sprintf("/a/b/f%d", i), strings.Repeat("x", 4096))
	}
	f, errno := fsys.OpenFile("/a/b/f7", OFlagRead|OFlagWrite, 0)
	tmpOK(t, errno, "open")
	defer f.Close()
	d, errno := fsys.OpenFile("/a/b", OFlagRead, 0)
	tmpOK(t, errno, "open")
	defer d.Close()
	buf := make([]byte, 1024)
	dents := make([]Dirent, 32)
	// /big has two chunks of data and a hole between them.
	big, errno := fsys.OpenFile("/big", OFlagRead|OFlagWrite|OFlagCreate, 0o644)
	tmpOK(t, errno, "create")
	defer big.Close()
	big.Pwrite(make([]byte, 1000), tmpChunkSize-500)
	big.Pwrite([]byte("x"), 3*tmpChunkSize)
	for _, tt := range []struct {
		name   string
		budget float64
		fn     func()
	}{
		{"Lstat", 0, func() { fsys.Lstat("/a/b/f42") }},
		{"Pread", 0, func() { f.Pread(buf, 100) }},
		{"Read", 0, func() { f.Lseek(0, io.SeekStart); f.Read(buf) }},
		{"Pwrite within the size", 0, func() { f.Pwrite(buf, 2000) }},
		{"Write within the size", 0, func() { f.Lseek(0, io.SeekStart); f.Write(buf) }},
		{"Pwrite across chunks", 0, func() { big.Pwrite(buf, tmpChunkSize-100) }},
		{"Pread across chunks", 0, func() { big.Pread(buf, tmpChunkSize-100) }},
		{"Pread of a hole", 0, func() { big.Pread(buf, 2*tmpChunkSize-100) }},
		{"Readdir", 0, func() {
			var cookie uint64
			for {
				n, _ := d.Readdir(cookie, dents)
				if n < len(dents) {
					break
				}
				cookie = dents[n-1].Next
			}
		}},
		{"Stat", 0, func() { f.Stat() }},
		{"OpenFile+Close", 1, func() {
			g, _ := fsys.OpenFile("/a/b/f42", OFlagRead, 0)
			g.Close()
		}},
	} {
		if got := testing.AllocsPerRun(100, tt.fn); got > tt.budget {
			t.Errorf("%s: %v allocs per run, budget %v", tt.name, got, tt.budget)
		}
	}
}
