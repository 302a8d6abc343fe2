package vfstest

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"time"

	"github.com/wasirun/wasirun/internal/vfs"
)

// HostOps returns the reference implementation of Ops: plain os and syscall calls
// on the host directory dir, the vfs path "/a/b" being dir/a/b. Errors become
// errnos through a table of its own (hostErrnos), independent of the host
// directory filesystem's mapping.
//
// It is for tests only. It joins paths without any confinement (the steps' paths
// are constants of this package), and it applies two vfs rules that a host open
// does not, since Go has no portable O_NOFOLLOW or O_DIRECTORY: opening a symbolic
// link gives ELOOP (a vfs filesystem never follows links; see vfs.FS), and
// OFlagDirectory on a non-directory gives ENOTDIR; ReadDir follows both rules.
// Chmod and Utimens follow a symbolic link, as os.Chmod and os.Chtimes do; the
// steps do not use them on links. Everything else is the host's own answer, as
// given by Linux (the steps note where other systems differ).
func HostOps(dir string) Ops { return hostOps{dir: dir} }

// HostOpsResolving is HostOps for a filesystem that follows symbolic links (the
// mount table): Open follows a link in the last component as os.OpenFile does
// (ELOOP only with OFlagNoFollow), and OFlagDirectory looks at what the link
// names. Every other operation is HostOps's.
func HostOpsResolving(dir string) Ops { return hostOps{dir: dir, follow: true} }

type hostOps struct {
	dir    string
	follow bool // Open follows a last symlink (HostOpsResolving)
}

// path joins a vfs path onto the directory: the one filepath.Join outside _test
// files in internal/vfs (STYLE.md habit 4), acceptable in a test-only reference
// whose paths are the steps' constants.
func (h hostOps) path(p string) string { return filepath.Join(h.dir, filepath.FromSlash(p)) }

func (h hostOps) Open(p string, flag vfs.OFlag, perm fs.FileMode) (OpsFile, vfs.Errno) {
	hp := h.path(p)
	lstat := os.Lstat
	if h.follow && flag&vfs.OFlagNoFollow == 0 {
		lstat = os.Stat // a dangling link gives ENOENT here, and os.OpenFile decides
	}
	if fi, err := lstat(hp); err == nil {
		exclusive := flag&(vfs.OFlagCreate|vfs.OFlagExclusive) == vfs.OFlagCreate|vfs.OFlagExclusive
		switch {
		case fi.Mode()&fs.ModeSymlink != 0 && !exclusive:
			return nil, vfs.ELOOP
		case flag&vfs.OFlagDirectory != 0 && !fi.IsDir():
			return nil, vfs.ENOTDIR
		}
	}
	var oflag int
	switch {
	case flag&(vfs.OFlagRead|vfs.OFlagWrite) == vfs.OFlagRead|vfs.OFlagWrite:
		oflag = os.O_RDWR
	case flag&vfs.OFlagWrite != 0:
		oflag = os.O_WRONLY
	default:
		oflag = os.O_RDONLY
	}
	for _, m := range []struct {
		v vfs.OFlag
		o int
	}{
		{vfs.OFlagAppend, os.O_APPEND}, {vfs.OFlagCreate, os.O_CREATE}, {vfs.OFlagExclusive, os.O_EXCL},
		{vfs.OFlagTruncate, os.O_TRUNC}, {vfs.OFlagSync, os.O_SYNC},
	} {
		if flag&m.v != 0 {
			oflag |= m.o
		}
	}
	f, err := os.OpenFile(hp, oflag, perm)
	if err != nil {
		return nil, hostErrno(err)
	}
	return hostFile{f}, vfs.ESUCCESS
}

func (h hostOps) Lstat(p string) (vfs.Stat, vfs.Errno) {
	fi, err := os.Lstat(h.path(p))
	if err != nil {
		return vfs.Stat{}, hostErrno(err)
	}
	return hostStat(fi), vfs.ESUCCESS
}

func (h hostOps) Mkdir(p string, perm fs.FileMode) vfs.Errno {
	return hostErrno(os.Mkdir(h.path(p), perm))
}

