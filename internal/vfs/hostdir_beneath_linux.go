package vfs

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// The Linux fast path of the host directory: openat2(2) with RESOLVE_BENEATH
// resolves a whole root-relative name in one system call, where os.Root opens
// every directory on the way. The kernel refuses, with EXDEV, any resolution that
// would leave the directory descriptor: ".." above it, an absolute symlink, a
// magic link (/proc/self/fd/N; RESOLVE_NO_MAGICLINKS refuses those too, with
// ELOOP). That is os.Root's guarantee, and EXDEV becomes errHostEscape, which
// hostErrno maps to EPERM as it maps os.Root's escape error. Symlinks that stay
// inside are followed before the last component, as os.Root does.
//
// Lstat, OpenFile and the *at calls on a parent (Unlink, Rmdir, Rename, Utimens,
// Mkdir, Symlink, Readlink, Link) cost a constant number of system calls whatever
// the depth of the name: Lstat three (openat2, fstat, close), Unlink three
// (openat2 of the parent, unlinkat, close) and so Mkdir, Symlink and Readlink,
// Link five (two parents), OpenFile Lstat's and one openat2; a name in the root
// itself needs no resolution and saves the openat2 and close. Chmod is three
// (openat2, fchmodat2, close) where the kernel has fchmodat2 (Linux 6.6, see
// chmodNoFollow), else Lstat's and os.Root.Chmod's. Where openat2 is missing (Linux
// before 5.6, or a seccomp filter that answers ENOSYS or EPERM), detected once,
// everything goes through os.Root as on other systems.

// beneathResolve are the RESOLVE_ flags of every openat2 call.
const beneathResolve = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS

// beneathRetries is how many times an openat2 that the kernel answers with EAGAIN
// (a rename or mount raced with a ".." in the walk) is tried again before the call
// goes through os.Root instead.
const beneathRetries = 8

// hostBeneath holds the root's directory descriptor for openat2 (nil when os.Root
// is used). The descriptor stays inside an *os.File and is used only through its
// RawConn, so a call that races with Close gets EBADF, never a reused descriptor
// number.
type hostBeneath struct {
	f    *os.File
	conn syscall.RawConn
}

// openat2Works reports whether the kernel lets this process use openat2 with
// beneathResolve, probed once (hostBeneath.probe) on the first host directory's
// descriptor.
var (
	openat2Once  sync.Once
	openat2Works bool
)

// hostOpenat2 is openat2(2); tests replace it to make it fail.
var hostOpenat2 = unix.Openat2

// newHostBeneath opens the root itself, through os.Root, for openat2; nil when
// openat2 cannot be used.
func newHostBeneath(root *os.Root) *hostBeneath {
	f, err := root.OpenFile(".", unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil
	}
	conn, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil
	}
	b := &hostBeneath{f: f, conn: conn}
	openat2Once.Do(func() { openat2Works = b.probe() })
	if !openat2Works {
		f.Close()
		return nil
	}
	return b
}

// probe opens the root itself with openat2: any failure (ENOSYS before Linux
// 5.6, EPERM or ENOSYS from a seccomp filter, EINVAL for an unknown RESOLVE_ flag)
// means that openat2 cannot be used, and os.Root, which needs none of it, is.
func (b *hostBeneath) probe() bool {
	err := b.control(func(rootfd int) error {
		fd, err := hostOpenat2(rootfd, ".", &unix.OpenHow{
			Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
			Resolve: beneathResolve,
		})
		if err == nil {
			unix.Close(fd)
		}
		return err
	})
	return err == nil
}

// close closes the root's descriptor; nil does nothing.
func (b *hostBeneath) close() error {
	if b == nil {
		return nil
	}
	return b.f.Close()
}

// control calls fn with the root's descriptor, open meanwhile; after close it
// gives os.ErrClosed (RawConn gives internal/poll's own error, which hostErrno
// would not know).
func (b *hostBeneath) control(fn func(rootfd int) error) error {
	var fnErr error
	if err := b.conn.Control(func(fd uintptr) { fnErr = fn(int(fd)) }); err != nil {
		return os.ErrClosed
	}
	return fnErr
}

// errBeneathRetry means that openat2 kept answering EAGAIN: the caller goes
// through os.Root.
var errBeneathRetry = errors.New("openat2 kept answering EAGAIN")

