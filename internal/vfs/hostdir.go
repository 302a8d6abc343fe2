package vfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// NewHostDir serves the host directory dir through os.Root: no guest path, host
// symlink or race reaches outside it, and an attempt gives EPERM (see hostErrno).
// With readOnly every change gives EROFS, in the order of errors of NewReadOnly
// (the ro* helpers of readonly.go), files open read-only, and their writes give
// EBADF.
//
// On Linux, where the kernel has openat2(2) (5.6 and later, and not refused by a
// seccomp filter; probed once per process), Lstat, OpenFile and the calls on a
// parent directory (below) resolve the name in one openat2 with RESOLVE_BENEATH
// instead of through os.Root, which opens every directory on the way: their cost
// does not grow with the depth of the path. The kernel refuses every escape that
// os.Root refuses (".." above the root, an absolute symlink, and also magic links),
// and the refusal is the same EPERM (see hostdir_beneath_linux.go). Elsewhere, and
// where openat2 is missing, everything goes through os.Root.
//
// The error, when dir cannot be opened, is one line naming it ("host directory
// /x: no such file or directory") and wraps the host's errno. The caller owns the
// result and closes it with Close (not part of FS) when the filesystem is no longer
// used; files already open stay usable.
//
// What os.Root does not give and this filesystem does:
//
//   - The last component is never followed (see FS): OpenFile looks at it with
//     Lstat first; a symlink gives ELOOP (also with OFlagNoFollow, as O_NOFOLLOW
//     does), or a Stat-only handle of the link with OFlagPath. Between the Lstat
//     and the open, a concurrent host process may swap in a link; os.Root then
//     follows it, inside the root only, and openat2 refuses it (O_NOFOLLOW, ELOOP).
//   - Components before the last are followed by os.Root (and openat2) when they
//     are symlinks that stay inside the root, where FS says ENOTDIR. The mount
//     table resolves every component before calling a filesystem, so such links
//     reach a host directory only through races, and os.Root keeps those inside.
//     Rejecting them outright would cost a walk of every component on every call.
//   - On Linux and Darwin, Rename, Unlink, Rmdir, Utimens, Mkdir, Symlink,
//     Readlink and Link act through the parent directory (two for Rename and
//     Link), opened by os.Root (or openat2), with renameat, unlinkat, utimensat
//     (AT_SYMLINK_NOFOLLOW), mkdirat, symlinkat, readlinkat and linkat (no
//     AT_SYMLINK_FOLLOW) on the last component alone: they never follow it, so
//     they are race-free and give POSIX semantics that os.Root lacks (rename
//     over an empty directory, unlink that never removes a directory, times of a
//     link itself, UTimeOmit/UTimeNow without reading the times first).
//     Elsewhere they are emulated with Lstat and os.Root (see hostdir_other.go).
func NewHostDir(dir string, readOnly bool) (FS, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("host directory %s: %w", dir, err)
	}
	rootEscapeErr() // capture the escape error now, not on the first escape
	return &hostDir{root: root, beneath: newHostBeneath(root), readOnly: readOnly}, nil
}

// hostDir is the filesystem NewHostDir returns. It is safe for concurrent use, as
// os.Root is.
type hostDir struct {
	UnimplementedFS
	root *os.Root
	// beneath is Linux's openat2 path (see hostdir_beneath_linux.go), nil where
	// every call goes through root.
	beneath  *hostBeneath
	readOnly bool
}

var _ FS = (*hostDir)(nil)

// Close closes the host directory; later calls give EBADF. Open files stay usable.
func (h *hostDir) Close() error { return errors.Join(h.root.Close(), h.beneath.close()) }

// lstat returns the attributes of the root-relative name itself, with openat2
// where it can, else through os.Root.
func (h *hostDir) lstat(name string) (Stat, error) {
	if st, ok, err := h.lstatBeneath(name); ok {
		return st, err
	}
	fi, err := h.root.Lstat(name)
	if err != nil {
		return Stat{}, err
	}
	return hostStat(fi), nil
}

// open opens the root-relative name, with openat2 where it can, else through
// os.Root.
func (h *hostDir) open(name string, oflag int, perm fs.FileMode) (*os.File, error) {
	if f, ok, err := h.openBeneath(name, oflag, uint32(perm&fs.ModePerm)); ok {
		return f, err
	}
	return h.root.OpenFile(name, oflag, perm&fs.ModePerm)
}