func (h hostOps) Chmod(p string, perm fs.FileMode) vfs.Errno {
	return hostErrno(os.Chmod(h.path(p), perm))
}

// Rename calls rename(2) itself: os.Rename refuses to replace a directory.
func (h hostOps) Rename(from, to string) vfs.Errno {
	return hostErrno(syscall.Rename(h.path(from), h.path(to)))
}

// Rmdir calls rmdir(2) itself: os.Remove removes files too.
func (h hostOps) Rmdir(p string) vfs.Errno { return hostErrno(syscall.Rmdir(h.path(p))) }

// Unlink calls unlink(2) itself: os.Remove removes directories too.
func (h hostOps) Unlink(p string) vfs.Errno { return hostErrno(syscall.Unlink(h.path(p))) }

func (h hostOps) Link(oldPath, newPath string) vfs.Errno {
	return hostErrno(os.Link(h.path(oldPath), h.path(newPath)))
}

func (h hostOps) Symlink(target, linkPath string) vfs.Errno {
	return hostErrno(os.Symlink(target, h.path(linkPath)))
}

func (h hostOps) Readlink(p string) (string, vfs.Errno) {
	target, err := os.Readlink(h.path(p))
	return target, hostErrno(err)
}

// Utimens uses os.Chtimes, which leaves a time given as the zero time.Time as it is.
func (h hostOps) Utimens(p string, atim, mtim int64) vfs.Errno {
	conv := func(t int64) time.Time {
		switch t {
		case vfs.UTimeOmit:
			return time.Time{}
		case vfs.UTimeNow:
			return time.Now()
		}
		return time.Unix(0, t)
	}
	return hostErrno(os.Chtimes(h.path(p), conv(atim), conv(mtim)))
}

func (h hostOps) ReadDir(p string) ([]vfs.Dirent, vfs.Errno) {
	f, errno := h.Open(p, vfs.OFlagRead|vfs.OFlagDirectory, 0)
	if errno != vfs.ESUCCESS {
		return nil, errno
	}
	defer f.Close()
	list, err := f.(hostFile).f.ReadDir(-1)
	if err != nil {
		return nil, hostErrno(err)
	}
	out := make([]vfs.Dirent, len(list))
	for i, e := range list {
		out[i] = vfs.Dirent{Next: uint64(i + 1), Name: e.Name(), Type: e.Type()}
	}
	return out, vfs.ESUCCESS
}

// hostFile is an open host file.
type hostFile struct{ f *os.File }

func (f hostFile) Stat() (vfs.Stat, vfs.Errno) {
	fi, err := f.f.Stat()
	if err != nil {
		return vfs.Stat{}, hostErrno(err)
	}
	return hostStat(fi), vfs.ESUCCESS
}

func (f hostFile) Read(p []byte) (int, vfs.Errno) { return eofOK(f.f.Read(p)) }

func (f hostFile) Pread(p []byte, off int64) (int, vfs.Errno) { return eofOK(f.f.ReadAt(p, off)) }

func (f hostFile) Write(p []byte) (int, vfs.Errno) {
	n, err := f.f.Write(p)
	return n, hostErrno(err)
}

func (f hostFile) Pwrite(p []byte, off int64) (int, vfs.Errno) {
	n, err := f.f.WriteAt(p, off)
	return n, hostErrno(err)
}

func (f hostFile) Lseek(off int64, whence int) (int64, vfs.Errno) {
	pos, err := f.f.Seek(off, whence)
	return pos, hostErrno(err)
}

func (f hostFile) Truncate(size int64) vfs.Errno { return hostErrno(f.f.Truncate(size)) }

func (f hostFile) Close() vfs.Errno { return hostErrno(f.f.Close()) }

// eofOK turns io.EOF, which vfs does not have, into ESUCCESS.
func eofOK(n int, err error) (int, vfs.Errno) {
	if errors.Is(err, io.EOF) {
		return n, vfs.ESUCCESS
	}
	return n, hostErrno(err)
}

