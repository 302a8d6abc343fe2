package wasi

import (
	"context"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasirun/wasirun/internal/vfs"
)

// The path_* functions. A path is relative to a directory fd: it is checked
// lexically here (checkRel), joined to the directory's guest path, and handed to
// the guest root (the mount table), which resolves it: symbolic links are
// followed anywhere within the guest root, the guest root itself being the
// sandbox. The directory's open file is not used, only its guest path, so a
// path call holds no reference to it (see fdTable.get).

// lookupflags of the path_* functions.
const lookupSymlinkFollow uint32 = 1 << 0

// checkRel checks a path relative to a directory fd: empty is ENOENT, a NUL byte
// EINVAL (as wasmtime: Rust's CString refuses it), bad UTF-8 EILSEQ, and an
// absolute path or one whose ".." components climb above the directory fd
// ENOTCAPABLE (a capability names its directory, nothing above it; symbolic links
// are not looked at here). dotdot reports a ".." component.
func checkRel(rel string) (dotdot bool, errno vfs.Errno) {
	switch {
	case rel == "":
		return false, vfs.ENOENT
	case rel[0] == '/':
		return false, vfs.ENOTCAPABLE
	}
	depth := 0
	for i := 0; i <= len(rel); {
		j := i
		for j < len(rel) && rel[j] != '/' {
			if rel[j] == 0 {
				return false, vfs.EINVAL
			}
			j++
		}
		switch name := rel[i:j]; name {
		case "", ".":
		case "..":
			dotdot = true
			if depth--; depth < 0 {
				return false, vfs.ENOTCAPABLE
			}
		default:
			depth++
		}
		i = j + 1
	}
	if !utf8.ValidString(rel) {
		return false, vfs.EILSEQ
	}
	return dotdot, vfs.ESUCCESS
}

// dirEntry returns the descriptor of the directory fd when it holds the rights
// in need: EBADF when fd is not open, ENOTDIR when it is not a directory,
// ENOTCAPABLE when a right is missing.
func (s *System) dirEntry(fd uint32, need uint64) (descriptor, vfs.Errno) {
	d, errno := s.fds.get(fd)
	switch {
	case errno != vfs.ESUCCESS:
		return descriptor{}, errno
	case d.ofd.file == nil:
		return descriptor{}, vfs.EBADF
	case d.ofd.filetype != filetypeDirectory:
		return descriptor{}, vfs.ENOTDIR
	case d.rights&need != need:
		return descriptor{}, vfs.ENOTCAPABLE
	case s.root == nil:
		return descriptor{}, vfs.EBADF
	}
	return d, vfs.ESUCCESS
}

// joinGuest joins the guest path of a directory and a relative path, keeping a
// trailing slash (it means "must be a directory", which the mount table
// enforces).
func joinGuest(dir, rel string) string {
	if dir == "/" {
		return "/" + rel
	}
	return dir + "/" + rel
}

// dirPath checks the directory fd and rel (see dirEntry, checkRel) and returns
// the directory's descriptor and the guest path of rel.
func (s *System) dirPath(fd uint32, need uint64, rel string) (descriptor, string, bool, vfs.Errno) {
	d, errno := s.dirEntry(fd, need)
	if errno != vfs.ESUCCESS {
		return descriptor{}, "", false, errno
	}
	dotdot, errno := checkRel(rel)
	if errno != vfs.ESUCCESS {
		return descriptor{}, "", false, errno
	}
	return d, joinGuest(d.ofd.path, rel), dotdot, vfs.ESUCCESS
}

// dirPathMem is dirPath for a path in guest memory. The path is copied once,
// straight into the joined guest path.
func (s *System) dirPathMem(mod api.Module, fd uint32, need uint64, ptr, n uint32) (descriptor, string, bool, vfs.Errno) {
	d, errno := s.dirEntry(fd, need)
	if errno != vfs.ESUCCESS {
		return descriptor{}, "", false, errno
	}
	b, errno := view(mod.Memory(), ptr, n)
	if errno != vfs.ESUCCESS {
		return descriptor{}, "", false, errno
	}
	var guest string
	if dir := d.ofd.path; dir == "/" {
		guest = "/" + string(b)
	} else {
		guest = dir + "/" + string(b)
	}
	dotdot, errno := checkRel(guest[len(guest)-len(b):])
	if errno != vfs.ESUCCESS {
		return descriptor{}, "", false, errno
	}
	return d, guest, dotdot, vfs.ESUCCESS
}

