// Package vfstest is the conformance suite of every filesystem in internal/vfs: a
// bridge from vfs.FS to io/fs so that testing/fstest.TestFS checks each read view
// (IOFS), and a table of POSIX behaviours that each writable filesystem must share
// with a real host directory (TestWritable). It is a normal package so that the
// tests of any package can import it; nothing but tests should.
package vfstest

import (
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/wasirun/wasirun/internal/vfs"
)

// IOFS returns fsys as an io/fs filesystem (fs.FS, fs.StatFS, fs.ReadDirFS,
// fs.ReadFileFS and fs.ReadLinkFS), so that fstest.TestFS runs over it:
//
//	if err := fstest.TestFS(vfstest.IOFS(view), "a", "dir/b"); err != nil { t.Fatal(err) }
//
// io/fs names map to vfs paths ("." is "/", "a/b" is "/a/b"). As io/fs expects,
// Open, Stat, ReadFile and ReadDir follow symbolic links (an absolute target starts
// at fsys's root, ".." never climbs above it, at most 40 links), Lstat and ReadLink
// do not follow the last one. Errors are *fs.PathError values whose Err matches
// both the io/fs sentinels (errors.Is(err, fs.ErrNotExist) for ENOENT) and the
// vfs.Errno itself (errors.Is(err, vfs.ENOENT)). Files are fs.ReadDirFile,
// io.Seeker and io.ReaderAt.
func IOFS(fsys vfs.FS) fs.FS { return &ioFS{fs: fsys} }

// ioFS is the filesystem IOFS returns.
type ioFS struct{ fs vfs.FS }

var (
	_ fs.StatFS     = (*ioFS)(nil)
	_ fs.ReadDirFS  = (*ioFS)(nil)
	_ fs.ReadFileFS = (*ioFS)(nil)
	_ fs.ReadLinkFS = (*ioFS)(nil)
)

// maxLinks is how many symbolic links a resolution follows before ELOOP, as Linux.
const maxLinks = 40

// errnoError is the Err of IOFS's *fs.PathError values.
type errnoError struct{ errno vfs.Errno }

func (e errnoError) Error() string { return e.errno.String() }

// Unwrap returns the vfs.Errno.
func (e errnoError) Unwrap() error { return e.errno }

// Is matches the io/fs sentinel that stands for the errno.
func (e errnoError) Is(target error) bool {
	switch target {
	case fs.ErrNotExist:
		return e.errno == vfs.ENOENT
	case fs.ErrExist:
		return e.errno == vfs.EEXIST || e.errno == vfs.ENOTEMPTY
	case fs.ErrPermission:
		return e.errno == vfs.EPERM || e.errno == vfs.EACCES || e.errno == vfs.ENOTCAPABLE
	case fs.ErrInvalid:
		return e.errno == vfs.EINVAL
	case fs.ErrClosed:
		return e.errno == vfs.EBADF
	}
	return false
}

func pathErr(op, name string, errno vfs.Errno) error {
	return &fs.PathError{Op: op, Path: name, Err: errnoError{errno}}
}

