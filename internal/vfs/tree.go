package vfs

import (
	"errors"
	"io"
	"io/fs"
	"math"
	"strings"
	"sync"
	"sync/atomic"
)

// TreeNodeOf is a node of a read-only tree that NewTreeFS serves: a directory with
// Len children, reachable by index (in name order) and by name, or a file whose
// bytes ReadAt reads. N is the node type itself, so that a value type whose Child
// returns its own type satisfies it: webc.Entry is a TreeNodeOf[webc.Entry], and vfs
// does not import webc.
//
// The tree must not change while it is served. NewTreeFS calls Child only with
// 0 <= i < Len(), Len and Lookup only on directories, and ReadAt only on files with
// off >= 0. For the view to keep its allocation budget (nothing per Lstat, Pread or
// Readdir) the methods must not allocate; they must be safe for concurrent use.
type TreeNodeOf[N any] interface {
	// Name returns the node's name within its directory ("" for the root).
	Name() string
	// IsDir reports whether the node is a directory; every other node is a file.
	IsDir() bool
	// Size returns a file's length in bytes.
	Size() int64
	// ModTime returns the modification time in seconds since the Unix epoch (0 when
	// unknown).
	ModTime() int64
	// Len returns the number of children of a directory.
	Len() int
	// Child returns the i-th child of a directory, in name order.
	Child(i int) N
	// Lookup returns the child of a directory called name.
	Lookup(name string) (N, bool)
	// ReadAt reads a file's bytes at off, with io.ReaderAt semantics.
	ReadAt(p []byte, off int64) (int, error)
}

// NewTreeFS returns a read-only filesystem over the tree below root, such as a
// package volume (vfs.NewTreeFS(volumeRoot) with a webc.Entry).
//
// What it reports, as the tree carries no more:
//   - mode 0o644 for files and fs.ModeDir|0o755 for directories: a volume stores no
//     mode bits, and a package volume is mounted writable through a copy-on-write
//     overlay, so the guest sees the modes of ordinary writable files (no file is
//     executable); this view itself refuses every change (EROFS);
//   - Nlink 1 for every node, directories included (as btrfs does: tools that
//     count subdirectories from a directory's link count treat 1 as "unknown"
//     rather than trusting a wrong number, and Lstat stays O(1));
//   - Atim, Mtim and Ctim all the node's ModTime in nanoseconds;
//   - Dev 0 (the mount table tells filesystems apart), and an Ino that is the
//     64-bit FNV-1a hash of the node's path ("/" before each component), computed
//     while walking, so it is stable for the tree's lifetime and costs no table.
//
// Every change gives EROFS, in Linux's order of errors (a missing parent is
// ENOENT, creating a name that exists is EEXIST); see roCreate and its siblings.
// Readdir cookies are a child's index + 1, stable because the tree never changes.
func NewTreeFS[N TreeNodeOf[N]](root N) FS {
	// The return statement is the check that *treeFS[N] implements FS for every N:
	// a `var _ FS = ...` line would need a concrete node type, which vfs lacks.
	return &treeFS[N]{root: root}
}

// treeFS is the filesystem NewTreeFS returns.
type treeFS[N TreeNodeOf[N]] struct {
	UnimplementedFS
	root N
}

// FNV-1a, 64 bits.
const (
	treeFNVOffset = 14695981039346656037
	treeFNVPrime  = 1099511628211
)

// treeHashAdd continues the FNV-1a hash h of a directory's path with "/" and name,
// giving the hash of the child's path. The root's hash is treeFNVOffset.
func treeHashAdd(h uint64, name string) uint64 {
	h = (h ^ '/') * treeFNVPrime
	for i := 0; i < len(name); i++ {
		h = (h ^ uint64(name[i])) * treeFNVPrime
	}
	return h
}

// treeIno turns a path hash into an inode number; 0 is avoided, as WASI programs
// may read it as "no inode".
func treeIno(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
}

// treeNanos converts seconds to nanoseconds, saturating instead of overflowing on
// the times a malformed container may carry.
func treeNanos(sec int64) int64 {
	switch {
	case sec > math.MaxInt64/1_000_000_000:
		return math.MaxInt64
	case sec < math.MinInt64/1_000_000_000:
		return math.MinInt64
	}
	return sec * 1e9
}

