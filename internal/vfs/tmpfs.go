package vfs

import (
	"io/fs"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// NewTmpFS returns an empty in-memory filesystem whose root is a directory with
// mode 0o755. File contents count against l, which several tmpfs may share; a nil
// l is unlimited.
//
// What it keeps and reports:
//   - regular files, directories, symbolic links, hard links (not of directories:
//     EPERM) and character devices (MkDevice);
//   - Ino unique within the filesystem (the root is 1), Dev 0 (the mount table tells
//     filesystems apart);
//   - Nlink: a file's number of names (0 once unlinked but still open), 2 plus the
//     number of subdirectories for a directory;
//   - Size: a file's length, a symlink's target length, a directory's number of
//     entries, 0 for a device;
//   - the permission bits with setuid, setgid and sticky, stored and reported as
//     given (no umask: WASI has none) but not enforced: the guest is the only user,
//     and acts as the owner of every file;
//   - Mtim and Ctim in nanoseconds, changed as POSIX says; Atim only by Utimens
//     (as a noatime mount: reads take the read lock and change nothing).
//
// Writes: a file's contents are chunks of 256 KiB (see tmpBody). A chunk no write
// has reached is a hole: it reads as zeros and stores and counts nothing, so a
// sparse file stays sparse; within a chunk that holds data, a gap is stored as
// zeros and counted. A write that stores more bytes reserves them from the limiter
// first; when not all of them fit, it writes as much as fits and returns that count
// (ESUCCESS), and when nothing fits it returns ENOSPC, as write(2) does on a full
// disk (which a write into a hole below the size may do too). Truncate and
// OFlagTruncate shrink and release what they free, or grow: the chunk that holds
// the old end stores zeros up to the new end or its own (all or ENOSPC), and the
// whole chunks past it are holes. The bytes of a file
// whose last name is removed are released when its last open handle closes. No file
// grows past 4 GiB (EFBIG), so that a stray sparse write far past the end
// cannot ask the Go runtime for more memory than a machine has when no limit is set.
//
// One RWMutex guards the whole filesystem: lookups, Lstat, Pread and Readdir take it
// for reading; every change takes it for writing.
func NewTmpFS(l *Limiter) FS {
	t := &tmpfs{lim: l, now: tmpNow}
	t.root = t.newNode(fs.ModeDir | 0o755)
	return t
}

// tmpNow is the default clock of a tmpfs.
func tmpNow() int64 { return time.Now().UnixNano() }

// tmpMaxSize is the largest size of a tmpfs file (4 GiB, less on 32-bit platforms).
const tmpMaxSize = min(1<<32, math.MaxInt)

// tmpNameMax is the longest name of a directory entry, as NAME_MAX.
const tmpNameMax = 255

// tmpPermMask are the mode bits Chmod and the creating calls keep.
const tmpPermMask = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// tmpfs is the filesystem NewTmpFS returns.
type tmpfs struct {
	UnimplementedFS
	lim *Limiter
	// now returns the time in nanoseconds since the epoch; tests replace it.
	now func() int64

	mu   sync.RWMutex
	root *tmpNode
	ino  uint64 // the last inode number given
}

var _ FS = (*tmpfs)(nil)

// tmpNode is an inode. Which kind it is follows from mode.Type(); dir is set for a
// directory, target for a symlink, dev for a device, data for a regular file.
// Every field but opens is guarded by the filesystem's mutex.
type tmpNode struct {
	ino              uint64
	mode             fs.FileMode
	nlink            uint64
	atim, mtim, ctim int64

	data   tmpBody
	dir    *tmpDir
	target string
	dev    Device

	// opens counts the open handles; it is changed under the read lock (OpenFile)
	// and read and changed under the write lock (Close, Unlink), hence atomic.
	opens atomic.Int64
}

// isReg reports whether n is a regular file.
func (n *tmpNode) isReg() bool { return n.mode.Type() == 0 }

// stat returns n's attributes.
func (n *tmpNode) stat() Stat {
	st := Stat{Ino: n.ino, Mode: n.mode, Nlink: n.nlink, Atim: n.atim, Mtim: n.mtim, Ctim: n.ctim}
	switch {
	case n.dir != nil:
		st.Size = int64(n.dir.len())
	case n.mode&fs.ModeSymlink != 0:
		st.Size = int64(len(n.target))
	default:
		st.Size = n.data.size
	}
	return st
}

// newNode returns a fresh inode of mode with one link (two for a directory),
// stamped now. The caller holds the write lock (or is the constructor).
func (t *tmpfs) newNode(mode fs.FileMode) *tmpNode {
	t.ino++
	now := t.now()
	n := &tmpNode{ino: t.ino, mode: mode, nlink: 1, atim: now, mtim: now, ctim: now}
	if mode.IsDir() {
		n.dir = newTmpDir()
		n.nlink = 2
	}
	return n
}

// walk looks path up without allocating. It returns the directory that holds the
// last component, that component, and its node (nil when only the last component
// is missing). For "/" parent is nil and n the root. Every component but the last
// must be a directory (ENOTDIR); a symlink is never followed.
func (t *tmpfs) walk(path string) (parent *tmpNode, name string, n *tmpNode, errno Errno) {
	if path == "/" {
		return nil, "", t.root, ESUCCESS
	}
	if len(path) < 2 || path[0] != '/' {
		return nil, "", nil, EINVAL
	}
	dir, rest := t.root, path[1:]
	for {
		name, tail, more := strings.Cut(rest, "/")
		switch {
		case name == "" || name == "." || name == "..":
			return nil, "", nil, EINVAL
		case len(name) > tmpNameMax:
			return nil, "", nil, ENAMETOOLONG
		case dir.dir == nil:
			return nil, "", nil, ENOTDIR
		}
		c := dir.dir.lookup(name)
		if !more {
			return dir, name, c, ESUCCESS
		}
		if c == nil {
			return nil, "", nil, ENOENT
		}
		dir, rest = c, tail
	}
}

// create walks to path, which must not exist, and inserts a new node of mode
// there. The caller holds the write lock.
func (t *tmpfs) create(path string, mode fs.FileMode) (*tmpNode, Errno) {
	parent, name, n, errno := t.walk(path)
	switch {
	case errno != ESUCCESS:
		return nil, errno
	case n != nil:
		return nil, EEXIST
	}
	return t.insert(parent, name, mode), ESUCCESS
}

// insert adds a new node of mode called name to the directory parent. The name
// is copied, so that the directory does not keep the caller's path alive.
func (t *tmpfs) insert(parent *tmpNode, name string, mode fs.FileMode) *tmpNode {
	n := t.newNode(mode)
	parent.dir.add(strings.Clone(name), n)
	if n.dir != nil {
		parent.nlink++
	}
	parent.mtim, parent.ctim = n.mtim, n.mtim
	return n
}

// setSize grows (reserving the zeros the last chunk stores first: all or ENOSPC;
// the whole chunks past it are holes) or shrinks (releasing what it frees) the
// contents of the regular file n.
func (t *tmpfs) setSize(n *tmpNode, size int64) Errno {
	if errno := t.lim.Reserve(n.data.tailGrowth(size)); errno != ESUCCESS {
		return errno
	}
	t.lim.Release(n.data.truncate(size))
	return ESUCCESS
}

// writeAt writes p at off in the regular file n, storing what fits under the
// limiter (see NewTmpFS). The caller holds the write lock.
func (t *tmpfs) writeAt(n *tmpNode, p []byte, off int64) (int, Errno) {
	switch {
	case off < 0:
		return 0, EINVAL
	case len(p) == 0:
		return 0, ESUCCESS
	case off > tmpMaxSize-int64(len(p)):
		return 0, EFBIG
	}
	end := off + int64(len(p))
	if grow := n.data.growth(off, end); grow > 0 {
		if got := t.lim.reserveUpTo(grow); got < grow {
			var used int64
			end, used = n.data.fit(off, end, got)
			t.lim.Release(got - used)
			if end <= off {
				return 0, ENOSPC
			}
			p = p[:end-off]
		}
	}
	n.data.writeAt(p, off)
	now := t.now()
	n.mtim, n.ctim = now, now
	return len(p), ESUCCESS
}

// dropLink removes one link of the non-directory n, and releases its contents when
// that was the last link and no handle is open. The caller holds the write lock.
func (t *tmpfs) dropLink(n *tmpNode) {
	n.nlink--
	n.ctim = t.now()
	if n.nlink == 0 && n.opens.Load() == 0 {
		t.free(n)
	}
}

// free releases the contents of a node that no name and no handle reaches.
func (t *tmpfs) free(n *tmpNode) {
	t.lim.Release(n.data.stored())
	n.data = tmpBody{}
}

// setTimes applies Utimens to n. The caller holds the write lock.
func (t *tmpfs) setTimes(n *tmpNode, atim, mtim int64) {
	if atim == UTimeOmit && mtim == UTimeOmit {
		return
	}
	now := t.now()
	if atim == UTimeNow {
		atim = now
	}
	if mtim == UTimeNow {
		mtim = now
	}
	if atim != UTimeOmit {
		n.atim = atim
	}
	if mtim != UTimeOmit {
		n.mtim = mtim
	}
	n.ctim = now
}

// OpenFile opens path; see NewTmpFS. Only an open that may create or truncate
// takes the write lock.
func (t *tmpfs) OpenFile(path string, flag OFlag, perm fs.FileMode) (File, Errno) {
	if flag&OFlagPath == 0 && flag&(OFlagCreate|OFlagTruncate) != 0 {
		t.mu.Lock()
		defer t.mu.Unlock()
	} else {
		t.mu.RLock()
		defer t.mu.RUnlock()
	}
	parent, name, n, errno := t.walk(path)
	if errno != ESUCCESS {
		return nil, errno
	}
	if flag&OFlagPath != 0 {
		// As O_PATH: every flag but OFlagDirectory and OFlagNoFollow is ignored,
		// and a symlink is opened itself.
		switch {
		case n == nil:
			return nil, ENOENT
		case flag&OFlagDirectory != 0 && n.dir == nil:
			return nil, ENOTDIR
		}
		return t.newFile(n, flag), ESUCCESS
	}
	if n == nil {
		switch {
		case flag&OFlagCreate == 0:
			return nil, ENOENT
		case flag&OFlagDirectory != 0:
			return nil, EINVAL // as Linux: O_CREAT|O_DIRECTORY never makes a file
		}
		return t.newFile(t.insert(parent, name, perm&tmpPermMask), flag), ESUCCESS
	}
	// In Linux's order (do_open, then may_open).
	switch {
	case flag&(OFlagCreate|OFlagExclusive) == OFlagCreate|OFlagExclusive:
		return nil, EEXIST
	case flag&OFlagDirectory != 0 && n.dir == nil:
		return nil, ENOTDIR
	case n.mode&fs.ModeSymlink != 0:
		return nil, ELOOP
	case n.dir != nil && flag&(OFlagWrite|OFlagCreate|OFlagTruncate) != 0:
		return nil, EISDIR // OFlagTruncate too, as NewReadOnly and NewTreeFS say
	}
	if flag&OFlagTruncate != 0 && n.isReg() {
		// Holding the write lock: OFlagTruncate chose it above.
		t.setSize(n, 0)
		now := t.now()
		n.mtim, n.ctim = now, now
	}
	return t.newFile(n, flag), ESUCCESS
}

// Lstat returns the attributes of path.
func (t *tmpfs) Lstat(path string) (Stat, Errno) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	_, _, n, errno := t.walk(path)
	switch {
	case errno != ESUCCESS:
		return Stat{}, errno
	case n == nil:
		return Stat{}, ENOENT
	}
	return n.stat(), ESUCCESS
}