// stat returns the attributes of a guest path, following a last symbolic link
// when follow is set.
func (s *System) stat(guest string, follow bool) (vfs.Stat, vfs.Errno) {
	if follow {
		return s.root.Stat(guest)
	}
	return s.root.Lstat(guest)
}

// pathStat returns the attributes of rel, relative to the directory fd and its
// WASI filetype; lookupflags' SYMLINK_FOLLOW follows a last symbolic link. It
// needs rightPathFilestatGet. path_filestat_get and wasi_unstable's share it.
func (s *System) pathStat(fd, lookupflags uint32, rel string) (vfs.Stat, uint8, vfs.Errno) {
	_, guest, _, errno := s.dirPath(fd, rightPathFilestatGet, rel)
	if errno != vfs.ESUCCESS {
		return vfs.Stat{}, 0, errno
	}
	st, errno := s.stat(guest, lookupflags&lookupSymlinkFollow != 0)
	if errno != vfs.ESUCCESS {
		return vfs.Stat{}, 0, errno
	}
	return st, filetypeOf(st.Mode), vfs.ESUCCESS
}

// The oflags of path_open.
const (
	oflagCreat     uint32 = 1 << 0
	oflagDirectory uint32 = 1 << 1
	oflagExcl      uint32 = 1 << 2
	oflagTrunc     uint32 = 1 << 3
)

// Permissions of what the guest creates (WASI has no modes; these are what a
// umask of 022 leaves).
const (
	permFile = 0o644
	permDir  = 0o755
)

// rightsWrite are the rights that open a file for writing, as wasi-libc asks for
// them with O_WRONLY.
const rightsWrite = rightFdWrite | rightFdAllocate | rightFdFilestatSetSize

