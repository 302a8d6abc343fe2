package vfs

import (
	"io/fs"
	"strings"
)

// NewReadOnly returns a read-only view of fsys: Lstat, Readlink and opens for
// reading pass through; every change gives EROFS, in Linux's order of errors (see
// roCreate and its siblings), and so does an open with OFlagWrite, OFlagCreate (of
// a missing file), OFlagTruncate or OFlagAppend. Files opened through it refuse
// Write, Pwrite and Truncate with EBADF and Chmod and Utimens with EROFS, whatever
// the underlying file would allow.
//
// Only the reads are forwarded one by one: a method added to FS or File later
// answers ENOSYS here until it is judged a read, rather than reaching fsys.
func NewReadOnly(fsys FS) FS {
	return &readOnlyFS{fs: fsys}
}

// readOnlyFS is the filesystem NewReadOnly returns.
type readOnlyFS struct {
	UnimplementedFS
	fs FS
}

var _ FS = (*readOnlyFS)(nil)

// roWriteFlags are the open flags that ask for a change. OFlagAppend alone is
// counted, though Linux accepts it with O_RDONLY, because it says the opener means
// to write.
const roWriteFlags = OFlagWrite | OFlagCreate | OFlagTruncate | OFlagAppend

// OpenFile opens path through fsys for reading, or answers a write intent itself.
func (r *readOnlyFS) OpenFile(path string, flag OFlag, perm fs.FileMode) (File, Errno) {
	switch {
	case flag&OFlagPath != 0:
		// As with Linux's O_PATH, the flags that would change the file are ignored.
		flag &^= roWriteFlags | OFlagExclusive
	case flag&roWriteFlags != 0:
		if errno := roOpen(r.fs, path, flag); errno != ESUCCESS {
			return nil, errno
		}
		// Only OFlagCreate of an existing file gets here: open it as it is.
		flag &^= OFlagCreate
	}
	f, errno := r.fs.OpenFile(path, flag, perm)
	if errno != ESUCCESS {
		return nil, errno
	}
	return &readOnlyFile{f: f}, ESUCCESS
}

// Lstat passes through.
func (r *readOnlyFS) Lstat(path string) (Stat, Errno) { return r.fs.Lstat(path) }

// Readlink passes through.
func (r *readOnlyFS) Readlink(path string) (string, Errno) { return r.fs.Readlink(path) }

// Mkdir gives EROFS (EEXIST if path exists).
func (r *readOnlyFS) Mkdir(path string, _ fs.FileMode) Errno { return roCreate(r.fs, path) }

// Symlink gives EROFS (EEXIST if linkPath exists).
func (r *readOnlyFS) Symlink(_, linkPath string) Errno { return roCreate(r.fs, linkPath) }

// Link gives EROFS (ENOENT if oldPath is missing, EEXIST if newPath exists).
func (r *readOnlyFS) Link(oldPath, newPath string) Errno { return roLink(r.fs, oldPath, newPath) }

// Rename gives EROFS (or a parent's lookup errno).
func (r *readOnlyFS) Rename(from, to string) Errno { return roRename(r.fs, from, to) }

// Rmdir gives EROFS (or the parent's lookup errno).
func (r *readOnlyFS) Rmdir(path string) Errno { return roRemove(r.fs, path) }

// Unlink gives EROFS (or the parent's lookup errno).
func (r *readOnlyFS) Unlink(path string) Errno { return roRemove(r.fs, path) }

// Chmod gives EROFS (or the lookup's errno).
func (r *readOnlyFS) Chmod(path string, _ fs.FileMode) Errno { return roChange(r.fs, path) }

// Utimens gives EROFS (or the lookup's errno).
func (r *readOnlyFS) Utimens(path string, _, _ int64) Errno { return roChange(r.fs, path) }

// readOnlyFile is a file opened through a readOnlyFS.
type readOnlyFile struct {
	UnimplementedFile
	f File
}

var _ File = (*readOnlyFile)(nil)

// Stat passes through.
func (f *readOnlyFile) Stat() (Stat, Errno) { return f.f.Stat() }

// Read passes through.
func (f *readOnlyFile) Read(p []byte) (int, Errno) { return f.f.Read(p) }

// Pread passes through.
func (f *readOnlyFile) Pread(p []byte, off int64) (int, Errno) { return f.f.Pread(p, off) }

// Lseek passes through.
func (f *readOnlyFile) Lseek(off int64, whence int) (int64, Errno) { return f.f.Lseek(off, whence) }

// Readdir passes through.
func (f *readOnlyFile) Readdir(cookie uint64, buf []Dirent) (int, Errno) {
	return f.f.Readdir(cookie, buf)
}

// Sync passes through.
func (f *readOnlyFile) Sync() Errno { return f.f.Sync() }

// Datasync passes through.
func (f *readOnlyFile) Datasync() Errno { return f.f.Datasync() }

// SetAppend passes through (it changes no data; writes are refused anyway).
func (f *readOnlyFile) SetAppend(on bool) Errno { return f.f.SetAppend(on) }

// Close passes through.
func (f *readOnlyFile) Close() Errno { return f.f.Close() }