// treeStat returns the attributes of n, whose path hashes to h.
func treeStat[N TreeNodeOf[N]](n N, h uint64) Stat {
	st := Stat{Ino: treeIno(h), Nlink: 1, Mode: 0o644}
	if n.IsDir() {
		st.Mode = fs.ModeDir | 0o755
	} else {
		st.Size = n.Size()
	}
	t := treeNanos(n.ModTime())
	st.Atim, st.Mtim, st.Ctim = t, t, t
	return st
}

// walk finds the node at path and the hash of its path. It cuts the path in place
// and builds nothing, so it does not allocate. On ENOENT, last says whether only
// the last component is missing (its parent is an existing directory); ENOTDIR
// always concerns a parent.
func (t *treeFS[N]) walk(path string) (n N, h uint64, errno Errno, last bool) {
	n, h = t.root, treeFNVOffset
	if path == "/" {
		return n, h, ESUCCESS, false
	}
	if len(path) < 2 || path[0] != '/' {
		return n, 0, EINVAL, false
	}
	var zero N
	rest := path[1:]
	for {
		name, tail, more := strings.Cut(rest, "/")
		if name == "" || name == "." || name == ".." {
			return zero, 0, EINVAL, false
		}
		if !n.IsDir() {
			return zero, 0, ENOTDIR, false
		}
		c, ok := n.Lookup(name)
		if !ok {
			return zero, 0, ENOENT, !more
		}
		n, h = c, treeHashAdd(h, name)
		if !more {
			return n, h, ESUCCESS, false
		}
		rest = tail
	}
}

// Lstat returns the attributes of the node at path.
func (t *treeFS[N]) Lstat(path string) (Stat, Errno) {
	n, h, errno, _ := t.walk(path)
	if errno != ESUCCESS {
		return Stat{}, errno
	}
	return treeStat(n, h), ESUCCESS
}

// OpenFile opens a node for reading; any write intent gives EROFS (see roOpenFlags).
func (t *treeFS[N]) OpenFile(path string, flag OFlag, _ fs.FileMode) (File, Errno) {
	n, h, errno, last := t.walk(path)
	if errno == ENOENT && last && flag&OFlagCreate != 0 && flag&OFlagPath == 0 {
		return nil, EROFS
	}
	if errno != ESUCCESS {
		return nil, errno
	}
	if errno := roOpenFlags(flag, n.IsDir()); errno != ESUCCESS {
		return nil, errno
	}
	return &treeFile[N]{node: n, hash: h, pathOnly: flag&OFlagPath != 0}, ESUCCESS
}

// Readlink gives EINVAL for every node (a tree has no symlinks) or the lookup's errno.
func (t *treeFS[N]) Readlink(path string) (string, Errno) {
	if _, _, errno, _ := t.walk(path); errno != ESUCCESS {
		return "", errno
	}
	return "", EINVAL
}

// Mkdir gives EROFS (EEXIST if path exists).
func (t *treeFS[N]) Mkdir(path string, _ fs.FileMode) Errno { return roCreate(t, path) }

// Symlink gives EROFS (EEXIST if linkPath exists).
func (t *treeFS[N]) Symlink(_, linkPath string) Errno { return roCreate(t, linkPath) }

// Link gives EROFS (ENOENT if oldPath is missing, EEXIST if newPath exists).
func (t *treeFS[N]) Link(oldPath, newPath string) Errno { return roLink(t, oldPath, newPath) }

// Rename gives EROFS (or a parent's lookup errno).
func (t *treeFS[N]) Rename(from, to string) Errno { return roRename(t, from, to) }

// Rmdir gives EROFS (or the parent's lookup errno).
func (t *treeFS[N]) Rmdir(path string) Errno { return roRemove(t, path) }

// Unlink gives EROFS (or the parent's lookup errno).
func (t *treeFS[N]) Unlink(path string) Errno { return roRemove(t, path) }

// Chmod gives EROFS (or the lookup's errno).
func (t *treeFS[N]) Chmod(path string, _ fs.FileMode) Errno { return roChange(t, path) }

// Utimens gives EROFS (or the lookup's errno).
func (t *treeFS[N]) Utimens(path string, _, _ int64) Errno { return roChange(t, path) }

// treeFile is an open node of a treeFS. Pread and Readdir take no lock; Read and
// Lseek share the offset under mu.
type treeFile[N TreeNodeOf[N]] struct {
	UnimplementedFile
	node N
	// hash is the FNV-1a hash of the node's path (see treeHashAdd).
	hash uint64
	// pathOnly: opened with OFlagPath, for Stat only.
	pathOnly bool
	closed   atomic.Bool

	mu  sync.Mutex
	off int64
}