// path_open(fd, dirflags, path, path_len, oflags, rights_base,
// rights_inheriting, fdflags, opened_fd). The new fd gets the rights asked for
// within the directory's inheriting rights (others are dropped silently, as
// wasmtime) and within what its kind allows. The access mode follows from the
// rights: FD_READ reads, FD_WRITE (or FD_ALLOCATE, FD_FILESTAT_SET_SIZE) writes.
// A directory opens for reading; asking FD_WRITE of one is EISDIR, as the suite's
// path_open_preopen and Linux have it, while the other writing rights are just
// dropped.
func (s *System) pathOpen(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	fd, dirflags, ptr, n := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3])
	oflags, base, inheriting := uint32(stack[4]), stack[5], stack[6]
	fdflags, resultPtr := uint32(stack[7]), uint32(stack[8])
	if oflags&^(oflagCreat|oflagDirectory|oflagExcl|oflagTrunc) != 0 || fdflags&^uint32(fdflagsAll) != 0 {
		return vfs.EINVAL
	}
	need := rightPathOpen
	if oflags&oflagCreat != 0 {
		need |= rightPathCreateFile
	}
	if oflags&oflagTrunc != 0 {
		need |= rightPathFilestatSetSize
	}
	dir, guest, dotdot, errno := s.dirPathMem(mod, fd, need, ptr, n)
	if errno != vfs.ESUCCESS {
		return errno
	}
	base &= dir.inheriting
	inheriting &= dir.inheriting

	flag := vfs.OFlagRead
	if base&rightsWrite != 0 && (oflags&oflagDirectory == 0 || base&rightFdWrite != 0) {
		flag = vfs.OFlagWrite
		if base&rightFdRead != 0 {
			flag |= vfs.OFlagRead
		}
	}
	if oflags&oflagCreat != 0 {
		flag |= vfs.OFlagCreate
	}
	if oflags&oflagDirectory != 0 {
		flag |= vfs.OFlagDirectory
	}
	if oflags&oflagExcl != 0 {
		flag |= vfs.OFlagExclusive
	}
	if oflags&oflagTrunc != 0 {
		flag |= vfs.OFlagTruncate
	}
	if dirflags&lookupSymlinkFollow == 0 {
		flag |= vfs.OFlagNoFollow
	}
	ff := uint16(fdflags)
	if ff&fdflagAppend != 0 {
		flag |= vfs.OFlagAppend
	}
	if ff&fdflagDsync != 0 {
		flag |= vfs.OFlagDsync
	}
	if ff&(fdflagSync|fdflagRsync) != 0 {
		flag |= vfs.OFlagSync
	}

	f, errno := s.root.OpenFile(guest, flag, permFile)
	if errno == vfs.EISDIR && flag&vfs.OFlagWrite != 0 && base&rightFdWrite == 0 {
		// A directory asked for with only FD_ALLOCATE or FD_FILESTAT_SET_SIZE:
		// those rights are dropped below anyway.
		flag = flag&^vfs.OFlagWrite | vfs.OFlagRead
		f, errno = s.root.OpenFile(guest, flag, permFile)
	}
	if errno != vfs.ESUCCESS {
		return errno
	}
	st, errno := f.Stat()
	if errno == vfs.ESUCCESS {
		// The result is checked before the fd exists: once it does, another
		// thread may use or close it.
		_, errno = view(mod.Memory(), resultPtr, 4)
	}
	if errno != vfs.ESUCCESS {
		f.Close()
		return errno
	}
	filetype := filetypeOf(st.Mode)
	if filetype == filetypeDirectory {
		base &= rightsDirBase
	} else {
		base &= rightsFileBase
	}
	newFd := s.fds.insert(descriptor{
		ofd: &openFile{
			file:     f,
			filetype: filetype,
			path:     s.openedPath(guest, dotdot, &st),
			base:     dir.ofd.base,
			fdflags:  ff,
		},
		rights:     base,
		inheriting: inheriting,
	})
	// Guest memory only grows: the write cannot fail after the check.
	return writeU32(mod.Memory(), resultPtr, newFd)
}

// openedPath is the guest path to record for a file opened by guest: clean, unless
// guest has a ".." that cleaning would take lexically past a symbolic link (the
// clean path then names another file), in which case guest itself is kept, to be
// resolved again as it was.
func (s *System) openedPath(guest string, dotdot bool, st *vfs.Stat) string {
	p := path.Clean(guest)
	if !dotdot || p == guest {
		return p
	}
	if cst, errno := s.stat(p, true); errno == vfs.ESUCCESS && cst.Ino == st.Ino && cst.Dev == st.Dev {
		return p
	}
	if t := strings.TrimRight(guest, "/"); t != "" {
		return t
	}
	return "/"
}

// trimSlash removes the trailing slashes of a guest path, reporting whether
// there were any.
func trimSlash(p string) (string, bool) {
	t := strings.TrimRight(p, "/")
	if t == "" {
		t = "/"
	}
	return t, len(t) != len(p)
}

// path_create_directory(fd, path, path_len)
func (s *System) pathCreateDirectory(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	_, guest, _, errno := s.dirPathMem(mod, uint32(stack[0]), rightPathCreateDirectory, uint32(stack[1]), uint32(stack[2]))
	if errno != vfs.ESUCCESS {
		return errno
	}
	return s.root.Mkdir(guest, permDir)
}

// path_filestat_get(fd, flags, path, path_len, buf)
func (s *System) pathFilestatGet(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	fd, flags, ptr, n, bufPtr := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3]), uint32(stack[4])
	_, guest, _, errno := s.dirPathMem(mod, fd, rightPathFilestatGet, ptr, n)
	if errno != vfs.ESUCCESS {
		return errno
	}
	st, errno := s.stat(guest, flags&lookupSymlinkFollow != 0)
	if errno != vfs.ESUCCESS {
		return errno
	}
	return putFilestat(mod.Memory(), bufPtr, &st, filetypeOf(st.Mode))
}

