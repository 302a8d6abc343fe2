package vfs_test

import (
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/wasirun/wasirun/internal/vfs"
)

// spyFS is a writable filesystem that says yes to everything and records every
// call, to show what NewReadOnly lets through. Its tree: /, /dir, /file, /link.
type spyFS struct {
	vfs.UnimplementedFS
	calls []string
}

func (s *spyFS) log(call string) { s.calls = append(s.calls, call) }

func (s *spyFS) Lstat(p string) (vfs.Stat, vfs.Errno) {
	switch p {
	case "/", "/dir":
		return vfs.Stat{Mode: fs.ModeDir | 0o777}, 0
	case "/file":
		return vfs.Stat{Mode: 0o666, Size: 4}, 0
	case "/link":
		return vfs.Stat{Mode: fs.ModeSymlink | 0o777, Size: 4}, 0
	}
	if strings.HasPrefix(p, "/file/") {
		return vfs.Stat{}, vfs.ENOTDIR
	}
	return vfs.Stat{}, vfs.ENOENT
}

func (s *spyFS) OpenFile(p string, flag vfs.OFlag, _ fs.FileMode) (vfs.File, vfs.Errno) {
	s.log("open " + p + " " + flagNames(flag))
	return &spyFile{fs: s}, 0
}
func (s *spyFS) Readlink(p string) (string, vfs.Errno)   { s.log("readlink " + p); return "file", 0 }
func (s *spyFS) Mkdir(p string, _ fs.FileMode) vfs.Errno { s.log("mkdir"); return 0 }
func (s *spyFS) Chmod(p string, _ fs.FileMode) vfs.Errno { s.log("chmod"); return 0 }
func (s *spyFS) Rename(_, _ string) vfs.Errno            { s.log("rename"); return 0 }
func (s *spyFS) Rmdir(string) vfs.Errno                  { s.log("rmdir"); return 0 }
func (s *spyFS) Unlink(string) vfs.Errno                 { s.log("unlink"); return 0 }
func (s *spyFS) Link(_, _ string) vfs.Errno              { s.log("link"); return 0 }
func (s *spyFS) Symlink(_, _ string) vfs.Errno           { s.log("symlink"); return 0 }
func (s *spyFS) Utimens(string, int64, int64) vfs.Errno  { s.log("utimens"); return 0 }

func flagNames(flag vfs.OFlag) string {
	var names []string
	for _, f := range []struct {
		f vfs.OFlag
		n string
	}{{vfs.OFlagRead, "read"}, {vfs.OFlagWrite, "write"}, {vfs.OFlagAppend, "append"}, {vfs.OFlagCreate, "create"},
		{vfs.OFlagExclusive, "excl"}, {vfs.OFlagTruncate, "trunc"}, {vfs.OFlagDirectory, "directory"},
		{vfs.OFlagNoFollow, "nofollow"}, {vfs.OFlagPath, "path"}} {
		if flag&f.f != 0 {
			names = append(names, f.n)
		}
	}
	return strings.Join(names, "|")
}

// spyFile accepts every call, writes included.
type spyFile struct {
	vfs.UnimplementedFile
	fs     *spyFS
	closed bool
}

func (f *spyFile) log(call string) vfs.Errno {
	f.fs.log("file " + call)
	if f.closed {
		return vfs.EBADF
	}
	return 0
}
func (f *spyFile) Stat() (vfs.Stat, vfs.Errno)               { return vfs.Stat{}, f.log("stat") }
func (f *spyFile) Read(p []byte) (int, vfs.Errno)            { return 0, f.log("read") }
func (f *spyFile) Pread([]byte, int64) (int, vfs.Errno)      { return 0, f.log("pread") }
func (f *spyFile) Write(p []byte) (int, vfs.Errno)           { return len(p), f.log("write") }
func (f *spyFile) Pwrite(p []byte, _ int64) (int, vfs.Errno) { return len(p), f.log("pwrite") }
func (f *spyFile) Lseek(int64, int) (int64, vfs.Errno)       { return 0, f.log("lseek") }
func (f *spyFile) Readdir(uint64, []vfs.Dirent) (int, vfs.Errno) {
	return 0, f.log("readdir")
}
func (f *spyFile) Truncate(int64) vfs.Errno       { return f.log("truncate") }
func (f *spyFile) Sync() vfs.Errno                { return f.log("sync") }
func (f *spyFile) Datasync() vfs.Errno            { return f.log("datasync") }
func (f *spyFile) Utimens(int64, int64) vfs.Errno { return f.log("utimens") }
func (f *spyFile) Chmod(fs.FileMode) vfs.Errno    { return f.log("chmod") }
func (f *spyFile) SetAppend(bool) vfs.Errno       { return f.log("setappend") }
func (f *spyFile) Close() vfs.Errno {
	errno := f.log("close")
	f.closed = true
	return errno
}