// hostSyscallHook, when set (by tests, before the host directory is used), is
// called with the name of each system call of the openat2 path and of the *at
// calls on a parent, to count them.
var hostSyscallHook func(name string)

// hostCountSyscall calls hostSyscallHook, if set.
func hostCountSyscall(name string) {
	if hostSyscallHook != nil {
		hostSyscallHook(name)
	}
}

// hostName converts a guest path ("/a/b", see FS) to a name for os.Root ("a/b",
// "/" is "."), without joining it to anything: os.Root does the rest. Anything not
// clean and absolute is EINVAL, and so, on Windows, is a component holding a
// separator or drive character of its own ('\\', ':'), which the host would read as
// structure. It allocates only on Windows (filepath.FromSlash).
func hostName(p string) (string, Errno) {
	if p == "/" {
		return ".", ESUCCESS
	}
	if len(p) < 2 || p[0] != '/' {
		return "", EINVAL
	}
	name := p[1:]
	for rest := name; ; {
		comp, tail, more := strings.Cut(rest, "/")
		switch comp {
		case "", ".", "..":
			return "", EINVAL
		}
		if runtime.GOOS == "windows" && strings.ContainsAny(comp, `\:`) {
			return "", EINVAL
		}
		if !more {
			break
		}
		rest = tail
	}
	if runtime.GOOS == "windows" {
		name = filepath.FromSlash(name)
	}
	return name, ESUCCESS
}

// OpenFile opens path through os.Root or openat2 (see NewHostDir for symlinks).
func (h *hostDir) OpenFile(path string, flag OFlag, perm fs.FileMode) (File, Errno) {
	name, errno := hostName(path)
	if errno != ESUCCESS {
		return nil, errno
	}
	switch {
	case flag&OFlagPath != 0:
		// As with Linux's O_PATH, only these flags count.
		flag &= OFlagPath | OFlagDirectory | OFlagNoFollow
	case h.readOnly && flag&roWriteFlags != 0:
		if errno := roOpen(h, path, flag); errno != ESUCCESS {
			return nil, errno
		}
		// Only OFlagCreate of an existing file gets here: open it as it is.
		flag &^= OFlagCreate
	}

	st, err := h.lstat(name)
	switch {
	case err == nil:
		if flag&(OFlagCreate|OFlagExclusive) == OFlagCreate|OFlagExclusive {
			return nil, EEXIST
		}
		if st.Mode.Type() == fs.ModeSymlink {
			switch {
			case flag&OFlagDirectory != 0:
				return nil, ENOTDIR
			case flag&OFlagPath == 0:
				return nil, ELOOP
			}
			return &hostPathFile{h: h, name: name}, ESUCCESS
		}
		if flag&OFlagDirectory != 0 && !st.Mode.IsDir() {
			return nil, ENOTDIR
		}
		if flag&OFlagPath != 0 {
			return &hostPathFile{h: h, name: name}, ESUCCESS
		}
	case flag&OFlagCreate == 0 || !errors.Is(err, fs.ErrNotExist):
		return nil, hostErrno(err)
	}

	f := &hostFile{h: h, name: name}
	var oflag int
	switch {
	case flag&(OFlagRead|OFlagWrite) == OFlagRead|OFlagWrite:
		oflag, f.read, f.write = os.O_RDWR, true, true
	case flag&OFlagWrite != 0:
		oflag, f.write = os.O_WRONLY, true
	default:
		oflag, f.read = os.O_RDONLY, true
	}
	if flag&OFlagCreate != 0 {
		oflag |= os.O_CREATE
		if flag&OFlagExclusive != 0 {
			oflag |= os.O_EXCL
		}
	}
	if flag&OFlagTruncate != 0 {
		oflag |= os.O_TRUNC
	}
	if flag&OFlagSync != 0 {
		oflag |= os.O_SYNC
	}
	if flag&OFlagDsync != 0 {
		oflag |= oDsync
	}
	if flag&OFlagDirectory != 0 {
		oflag |= oDirectory
	}
	// OFlagAppend is not passed on: O_APPEND would make Pwrite append on Linux and
	// cannot be turned off for SetAppend; Write emulates it (see hostFile.Write).
	f.append.Store(flag&OFlagAppend != 0)
	osf, err := h.open(name, oflag, perm)
	if err != nil {
		return nil, hostErrno(err)
	}
	f.f = osf
	return f, ESUCCESS
}