// path_filestat_set_times(fd, flags, path, path_len, atim, mtim, fstflags).
// Without SYMLINK_FOLLOW a last symbolic link's own times are set.
func (s *System) pathFilestatSetTimes(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	fd, flags, ptr, n := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3])
	atim, mtim, errno := utimes(stack[4], stack[5], uint32(stack[6]))
	if errno != vfs.ESUCCESS {
		return errno
	}
	_, guest, _, errno := s.dirPathMem(mod, fd, rightPathFilestatSetTimes, ptr, n)
	if errno != vfs.ESUCCESS {
		return errno
	}
	if flags&lookupSymlinkFollow == 0 {
		return s.root.Lutimens(guest, atim, mtim)
	}
	return s.root.Utimens(guest, atim, mtim)
}

// path_link(old_fd, old_flags, old_path, old_path_len, new_fd, new_path,
// new_path_len). With SYMLINK_FOLLOW a last symbolic link of the old path is
// followed (linkat's AT_SYMLINK_FOLLOW); without, the link itself gets the new
// name. A new path with a trailing slash is ENOENT when free and EEXIST when not,
// as Linux.
func (s *System) pathLink(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	oldFd, oldFlags, oldPtr, oldN := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3])
	newFd, newPtr, newN := uint32(stack[4]), uint32(stack[5]), uint32(stack[6])
	_, oldGuest, _, errno := s.dirPathMem(mod, oldFd, rightPathLinkSource, oldPtr, oldN)
	if errno != vfs.ESUCCESS {
		return errno
	}
	_, newGuest, _, errno := s.dirPathMem(mod, newFd, rightPathLinkTarget, newPtr, newN)
	if errno != vfs.ESUCCESS {
		return errno
	}
	if _, slash := trimSlash(newGuest); slash {
		return s.existsErrno(newGuest)
	}
	oldGuest, slash := trimSlash(oldGuest)
	if slash {
		if st, errno := s.stat(oldGuest+"/", true); errno != vfs.ESUCCESS {
			return errno
		} else if !st.Mode.IsDir() {
			return vfs.ENOTDIR
		}
	}
	if oldFlags&lookupSymlinkFollow != 0 {
		if oldGuest, errno = s.root.Resolve(oldGuest); errno != vfs.ESUCCESS {
			return errno
		}
	}
	return s.root.Link(oldGuest, newGuest)
}

// existsErrno is the errno of creating a name at guest, which ends with a slash:
// ENOENT when nothing is there, EEXIST when something is.
func (s *System) existsErrno(guest string) vfs.Errno {
	switch _, errno := s.stat(guest, true); errno {
	case vfs.ESUCCESS:
		return vfs.EEXIST
	case vfs.ENOTDIR:
		// Linux says ENOTDIR for a file named with a trailing slash.
		return vfs.ENOTDIR
	case vfs.ENOENT:
		return vfs.ENOENT
	default:
		return errno
	}
}

// path_readlink(fd, path, path_len, buf, buf_len, bufused) copies the link's
// target, truncated to buf_len (the suite's readlink expects the first buf_len
// bytes and bufused == buf_len).
func (s *System) pathReadlink(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	fd, ptr, n := uint32(stack[0]), uint32(stack[1]), uint32(stack[2])
	bufPtr, bufLen, usedPtr := uint32(stack[3]), uint32(stack[4]), uint32(stack[5])
	_, guest, _, errno := s.dirPathMem(mod, fd, rightPathReadlink, ptr, n)
	if errno != vfs.ESUCCESS {
		return errno
	}
	target, errno := s.root.Readlink(guest)
	if errno != vfs.ESUCCESS {
		return errno
	}
	m := mod.Memory()
	k := uint32(min(uint64(len(target)), uint64(bufLen)))
	b, errno := view(m, bufPtr, k)
	if errno != vfs.ESUCCESS {
		return errno
	}
	copy(b, target)
	return writeU32(m, usedPtr, k)
}