// openat opens the root-relative name with openat2 under beneathResolve, with
// flags (O_CLOEXEC and O_LARGEFILE are added) and, when creating, mode. EXDEV, an
// escape, is errHostEscape; after close the error is os.ErrClosed.
func (b *hostBeneath) openat(name string, flags int, mode uint32) (int, error) {
	how := unix.OpenHow{
		Flags:   uint64(flags | unix.O_CLOEXEC | unix.O_LARGEFILE),
		Resolve: beneathResolve,
	}
	if flags&unix.O_CREAT != 0 { // openat2 refuses a mode without it

		how.Mode = uint64(mode)
	}
	fd := -1
	err := b.control(func(rootfd int) error {
		for range beneathRetries {
			var err error
			hostCountSyscall("openat2")
			fd, err = hostOpenat2(rootfd, name, &how)
			switch err {
			case nil:
				return nil
			case unix.EINTR, unix.EAGAIN:
				continue
			case unix.EXDEV:
				return errHostEscape
			}
			return err
		}
		return errBeneathRetry
	})
	return fd, err
}

// closeFd closes a descriptor of openat.
func closeFd(fd int) {
	hostCountSyscall("close")
	unix.Close(fd)
}

// lstatBeneath is Lstat with openat2: the name itself opened with O_PATH and
// O_NOFOLLOW (a symlink is opened as itself), then fstat; three system calls. A
// name of one component (no separator; hostName has refused ".." and "") needs
// no resolution and is one fstatat on the root, without following it, as os.Root
// does. ok is false when the caller must use os.Root.
func (h *hostDir) lstatBeneath(name string) (st Stat, ok bool, err error) {
	if h.beneath == nil {
		return Stat{}, false, nil
	}
	var sys unix.Stat_t
	if !strings.Contains(name, "/") {
		err := h.beneath.control(func(rootfd int) error {
			hostCountSyscall("fstatat")
			return hostRetryEINTR(func() error { return unix.Fstatat(rootfd, name, &sys, unix.AT_SYMLINK_NOFOLLOW) })
		})
		if err != nil {
			return Stat{}, true, err
		}
		return hostStatSys(&sys), true, nil
	}
	fd, err := h.beneath.openat(name, unix.O_PATH|unix.O_NOFOLLOW, 0)
	switch {
	case err == errBeneathRetry:
		return Stat{}, false, nil
	case err != nil:
		return Stat{}, true, err
	}
	defer closeFd(fd)
	hostCountSyscall("fstat")
	if err := hostRetryEINTR(func() error { return unix.Fstat(fd, &sys) }); err != nil {
		return Stat{}, true, err
	}
	return hostStatSys(&sys), true, nil
}

// hostStatSys converts a host stat structure as hostStat converts the FileInfo
// that os builds from it.
func hostStatSys(s *unix.Stat_t) Stat {
	st := Stat{
		Dev:   uint64(s.Dev),
		Ino:   s.Ino,
		Mode:  hostModeType(s.Mode) | fs.FileMode(s.Mode)&fs.ModePerm,
		Nlink: uint64(s.Nlink),
		Size:  s.Size,
	}
	st.Atim, st.Mtim, st.Ctim = s.Atim.Nano(), s.Mtim.Nano(), s.Ctim.Nano()
	return st
}

// openBeneath opens the name with openat2 and O_NOFOLLOW (OpenFile has already
// refused a symlink; one swapped in since is ELOOP, not followed). ok is false
// when the caller must use os.Root.
func (h *hostDir) openBeneath(name string, oflag int, perm uint32) (f *os.File, ok bool, err error) {
	if h.beneath == nil {
		return nil, false, nil
	}
	fd, err := h.beneath.openat(name, oflag|unix.O_NOFOLLOW, perm)
	switch {
	case err == errBeneathRetry:
		return nil, false, nil
	case err != nil:
		return nil, true, err
	}
	return os.NewFile(uintptr(fd), name), true, nil
}

// atParentBeneath opens the parent directory with openat2 (O_PATH) and calls fn
// with it, as atParent does; when the parent is the root itself, fn gets the
// root's descriptor. ok is false when the caller must use os.Root.
func (h *hostDir) atParentBeneath(parent, base string, fn func(dirfd int, base string) error) (ok bool, err error) {
	switch {
	case h.beneath == nil:
		return false, nil
	case parent == ".":
		return true, h.beneath.control(func(rootfd int) error { return fn(rootfd, base) })
	}
	fd, err := h.beneath.openat(parent, parentOpenFlags, 0)
	switch {
	case err == errBeneathRetry:
		return false, nil
	case err != nil:
		return true, err
	}
	defer closeFd(fd)
	return true, fn(fd, base)
}