// Mkdir creates a directory with perm.
func (t *tmpfs) Mkdir(path string, perm fs.FileMode) Errno {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, errno := t.create(path, fs.ModeDir|perm&tmpPermMask)
	return errno
}

// Chmod sets the permission bits of path (ENOTSUP for a symlink, as Linux's
// fchmodat with AT_SYMLINK_NOFOLLOW).
func (t *tmpfs) Chmod(path string, perm fs.FileMode) Errno {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, _, n, errno := t.walk(path)
	switch {
	case errno != ESUCCESS:
		return errno
	case n == nil:
		return ENOENT
	case n.mode&fs.ModeSymlink != 0:
		return ENOTSUP
	}
	n.mode = n.mode.Type() | perm&tmpPermMask
	n.ctim = t.now()
	return ESUCCESS
}

// Rename moves from to to with rename(2)'s rules.
func (t *tmpfs) Rename(from, to string) Errno {
	t.mu.Lock()
	defer t.mu.Unlock()
	fp, fname, fn, errno := t.walk(from)
	switch {
	case errno != ESUCCESS:
		return errno
	case fn == nil:
		return ENOENT
	}
	tp, tname, tn, errno := t.walk(to)
	switch {
	case errno != ESUCCESS:
		return errno
	case fp == nil || tp == nil:
		return EBUSY // the root cannot be moved or replaced
	case fn.dir != nil && len(to) > len(from) && to[len(from)] == '/' && to[:len(from)] == from:
		return EINVAL // a directory cannot move into its own subtree
	case tn == fn:
		return ESUCCESS // the same name, or two links to one file: nothing to do
	}
	if tn != nil {
		switch {
		case fn.dir != nil && tn.dir == nil:
			return ENOTDIR
		case fn.dir == nil && tn.dir != nil:
			return EISDIR
		case tn.dir != nil && tn.dir.len() > 0:
			return ENOTEMPTY
		}
		tp.dir.remove(tname)
		if tn.dir != nil {
			tn.nlink = 0
			tp.nlink--
		} else {
			t.dropLink(tn)
		}
	}
	fp.dir.remove(fname)
	tp.dir.add(strings.Clone(tname), fn)
	if fn.dir != nil && fp != tp {
		fp.nlink--
		tp.nlink++
	}
	now := t.now()
	fn.ctim = now
	fp.mtim, fp.ctim = now, now
	tp.mtim, tp.ctim = now, now
	return ESUCCESS
}

