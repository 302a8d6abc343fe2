package vfs

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
)

// hostErrno is the one place where a host error becomes an Errno: every host call
// of the host directory filesystem ends here. nil is ESUCCESS. os.Root's refusal of
// a path that leaves the root is EPERM (a change refused by policy; see FS), never
// EIO. A syscall errno maps to its WASI namesake; Windows error codes go through
// winErrno. What remains is classified by io/fs (ENOENT, EEXIST, EACCES, EINVAL)
// and os.ErrClosed (EBADF); anything else is EIO.
//
// It runs on error paths only, so its errors.Is/As walks cost nothing on success.
func hostErrno(err error) Errno {
	if err == nil {
		return ESUCCESS
	}
	if isRootEscape(err) {
		return EPERM
	}
	var se syscall.Errno
	if errors.As(err, &se) {
		if runtime.GOOS == "windows" {
			if errno := winErrno(uintptr(se)); errno != ESUCCESS {
				return errno
			}
		}
		// EOPNOTSUPP is ENOTSUP on Linux and a value of its own elsewhere; a
		// switch cannot list both.
		if se == syscall.EOPNOTSUPP {
			return ENOTSUP
		}
		switch se {
		case syscall.E2BIG:
			return E2BIG
		case syscall.EACCES:
			return EACCES
		case syscall.EAGAIN:
			return EAGAIN
		case syscall.EBADF:
			return EBADF
		case syscall.EBUSY:
			return EBUSY
		case syscall.ECANCELED:
			return ECANCELED
		case syscall.EDEADLK:
			return EDEADLK
		case syscall.EDQUOT:
			return EDQUOT
		case syscall.EEXIST:
			return EEXIST
		case syscall.EFAULT:
			return EFAULT
		case syscall.EFBIG:
			return EFBIG
		case syscall.EILSEQ:
			return EILSEQ
		case syscall.EINTR:
			return EINTR
		case syscall.EINVAL:
			return EINVAL
		case syscall.EIO:
			return EIO
		case syscall.EISDIR:
			return EISDIR
		case syscall.ELOOP:
			return ELOOP
		case syscall.EMFILE:
			return EMFILE
		case syscall.EMLINK:
			return EMLINK
		case syscall.ENAMETOOLONG:
			return ENAMETOOLONG
		case syscall.ENFILE:
			return ENFILE
		case syscall.ENODEV:
			return ENODEV
		case syscall.ENOENT:
			return ENOENT
		case syscall.ENOLCK:
			return ENOLCK
		case syscall.ENOMEM:
			return ENOMEM
		case syscall.ENOSPC:
			return ENOSPC
		case syscall.ENOSYS:
			return ENOSYS
		case syscall.ENOTDIR:
			return ENOTDIR
		case syscall.ENOTEMPTY:
			return ENOTEMPTY
		case syscall.ENOTSUP:
			return ENOTSUP
		case syscall.ENOTTY:
			return ENOTTY
		case syscall.ENXIO:
			return ENXIO
		case syscall.EOVERFLOW:
			return EOVERFLOW
		case syscall.EPERM:
			return EPERM
		case syscall.EPIPE:
			return EPIPE
		case syscall.ERANGE:
			return ERANGE
		case syscall.EROFS:
			return EROFS
		case syscall.ESPIPE:
			return ESPIPE
		case syscall.ESTALE:
			return ESTALE
		case syscall.ETIMEDOUT:
			return ETIMEDOUT
		case syscall.ETXTBSY:
			return ETXTBSY
		case syscall.EXDEV:
			return EXDEV
		}
	}
	switch {
	case errors.Is(err, os.ErrClosed):
		return EBADF
	case errors.Is(err, fs.ErrNotExist):
		return ENOENT
	case errors.Is(err, fs.ErrExist):
		return EEXIST
	case errors.Is(err, fs.ErrPermission):
		// A permission error without an errno: access denied, not a policy refusal
		// (EPERM is kept for escapes and the host's own EPERM).
		return EACCES
	case errors.Is(err, fs.ErrInvalid):
		return EINVAL
	case errors.Is(err, errors.ErrUnsupported):
		return ENOTSUP
	}
	return EIO
}

