package vfs

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// openHostDir is NewHostDir for tests, closed at the end of the test.
func openHostDir(tb testing.TB, dir string, readOnly bool) *hostDir {
	tb.Helper()
	fsys, err := NewHostDir(dir, readOnly)
	if err != nil {
		tb.Fatal(err)
	}
	h := fsys.(*hostDir)
	tb.Cleanup(func() { h.Close() })
	return h
}

// openHostDirRoot is openHostDir with Linux's openat2 path turned off, as where
// openat2 is missing: every call goes through os.Root.
func openHostDirRoot(tb testing.TB, dir string, readOnly bool) *hostDir {
	tb.Helper()
	fsys, err := NewHostDirOSRoot(dir, readOnly)
	if err != nil {
		tb.Fatal(err)
	}
	h := fsys.(*hostDir)
	tb.Cleanup(func() { h.Close() })
	return h
}

// hostDirModes are the two ways a host directory is served: as NewHostDir
// chooses (openat2 on Linux where the kernel has it), and through os.Root alone.
// The tests of escapes run on both.
var hostDirModes = []struct {
	name string
	open func(tb testing.TB, dir string, readOnly bool) *hostDir
}{
	{"default", openHostDir},
	{"os.Root", openHostDirRoot},
}

// mustHost fails the test when a host call for the setup fails.
func mustHost(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// readDirAll lists a directory through Readdir with a buffer of n entries,
// following the cookies.
func readDirAll(tb testing.TB, f File, n int) []Dirent {
	tb.Helper()
	var out []Dirent
	buf := make([]Dirent, n)
	var cookie uint64
	for {
		got, errno := f.Readdir(cookie, buf)
		if errno != ESUCCESS {
			tb.Fatalf("Readdir(%d) = %v", cookie, errno)
		}
		out = append(out, buf[:got]...)
		if got < len(buf) {
			return out
		}
		cookie = buf[got-1].Next
	}
}

func direntNames(list []Dirent) []string {
	names := make([]string, len(list))
	for i, d := range list {
		names[i] = d.Name
	}
	return names
}

func TestNewHostDirErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	_, err := NewHostDir(missing, false)
	if err == nil {
		t.Fatal("NewHostDir of a missing directory succeeded")
	}
	if !errors.Is(err, fs.ErrNotExist) || strings.Contains(err.Error(), "\n") ||
		!strings.HasPrefix(err.Error(), "host directory "+missing+": ") {
		t.Errorf("error %q: want one line naming the directory, wrapping ENOENT", err)
	}
	if runtime.GOOS != "windows" {
		if want := "host directory " + missing + ": no such file or directory"; err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
	}
	file := filepath.Join(dir, "file")
	mustHost(t, os.WriteFile(file, nil, 0o644))
	if _, err := NewHostDir(file, false); err == nil || !strings.HasPrefix(err.Error(), "host directory "+file+": ") {
		t.Errorf("NewHostDir of a file: %v", err)
	}
}

// TestHostDirClose: after Close the filesystem answers EBADF; open files stay
// usable.
func TestHostDirClose(t *testing.T) {
	for _, mode := range hostDirModes {
		t.Run(mode.name, func(t *testing.T) {
			dir := t.TempDir()
			mustHost(t, os.WriteFile(filepath.Join(dir, "f"), []byte("data"), 0o644))
			mustHost(t, os.WriteFile(filepath.Join(dir, "g"), []byte("data"), 0o644))
			fsys := mode.open(t, dir, false)
			f, errno := fsys.OpenFile("/f", OFlagRead, 0)
			if errno != ESUCCESS {
				t.Fatal(errno)
			}
			defer f.Close()
			if err := fsys.Close(); err != nil {
				t.Fatal(err)
			}
			if _, errno := fsys.Lstat("/f"); errno != EBADF {
				t.Errorf("Lstat after Close = %v, want EBADF", errno)
			}
			if _, errno := fsys.OpenFile("/f", OFlagRead, 0); errno != EBADF {
				t.Errorf("OpenFile after Close = %v, want EBADF", errno)
			}
			if errno := fsys.Unlink("/g"); errno != EBADF {
				t.Errorf("Unlink after Close = %v, want EBADF", errno)
			}
			if n, errno := f.Pread(make([]byte, 8), 0); n != 4 || errno != ESUCCESS {
				t.Errorf("Pread of a file opened before Close = %d, %v", n, errno)
			}
		})
	}
}