// path_remove_directory(fd, path, path_len): a file is ENOTDIR, as is a symbolic
// link even when named with a trailing slash.
func (s *System) pathRemoveDirectory(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	_, guest, _, errno := s.dirPathMem(mod, uint32(stack[0]), rightPathRemoveDirectory, uint32(stack[1]), uint32(stack[2]))
	if errno != vfs.ESUCCESS {
		return errno
	}
	guest, _ = trimSlash(guest)
	switch path.Base(guest) {
	case ".":
		return vfs.EINVAL // rmdir(2) of "."
	case "..":
		return vfs.ENOTEMPTY
	}
	return s.root.Rmdir(guest)
}

// path_rename(fd, old_path, old_path_len, new_fd, new_path, new_path_len). A
// trailing slash on either path asks for a directory: a file is ENOTDIR.
func (s *System) pathRename(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	oldFd, oldPtr, oldN := uint32(stack[0]), uint32(stack[1]), uint32(stack[2])
	newFd, newPtr, newN := uint32(stack[3]), uint32(stack[4]), uint32(stack[5])
	_, oldGuest, _, errno := s.dirPathMem(mod, oldFd, rightPathRenameSource, oldPtr, oldN)
	if errno != vfs.ESUCCESS {
		return errno
	}
	_, newGuest, _, errno := s.dirPathMem(mod, newFd, rightPathRenameTarget, newPtr, newN)
	if errno != vfs.ESUCCESS {
		return errno
	}
	oldGuest, oldSlash := trimSlash(oldGuest)
	newGuest, newSlash := trimSlash(newGuest)
	if oldSlash || newSlash {
		st, errno := s.root.Lstat(oldGuest)
		switch {
		case errno != vfs.ESUCCESS:
			return errno
		case !st.Mode.IsDir():
			return vfs.ENOTDIR
		}
	}
	return s.root.Rename(oldGuest, newGuest)
}

// path_symlink(old_path, old_path_len, fd, new_path, new_path_len) creates
// new_path holding old_path as given. An absolute target is EPERM, as wasmtime
// (cap-std) answers and the suite's symlink_create expects. A new path with a
// trailing slash is ENOENT when free and EEXIST when not, as Linux.
func (s *System) pathSymlink(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	oldPtr, oldN := uint32(stack[0]), uint32(stack[1])
	fd, newPtr, newN := uint32(stack[2]), uint32(stack[3]), uint32(stack[4])
	_, guest, _, errno := s.dirPathMem(mod, fd, rightPathSymlink, newPtr, newN)
	if errno != vfs.ESUCCESS {
		return errno
	}
	target, errno := readString(mod.Memory(), oldPtr, oldN)
	switch {
	case errno != vfs.ESUCCESS:
		return errno
	case strings.IndexByte(target, 0) >= 0:
		return vfs.EINVAL
	case !utf8.ValidString(target):
		return vfs.EILSEQ
	case target != "" && target[0] == '/':
		return vfs.EPERM
	}
	if _, slash := trimSlash(guest); slash {
		return s.existsErrno(guest)
	}
	return s.root.Symlink(target, guest)
}

// path_unlink_file(fd, path, path_len): a directory is EISDIR, also named with a
// trailing slash, and a file named with one ENOTDIR (Linux's answers).
func (s *System) pathUnlinkFile(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	_, guest, _, errno := s.dirPathMem(mod, uint32(stack[0]), rightPathUnlinkFile, uint32(stack[1]), uint32(stack[2]))
	if errno != vfs.ESUCCESS {
		return errno
	}
	if _, slash := trimSlash(guest); slash {
		st, errno := s.stat(guest, true)
		switch {
		case errno == vfs.ESUCCESS && st.Mode.IsDir():
			return vfs.EISDIR
		case errno == vfs.ESUCCESS:
			return vfs.ENOTDIR
		}
		return errno
	}
	return s.root.Unlink(guest)
}