// Lstat returns the attributes of path itself.
func (h *hostDir) Lstat(path string) (Stat, Errno) {
	name, errno := hostName(path)
	if errno != ESUCCESS {
		return Stat{}, errno
	}
	st, err := h.lstat(name)
	if err != nil {
		return Stat{}, hostErrno(err)
	}
	return st, ESUCCESS
}

// Mkdir creates a directory.
func (h *hostDir) Mkdir(path string, perm fs.FileMode) Errno {
	name, errno := hostName(path)
	switch {
	case errno != ESUCCESS:
		return errno
	case h.readOnly:
		return roCreate(h, path)
	}
	return h.mkdir(name, perm&fs.ModePerm)
}

// Chmod changes the permission bits of path; a symlink's own are ENOTSUP, as
// lchmod on Linux. Where Linux has fchmodat2 (6.6 and later), that is one call
// on the parent that never follows the last component (see chmodNoFollow);
// elsewhere Lstat refuses a symlink and os.Root.Chmod, which would follow one
// swapped in since but only inside the root, does the change.
func (h *hostDir) Chmod(path string, perm fs.FileMode) Errno {
	name, errno := hostName(path)
	switch {
	case errno != ESUCCESS:
		return errno
	case h.readOnly:
		return roChange(h, path)
	}
	if ok, errno := h.chmodNoFollow(name, perm&fs.ModePerm); ok {
		return errno
	}
	st, err := h.lstat(name)
	switch {
	case err != nil:
		return hostErrno(err)
	case st.Mode.Type() == fs.ModeSymlink:
		return ENOTSUP
	}
	return hostErrno(h.root.Chmod(name, perm&fs.ModePerm))
}

// Rename moves from to to (see NewHostDir); a move of "/" or onto it is EBUSY.
func (h *hostDir) Rename(from, to string) Errno {
	oldName, errno := hostName(from)
	if errno != ESUCCESS {
		return errno
	}
	newName, errno := hostName(to)
	switch {
	case errno != ESUCCESS:
		return errno
	case h.readOnly:
		return roRename(h, from, to)
	case oldName == "." || newName == ".":
		return EBUSY
	}
	return h.rename(oldName, newName)
}

// Rmdir removes an empty directory; "/" is EBUSY.
func (h *hostDir) Rmdir(path string) Errno {
	name, errno := hostName(path)
	switch {
	case errno != ESUCCESS:
		return errno
	case h.readOnly:
		return roRemove(h, path)
	case name == ".":
		return EBUSY
	}
	return h.rmdir(name)
}

// Unlink removes a file or symlink; a directory, "/" among them, is EISDIR.
func (h *hostDir) Unlink(path string) Errno {
	name, errno := hostName(path)
	switch {
	case errno != ESUCCESS:
		return errno
	case h.readOnly:
		return roRemove(h, path)
	case name == ".":
		return EISDIR
	}
	return h.unlink(name)
}

// Link makes newPath a hard link to oldPath (a symlink is linked itself).
func (h *hostDir) Link(oldPath, newPath string) Errno {
	oldName, errno := hostName(oldPath)
	if errno != ESUCCESS {
		return errno
	}
	newName, errno := hostName(newPath)
	switch {
	case errno != ESUCCESS:
		return errno
	case h.readOnly:
		return roLink(h, oldPath, newPath)
	}
	return h.link(oldName, newName)
}

// Symlink creates linkPath with the target text as given: os.Root and openat2
// refuse, when they meet the link later, a target that leaves the root, and the
// mount table resolves guest paths itself.
func (h *hostDir) Symlink(target, linkPath string) Errno {
	name, errno := hostName(linkPath)
	switch {
	case errno != ESUCCESS:
		return errno
	case h.readOnly:
		return roCreate(h, linkPath)
	}
	return h.symlink(target, name)
}

// Readlink returns the target text of the symlink at path (EINVAL for another
// kind of file).
func (h *hostDir) Readlink(path string) (string, Errno) {
	name, errno := hostName(path)
	if errno != ESUCCESS {
		return "", errno
	}
	return h.readlink(name)
}