// TestReadOnlyLetsNoChangeThrough drives every change through NewReadOnly over a
// filesystem that would accept it, and checks that none reaches it: opens arrive
// without write flags, and files refuse writes the underlying file would take.
func TestReadOnlyLetsNoChangeThrough(t *testing.T) {
	spy := &spyFS{}
	ro := vfs.NewReadOnly(spy)
	for _, tt := range []struct {
		name  string
		errno vfs.Errno
		do    func() vfs.Errno
	}{
		{"mkdir", vfs.EROFS, func() vfs.Errno { return ro.Mkdir("/new", 0o755) }},
		{"chmod", vfs.EROFS, func() vfs.Errno { return ro.Chmod("/file", 0o777) }},
		{"rename", vfs.EROFS, func() vfs.Errno { return ro.Rename("/file", "/new") }},
		{"rmdir", vfs.EROFS, func() vfs.Errno { return ro.Rmdir("/dir") }},
		{"unlink", vfs.EROFS, func() vfs.Errno { return ro.Unlink("/file") }},
		{"link", vfs.EROFS, func() vfs.Errno { return ro.Link("/file", "/new") }},
		{"symlink", vfs.EROFS, func() vfs.Errno { return ro.Symlink("x", "/new") }},
		{"utimens", vfs.EROFS, func() vfs.Errno { return ro.Utimens("/file", 0, 0) }},
		{"open write", vfs.EROFS, func() vfs.Errno { return openErrno(ro, "/file", vfs.OFlagWrite) }},
		{"open create", vfs.EROFS, func() vfs.Errno { return openErrno(ro, "/new", vfs.OFlagWrite|vfs.OFlagCreate) }},
		{"open trunc", vfs.EROFS, func() vfs.Errno { return openErrno(ro, "/file", vfs.OFlagRead|vfs.OFlagTruncate) }},
		{"open append", vfs.EROFS, func() vfs.Errno { return openErrno(ro, "/file", vfs.OFlagRead|vfs.OFlagAppend) }},
		{"open link for write", vfs.ELOOP, func() vfs.Errno { return openErrno(ro, "/link", vfs.OFlagWrite) }},
		{"open dir for write", vfs.EISDIR, func() vfs.Errno { return openErrno(ro, "/dir", vfs.OFlagWrite) }},
		{"open create in file", vfs.ENOTDIR, func() vfs.Errno { return openErrno(ro, "/file/x", vfs.OFlagWrite|vfs.OFlagCreate) }},
	} {
		if errno := tt.do(); errno != tt.errno {
			t.Errorf("%s = %s, want %s", tt.name, errno, tt.errno)
		}
	}
	if len(spy.calls) != 0 {
		t.Errorf("changes reached the filesystem: %q", spy.calls)
	}

	// Opens that pass arrive without the flags that would change anything.
	for _, flag := range []vfs.OFlag{vfs.OFlagRead, vfs.OFlagRead | vfs.OFlagCreate, vfs.OFlagWrite | vfs.OFlagTruncate | vfs.OFlagPath} {
		f, errno := ro.OpenFile("/file", flag, 0)
		if errno != 0 {
			t.Fatalf("OpenFile(%s) = %s", flagNames(flag), errno)
		}
		f.Close()
	}
	want := []string{"open /file read", "file close", "open /file read", "file close", "open /file path", "file close"}
	if !slices.Equal(spy.calls, want) {
		t.Errorf("opens reached the filesystem as %q, want %q", spy.calls, want)
	}

	// A file opened for reading refuses writes that the underlying one would take.
	spy.calls = nil
	f, errno := ro.OpenFile("/file", vfs.OFlagRead, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	if _, errno := f.Write([]byte("x")); errno != vfs.EBADF {
		t.Errorf("Write = %s, want EBADF", errno)
	}
	if _, errno := f.Pwrite([]byte("x"), 0); errno != vfs.EBADF {
		t.Errorf("Pwrite = %s, want EBADF", errno)
	}
	if errno := f.Truncate(0); errno != vfs.EBADF {
		t.Errorf("Truncate = %s, want EBADF", errno)
	}
	if errno := f.Chmod(0o777); errno != vfs.EROFS {
		t.Errorf("Chmod = %s, want EROFS", errno)
	}
	if errno := f.Utimens(0, 0); errno != vfs.EROFS {
		t.Errorf("Utimens = %s, want EROFS", errno)
	}
	// Reads pass through.
	f.Read(nil)
	f.Pread(nil, 0)
	f.Lseek(0, 0)
	f.Readdir(0, nil)
	f.Sync()
	f.Datasync()
	f.SetAppend(false)
	f.Close()
	if errno := f.Chmod(0o777); errno != vfs.EBADF {
		t.Errorf("Chmod after Close = %s, want EBADF", errno)
	}
	for _, c := range spy.calls {
		for _, bad := range []string{"write", "pwrite", "truncate", "chmod", "utimens"} {
			if c == "file "+bad {
				t.Errorf("%s reached the underlying file", bad)
			}
		}
	}
	for _, read := range []string{"file read", "file pread", "file lseek", "file readdir", "file sync", "file datasync", "file setappend", "file close"} {
		if !slices.Contains(spy.calls, read) {
			t.Errorf("%s did not pass through; calls: %q", read, spy.calls)
		}
	}
}

func openErrno(fsys vfs.FS, p string, flag vfs.OFlag) vfs.Errno {
	f, errno := fsys.OpenFile(p, flag, 0o644)
	if errno == 0 {
		f.Close()
	}
	return errno
}