// Rmdir removes an empty directory (EBUSY for the root).
func (t *tmpfs) Rmdir(path string) Errno {
	t.mu.Lock()
	defer t.mu.Unlock()
	parent, name, n, errno := t.walk(path)
	switch {
	case errno != ESUCCESS:
		return errno
	case n == nil:
		return ENOENT
	case parent == nil:
		return EBUSY
	case n.dir == nil:
		return ENOTDIR
	case n.dir.len() > 0:
		return ENOTEMPTY
	}
	parent.dir.remove(name)
	parent.nlink--
	n.nlink = 0
	now := t.now()
	n.ctim = now
	parent.mtim, parent.ctim = now, now
	return ESUCCESS
}

// Unlink removes a name of a file, symlink or device.
func (t *tmpfs) Unlink(path string) Errno {
	t.mu.Lock()
	defer t.mu.Unlock()
	parent, name, n, errno := t.walk(path)
	switch {
	case errno != ESUCCESS:
		return errno
	case n == nil:
		return ENOENT
	case n.dir != nil:
		return EISDIR
	}
	parent.dir.remove(name)
	t.dropLink(n)
	parent.mtim, parent.ctim = n.ctim, n.ctim
	return ESUCCESS
}

// Link makes newPath another name of oldPath (EPERM for a directory).
func (t *tmpfs) Link(oldPath, newPath string) Errno {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, _, n, errno := t.walk(oldPath)
	switch {
	case errno != ESUCCESS:
		return errno
	case n == nil:
		return ENOENT
	case n.dir != nil:
		return EPERM
	}
	parent, name, existing, errno := t.walk(newPath)
	switch {
	case errno != ESUCCESS:
		return errno
	case existing != nil:
		return EEXIST
	}
	parent.dir.add(strings.Clone(name), n)
	n.nlink++
	now := t.now()
	n.ctim = now
	parent.mtim, parent.ctim = now, now
	return ESUCCESS
}

// Symlink creates a symlink holding target (ENOENT for an empty target, as
// symlink(2)).
func (t *tmpfs) Symlink(target, linkPath string) Errno {
	if target == "" {
		return ENOENT
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	n, errno := t.create(linkPath, fs.ModeSymlink|0o777)
	if errno != ESUCCESS {
		return errno
	}
	n.target = strings.Clone(target)
	return ESUCCESS
}

// Readlink returns a symlink's target (EINVAL for anything else).
func (t *tmpfs) Readlink(path string) (string, Errno) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	_, _, n, errno := t.walk(path)
	switch {
	case errno != ESUCCESS:
		return "", errno
	case n == nil:
		return "", ENOENT
	case n.mode&fs.ModeSymlink == 0:
		return "", EINVAL
	}
	return n.target, ESUCCESS
}

// Utimens sets the times of path itself (a symlink's own, as AT_SYMLINK_NOFOLLOW).
func (t *tmpfs) Utimens(path string, atim, mtim int64) Errno {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, _, n, errno := t.walk(path)
	switch {
	case errno != ESUCCESS:
		return errno
	case n == nil:
		return ENOENT
	}
	t.setTimes(n, atim, mtim)
	return ESUCCESS
}
