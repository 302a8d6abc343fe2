//go:build linux || darwin

package vfs

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Open flags that os has no portable name for.
const (
	oDsync     = syscall.O_DSYNC
	oDirectory = syscall.O_DIRECTORY
)

// hostStat converts a host FileInfo, with the inode, device, link count and
// nanosecond times of the platform's stat structure.
func hostStat(fi fs.FileInfo) Stat {
	st := hostStatGeneric(fi)
	if s, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.Dev = uint64(s.Dev)
		st.Ino = s.Ino
		st.Nlink = uint64(s.Nlink)
		st.Atim, st.Mtim, st.Ctim = statTimes(s)
	}
	return st
}

// atParent opens, with openat2 where it can (see hostdir_beneath_linux.go), else
// through os.Root, the parent directory of the root-relative name and calls fn with its descriptor and the last component of name. fn must act on
// that one component without following it (the *at calls with no flag that would
// follow, or with AT_SYMLINK_NOFOLLOW): the component has no separator and is never
// "..", and the parent is inside the root, so nothing fn does leaves it.
func (h *hostDir) atParent(name string, fn func(dirfd int, base string) error) error {
	parent, base := ".", name
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		parent, base = name[:i], name[i+1:]
	}
	if ok, err := h.atParentBeneath(parent, base, fn); ok {
		return err
	}
	d, err := h.root.OpenFile(parent, parentOpenFlags, 0)
	if err != nil {
		return err
	}
	defer d.Close()
	return hostWithFd(d, func(fd int) error { return fn(fd, base) })
}

// hostWithFd calls fn with f's descriptor, which stays open meanwhile.
func hostWithFd(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var fnErr error
	if err := rc.Control(func(fd uintptr) { fnErr = fn(int(fd)) }); err != nil {
		return err
	}
	return fnErr
}

// rename is renameat(2) between the two parents: it replaces an empty directory,
// refuses a non-empty one (ENOTEMPTY) and a file over a directory (EISDIR), as
// POSIX says and os.Root.Rename does not.
func (h *hostDir) rename(oldName, newName string) Errno {
	return hostErrno(h.atParent(oldName, func(oldfd int, oldBase string) error {
		return h.atParent(newName, func(newfd int, newBase string) error {
			return hostRetryEINTR(func() error { return unix.Renameat(oldfd, oldBase, newfd, newBase) })
		})
	}))
}

// unlink is unlinkat(2) without AT_REMOVEDIR, which never removes a directory.
// Darwin answers EPERM for a directory; that becomes EISDIR.
func (h *hostDir) unlink(name string) Errno {
	err := h.atParent(name, func(fd int, base string) error {
		hostCountSyscall("unlinkat")
		return hostRetryEINTR(func() error { return unix.Unlinkat(fd, base, 0) })
	})
	if errors.Is(err, syscall.EPERM) {
		if fi, lerr := h.root.Lstat(name); lerr == nil && fi.IsDir() {
			return EISDIR
		}
	}
	return hostErrno(err)
}

// rmdir is unlinkat(2) with AT_REMOVEDIR, which never removes anything else.
func (h *hostDir) rmdir(name string) Errno {
	return hostErrno(h.atParent(name, func(fd int, base string) error {
		return hostRetryEINTR(func() error { return unix.Unlinkat(fd, base, unix.AT_REMOVEDIR) })
	}))
}

// mkdir is mkdirat(2) on the parent, which never follows the last component
// (an existing one, a symlink among them, is EEXIST).
func (h *hostDir) mkdir(name string, perm fs.FileMode) Errno {
	return hostErrno(h.atParent(name, func(fd int, base string) error {
		hostCountSyscall("mkdirat")
		return hostRetryEINTR(func() error { return unix.Mkdirat(fd, base, uint32(perm)) })
	}))
}

// symlink is symlinkat(2) on the parent: the target text is stored as given and
// never resolved here; the resolution of a later call refuses it if it leaves
// the root.
func (h *hostDir) symlink(target, name string) Errno {
	return hostErrno(h.atParent(name, func(fd int, base string) error {
		hostCountSyscall("symlinkat")
		return hostRetryEINTR(func() error { return unix.Symlinkat(target, fd, base) })
	}))
}

// readlink is readlinkat(2) on the parent, with a buffer grown until the target
// fits (readlinkat truncates silently).
func (h *hostDir) readlink(name string) (string, Errno) {
	var target string
	err := h.atParent(name, func(fd int, base string) error {
		for size := 256; ; size *= 2 {
			buf := make([]byte, size)
			var n int
			hostCountSyscall("readlinkat")
			err := hostRetryEINTR(func() (err error) {
				n, err = unix.Readlinkat(fd, base, buf)
				return err
			})
			if err != nil {
				return err
			}
			if n < size {
				target = string(buf[:n])
				return nil
			}
		}
	})
	if err != nil {
		return "", hostErrno(err)
	}
	return target, ESUCCESS
}

// link is linkat(2) between the two parents, with no flag: never
// AT_SYMLINK_FOLLOW, so a symlink is linked itself, and the target of one that
// leaves the root is never reached.
func (h *hostDir) link(oldName, newName string) Errno {
	return hostErrno(h.atParent(oldName, func(oldfd int, oldBase string) error {
		return h.atParent(newName, func(newfd int, newBase string) error {
			hostCountSyscall("linkat")
			return hostRetryEINTR(func() error { return unix.Linkat(oldfd, oldBase, newfd, newBase, 0) })
		})
	}))
}

// utimens is utimensat(2) with AT_SYMLINK_NOFOLLOW: a symlink's own times, and
// UTimeOmit / UTimeNow passed on as UTIME_OMIT / UTIME_NOW.
func (h *hostDir) utimens(name string, atim, mtim int64) Errno {
	ts := []unix.Timespec{hostTimespec(atim), hostTimespec(mtim)}
	return hostErrno(h.atParent(name, func(fd int, base string) error {
		return hostRetryEINTR(func() error { return unix.UtimesNanoAt(fd, base, ts, unix.AT_SYMLINK_NOFOLLOW) })
	}))
}

// hostTimespec converts a Utimens time, special values included.
func hostTimespec(t int64) unix.Timespec {
	switch t {
	case UTimeOmit:
		return unix.Timespec{Nsec: utimeOmit}
	case UTimeNow:
		return unix.Timespec{Nsec: utimeNow}
	}
	return unix.NsecToTimespec(t)
}

// hostRetryEINTR retries fn while it is interrupted (Go's own calls do the same).
func hostRetryEINTR(fn func() error) error {
	for {
		if err := fn(); err != syscall.EINTR {
			return err
		}
	}
}

// hostModeType is the type bits of a stat mode.
func hostModeType(mode uint32) fs.FileMode {
	switch mode & syscall.S_IFMT {
	case syscall.S_IFDIR:
		return fs.ModeDir
	case syscall.S_IFLNK:
		return fs.ModeSymlink
	case syscall.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFBLK:
		return fs.ModeDevice
	case syscall.S_IFIFO:
		return fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		return fs.ModeSocket
	}
	return 0
}
