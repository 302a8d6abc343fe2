package vfs

import "io/fs"

// FS is a filesystem. The contract, written once here for every implementation:
//
//   - Paths are clean, slash-separated and absolute within the filesystem ("/",
//     "/a/b"): no "." or ".." components, no trailing slash, no empty components.
//     The resolver above the filesystems (the mount table) produces them; an
//     implementation may return EINVAL for anything else.
//   - A filesystem never follows a symbolic link in a path it is given: every
//     component but the last must be a directory (else ENOTDIR), and the last is
//     acted on itself: an open of a symlink gives ELOOP (also with OFlagNoFollow,
//     as O_NOFOLLOW does), and OFlagPath opens the link itself. The resolver (the
//     mount table) follows links; it is the one FS that does.
//   - Errors are Errno values with POSIX meaning; ENOSYS means the operation is not
//     supported by this filesystem at all.
//   - Read-only filesystems return EROFS for every change; vfs uses EPERM for a
//     change refused by policy (an escape from a host directory).
//
// Implementations embed UnimplementedFS, so that a new method added here does not
// break them, and state `var _ vfs.FS = (*impl)(nil)`.
type FS interface {
	// OpenFile opens the file or directory at path; perm is used with OFlagCreate.
	OpenFile(path string, flag OFlag, perm fs.FileMode) (File, Errno)
	// Lstat returns the attributes of path itself (a symlink is not followed).
	Lstat(path string) (Stat, Errno)
	// Mkdir creates a directory.
	Mkdir(path string, perm fs.FileMode) Errno
	// Chmod changes the permission bits of path.
	Chmod(path string, perm fs.FileMode) Errno
	// Rename moves from to to, replacing to as rename(2) does.
	Rename(from, to string) Errno
	// Rmdir removes an empty directory.
	Rmdir(path string) Errno
	// Unlink removes a file or symlink (EISDIR for a directory).
	Unlink(path string) Errno
	// Link makes newPath a hard link to the file at oldPath.
	Link(oldPath, newPath string) Errno
	// Symlink creates a symbolic link at linkPath whose content is target (stored as
	// given, not resolved).
	Symlink(target, linkPath string) Errno
	// Readlink returns the content of the symlink at path.
	Readlink(path string) (string, Errno)
	// Utimens sets the access and modification times of path (nanoseconds since the
	// epoch, or UTimeOmit / UTimeNow).
	Utimens(path string, atim, mtim int64) Errno
}

// File is an open file or directory. The contract, once for every implementation:
// offsets and sizes are bytes; Read and Write use and move the file's offset, Pread
// and Pwrite do not; a read at or past the end returns 0 and ESUCCESS (there is no
// EOF errno); operations not allowed by the open flags give EBADF; operations on a
// closed file give EBADF.
type File interface {
	// Stat returns the attributes of the open file.
	Stat() (Stat, Errno)
	// Read reads into p from the current offset.
	Read(p []byte) (int, Errno)
	// Pread reads into p from off.
	Pread(p []byte, off int64) (int, Errno)
	// Write writes p at the current offset (at the end with OFlagAppend).
	Write(p []byte) (int, Errno)
	// Pwrite writes p at off (POSIX ignores OFlagAppend here; so do we).
	Pwrite(p []byte, off int64) (int, Errno)
	// Lseek moves the offset (whence: io.SeekStart, io.SeekCurrent, io.SeekEnd).
	Lseek(off int64, whence int) (int64, Errno)
	// Readdir fills buf with the entries of a directory that follow cookie (0 is
	// the start), and returns how many; fewer than len(buf) means the listing is
	// complete. Each entry's Next is the cookie to continue after it; cookies never
	// have the top bit set (the mount table uses it). Cookies stay valid while the directory changes: an entry is neither
	// skipped nor repeated unless it was added or removed meanwhile. "." and ".."
	// are not listed.
	Readdir(cookie uint64, buf []Dirent) (int, Errno)
	// Truncate sets the size of the file.
	Truncate(size int64) Errno
	// Sync flushes data and metadata; Datasync flushes data.
	Sync() Errno
	Datasync() Errno
	// Utimens sets the access and modification times (see FS.Utimens).
	Utimens(atim, mtim int64) Errno
	// Chmod changes the permission bits.
	Chmod(perm fs.FileMode) Errno
	// SetAppend turns append mode on or off (fd_fdstat_set_flags).
	SetAppend(on bool) Errno
	// Close releases the file.
	Close() Errno
}

// OFlag are the flags of FS.OpenFile.
type OFlag uint32

// Open flags. Exactly one of OFlagRead, OFlagWrite, OFlagRead|OFlagWrite is the
// access mode; OFlagPath opens for Stat only (no reads or writes).
const (
	OFlagRead OFlag = 1 << iota
	OFlagWrite
	OFlagAppend
	OFlagCreate
	OFlagExclusive
	OFlagTruncate
	OFlagDirectory
	OFlagNoFollow
	OFlagPath
	OFlagSync
	OFlagDsync
)

// UTimeOmit and UTimeNow are the special values of Utimens, as in utimensat(2).
const (
	UTimeOmit int64 = -1 << 62
	UTimeNow  int64 = -1<<62 + 1
)

// Stat holds the attributes of a file.
type Stat struct {
	// Dev and Ino identify the file; Ino is unique within the filesystem.
	Dev, Ino uint64
	// Mode holds the type bits (fs.ModeDir, fs.ModeSymlink, fs.ModeDevice |
	// fs.ModeCharDevice, 0 for a regular file) and the permission bits.
	Mode fs.FileMode
	// Nlink is the number of hard links.
	Nlink uint64
	// Size is the length in bytes (of the target text, for a symlink).
	Size int64
	// Atim, Mtim and Ctim are nanoseconds since the Unix epoch.
	Atim, Mtim, Ctim int64
}

// Dirent is a directory entry from File.Readdir.
type Dirent struct {
	// Next is the cookie of the entry after this one.
	Next uint64
	Ino  uint64
	Name string
	// Type is the type bits of the entry's mode (fs.ModeDir, fs.ModeSymlink, ...).
	Type fs.FileMode
}