func TestHostDirNames(t *testing.T) {
	tests := []struct {
		path  string
		name  string
		errno Errno
	}{
		{"/", ".", ESUCCESS},
		{"/a", "a", ESUCCESS},
		{"/a/b/c", filepath.FromSlash("a/b/c"), ESUCCESS},
		{"/...", "...", ESUCCESS},
		{"/a..b", "a..b", ESUCCESS},
		{"", "", EINVAL},
		{"a", "", EINVAL},
		{"a/b", "", EINVAL},
		{"//", "", EINVAL},
		{"//a", "", EINVAL},
		{"/a/", "", EINVAL},
		{"/a//b", "", EINVAL},
		{"/.", "", EINVAL},
		{"/..", "", EINVAL},
		{"/a/.", "", EINVAL},
		{"/a/..", "", EINVAL},
		{"/../x", "", EINVAL},
		{"/a/../../x", "", EINVAL},
		{"/./a", "", EINVAL},
	}
	if runtime.GOOS == "windows" {
		tests = append(tests, struct {
			path  string
			name  string
			errno Errno
		}{`/a\..\..\x`, "", EINVAL}, struct {
			path  string
			name  string
			errno Errno
		}{"/c:", "", EINVAL})
	}
	for _, tt := range tests {
		name, errno := hostName(tt.path)
		if name != tt.name || errno != tt.errno {
			t.Errorf("hostName(%q) = %q, %v; want %q, %v", tt.path, name, errno, tt.name, tt.errno)
		}
	}
	// Every method refuses an unclean path before it reaches the host.
	h := openHostDir(t, t.TempDir(), false)
	for _, p := range []string{"", "x", "/x/", "/..", "/x/../.."} {
		if _, errno := h.OpenFile(p, OFlagRead, 0); errno != EINVAL {
			t.Errorf("OpenFile(%q) = %v, want EINVAL", p, errno)
		}
		if _, errno := h.Lstat(p); errno != EINVAL {
			t.Errorf("Lstat(%q) = %v, want EINVAL", p, errno)
		}
		if errno := h.Mkdir(p, 0o755); errno != EINVAL {
			t.Errorf("Mkdir(%q) = %v, want EINVAL", p, errno)
		}
		if errno := h.Rename("/ok", p); errno != EINVAL {
			t.Errorf("Rename(/ok, %q) = %v, want EINVAL", p, errno)
		}
		if errno := h.Symlink("t", p); errno != EINVAL {
			t.Errorf("Symlink(t, %q) = %v, want EINVAL", p, errno)
		}
	}
}

