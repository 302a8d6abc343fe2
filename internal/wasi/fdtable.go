package wasi

import (
	"io/fs"
	"sync"
	"sync/atomic"

	"github.com/wasirun/wasirun/internal/vfs"
)

// The fd table has POSIX's two levels. A descriptor is one fd number's: its
// rights and its own flags. It points at an open file (POSIX's open file
// description): the vfs.File with its offset, the path it was opened by, and the
// file status flags. Descriptors made from one open share it (fd_renumber moves
// one; a cloned table, as fork will make, and a dup copy it), and it is
// reference-counted: the last reference released closes the vfs.File, whoever
// releases it (fd_close, fd_renumber, closeAll, or a call still using the file).
//
// The table is safe for concurrent use, as the threads of one process share it.
// A host call that uses an open file holds a reference to it for the duration of
// the call (acquire, then release; Linux's fdget and fdput), so a thread closing
// the fd meanwhile takes the number away at once but closes the file only when
// the call is done.

// openFile is one open file description. file, filetype, path and base are set
// when it is made and never change; the fields after mu are guarded by it.
type openFile struct {
	// refs counts the descriptors pointing here, in every table, and the calls
	// in progress that acquired it.
	refs atomic.Int32
	// file is nil only for a stream that is not wired (in tests).
	file     vfs.File
	filetype uint8
	// path is the guest path the file was opened by (clean, absolute); empty
	// for the streams.
	path string
	// base is the guest path of the preopen the file descends from. (The path_*
	// functions refuse, lexically, any path climbing above the directory fd
	// itself, which is stricter: see checkRel.)
	base string

	// mu guards the fields below. fd_readdir holds it for the whole call, so
	// that two threads listing one directory do not share the batch (Linux's
	// f_pos_lock).
	mu sync.Mutex
	// fdflags are the file status flags (fdflagAppend, fdflagNonblock,
	// fdflagDsync, fdflagRsync, fdflagSync). They live on the open file, not on
	// the descriptor, because POSIX keeps them on the open file description
	// (fcntl's F_SETFL): a change made through one fd shows through every fd
	// sharing the open file, and vfs.File's append mode, which they set, is the
	// file's own.
	fdflags uint16
	// dirents is the batch fd_readdir reads the directory in, kept between calls
	// so that listing allocates nothing of its own.
	dirents []vfs.Dirent
}

// isStream reports whether f is one of the streams the guest started with (no
// path, not a directory): seeking it is ESPIPE, as wasmtime answers.
func (f *openFile) isStream() bool {
	return f.path == "" && f.filetype != filetypeDirectory
}

// release drops one reference; the last closes the file and returns its errno.
// It is the only place a guest's file is closed.
func (f *openFile) release() vfs.Errno {
	if f.refs.Add(-1) != 0 || f.file == nil {
		return vfs.ESUCCESS
	}
	return f.file.Close()
}

// descriptor is one fd. The fields other than ofd are the fd's own, which a
// descriptor sharing the open file does not see change.
type descriptor struct {
	// ofd is the open file; nil in a free slot of the table.
	ofd *openFile
	// rights and inheriting are the fd's rights (see rights.go): per fd, as
	// fd_fdstat_set_rights narrows one fd and not the others of its file.
	rights, inheriting uint64
	// preopen is the name fd_prestat_dir_name reports; empty when the fd is not
	// a preopen. It belongs to the fd number the guest was handed at start-up
	// and moves with fd_renumber.
	preopen string
	// cloexec is FD_CLOEXEC, POSIX's one descriptor flag (fcntl's F_SETFD): an
	// exec closes this fd and not the others of its file. WASIX's
	// fd_fdflags_set will set it; a cloned table keeps it.
	cloexec bool
}

// fdTable maps fds to descriptors. A new fd is the lowest free number, as POSIX
// gives.
type fdTable struct {
	mu      sync.Mutex
	entries []descriptor
	// free is a lower bound of the lowest free fd.
	free int
}

// get returns a copy of the descriptor of fd, EBADF when it is not open. It holds
// no reference: another thread may close the file at any time, so only its
// fields that never change (filetype, path, base) and those under its lock may
// be read, and never its vfs.File (see acquire).
func (t *fdTable) get(fd uint32) (descriptor, vfs.Errno) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if uint64(fd) >= uint64(len(t.entries)) || t.entries[fd].ofd == nil {
		return descriptor{}, vfs.EBADF
	}
	return t.entries[fd], vfs.ESUCCESS
}

// acquire is get holding a reference to the open file, which keeps it open
// until the caller calls d.ofd.release.
func (t *fdTable) acquire(fd uint32) (descriptor, vfs.Errno) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if uint64(fd) >= uint64(len(t.entries)) || t.entries[fd].ofd == nil {
		return descriptor{}, vfs.EBADF
	}
	d := t.entries[fd]
	d.ofd.refs.Add(1)
	return d, vfs.ESUCCESS
}