// hostErrnos maps the host's errors to vfs errnos. It is the reference's own table,
// not the host directory filesystem's mapping, which it helps to check.
var hostErrnos = map[syscall.Errno]vfs.Errno{
	syscall.E2BIG: vfs.E2BIG, syscall.EACCES: vfs.EACCES, syscall.EAGAIN: vfs.EAGAIN,
	syscall.EBADF: vfs.EBADF, syscall.EBUSY: vfs.EBUSY, syscall.EEXIST: vfs.EEXIST,
	syscall.EFBIG: vfs.EFBIG, syscall.EINTR: vfs.EINTR, syscall.EINVAL: vfs.EINVAL,
	syscall.EIO: vfs.EIO, syscall.EISDIR: vfs.EISDIR, syscall.ELOOP: vfs.ELOOP,
	syscall.EMFILE: vfs.EMFILE, syscall.EMLINK: vfs.EMLINK, syscall.ENAMETOOLONG: vfs.ENAMETOOLONG,
	syscall.ENFILE: vfs.ENFILE, syscall.ENOENT: vfs.ENOENT, syscall.ENOSPC: vfs.ENOSPC,
	syscall.ENOSYS: vfs.ENOSYS, syscall.ENOTDIR: vfs.ENOTDIR, syscall.ENOTEMPTY: vfs.ENOTEMPTY,
	syscall.ENOTSUP: vfs.ENOTSUP, syscall.EPERM: vfs.EPERM, syscall.EROFS: vfs.EROFS,
	syscall.ESPIPE: vfs.ESPIPE, syscall.EXDEV: vfs.EXDEV,
}

// hostErrno returns the errno of a host error: its syscall.Errno through
// hostErrnos, else the io/fs class of the error, else EIO.
func hostErrno(err error) vfs.Errno {
	if err == nil {
		return vfs.ESUCCESS
	}
	var se syscall.Errno
	if errors.As(err, &se) {
		if errno, ok := hostErrnos[se]; ok {
			return errno
		}
	}
	switch {
	case errors.Is(err, os.ErrClosed):
		return vfs.EBADF
	case errors.Is(err, fs.ErrNotExist):
		return vfs.ENOENT
	case errors.Is(err, fs.ErrExist):
		return vfs.EEXIST
	case errors.Is(err, fs.ErrPermission):
		return vfs.EPERM
	case errors.Is(err, fs.ErrInvalid):
		return vfs.EINVAL
	}
	return vfs.EIO
}

// hostStat converts a host FileInfo. The inode number, link count and access
// time come from the platform's stat structure, read by field name (Linux calls
// the access time Atim, Darwin and the BSDs Atimespec) to keep one file for every
// platform; where there is none (Windows), Nlink is 1 and Atim is Mtim.
func hostStat(fi fs.FileInfo) vfs.Stat {
	st := vfs.Stat{
		Mode:  fi.Mode() & (fs.ModeType | fs.ModePerm),
		Size:  fi.Size(),
		Mtim:  fi.ModTime().UnixNano(),
		Nlink: 1,
	}
	st.Atim, st.Ctim = st.Mtim, st.Mtim
	v := reflect.ValueOf(fi.Sys())
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return st
	}
	if n, ok := intField(v, "Ino"); ok {
		st.Ino = uint64(n)
	}
	if n, ok := intField(v, "Nlink"); ok {
		st.Nlink = uint64(n)
	}
	for _, name := range []string{"Atim", "Atimespec"} {
		if ts := v.FieldByName(name); ts.IsValid() && ts.Kind() == reflect.Struct {
			sec, _ := intField(ts, "Sec")
			nsec, _ := intField(ts, "Nsec")
			st.Atim = sec*1e9 + nsec
		}
	}
	return st
}

// intField returns the integer field name of struct v.
func intField(v reflect.Value, name string) (int64, bool) {
	f := v.FieldByName(name)
	switch {
	case !f.IsValid():
		return 0, false
	case f.CanInt():
		return f.Int(), true
	case f.CanUint():
		return int64(f.Uint()), true
	}
	return 0, false
}