// TestHostDirFiles is the behaviour table of files and directories (symlinks are in
// hostdir_unix_test.go), checked against the host directory where it shows.
func TestHostDirFiles(t *testing.T) {
	dir := t.TempDir()
	h := openHostDir(t, dir, false)
	rw := OFlagRead | OFlagWrite
	create := func(p string, data string) {
		t.Helper()
		f, errno := h.OpenFile(p, OFlagWrite|OFlagCreate|OFlagTruncate, 0o644)
		if errno != ESUCCESS {
			t.Fatalf("create %s: %v", p, errno)
		}
		if n, errno := f.Write([]byte(data)); n != len(data) || errno != ESUCCESS {
			t.Fatalf("write %s: %d, %v", p, n, errno)
		}
		if errno := f.Close(); errno != ESUCCESS {
			t.Fatalf("close %s: %v", p, errno)
		}
	}
	hostContent := func(p, want string) {
		t.Helper()
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil || string(got) != want {
			t.Errorf("host %s = %q, %v; want %q", p, got, err, want)
		}
	}
	expect := func(what string, got, want Errno) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}

	st, errno := h.Lstat("/")
	if errno != ESUCCESS || !st.Mode.IsDir() {
		t.Fatalf("Lstat(/) = %+v, %v", st, errno)
	}
	expect("Mkdir /d", h.Mkdir("/d", 0o755), ESUCCESS)
	expect("Mkdir /d again", h.Mkdir("/d", 0o755), EEXIST)
	expect("Mkdir /", h.Mkdir("/", 0o755), EEXIST)
	expect("Mkdir /missing/d", h.Mkdir("/missing/d", 0o755), ENOENT)
	create("/d/f", "hello")
	hostContent("/d/f", "hello")
	expect("Mkdir /d/f/x", h.Mkdir("/d/f/x", 0o755), ENOTDIR)

	// Opens.
	_, errno = h.OpenFile("/missing", OFlagRead, 0)
	expect("open missing", errno, ENOENT)
	_, errno = h.OpenFile("/d/f", OFlagRead|OFlagCreate|OFlagExclusive, 0o644)
	expect("open existing exclusive", errno, EEXIST)
	_, errno = h.OpenFile("/d/f", OFlagRead|OFlagDirectory, 0)
	expect("open file as directory", errno, ENOTDIR)
	_, errno = h.OpenFile("/d", OFlagWrite, 0)
	expect("open directory for writing", errno, EISDIR)
	_, errno = h.OpenFile("/d/f/x", OFlagRead, 0)
	expect("open through a file", errno, ENOTDIR)

	// Read, write, offsets.
	f, errno := h.OpenFile("/d/f", rw, 0)
	if errno != ESUCCESS {
		t.Fatal(errno)
	}
	buf := make([]byte, 16)
	n, errno := f.Read(buf[:3])
	if n != 3 || errno != ESUCCESS || string(buf[:3]) != "hel" {
		t.Errorf("Read = %d %q, %v", n, buf[:n], errno)
	}
	n, errno = f.Pread(buf, 1)
	if n != 4 || errno != ESUCCESS || string(buf[:4]) != "ello" {
		t.Errorf("Pread(1) = %d %q, %v", n, buf[:n], errno)
	}
	n, errno = f.Pread(buf, 100)
	if n != 0 || errno != ESUCCESS {
		t.Errorf("Pread past the end = %d, %v; want 0, ESUCCESS", n, errno)
	}
	_, errno = f.Pread(buf, -1)
	expect("Pread(-1)", errno, EINVAL)
	n, errno = f.Write([]byte("P")) // at offset 3
	if n != 1 || errno != ESUCCESS {
		t.Errorf("Write = %d, %v", n, errno)
	}
	hostContent("/d/f", "helPo")
	n, errno = f.Pwrite([]byte("!!"), 5)
	if n != 2 || errno != ESUCCESS {
		t.Errorf("Pwrite = %d, %v", n, errno)
	}
	hostContent("/d/f", "helPo!!")
	pos, errno := f.Lseek(0, io.SeekCurrent)
	if pos != 4 || errno != ESUCCESS {
		t.Errorf("Lseek(0, cur) = %d, %v; want 4 (Pwrite does not move it)", pos, errno)
	}
	_, errno = f.Lseek(-10, io.SeekStart)
	expect("Lseek(-10)", errno, EINVAL)
	n, errno = f.Read(buf)
	if n != 3 || errno != ESUCCESS {
		t.Errorf("Read to the end = %d, %v", n, errno)
	}
	n, errno = f.Read(buf)
	if n != 0 || errno != ESUCCESS {
		t.Errorf("Read at the end = %d, %v; want 0, ESUCCESS", n, errno)
	}
	expect("Truncate(2)", f.Truncate(2), ESUCCESS)
	expect("Truncate(-1)", f.Truncate(-1), EINVAL)
	hostContent("/d/f", "he")

	// Append mode: Write at the end, Pwrite where asked, switchable.
	expect("SetAppend(true)", f.SetAppend(true), ESUCCESS)
	if _, errno := f.Lseek(0, io.SeekStart); errno != ESUCCESS {
		t.Fatal(errno)
	}
	f.Write([]byte("AB"))
	hostContent("/d/f", "heAB")
	f.Pwrite([]byte("x"), 0)
	hostContent("/d/f", "xeAB")
	expect("SetAppend(false)", f.SetAppend(false), ESUCCESS)
	f.Lseek(1, io.SeekStart)
	f.Write([]byte("Y"))
	hostContent("/d/f", "xYAB")
	st, errno = f.Stat()
	if errno != ESUCCESS || st.Size != 4 || st.Mode.Type() != 0 || st.Mode.Perm() == 0 || st.Nlink != 1 {
		t.Errorf("Stat = %+v, %v", st, errno)
	}
	expect("Sync", f.Sync(), ESUCCESS)
	expect("Datasync", f.Datasync(), ESUCCESS)
	_, errno = f.Readdir(0, make([]Dirent, 4))
	expect("Readdir of a file", errno, ENOTDIR)
	expect("Close", f.Close(), ESUCCESS)

	// A closed file: EBADF everywhere.
	expect("Close again", f.Close(), EBADF)
	_, errno = f.Read(buf)
	expect("Read closed", errno, EBADF)
	_, errno = f.Pread(buf, 0)
	expect("Pread closed", errno, EBADF)
	_, errno = f.Write(buf)
	expect("Write closed", errno, EBADF)
	_, errno = f.Stat()
	expect("Stat closed", errno, EBADF)
	_, errno = f.Lseek(0, io.SeekStart)
	expect("Lseek closed", errno, EBADF)
	expect("Truncate closed", f.Truncate(0), EBADF)
	expect("Sync closed", f.Sync(), EBADF)
	expect("SetAppend closed", f.SetAppend(true), EBADF)
	expect("Chmod closed", f.Chmod(0o600), EBADF)
	expect("Utimens closed", f.Utimens(UTimeNow, UTimeNow), EBADF)

	// Access modes.
	ro, errno := h.OpenFile("/d/f", OFlagRead, 0)
	if errno != ESUCCESS {
		t.Fatal(errno)
	}
	_, errno = ro.Write([]byte("x"))
	expect("Write on a read-only handle", errno, EBADF)
	_, errno = ro.Pwrite([]byte("x"), 0)
	expect("Pwrite on a read-only handle", errno, EBADF)
	expect("Truncate on a read-only handle", ro.Truncate(0), EBADF)
	ro.Close()
	wo, errno := h.OpenFile("/d/f", OFlagWrite, 0)
	if errno != ESUCCESS {
		t.Fatal(errno)
	}
	_, errno = wo.Read(buf)
	expect("Read on a write-only handle", errno, EBADF)
	_, errno = wo.Pread(buf, 0)
	expect("Pread on a write-only handle", errno, EBADF)
	wo.Close()
	f, errno = h.OpenFile("/d/f", OFlagWrite|OFlagTruncate, 0)
	expect("open with truncate", errno, ESUCCESS)
	f.Close()
	hostContent("/d/f", "")
	f, errno = h.OpenFile("/d/g", OFlagWrite|OFlagCreate|OFlagAppend, 0o600)
	expect("open create|append", errno, ESUCCESS)
	f.Write([]byte("1"))
	f.Pwrite([]byte("0"), 0)
	f.Write([]byte("2"))
	f.Close()
	hostContent("/d/g", "02")

	// OFlagPath: Stat only.
	p, errno := h.OpenFile("/d/g", OFlagPath|OFlagWrite|OFlagTruncate|OFlagCreate, 0)
	if errno != ESUCCESS {
		t.Fatal(errno)
	}
	if st, errno := p.Stat(); errno != ESUCCESS || st.Size != 2 {
		t.Errorf("Stat of a path handle = %+v, %v", st, errno)
	}
	_, errno = p.Read(buf)
	expect("Read on a path handle", errno, EBADF)
	_, errno = p.Write(buf)
	expect("Write on a path handle", errno, EBADF)
	_, errno = p.Readdir(0, make([]Dirent, 1))
	expect("Readdir on a path handle", errno, EBADF)
	for name, errno := range map[string]Errno{
		"Pread": second(p.Pread(buf, 0)), "Pwrite": second(p.Pwrite(buf, 0)),
		"Lseek": second(p.Lseek(0, io.SeekStart)), "Truncate": p.Truncate(0), "Sync": p.Sync(),
		"Datasync": p.Datasync(), "Utimens": p.Utimens(UTimeNow, UTimeNow), "Chmod": p.Chmod(0o600),
		"SetAppend": p.SetAppend(true),
	} {
		expect(name+" on a path handle", errno, EBADF)
	}
	expect("Close a path handle", p.Close(), ESUCCESS)
	expect("Close a path handle again", p.Close(), EBADF)
	_, errno = p.Stat()
	expect("Stat on a closed path handle", errno, EBADF)
	_, errno = h.OpenFile("/missing", OFlagPath|OFlagCreate, 0)
	expect("OFlagPath ignores OFlagCreate", errno, ENOENT)
	_, errno = h.OpenFile("/d/g", OFlagPath|OFlagDirectory, 0)
	expect("OFlagPath|OFlagDirectory of a file", errno, ENOTDIR)
	hostContent("/d/g", "02")

	// Chmod, Utimens.
	expect("Chmod", h.Chmod("/d/g", 0o640), ESUCCESS)
	if runtime.GOOS != "windows" {
		if fi, _ := os.Stat(filepath.Join(dir, "d", "g")); fi.Mode().Perm() != 0o640 {
			t.Errorf("host mode %v after Chmod 0640", fi.Mode())
		}
	}
	expect("Chmod missing", h.Chmod("/missing", 0o640), ENOENT)
	at, mt := time.Unix(1000, 123456789).UnixNano(), time.Unix(2000, 987654321).UnixNano()
	expect("Utimens", h.Utimens("/d/g", at, mt), ESUCCESS)
	st, _ = h.Lstat("/d/g")
	if st.Mtim != mt || (runtime.GOOS == "linux" && st.Atim != at) {
		t.Errorf("times after Utimens: atim %d mtim %d, want %d %d", st.Atim, st.Mtim, at, mt)
	}
	expect("Utimens omit mtime", h.Utimens("/d/g", UTimeNow, UTimeOmit), ESUCCESS)
	st, _ = h.Lstat("/d/g")
	if st.Mtim != mt || (runtime.GOOS == "linux" && st.Atim < time.Now().Add(-time.Hour).UnixNano()) {
		t.Errorf("times after Utimens(now, omit): atim %d mtim %d", st.Atim, st.Mtim)
	}
	expect("Utimens missing", h.Utimens("/missing", UTimeNow, UTimeNow), ENOENT)
	f, _ = h.OpenFile("/d/g", OFlagRead, 0)
	expect("File.Utimens", f.Utimens(UTimeOmit, mt+1000), ESUCCESS)
	expect("File.Chmod", f.Chmod(0o600), ESUCCESS)
	st, _ = f.Stat()
	if st.Mtim != mt+1000 {
		t.Errorf("mtim after File.Utimens = %d, want %d", st.Mtim, mt+1000)
	}
	f.Close()

	// Links, renames, removal.
	expect("Link", h.Link("/d/g", "/h"), ESUCCESS)
	if st, _ := h.Lstat("/h"); st.Nlink != 2 && runtime.GOOS != "windows" {
		t.Errorf("Nlink after Link = %d", st.Nlink)
	}
	expect("Link onto existing", h.Link("/d/g", "/h"), EEXIST)
	expect("Link missing", h.Link("/missing", "/h2"), ENOENT)
	expect("Rename file", h.Rename("/h", "/h2"), ESUCCESS)
	hostContent("/h2", "02")
	expect("Rename over a file", h.Rename("/h2", "/d/f"), ESUCCESS)
	hostContent("/d/f", "02")
	expect("Rename missing", h.Rename("/missing", "/x"), ENOENT)
	expect("Rename /", h.Rename("/", "/x"), EBUSY)
	expect("Rename onto /", h.Rename("/d", "/"), EBUSY)
	expect("Mkdir /e", h.Mkdir("/e", 0o755), ESUCCESS)
	expect("Rename file over a directory", h.Rename("/d/f", "/e"), EISDIR)
	expect("Rename directory", h.Rename("/e", "/d2"), ESUCCESS)
	expect("Mkdir /e", h.Mkdir("/e", 0o755), ESUCCESS)
	expect("Rename directory over an empty directory", h.Rename("/e", "/d2"), ESUCCESS)
	expect("Rename directory over a file", h.Rename("/d2", "/d/g"), ENOTDIR)
	expect("Unlink a directory", h.Unlink("/d2"), EISDIR)
	expect("Unlink /", h.Unlink("/"), EISDIR)
	expect("Rmdir a file", h.Rmdir("/d/g"), ENOTDIR)
	expect("Rmdir non-empty", h.Rmdir("/d"), ENOTEMPTY)
	expect("Rmdir /", h.Rmdir("/"), EBUSY)
	expect("Rmdir", h.Rmdir("/d2"), ESUCCESS)
	expect("Rmdir missing", h.Rmdir("/d2"), ENOENT)
	expect("Unlink", h.Unlink("/d/g"), ESUCCESS)
	expect("Unlink missing", h.Unlink("/d/g"), ENOENT)
	if _, err := os.Lstat(filepath.Join(dir, "d", "g")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("host d/g after Unlink: %v", err)
	}
	_, errno = h.Readlink("/d/f")
	expect("Readlink of a file", errno, EINVAL)
}

