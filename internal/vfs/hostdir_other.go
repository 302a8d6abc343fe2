//go:build !linux && !darwin

package vfs

import (
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Open flags that os has no portable name for: none here. OFlagDsync is O_SYNC's
// weaker half and is dropped; OFlagDirectory is checked with Lstat only.
const (
	oDsync     = 0
	oDirectory = 0
)

// hostStat converts a host FileInfo: no inode (0), one link, and the modification
// time for all three times (the FileInfo of these platforms gives no more).
func hostStat(fi fs.FileInfo) Stat { return hostStatGeneric(fi) }

// rename emulates POSIX over os.Root.Rename, which refuses any existing directory
// as the destination: a directory replaces an empty directory (removed first, so
// not atomically), a file over a directory is EISDIR, a directory over a file
// ENOTDIR.
func (h *hostDir) rename(oldName, newName string) Errno {
	if dst, err := h.root.Lstat(newName); err == nil {
		src, err := h.root.Lstat(oldName)
		switch {
		case err != nil:
			return hostErrno(err)
		case dst.IsDir() && !src.IsDir():
			return EISDIR
		case !dst.IsDir() && src.IsDir():
			return ENOTDIR
		case os.SameFile(src, dst):
			return ESUCCESS
		case dst.IsDir():
			if err := h.root.Remove(newName); err != nil {
				return hostErrno(err)
			}
		}
	}
	return hostErrno(h.root.Rename(oldName, newName))
}

// mkdir is os.Root.Mkdir.
func (h *hostDir) mkdir(name string, perm fs.FileMode) Errno {
	return hostErrno(h.root.Mkdir(name, perm))
}

// symlink is os.Root.Symlink.
func (h *hostDir) symlink(target, name string) Errno {
	return hostErrno(h.root.Symlink(target, name))
}

// readlink is os.Root.Readlink, the target with forward slashes.
func (h *hostDir) readlink(name string) (string, Errno) {
	target, err := h.root.Readlink(name)
	if err != nil {
		return "", hostErrno(err)
	}
	return filepath.ToSlash(target), ESUCCESS
}

// link is os.Root.Link.
func (h *hostDir) link(oldName, newName string) Errno {
	return hostErrno(h.root.Link(oldName, newName))
}

// unlink removes a non-directory, checked with Lstat first (os.Root.Remove removes
// either kind).
func (h *hostDir) unlink(name string) Errno {
	fi, err := h.root.Lstat(name)
	switch {
	case err != nil:
		return hostErrno(err)
	case fi.IsDir():
		return EISDIR
	}
	return hostErrno(h.root.Remove(name))
}

// rmdir removes a directory, checked with Lstat first.
func (h *hostDir) rmdir(name string) Errno {
	fi, err := h.root.Lstat(name)
	switch {
	case err != nil:
		return hostErrno(err)
	case !fi.IsDir():
		return ENOTDIR
	}
	return hostErrno(h.root.Remove(name))
}

// utimens uses os.Root.Chtimes, which follows a symlink: a symlink's own times are
// ENOTSUP here. UTimeOmit is filled in from Lstat first.
func (h *hostDir) utimens(name string, atim, mtim int64) Errno {
	fi, err := h.root.Lstat(name)
	switch {
	case err != nil:
		return hostErrno(err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return ENOTSUP
	}
	a, m := hostTimes(hostStat(fi), atim, mtim)
	return hostErrno(h.root.Chtimes(name, a, m))
}

// utimens sets the times by the name the file was opened with (os.File has no
// futimens), so after a rename it fails or reaches what now has that name, inside
// the root.
func (f *hostFile) utimens(atim, mtim int64) Errno {
	st, errno := f.Stat()
	if errno != ESUCCESS {
		return errno
	}
	a, m := hostTimes(st, atim, mtim)
	return hostErrno(f.h.root.Chtimes(f.name, a, m))
}

// hostTimes resolves UTimeOmit (from st) and UTimeNow.
func hostTimes(st Stat, atim, mtim int64) (time.Time, time.Time) {
	now := time.Now()
	conv := func(t, cur int64) time.Time {
		switch t {
		case UTimeOmit:
			return time.Unix(0, cur)
		case UTimeNow:
			return now
		}
		return time.Unix(0, t)
	}
	return conv(atim, st.Atim), conv(mtim, st.Mtim)
}

// readDir appends the directory's entries to list (inode numbers 0).
func (f *hostFile) readDir(list []Dirent) ([]Dirent, error) { return f.readDirGeneric(list) }

// chmodNoFollow is Linux's fchmodat2 path (see hostdir_linux.go); here Chmod
// goes through Lstat and os.Root.
func (*hostDir) chmodNoFollow(string, fs.FileMode) (bool, Errno) { return false, ESUCCESS }
