package vfs

import (
	"io/fs"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// parentOpenFlags open a parent directory for the *at calls of hostdir_unix.go.
const parentOpenFlags = unix.O_RDONLY | unix.O_DIRECTORY

// UTIME_NOW and UTIME_OMIT of <sys/stat.h> (x/sys/unix does not define them for
// Darwin).
const (
	utimeNow  = -1
	utimeOmit = -2
)

// statTimes returns the access, modification and change times in nanoseconds.
func statTimes(s *syscall.Stat_t) (atim, mtim, ctim int64) {
	return s.Atimespec.Nano(), s.Mtimespec.Nano(), s.Ctimespec.Nano()
}

// utimens is futimes(2) (x/sys/unix has no futimens for Darwin): microseconds, and
// UTimeOmit filled in from fstat first.
func (f *hostFile) utimens(atim, mtim int64) Errno {
	if atim == UTimeOmit || mtim == UTimeOmit {
		st, errno := f.Stat()
		if errno != ESUCCESS {
			return errno
		}
		if atim == UTimeOmit {
			atim = st.Atim
		}
		if mtim == UTimeOmit {
			mtim = st.Mtim
		}
	}
	now := time.Now().UnixNano()
	if atim == UTimeNow {
		atim = now
	}
	if mtim == UTimeNow {
		mtim = now
	}
	tv := []unix.Timeval{unix.NsecToTimeval(atim), unix.NsecToTimeval(mtim)}
	return hostErrno(hostWithFd(f.f, func(fd int) error {
		return hostRetryEINTR(func() error { return unix.Futimes(fd, tv) })
	}))
}

// readDir appends the directory's entries to list (inode numbers 0).
func (f *hostFile) readDir(list []Dirent) ([]Dirent, error) { return f.readDirGeneric(list) }

// chmodNoFollow is Linux's fchmodat2 path (see hostdir_linux.go); here Chmod
// goes through Lstat and os.Root.
func (*hostDir) chmodNoFollow(string, fs.FileMode) (bool, Errno) { return false, ESUCCESS }