// Write gives EBADF: the file is open for reading only.
func (f *readOnlyFile) Write([]byte) (int, Errno) { return 0, EBADF }

// Pwrite gives EBADF: the file is open for reading only.
func (f *readOnlyFile) Pwrite([]byte, int64) (int, Errno) { return 0, EBADF }

// Truncate gives EBADF: the file is open for reading only.
func (f *readOnlyFile) Truncate(int64) Errno { return EBADF }

// Chmod gives EROFS (EBADF once closed).
func (f *readOnlyFile) Chmod(fs.FileMode) Errno { return f.changeErrno() }

// Utimens gives EROFS (EBADF once closed).
func (f *readOnlyFile) Utimens(int64, int64) Errno { return f.changeErrno() }

// changeErrno is the underlying Stat's errno (EBADF once closed), else EROFS.
func (f *readOnlyFile) changeErrno() Errno {
	if _, errno := f.f.Stat(); errno != ESUCCESS {
		return errno
	}
	return EROFS
}

// The errors of a read-only filesystem, shared by NewReadOnly and NewTreeFS. They
// follow Linux on a read-only mount: what the path lookup finds comes first (a
// missing parent is ENOENT, a parent that is a file ENOTDIR), then a name that a
// creation would need free and exists is EEXIST (so `mkdir -p` of an existing
// directory succeeds), then EROFS. Removals and renames do not look at the last
// component before answering EROFS, as Linux does not. They are cold paths: a few
// Lstat calls each.

// roOpenFlags is the answer to an open with flag of an existing node that is not a
// symlink: ESUCCESS when the open only reads.
func roOpenFlags(flag OFlag, isDir bool) Errno {
	switch {
	case flag&OFlagPath != 0:
		if flag&OFlagDirectory != 0 && !isDir {
			return ENOTDIR
		}
		return ESUCCESS
	case flag&(OFlagCreate|OFlagExclusive) == OFlagCreate|OFlagExclusive:
		return EEXIST
	case flag&OFlagDirectory != 0 && !isDir:
		return ENOTDIR
	case isDir && flag&(OFlagWrite|OFlagCreate|OFlagTruncate) != 0:
		return EISDIR
	case flag&(OFlagWrite|OFlagTruncate|OFlagAppend) != 0:
		return EROFS
	}
	return ESUCCESS
}

// roOpen is the answer to an open of path with flag (which has a write flag and
// not OFlagPath): ESUCCESS only for OFlagCreate of an existing file.
func roOpen(fsys FS, path string, flag OFlag) Errno {
	st, errno := fsys.Lstat(path)
	switch {
	case errno == ENOENT && flag&OFlagCreate != 0:
		if errno := roParentErrno(fsys, path); errno != ESUCCESS {
			return errno
		}
		return EROFS
	case errno != ESUCCESS:
		return errno
	case st.Mode&fs.ModeSymlink != 0:
		return ELOOP // a filesystem never follows a link (see FS)
	}
	return roOpenFlags(flag, st.Mode.IsDir())
}

// roCreate is the answer to creating path (Mkdir, Symlink, the new name of Link).
func roCreate(fsys FS, path string) Errno {
	switch _, errno := fsys.Lstat(path); errno {
	case ESUCCESS:
		return EEXIST
	case ENOENT:
		if errno := roParentErrno(fsys, path); errno != ESUCCESS {
			return errno
		}
		return EROFS
	default:
		return errno
	}
}

// roLink is the answer to Link(oldPath, newPath).
func roLink(fsys FS, oldPath, newPath string) Errno {
	if _, errno := fsys.Lstat(oldPath); errno != ESUCCESS {
		return errno
	}
	return roCreate(fsys, newPath)
}

// roRemove is the answer to removing path (Unlink, Rmdir, either side of Rename).
func roRemove(fsys FS, path string) Errno {
	switch _, errno := fsys.Lstat(path); errno {
	case ESUCCESS:
		return EROFS
	case ENOENT:
		if errno := roParentErrno(fsys, path); errno != ESUCCESS {
			return errno
		}
		return EROFS
	default:
		return errno
	}
}

// roRename is the answer to Rename(from, to).
func roRename(fsys FS, from, to string) Errno {
	if errno := roRemove(fsys, from); errno != EROFS {
		return errno
	}
	return roRemove(fsys, to)
}

// roChange is the answer to changing an existing path's attributes (Chmod, Utimens).
func roChange(fsys FS, path string) Errno {
	if _, errno := fsys.Lstat(path); errno != ESUCCESS {
		return errno
	}
	return EROFS
}

// roParentErrno reports whether path's parent is an existing directory: ESUCCESS,
// ENOTDIR, or the parent's lookup errno.
func roParentErrno(fsys FS, path string) Errno {
	parent := "/"
	if i := strings.LastIndexByte(path, '/'); i > 0 {
		parent = path[:i]
	}
	st, errno := fsys.Lstat(parent)
	if errno != ESUCCESS {
		return errno
	}
	if !st.Mode.IsDir() {
		return ENOTDIR
	}
	return ESUCCESS
}