// winErrno maps the Windows system error codes that a host directory meets
// (winerror.h) and that Go's syscall.Errno does not already classify as the
// caller needs; ESUCCESS means "not one of these". It is part of hostErrno (which
// calls it only on Windows), kept apart so that its table test runs everywhere.
func winErrno(code uintptr) Errno {
	switch code {
	case 2, 3: // ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND
		return ENOENT
	case 4: // ERROR_TOO_MANY_OPEN_FILES
		return EMFILE
	case 5: // ERROR_ACCESS_DENIED
		return EACCES
	case 6: // ERROR_INVALID_HANDLE
		return EBADF
	case 8, 14: // ERROR_NOT_ENOUGH_MEMORY, ERROR_OUTOFMEMORY
		return ENOMEM
	case 17: // ERROR_NOT_SAME_DEVICE
		return EXDEV
	case 19: // ERROR_WRITE_PROTECT
		return EROFS
	case 32, 33, 170: // ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION, ERROR_BUSY
		return EBUSY
	case 39, 112: // ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL
		return ENOSPC
	case 50: // ERROR_NOT_SUPPORTED
		return ENOTSUP
	case 80, 183: // ERROR_FILE_EXISTS, ERROR_ALREADY_EXISTS
		return EEXIST
	case 87, 123, 131, 4390: // ERROR_INVALID_PARAMETER, ERROR_INVALID_NAME, ERROR_NEGATIVE_SEEK, ERROR_NOT_A_REPARSE_POINT
		return EINVAL
	case 109: // ERROR_BROKEN_PIPE
		return EPIPE
	case 145: // ERROR_DIR_NOT_EMPTY
		return ENOTEMPTY
	case 206: // ERROR_FILENAME_EXCED_RANGE
		return ENAMETOOLONG
	case 267: // ERROR_DIRECTORY (the name is not a directory)
		return ENOTDIR
	case 1314: // ERROR_PRIVILEGE_NOT_HELD (symlink creation without the privilege)
		return EPERM
	case 1921: // ERROR_CANT_RESOLVE_FILENAME (too many links)
		return ELOOP
	}
	return ESUCCESS
}

// rootEscapeMessage is the text of os.Root's (unexported) escape error, matched
// only when rootEscapeErr could not be captured.
const rootEscapeMessage = "path escapes from parent"

// rootEscapeErr is os.Root's error for a path that leaves the root, captured once
// by asking a Root for "../x": os.Root refuses such a name before any system call,
// so the probe touches nothing and needs only an existing directory, and whatever
// it answers that is not a host errno is the escape error. The probe runs on first
// use (NewHostDir calls it), not at package init, so that a process that never maps
// a host directory does no file system work for it. nil if the probe failed.
var rootEscapeErr = sync.OnceValue(func() error {
	for _, dir := range []string{os.TempDir(), "."} {
		r, err := os.OpenRoot(dir)
		if err != nil {
			continue
		}
		_, err = r.Open("../x")
		r.Close()
		var pe *fs.PathError
		var se syscall.Errno
		if errors.As(err, &pe) && pe.Err != nil && !errors.As(pe.Err, &se) {
			return pe.Err
		}
	}
	return nil
})

// errHostEscape is the escape error of the openat2 path (see
// hostdir_beneath_linux.go): the kernel's EXDEV under RESOLVE_BENEATH, the same
// refusal as os.Root's escape error, and mapped to the same EPERM.
var errHostEscape = errors.New("path escapes from parent")

// isRootEscape reports whether err is os.Root's escape error, or the openat2
// path's.
func isRootEscape(err error) bool {
	return errors.Is(err, errHostEscape) || matchRootEscape(err, rootEscapeErr())
}

// matchRootEscape compares err with the captured sentinel, or, without one, looks
// for the escape error's message.
func matchRootEscape(err, sentinel error) bool {
	if sentinel != nil {
		return errors.Is(err, sentinel)
	}
	return strings.Contains(err.Error(), rootEscapeMessage)
}
