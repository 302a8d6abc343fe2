package vfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"testing"
)

func TestHostErrnoTable(t *testing.T) {
	wrap := func(e error) error { return &fs.PathError{Op: "openat", Path: "a/b", Err: e} }
	tests := []struct {
		err  error
		want Errno
	}{
		{nil, ESUCCESS},
		{syscall.E2BIG, E2BIG},
		{syscall.EACCES, EACCES},
		{syscall.EAGAIN, EAGAIN},
		{syscall.EBADF, EBADF},
		{syscall.EBUSY, EBUSY},
		{syscall.ECANCELED, ECANCELED},
		{syscall.EDEADLK, EDEADLK},
		{syscall.EDQUOT, EDQUOT},
		{syscall.EEXIST, EEXIST},
		{syscall.EFAULT, EFAULT},
		{syscall.EFBIG, EFBIG},
		{syscall.EILSEQ, EILSEQ},
		{syscall.EINTR, EINTR},
		{syscall.EINVAL, EINVAL},
		{syscall.EIO, EIO},
		{syscall.EISDIR, EISDIR},
		{syscall.ELOOP, ELOOP},
		{syscall.EMFILE, EMFILE},
		{syscall.EMLINK, EMLINK},
		{syscall.ENAMETOOLONG, ENAMETOOLONG},
		{syscall.ENFILE, ENFILE},
		{syscall.ENODEV, ENODEV},
		{syscall.ENOENT, ENOENT},
		{syscall.ENOLCK, ENOLCK},
		{syscall.ENOMEM, ENOMEM},
		{syscall.ENOSPC, ENOSPC},
		{syscall.ENOSYS, ENOSYS},
		{syscall.ENOTDIR, ENOTDIR},
		{syscall.ENOTEMPTY, ENOTEMPTY},
		{syscall.ENOTSUP, ENOTSUP},
		{syscall.EOPNOTSUPP, ENOTSUP},
		{syscall.ENOTTY, ENOTTY},
		{syscall.ENXIO, ENXIO},
		{syscall.EOVERFLOW, EOVERFLOW},
		{syscall.EPERM, EPERM},
		{syscall.EPIPE, EPIPE},
		{syscall.ERANGE, ERANGE},
		{syscall.EROFS, EROFS},
		{syscall.ESPIPE, ESPIPE},
		{syscall.ESTALE, ESTALE},
		{syscall.ETIMEDOUT, ETIMEDOUT},
		{syscall.ETXTBSY, ETXTBSY},
		{syscall.EXDEV, EXDEV},
		// Wrapped as os and os.Root return them.
		{wrap(syscall.ENOTDIR), ENOTDIR},
		{&os.LinkError{Op: "renameat", Old: "a", New: "b", Err: syscall.EXDEV}, EXDEV},
		{os.NewSyscallError("getdents64", syscall.EIO), EIO},
		{fmt.Errorf("context: %w", wrap(syscall.EMLINK)), EMLINK},
		// No errno: the io/fs class.
		{os.ErrClosed, EBADF},
		{wrap(os.ErrClosed), EBADF},
		{fs.ErrNotExist, ENOENT},
		{fs.ErrExist, EEXIST},
		{fs.ErrPermission, EACCES},
		{fs.ErrInvalid, EINVAL},
		{errors.ErrUnsupported, ENOTSUP},
		// Unknown.
		{errors.New("something else"), EIO},
		{wrap(errors.New("something else")), EIO},
	}
	for _, tt := range tests {
		if got := hostErrno(tt.err); got != tt.want {
			t.Errorf("hostErrno(%#v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestHostErrnoEscape: os.Root's escape error, however it is wrapped, is EPERM,
// never EIO; and the captured sentinel is what os.Root returns.
func TestHostErrnoEscape(t *testing.T) {
	if rootEscapeErr() == nil {
		t.Fatal("the escape error was not captured; hostErrno falls back to the message")
	}
	r, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, openErr := r.Open("../x")
	_, statErr := r.Lstat("..")
	renameErr := r.Rename("../x", "y")
	linkErr := r.Link("x", "../y")
	for _, err := range []error{openErr, statErr, renameErr, linkErr, fmt.Errorf("wrapped: %w", openErr)} {
		if err == nil {
			t.Fatal("os.Root allowed an escape")
		}
		if !errors.Is(err, rootEscapeErr()) {
			t.Errorf("%v: not the captured escape error %v", err, rootEscapeErr())
		}
		if got := hostErrno(err); got != EPERM {
			t.Errorf("hostErrno(%v) = %v, want EPERM", err, got)
		}
	}
	// The message fallback, for when the probe fails.
	if !matchRootEscape(openErr, nil) || matchRootEscape(errors.New("openat x: no such file"), nil) {
		t.Error("the message fallback does not tell the escape error from another")
	}
}

func TestHostErrnoWindowsCodes(t *testing.T) {
	tests := []struct {
		code uintptr
		want Errno
	}{
		{2, ENOENT}, {3, ENOENT}, {4, EMFILE}, {5, EACCES}, {6, EBADF}, {8, ENOMEM},
		{14, ENOMEM}, {17, EXDEV}, {19, EROFS}, {32, EBUSY}, {33, EBUSY}, {170, EBUSY},
		{39, ENOSPC}, {112, ENOSPC}, {50, ENOTSUP}, {80, EEXIST}, {183, EEXIST},
		{87, EINVAL}, {123, EINVAL}, {131, EINVAL}, {4390, EINVAL}, {109, EPIPE},
		{145, ENOTEMPTY}, {206, ENAMETOOLONG}, {267, ENOTDIR}, {1314, EPERM},
		{1921, ELOOP},
		{1, ESUCCESS}, {0x20000000, ESUCCESS}, // not in the table: hostErrno goes on
	}
	for _, tt := range tests {
		if got := winErrno(tt.code); got != tt.want {
			t.Errorf("winErrno(%d) = %v, want %v", tt.code, got, tt.want)
		}
	}
}