// TestHostDirReaddir: cookies are indexes into a sorted snapshot, taken again at
// cookie 0.
func TestHostDirReaddir(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for i := range 25 {
		name := "f" + strconv.Itoa(100+i)
		want = append(want, name)
		mustHost(t, os.WriteFile(filepath.Join(dir, name), nil, 0o644))
	}
	mustHost(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	want = append(want, "sub")
	h := openHostDir(t, dir, false)
	f, errno := h.OpenFile("/", OFlagRead|OFlagDirectory, 0)
	if errno != ESUCCESS {
		t.Fatal(errno)
	}
	defer f.Close()
	for _, n := range []int{1, 7, 26, 100} {
		list := readDirAll(t, f, n)
		if got := direntNames(list); !slices.Equal(got, want) {
			t.Fatalf("buffer %d: %q, want %q", n, got, want)
		}
		for i, d := range list {
			if d.Next != uint64(i+1) {
				t.Errorf("%s: Next %d, want %d", d.Name, d.Next, i+1)
			}
			wantType := fs.FileMode(0)
			if d.Name == "sub" {
				wantType = fs.ModeDir
			}
			if d.Type != wantType {
				t.Errorf("%s: Type %v, want %v", d.Name, d.Type, wantType)
			}
			if runtime.GOOS == "linux" {
				st, _ := h.Lstat("/" + d.Name)
				if d.Ino == 0 || d.Ino != st.Ino {
					t.Errorf("%s: Ino %d, Lstat's %d", d.Name, d.Ino, st.Ino)
				}
			}
		}
	}

	// Changes during a listing show after the next cookie 0, and the cookies of
	// the listing stay valid meanwhile.
	buf := make([]Dirent, 10)
	n, _ := f.Readdir(0, buf)
	mustHost(t, os.WriteFile(filepath.Join(dir, "a-new"), nil, 0o644))
	mustHost(t, os.Remove(filepath.Join(dir, "f115")))
	rest := make([]Dirent, 100)
	m, _ := f.Readdir(buf[n-1].Next, rest)
	got := direntNames(append(buf[:n:n], rest[:m]...))
	if !slices.Equal(got, want) {
		t.Errorf("listing across changes: %q, want the snapshot %q", got, want)
	}
	got = direntNames(readDirAll(t, f, 100))
	if got[0] != "a-new" || slices.Contains(got, "f115") || len(got) != len(want) {
		t.Errorf("listing restarted at 0: %q", got)
	}
	if n, errno := f.Readdir(1000, buf); n != 0 || errno != ESUCCESS {
		t.Errorf("Readdir past the end = %d, %v", n, errno)
	}

	empty := filepath.Join(dir, "sub")
	e, errno := h.OpenFile("/sub", OFlagRead, 0)
	if errno != ESUCCESS {
		t.Fatal(errno)
	}
	if n, errno := e.Readdir(0, buf); n != 0 || errno != ESUCCESS {
		t.Errorf("Readdir of empty %s = %d, %v", empty, n, errno)
	}
	e.Close()
	if _, errno := e.Readdir(0, buf); errno != EBADF {
		t.Errorf("Readdir after Close = %v, want EBADF", errno)
	}
}

// TestHostDirReadDirGeneric: the listing of Darwin and Windows (os.File.ReadDir)
// gives the names and types of the platform's own (getdents on Linux).
func TestHostDirReadDirGeneric(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"b", "a", "c"} {
		mustHost(t, os.WriteFile(filepath.Join(dir, name), nil, 0o644))
	}
	mustHost(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	h := openHostDir(t, dir, false)
	f, errno := h.OpenFile("/", OFlagRead|OFlagDirectory, 0)
	if errno != ESUCCESS {
		t.Fatal(errno)
	}
	defer f.Close()
	hf := f.(*hostFile)
	for range 2 { // the second listing starts from the beginning again
		generic, err := hf.readDirGeneric(nil)
		if err != nil {
			t.Fatal(err)
		}
		own, err := hf.readDir(nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range [][]Dirent{generic, own} {
			slices.SortFunc(l, func(a, b Dirent) int { return strings.Compare(a.Name, b.Name) })
			for i := range l {
				l[i].Ino = 0 // the generic listing has none
			}
		}
		if !slices.Equal(generic, own) {
			t.Errorf("readDirGeneric %+v, readDir %+v", generic, own)
		}
	}
}

// TestHostDirReadOnly: every change gives EROFS (EEXIST, ENOENT or ENOTDIR where
// Linux checks the names first, as NewReadOnly), the host stays as it was, and
// reads work.
func TestHostDirReadOnly(t *testing.T) {
	dir := t.TempDir()
	mustHost(t, os.Mkdir(filepath.Join(dir, "d"), 0o755))
	mustHost(t, os.Mkdir(filepath.Join(dir, "empty"), 0o755))
	mustHost(t, os.WriteFile(filepath.Join(dir, "d", "f"), []byte("data"), 0o644))
	before := hostTree(t, dir)
	h := openHostDir(t, dir, true)

	changes := []struct {
		name string
		do   func() Errno
		want Errno
	}{
		{"Mkdir", func() Errno { return h.Mkdir("/new", 0o755) }, EROFS},
		{"Mkdir existing", func() Errno { return h.Mkdir("/d", 0o755) }, EEXIST},
		{"Mkdir in missing", func() Errno { return h.Mkdir("/missing/new", 0o755) }, ENOENT},
		{"Chmod", func() Errno { return h.Chmod("/d/f", 0o600) }, EROFS},
		{"Chmod /", func() Errno { return h.Chmod("/", 0o700) }, EROFS},
		{"Rename", func() Errno { return h.Rename("/d/f", "/g") }, EROFS},
		{"Rename /", func() Errno { return h.Rename("/d", "/") }, EROFS},
		{"Rmdir", func() Errno { return h.Rmdir("/empty") }, EROFS},
		{"Unlink", func() Errno { return h.Unlink("/d/f") }, EROFS},
		{"Link", func() Errno { return h.Link("/d/f", "/g") }, EROFS},
		{"Symlink", func() Errno { return h.Symlink("d/f", "/l") }, EROFS},
		{"Utimens", func() Errno { return h.Utimens("/d/f", UTimeNow, UTimeNow) }, EROFS},
		{"Utimens omit", func() Errno { return h.Utimens("/d/f", UTimeOmit, UTimeOmit) }, EROFS},
	}
	open := func(p string, flag OFlag) func() Errno {
		return func() Errno {
			f, errno := h.OpenFile(p, flag, 0o644)
			if errno == ESUCCESS {
				f.Close()
			}
			return errno
		}
	}
	for _, o := range []struct {
		name string
		flag OFlag
	}{
		{"write", OFlagWrite}, {"read-write", OFlagRead | OFlagWrite}, {"truncate", OFlagRead | OFlagTruncate},
		{"append", OFlagRead | OFlagAppend}, {"create-missing", OFlagWrite | OFlagCreate},
		{"create-read", OFlagRead | OFlagCreate},
	} {
		p := "/d/f"
		if strings.HasPrefix(o.name, "create") {
			p = "/d/new"
		}
		changes = append(changes, struct {
			name string
			do   func() Errno
			want Errno
		}{"OpenFile " + o.name, open(p, o.flag), EROFS})
	}
	for _, c := range changes {
		if got := c.do(); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}

	// Reads work; a file opened with OFlagCreate of an existing name is read-only.
	f, errno := h.OpenFile("/d/f", OFlagRead|OFlagCreate, 0o644)
	if errno != ESUCCESS {
		t.Fatalf("OpenFile(read|create) of an existing file = %v", errno)
	}
	buf := make([]byte, 8)
	if n, errno := f.Pread(buf, 0); n != 4 || errno != ESUCCESS {
		t.Errorf("Pread = %d, %v", n, errno)
	}
	for name, got := range map[string]Errno{
		"Write":    second(f.Write([]byte("x"))),
		"Pwrite":   second(f.Pwrite([]byte("x"), 0)),
		"Truncate": f.Truncate(0),
	} {
		if got != EBADF {
			t.Errorf("File.%s = %v, want EBADF", name, got)
		}
	}
	if errno := f.Chmod(0o600); errno != EROFS {
		t.Errorf("File.Chmod = %v, want EROFS", errno)
	}
	if errno := f.Utimens(UTimeNow, UTimeNow); errno != EROFS {
		t.Errorf("File.Utimens = %v, want EROFS", errno)
	}
	f.Close()
	if errno := f.Chmod(0o600); errno != EBADF {
		t.Errorf("File.Chmod after Close = %v, want EBADF", errno)
	}
	d, errno := h.OpenFile("/d", OFlagRead|OFlagDirectory, 0)
	if errno != ESUCCESS {
		t.Fatal(errno)
	}
	if got := direntNames(readDirAll(t, d, 8)); !slices.Equal(got, []string{"f"}) {
		t.Errorf("Readdir = %q", got)
	}
	d.Close()
	if after := hostTree(t, dir); !slices.Equal(before, after) {
		t.Errorf("the host tree changed:\n%q\n%q", before, after)
	}
}

func second[T any](_ T, errno Errno) Errno { return errno }

// hostTree describes every entry under dir: path, type, permissions, size,
// modification time, content or link target. Tests compare it before and after.
func hostTree(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		line := filepath.ToSlash(rel) + " " + fi.Mode().String() + " " + fi.ModTime().Format(time.RFC3339Nano)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case fi.Mode().IsRegular():
			data, _ := os.ReadFile(p)
			line += " " + strconv.Quote(string(data))
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// The benchmarks compare the host directory with the same plain os calls
// (BenchmarkHostDirX against BenchmarkHostOSX).

const benchDirFiles = 10000

// benchFile makes a 64 KiB file "f" in a new directory.
func benchFile(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	mustHost(b, os.WriteFile(filepath.Join(dir, "f"), bytes.Repeat([]byte("x"), 64<<10), 0o644))
	return dir
}

// benchBigDir makes a directory "big" of benchDirFiles empty files.
func benchBigDir(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	mustHost(b, os.Mkdir(filepath.Join(dir, "big"), 0o755))
	for i := range benchDirFiles {
		mustHost(b, os.WriteFile(filepath.Join(dir, "big", "file"+strconv.Itoa(i)), nil, 0o644))
	}
	return dir
}

func BenchmarkHostDirLstat(b *testing.B) {
	h := openHostDir(b, benchFile(b), false)
	b.ReportAllocs()
	for b.Loop() {
		if _, errno := h.Lstat("/f"); errno != ESUCCESS {
			b.Fatal(errno)
		}
	}
}

func BenchmarkHostOSLstat(b *testing.B) {
	file := filepath.Join(benchFile(b), "f")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := os.Lstat(file); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHostDirOpenClose(b *testing.B) {
	h := openHostDir(b, benchFile(b), false)
	b.ReportAllocs()
	for b.Loop() {
		f, errno := h.OpenFile("/f", OFlagRead, 0)
		if errno != ESUCCESS {
			b.Fatal(errno)
		}
		f.Close()
	}
}

func BenchmarkHostOSOpenClose(b *testing.B) {
	file := filepath.Join(benchFile(b), "f")
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

func BenchmarkHostDirPread4K(b *testing.B) {
	h := openHostDir(b, benchFile(b), false)
	f, errno := h.OpenFile("/f", OFlagRead, 0)
	if errno != ESUCCESS {
		b.Fatal(errno)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if n, errno := f.Pread(buf, 8192); n != len(buf) || errno != ESUCCESS {
			b.Fatal(n, errno)
		}
	}
}

func BenchmarkHostOSPread4K(b *testing.B) {
	f, err := os.Open(filepath.Join(benchFile(b), "f"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if n, err := f.ReadAt(buf, 8192); n != len(buf) || err != nil {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkHostDirReaddir10000 opens the directory, lists it 128 entries at a time
// and closes it.
func BenchmarkHostDirReaddir10000(b *testing.B) {
	h := openHostDir(b, benchBigDir(b), false)
	buf := make([]Dirent, 128)
	b.ReportAllocs()
	for b.Loop() {
		f, errno := h.OpenFile("/big", OFlagRead|OFlagDirectory, 0)
		if errno != ESUCCESS {
			b.Fatal(errno)
		}
		total := 0
		for cookie := uint64(0); ; {
			n, errno := f.Readdir(cookie, buf)
			if errno != ESUCCESS {
				b.Fatal(errno)
			}
			total += n
			if n < len(buf) {
				break
			}
			cookie = buf[n-1].Next
		}
		f.Close()
		if total != benchDirFiles {
			b.Fatal(total)
		}
	}
}

// BenchmarkHostOSReaddir10000 is os.ReadDir: open, list, sort by name, close.
func BenchmarkHostOSReaddir10000(b *testing.B) {
	big := filepath.Join(benchBigDir(b), "big")
	b.ReportAllocs()
	for b.Loop() {
		ents, err := os.ReadDir(big)
		if err != nil || len(ents) != benchDirFiles {
			b.Fatal(len(ents), err)
		}
	}
}