// Stat returns the node's attributes.
func (f *treeFile[N]) Stat() (Stat, Errno) {
	if f.closed.Load() {
		return Stat{}, EBADF
	}
	return treeStat(f.node, f.hash), ESUCCESS
}

// Pread reads into p from off with the node's ReadAt, straight into p.
func (f *treeFile[N]) Pread(p []byte, off int64) (int, Errno) {
	if f.closed.Load() || f.pathOnly {
		return 0, EBADF
	}
	if f.node.IsDir() {
		return 0, EISDIR
	}
	if off < 0 {
		return 0, EINVAL
	}
	if len(p) == 0 || off >= f.node.Size() {
		return 0, ESUCCESS
	}
	n, err := f.node.ReadAt(p, off)
	// An error after some bytes returns those bytes, as read(2) does; the next
	// read meets the error again.
	if err != nil && n == 0 && !errors.Is(err, io.EOF) {
		return 0, EIO
	}
	return n, ESUCCESS
}

// Read reads into p from the file's offset and moves it.
func (f *treeFile[N]) Read(p []byte) (int, Errno) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, errno := f.Pread(p, f.off)
	f.off += int64(n)
	return n, errno
}

// Lseek moves the offset of a file (EISDIR for a directory: a directory is
// listed by cookie, not by offset). The offset may go past the end.
func (f *treeFile[N]) Lseek(off int64, whence int) (int64, Errno) {
	if f.closed.Load() || f.pathOnly {
		return 0, EBADF
	}
	if f.node.IsDir() {
		return 0, EISDIR
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = f.off
	case io.SeekEnd:
		base = f.node.Size()
	default:
		return 0, EINVAL
	}
	if (off > 0 && base > math.MaxInt64-off) || base+off < 0 {
		return 0, EINVAL
	}
	f.off = base + off
	return f.off, ESUCCESS
}

// Readdir lists the children that follow cookie; cookie i+1 follows child i.
func (f *treeFile[N]) Readdir(cookie uint64, buf []Dirent) (int, Errno) {
	if f.closed.Load() || f.pathOnly {
		return 0, EBADF
	}
	if !f.node.IsDir() {
		return 0, ENOTDIR
	}
	count := uint64(f.node.Len())
	k := 0
	for i := cookie; i < count && k < len(buf); i++ {
		c := f.node.Child(int(i))
		typ := fs.FileMode(0)
		if c.IsDir() {
			typ = fs.ModeDir
		}
		buf[k] = Dirent{Next: i + 1, Ino: treeIno(treeHashAdd(f.hash, c.Name())), Name: c.Name(), Type: typ}
		k++
	}
	return k, ESUCCESS
}

// Write gives EBADF: the file is open for reading only.
func (f *treeFile[N]) Write([]byte) (int, Errno) { return 0, EBADF }

// Pwrite gives EBADF: the file is open for reading only.
func (f *treeFile[N]) Pwrite([]byte, int64) (int, Errno) { return 0, EBADF }

// Truncate gives EBADF: the file is open for reading only.
func (f *treeFile[N]) Truncate(int64) Errno { return EBADF }

// Sync has nothing to flush.
func (f *treeFile[N]) Sync() Errno { return f.openErrno() }

// Datasync has nothing to flush.
func (f *treeFile[N]) Datasync() Errno { return f.openErrno() }

// Utimens gives EROFS.
func (f *treeFile[N]) Utimens(int64, int64) Errno { return f.changeErrno() }

// Chmod gives EROFS.
func (f *treeFile[N]) Chmod(fs.FileMode) Errno { return f.changeErrno() }

// SetAppend is accepted, as fcntl(2) accepts O_APPEND on a read-only descriptor;
// writes are refused anyway.
func (f *treeFile[N]) SetAppend(bool) Errno {
	if f.pathOnly {
		return EBADF
	}
	return f.openErrno()
}

// Close releases the file; a second Close gives EBADF.
func (f *treeFile[N]) Close() Errno {
	if f.closed.Swap(true) {
		return EBADF
	}
	return ESUCCESS
}

// openErrno is EBADF once the file is closed, else ESUCCESS.
func (f *treeFile[N]) openErrno() Errno {
	if f.closed.Load() {
		return EBADF
	}
	return ESUCCESS
}

// changeErrno is EBADF once the file is closed, else EROFS.
func (f *treeFile[N]) changeErrno() Errno {
	if f.closed.Load() {
		return EBADF
	}
	return EROFS
}