// lookup is acquire for an fd that must hold every right in need: EBADF when fd
// is not open, ENOTCAPABLE when a right is missing (and then nothing is held).
func (t *fdTable) lookup(fd uint32, need uint64) (descriptor, vfs.Errno) {
	d, errno := t.acquire(fd)
	if errno != vfs.ESUCCESS {
		return descriptor{}, errno
	}
	if d.rights&need != need {
		d.ofd.release()
		return descriptor{}, vfs.ENOTCAPABLE
	}
	return d, vfs.ESUCCESS
}

// insert gives d the lowest free fd; the new descriptor holds a reference to
// d.ofd.
func (t *fdTable) insert(d descriptor) uint32 {
	d.ofd.refs.Add(1)
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := t.free; i < len(t.entries); i++ {
		if t.entries[i].ofd == nil {
			t.entries[i] = d
			t.free = i + 1
			return uint32(i)
		}
	}
	t.entries = append(t.entries, d)
	t.free = len(t.entries)
	return uint32(len(t.entries) - 1)
}

// take empties the slot of the open fd, and shrinks the table past it when it
// was the last; the slot's reference passes to the caller. t.mu is held.
func (t *fdTable) take(fd uint32) *openFile {
	f := t.entries[fd].ofd
	t.entries[fd] = descriptor{}
	if int(fd) < t.free {
		t.free = int(fd)
	}
	for len(t.entries) > 0 && t.entries[len(t.entries)-1].ofd == nil {
		t.entries = t.entries[:len(t.entries)-1]
	}
	t.free = min(t.free, len(t.entries))
	return f
}

// close takes fd out of the table and releases its open file: the file is
// closed, and its errno returned, unless another descriptor or a call in
// progress still holds it.
func (t *fdTable) close(fd uint32) vfs.Errno {
	t.mu.Lock()
	if uint64(fd) >= uint64(len(t.entries)) || t.entries[fd].ofd == nil {
		t.mu.Unlock()
		return vfs.EBADF
	}
	f := t.take(fd)
	t.mu.Unlock()
	return f.release()
}

// renumber moves the open fd from onto the open fd to, releasing what to held.
func (t *fdTable) renumber(from, to uint32) vfs.Errno {
	t.mu.Lock()
	n := uint64(len(t.entries))
	if uint64(from) >= n || uint64(to) >= n || t.entries[from].ofd == nil || t.entries[to].ofd == nil {
		t.mu.Unlock()
		return vfs.EBADF
	}
	if from == to {
		t.mu.Unlock()
		return vfs.ESUCCESS
	}
	old := t.entries[to].ofd
	t.entries[to] = t.entries[from]
	t.take(from)
	t.mu.Unlock()
	old.release()
	return vfs.ESUCCESS
}

// setRights narrows the rights of fd: asking for one it does not hold is
// ENOTCAPABLE.
func (t *fdTable) setRights(fd uint32, base, inheriting uint64) vfs.Errno {
	t.mu.Lock()
	defer t.mu.Unlock()
	if uint64(fd) >= uint64(len(t.entries)) || t.entries[fd].ofd == nil {
		return vfs.EBADF
	}
	d := &t.entries[fd]
	if base&^d.rights != 0 || inheriting&^d.inheriting != 0 {
		return vfs.ENOTCAPABLE
	}
	d.rights, d.inheriting = base, inheriting
	return vfs.ESUCCESS
}

// clone returns a copy of the table, as fork makes: every descriptor copied with
// its own fields, the open files shared, each with one more reference.
func (t *fdTable) clone() *fdTable {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := &fdTable{entries: make([]descriptor, len(t.entries)), free: t.free}
	copy(c.entries, t.entries)
	for _, d := range c.entries {
		if d.ofd != nil {
			d.ofd.refs.Add(1)
		}
	}
	return c
}

// closeAll empties the table, releasing every open file.
func (t *fdTable) closeAll() {
	t.mu.Lock()
	entries := t.entries
	t.entries, t.free = nil, 0
	t.mu.Unlock()
	for _, d := range entries {
		if d.ofd != nil {
			d.ofd.release()
		}
	}
}

// filetypeOf is the WASI filetype of a vfs mode.
func filetypeOf(mode fs.FileMode) uint8 {
	switch {
	case mode.IsRegular():
		return filetypeRegularFile
	case mode.IsDir():
		return filetypeDirectory
	case mode&fs.ModeSymlink != 0:
		return filetypeSymbolicLink
	case mode&fs.ModeCharDevice != 0:
		return filetypeCharacterDevice
	case mode&fs.ModeDevice != 0:
		return filetypeBlockDevice
	case mode&fs.ModeSocket != 0:
		return filetypeSocketStream
	}
	return filetypeUnknown
}
