package vfs

import (
	"errors"
	"io/fs"
	"testing"
)

// TestErrnoValues pins the wire values that the WASI layer passes through: a
// shifted constant would hand guests the wrong error.
func TestErrnoValues(t *testing.T) {
	for _, tt := range []struct {
		e    Errno
		v    uint16
		name string
	}{
		{ESUCCESS, 0, "ESUCCESS"}, {E2BIG, 1, "E2BIG"}, {EBADF, 8, "EBADF"}, {EEXIST, 20, "EEXIST"},
		{EINVAL, 28, "EINVAL"}, {EIO, 29, "EIO"}, {EISDIR, 31, "EISDIR"}, {ELOOP, 32, "ELOOP"},
		{ENOENT, 44, "ENOENT"}, {ENOSPC, 51, "ENOSPC"}, {ENOSYS, 52, "ENOSYS"}, {ENOTDIR, 54, "ENOTDIR"},
		{ENOTEMPTY, 55, "ENOTEMPTY"}, {ENOTSUP, 58, "ENOTSUP"}, {EPERM, 63, "EPERM"}, {ERANGE, 68, "ERANGE"},
		{EROFS, 69, "EROFS"}, {ESPIPE, 70, "ESPIPE"}, {EXDEV, 75, "EXDEV"}, {ENOTCAPABLE, 76, "ENOTCAPABLE"},
	} {
		if uint16(tt.e) != tt.v || tt.e.String() != tt.name || tt.e.Error() != tt.name {
			t.Errorf("%s = %d (%q), want %d", tt.name, uint16(tt.e), tt.e.String(), tt.v)
		}
	}
	if got := Errno(77).String(); got != "Errno(77)" {
		t.Errorf("Errno(77) = %q", got)
	}
	if len(errnoNames) != int(ENOTCAPABLE)+1 {
		t.Errorf("%d names for %d errnos", len(errnoNames), ENOTCAPABLE+1)
	}
}

func TestErrnoIs(t *testing.T) {
	for _, tt := range []struct {
		e      Errno
		target error
		want   bool
	}{
		{ENOENT, fs.ErrNotExist, true},
		{EEXIST, fs.ErrExist, true},
		{EPERM, fs.ErrPermission, true},
		{EACCES, fs.ErrPermission, true},
		{EINVAL, fs.ErrInvalid, true},
		{EIO, fs.ErrNotExist, false},
		{ENOENT, fs.ErrExist, false},
	} {
		if got := errors.Is(tt.e, tt.target); got != tt.want {
			t.Errorf("errors.Is(%v, %v) = %v", tt.e, tt.target, got)
		}
	}
}