// Utimens sets the times of path itself (see NewHostDir).
func (h *hostDir) Utimens(path string, atim, mtim int64) Errno {
	name, errno := hostName(path)
	switch {
	case errno != ESUCCESS:
		return errno
	case h.readOnly:
		return roChange(h, path)
	}
	return h.utimens(name, atim, mtim)
}

// hostStatGeneric is the part of a Stat that every platform's FileInfo gives. The
// platform's hostStat adds the rest (inode, links, times) where it can.
func hostStatGeneric(fi fs.FileInfo) Stat {
	mtim := fi.ModTime().UnixNano()
	return Stat{
		Mode:  fi.Mode() & (fs.ModeType | fs.ModePerm),
		Nlink: 1,
		Size:  fi.Size(),
		Atim:  mtim,
		Mtim:  mtim,
		Ctim:  mtim,
	}
}

// hostFile is a file or directory opened through a hostDir, on an *os.File.
//
// Append mode is kept here, not in the host file (see OpenFile): Write in append
// mode seeks to the end and writes under mu, which makes it atomic against this
// file's other writers but not against other host processes.
//
// Readdir lists a snapshot. A host directory has no cookies that survive changes,
// so the first Readdir with cookie 0 (and every later one) reads the whole
// directory, sorted by name, and a cookie is an index into that listing: entries
// are neither skipped nor repeated while the directory changes, and a change shows
// only after the listing is restarted from 0.
type hostFile struct {
	UnimplementedFile
	h    *hostDir
	f    *os.File
	name string // as opened, relative to the root; used where no fd call exists

	read, write bool
	append      atomic.Bool
	closed      atomic.Bool

	mu     sync.Mutex // serialises append-mode writes, Readdir and Close
	list   []Dirent
	listed bool
}

// Stat returns the attributes of the open file.
func (f *hostFile) Stat() (Stat, Errno) {
	fi, err := f.f.Stat()
	if err != nil {
		return Stat{}, hostErrno(err)
	}
	return hostStat(fi), ESUCCESS
}

// Read reads from the file's offset.
func (f *hostFile) Read(p []byte) (int, Errno) {
	if !f.read {
		return 0, EBADF
	}
	n, err := f.f.Read(p)
	if err == io.EOF {
		err = nil
	}
	return n, hostErrno(err)
}

// Pread reads at off.
func (f *hostFile) Pread(p []byte, off int64) (int, Errno) {
	switch {
	case !f.read:
		return 0, EBADF
	case off < 0:
		return 0, EINVAL
	}
	n, err := f.f.ReadAt(p, off)
	if err == io.EOF {
		err = nil
	}
	return n, hostErrno(err)
}

// Write writes at the file's offset, or at the end in append mode.
func (f *hostFile) Write(p []byte) (int, Errno) {
	if !f.write {
		return 0, EBADF
	}
	if f.append.Load() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, err := f.f.Seek(0, io.SeekEnd); err != nil {
			return 0, hostErrno(err)
		}
	}
	n, err := f.f.Write(p)
	return n, hostErrno(err)
}

// Pwrite writes at off, append mode or not.
func (f *hostFile) Pwrite(p []byte, off int64) (int, Errno) {
	switch {
	case !f.write:
		return 0, EBADF
	case off < 0:
		return 0, EINVAL
	}
	n, err := f.f.WriteAt(p, off)
	return n, hostErrno(err)
}

// Lseek moves the file's offset.
func (f *hostFile) Lseek(off int64, whence int) (int64, Errno) {
	pos, err := f.f.Seek(off, whence)
	if err != nil {
		return 0, hostErrno(err)
	}
	return pos, ESUCCESS
}

// Readdir lists the directory from a snapshot (see hostFile).
func (f *hostFile) Readdir(cookie uint64, buf []Dirent) (int, Errno) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed.Load() {
		return 0, EBADF
	}
	if cookie == 0 || !f.listed {
		list, err := f.readDir(f.list[:0])
		if err != nil {
			return 0, hostErrno(err)
		}
		slices.SortFunc(list, func(a, b Dirent) int { return strings.Compare(a.Name, b.Name) })
		for i := range list {
			list[i].Next = uint64(i + 1)
		}
		f.list, f.listed = list, true
	}
	if cookie >= uint64(len(f.list)) {
		return 0, ESUCCESS
	}
	return copy(buf, f.list[cookie:]), ESUCCESS
}