// vfsJoin returns the vfs path of name in directory dir.
func vfsJoin(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// resolve returns the vfs path that the io/fs name stands for, following symbolic
// links in every component but the last, and in the last too when follow is set.
func (x *ioFS) resolve(op, name string, follow bool) (string, error) {
	if !fs.ValidPath(name) {
		return "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	var todo, done []string
	if name != "." {
		todo = strings.Split(name, "/")
	}
	links := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		p := "/" + path.Join(append(slices.Clip(done), c)...)
		if len(todo) == 0 && !follow {
			done = append(done, c)
			break
		}
		st, errno := x.fs.Lstat(p)
		if errno != vfs.ESUCCESS {
			return "", pathErr(op, name, errno)
		}
		if st.Mode&fs.ModeSymlink == 0 {
			done = append(done, c)
			continue
		}
		if links++; links > maxLinks {
			return "", pathErr(op, name, vfs.ELOOP)
		}
		target, errno := x.fs.Readlink(p)
		if errno != vfs.ESUCCESS {
			return "", pathErr(op, name, errno)
		}
		if strings.HasPrefix(target, "/") {
			done = done[:0]
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	return "/" + strings.Join(done, "/"), nil
}

// Open opens name for reading, following symbolic links.
func (x *ioFS) Open(name string) (fs.File, error) {
	p, err := x.resolve("open", name, true)
	if err != nil {
		return nil, err
	}
	f, errno := x.fs.OpenFile(p, vfs.OFlagRead, 0)
	if errno != vfs.ESUCCESS {
		return nil, pathErr("open", name, errno)
	}
	return &ioFile{fsys: x, f: f, name: name, path: p}, nil
}

// Stat returns the attributes of name, following symbolic links.
func (x *ioFS) Stat(name string) (fs.FileInfo, error) {
	p, err := x.resolve("stat", name, true)
	if err != nil {
		return nil, err
	}
	st, errno := x.fs.Lstat(p)
	if errno != vfs.ESUCCESS {
		return nil, pathErr("stat", name, errno)
	}
	return fileInfo{name: path.Base(name), st: st}, nil
}

// Lstat returns the attributes of name, not following a last symbolic link.
func (x *ioFS) Lstat(name string) (fs.FileInfo, error) {
	p, err := x.resolve("lstat", name, false)
	if err != nil {
		return nil, err
	}
	st, errno := x.fs.Lstat(p)
	if errno != vfs.ESUCCESS {
		return nil, pathErr("lstat", name, errno)
	}
	return fileInfo{name: path.Base(name), st: st}, nil
}

// ReadLink returns the target of the symbolic link name.
func (x *ioFS) ReadLink(name string) (string, error) {
	p, err := x.resolve("readlink", name, false)
	if err != nil {
		return "", err
	}
	target, errno := x.fs.Readlink(p)
	if errno != vfs.ESUCCESS {
		return "", pathErr("readlink", name, errno)
	}
	return target, nil
}

// ReadFile returns the content of name in a new slice.
func (x *ioFS) ReadFile(name string) ([]byte, error) {
	f, err := x.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// ReadDir lists the directory name, sorted by name.
func (x *ioFS) ReadDir(name string) ([]fs.DirEntry, error) {
	f, err := x.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	list, err := f.(*ioFile).ReadDir(-1)
	slices.SortFunc(list, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return list, err
}

// ioFile is a file opened through an ioFS.
type ioFile struct {
	fsys *ioFS
	f    vfs.File
	// name is the io/fs name it was opened by; path the vfs path it resolved to.
	name, path string
	// cookie is where ReadDir continues.
	cookie uint64
}

var (
	_ fs.ReadDirFile = (*ioFile)(nil)
	_ io.Seeker      = (*ioFile)(nil)
	_ io.ReaderAt    = (*ioFile)(nil)
)

// Stat returns the open file's attributes.
func (f *ioFile) Stat() (fs.FileInfo, error) {
	st, errno := f.f.Stat()
	if errno != vfs.ESUCCESS {
		return nil, pathErr("stat", f.name, errno)
	}
	return fileInfo{name: path.Base(f.name), st: st}, nil
}

// Read reads from the file's offset; io.EOF at the end.
func (f *ioFile) Read(p []byte) (int, error) {
	n, errno := f.f.Read(p)
	if errno != vfs.ESUCCESS {
		return n, pathErr("read", f.name, errno)
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// ReadAt reads len(p) bytes at off, or fewer and io.EOF at the end.
func (f *ioFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, pathErr("readat", f.name, vfs.EINVAL)
	}
	n := 0
	for n < len(p) {
		k, errno := f.f.Pread(p[n:], off+int64(n))
		if errno != vfs.ESUCCESS {
			return n, pathErr("readat", f.name, errno)
		}
		if k == 0 {
			return n, io.EOF
		}
		n += k
	}
	return n, nil
}

// Seek moves the file's offset.
func (f *ioFile) Seek(off int64, whence int) (int64, error) {
	pos, errno := f.f.Lseek(off, whence)
	if errno != vfs.ESUCCESS {
		return pos, pathErr("seek", f.name, errno)
	}
	return pos, nil
}

// ReadDir returns the next n entries (all that are left when n <= 0), in the
// directory's own order, with fs.ReadDirFile's conventions at the end.
func (f *ioFile) ReadDir(n int) ([]fs.DirEntry, error) {
	var out []fs.DirEntry
	buf := make([]vfs.Dirent, 64)
	for n <= 0 || len(out) < n {
		want := buf
		if n > 0 {
			want = buf[:min(len(buf), n-len(out))]
		}
		k, errno := f.f.Readdir(f.cookie, want)
		if errno != vfs.ESUCCESS {
			return out, pathErr("readdir", f.name, errno)
		}
		if k == 0 {
			break
		}
		for _, d := range want[:k] {
			out = append(out, dirEntry{fsys: f.fsys, path: vfsJoin(f.path, d.Name), d: d})
			f.cookie = d.Next
		}
	}
	if n > 0 && len(out) == 0 {
		return nil, io.EOF
	}
	return out, nil
}

// Close closes the file.
func (f *ioFile) Close() error {
	if errno := f.f.Close(); errno != vfs.ESUCCESS {
		return pathErr("close", f.name, errno)
	}
	return nil
}

// dirEntry is an entry of ioFile.ReadDir.
type dirEntry struct {
	fsys *ioFS
	path string // the vfs path of the entry
	d    vfs.Dirent
}

func (e dirEntry) Name() string      { return e.d.Name }
func (e dirEntry) IsDir() bool       { return e.d.Type.IsDir() }
func (e dirEntry) Type() fs.FileMode { return e.d.Type.Type() }

// Info returns the entry's attributes (of a symbolic link itself).
func (e dirEntry) Info() (fs.FileInfo, error) {
	st, errno := e.fsys.fs.Lstat(e.path)
	if errno != vfs.ESUCCESS {
		return nil, pathErr("lstat", e.d.Name, errno)
	}
	return fileInfo{name: e.d.Name, st: st}, nil
}

func (e dirEntry) String() string { return fs.FormatDirEntry(e) }

// fileInfo is a vfs.Stat as an fs.FileInfo; Sys returns the vfs.Stat.
type fileInfo struct {
	name string
	st   vfs.Stat
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.st.Size }
func (i fileInfo) Mode() fs.FileMode  { return i.st.Mode }
func (i fileInfo) ModTime() time.Time { return time.Unix(0, i.st.Mtim) }
func (i fileInfo) IsDir() bool        { return i.st.Mode.IsDir() }
func (i fileInfo) Sys() any           { return i.st }
func (i fileInfo) String() string     { return fs.FormatFileInfo(i) }
