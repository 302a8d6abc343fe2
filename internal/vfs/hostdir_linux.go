package vfs

import (
	"bytes"
	"encoding/binary"
	"io"
	"io/fs"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// parentOpenFlags open a parent directory for the *at calls of hostdir_unix.go:
// O_PATH needs no read permission on it.
const parentOpenFlags = unix.O_PATH | unix.O_DIRECTORY

// UTIME_NOW and UTIME_OMIT.
const (
	utimeNow  = unix.UTIME_NOW
	utimeOmit = unix.UTIME_OMIT
)

// statTimes returns the access, modification and change times in nanoseconds.
func statTimes(s *syscall.Stat_t) (atim, mtim, ctim int64) {
	return s.Atim.Nano(), s.Mtim.Nano(), s.Ctim.Nano()
}

// utimens is futimens(3): utimensat(2) on the descriptor itself (a NULL path),
// with UTIME_OMIT / UTIME_NOW.
func (f *hostFile) utimens(atim, mtim int64) Errno {
	ts := [2]unix.Timespec{hostTimespec(atim), hostTimespec(mtim)}
	return hostErrno(hostWithFd(f.f, func(fd int) error {
		return hostRetryEINTR(func() error {
			_, _, e := syscall.Syscall6(syscall.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
			if e != 0 {
				return e
			}
			return nil
		})
	}))
}

// readDir appends the directory's entries to list, read with getdents64 from the
// start: the inode numbers come with the names, at the cost of one system call per
// 32 KiB of entries, as os.File.ReadDir. An entry whose type the file system does
// not report (DT_UNKNOWN) is looked up with fstatat on the directory's own
// descriptor, without following it.
func (f *hostFile) readDir(list []Dirent) ([]Dirent, error) {
	err := hostWithFd(f.f, func(fd int) error {
		if _, err := unix.Seek(fd, 0, io.SeekStart); err != nil {
			return err
		}
		buf := make([]byte, 32<<10)
		for {
			var n int
			err := hostRetryEINTR(func() (err error) {
				n, err = unix.Getdents(fd, buf)
				return err
			})
			if err != nil {
				return err
			}
			if n <= 0 {
				return nil
			}
			list = hostAppendDirents(list, fd, buf[:n])
		}
	})
	return list, err
}

// hostAppendDirents parses linux_dirent64 records (ino u64, off s64, reclen u16,
// type u8, NUL-terminated name) and appends them, "." and ".." left out.
func hostAppendDirents(list []Dirent, dirfd int, buf []byte) []Dirent {
	const nameOff = 19
	for len(buf) >= nameOff {
		reclen := int(binary.NativeEndian.Uint16(buf[16:]))
		if reclen < nameOff || reclen > len(buf) {
			break
		}
		rec := buf[:reclen]
		buf = buf[reclen:]
		name := rec[nameOff:]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if string(name) == "." || string(name) == ".." {
			continue
		}
		d := Dirent{Ino: binary.NativeEndian.Uint64(rec), Name: string(name)}
		switch rec[18] {
		case unix.DT_REG:
		case unix.DT_DIR:
			d.Type = fs.ModeDir
		case unix.DT_LNK:
			d.Type = fs.ModeSymlink
		case unix.DT_CHR:
			d.Type = fs.ModeDevice | fs.ModeCharDevice
		case unix.DT_BLK:
			d.Type = fs.ModeDevice
		case unix.DT_FIFO:
			d.Type = fs.ModeNamedPipe
		case unix.DT_SOCK:
			d.Type = fs.ModeSocket
		default:
			var st unix.Stat_t
			if unix.Fstatat(dirfd, d.Name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
				d.Type = hostModeType(st.Mode)
			}
		}
		list = append(list, d)
	}
	return list
}

// fchmodat2Works reports whether the kernel lets this process call fchmodat2(2)
// (Linux 6.6 and later), probed once.
var (
	fchmodat2Once  sync.Once
	fchmodat2Works bool
)

// hostFchmodat2 is fchmodat2(2); tests replace it to make it missing.
var hostFchmodat2 = func(dirfd int, name string, mode uint32, flags int) error {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return err
	}
	_, _, e := unix.Syscall6(unix.SYS_FCHMODAT2, uintptr(dirfd), uintptr(unsafe.Pointer(p)), uintptr(mode), uintptr(flags), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// chmodNoFollow is fchmodat2(2) with AT_SYMLINK_NOFOLLOW on the parent (opened
// by openat2, or os.Root where openat2 is missing): it never follows the last
// component, and a symlink's mode is EOPNOTSUPP, which hostErrno makes ENOTSUP.
// No file is opened, so a file without read permission, a FIFO or a device is
// changed as chmod(2) changes it. ok is false where the kernel lacks the call:
// the probe passes an unknown flag, which a kernel that has it refuses with
// EINVAL before anything else, and which a kernel without it (ENOSYS) or a
// seccomp filter (ENOSYS, EPERM) answers otherwise; nothing is changed.
func (h *hostDir) chmodNoFollow(name string, perm fs.FileMode) (ok bool, errno Errno) {
	fchmodat2Once.Do(func() {
		fchmodat2Works = hostFchmodat2(unix.AT_FDCWD, ".", 0, 1<<30) == unix.EINVAL
	})
	if !fchmodat2Works {
		return false, ESUCCESS
	}
	return true, hostErrno(h.atParent(name, func(fd int, base string) error {
		hostCountSyscall("fchmodat2")
		return hostRetryEINTR(func() error { return hostFchmodat2(fd, base, uint32(perm), unix.AT_SYMLINK_NOFOLLOW) })
	}))
}