// readDirGeneric appends the entries of the directory to list with os.File.ReadDir,
// which gives no inode numbers (Ino is 0). Where the host does not report an
// entry's type, os.File.ReadDir looks it up by the host path of the directory, not
// through os.Root; it learns the type only.
func (f *hostFile) readDirGeneric(list []Dirent) ([]Dirent, error) {
	if _, err := f.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	ents, err := f.f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		list = append(list, Dirent{Name: e.Name(), Type: e.Type()})
	}
	return list, nil
}

// Truncate sets the size; the file must be open for writing.
func (f *hostFile) Truncate(size int64) Errno {
	switch {
	case !f.write:
		return EBADF
	case size < 0:
		return EINVAL
	}
	return hostErrno(f.f.Truncate(size))
}

// Sync flushes data and metadata.
func (f *hostFile) Sync() Errno { return hostErrno(f.f.Sync()) }

// Datasync flushes data; it is Sync, which also flushes the metadata.
func (f *hostFile) Datasync() Errno { return hostErrno(f.f.Sync()) }

// Utimens sets the file's times (see the platform's fileUtimens).
func (f *hostFile) Utimens(atim, mtim int64) Errno {
	if errno := f.changeErrno(); errno != ESUCCESS {
		return errno
	}
	return f.utimens(atim, mtim)
}

// Chmod changes the permission bits.
func (f *hostFile) Chmod(perm fs.FileMode) Errno {
	if errno := f.changeErrno(); errno != ESUCCESS {
		return errno
	}
	return hostErrno(f.f.Chmod(perm & fs.ModePerm))
}

// changeErrno is EBADF on a closed file, else EROFS on a read-only filesystem.
func (f *hostFile) changeErrno() Errno {
	switch {
	case f.closed.Load():
		return EBADF
	case f.h.readOnly:
		return EROFS
	}
	return ESUCCESS
}

// SetAppend turns append mode on or off.
func (f *hostFile) SetAppend(on bool) Errno {
	if f.closed.Load() {
		return EBADF
	}
	f.append.Store(on)
	return ESUCCESS
}

// Close closes the host file.
func (f *hostFile) Close() Errno {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed.Swap(true) {
		return EBADF
	}
	f.list = nil
	return hostErrno(f.f.Close())
}

// hostPathFile is what OpenFile returns for OFlagPath (also of a symlink): a name
// for Stat, which looks the name up again with Lstat
// (os.Root has no O_PATH), so it reports what is there now. Everything else is
// EBADF.
type hostPathFile struct {
	UnimplementedFile
	h      *hostDir
	name   string
	closed atomic.Bool
}

// Stat returns the attributes of the name (a symlink itself).
func (f *hostPathFile) Stat() (Stat, Errno) {
	if f.closed.Load() {
		return Stat{}, EBADF
	}
	st, err := f.h.lstat(f.name)
	if err != nil {
		return Stat{}, hostErrno(err)
	}
	return st, ESUCCESS
}

// Close releases the handle.
func (f *hostPathFile) Close() Errno {
	if f.closed.Swap(true) {
		return EBADF
	}
	return ESUCCESS
}

// The rest give EBADF: the handle is for Stat only.

func (f *hostPathFile) Read([]byte) (int, Errno)              { return 0, EBADF }
func (f *hostPathFile) Pread([]byte, int64) (int, Errno)      { return 0, EBADF }
func (f *hostPathFile) Write([]byte) (int, Errno)             { return 0, EBADF }
func (f *hostPathFile) Pwrite([]byte, int64) (int, Errno)     { return 0, EBADF }
func (f *hostPathFile) Lseek(int64, int) (int64, Errno)       { return 0, EBADF }
func (f *hostPathFile) Readdir(uint64, []Dirent) (int, Errno) { return 0, EBADF }
func (f *hostPathFile) Truncate(int64) Errno                  { return EBADF }
func (f *hostPathFile) Sync() Errno                           { return EBADF }
func (f *hostPathFile) Datasync() Errno                       { return EBADF }
func (f *hostPathFile) Utimens(int64, int64) Errno            { return EBADF }
func (f *hostPathFile) Chmod(fs.FileMode) Errno               { return EBADF }
func (f *hostPathFile) SetAppend(bool) Errno                  { return EBADF }
