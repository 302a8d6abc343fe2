package wasi

import (
	"io/fs"

	"github.com/wasirun/wasirun/internal/vfs"
)

// fdEntry is one open fd of the guest.
type fdEntry struct {
	file     vfs.File
	filetype uint8
	// path is the guest path the fd was opened by (clean, absolute); empty for
	// the streams.
	path string
	// base is the guest path of the preopen this fd descends from. (The path_*
	// functions refuse, lexically, any path climbing above the directory fd
	// itself, which is stricter: see checkRel.)
	base string
	// preopen is the name fd_prestat_dir_name reports; empty when the fd is not
	// a preopen.
	preopen string
	// rights and inheriting are the fd's rights (see rights.go).
	rights, inheriting uint64
	// fdflags are the fd's flags (fdflagAppend, ...).
	fdflags uint16
	// dirents is the batch fd_readdir reads the directory in, kept between calls
	// so that listing allocates nothing of its own.
	dirents []vfs.Dirent
}

// isStream reports whether e is one of the streams the guest started with (no
// path, not a directory): seeking it is ESPIPE, as wasmtime answers.
func (e *fdEntry) isStream() bool {
	return e.path == "" && e.filetype != filetypeDirectory
}

// fdTable maps fds to open files. A new fd is the lowest free number, as POSIX
// gives.
type fdTable struct {
	entries []*fdEntry
	// free is a lower bound of the lowest free fd.
	free int
}

// get returns the entry of fd, EBADF when it is not open.
func (t *fdTable) get(fd uint32) (*fdEntry, vfs.Errno) {
	if uint64(fd) >= uint64(len(t.entries)) || t.entries[fd] == nil {
		return nil, vfs.EBADF
	}
	return t.entries[fd], vfs.ESUCCESS
}

// lookup returns the entry of fd when it holds every right in need: EBADF when
// fd is not open, ENOTCAPABLE when a right is missing.
func (t *fdTable) lookup(fd uint32, need uint64) (*fdEntry, vfs.Errno) {
	e, errno := t.get(fd)
	if errno != vfs.ESUCCESS {
		return nil, errno
	}
	if e.rights&need != need {
		return nil, vfs.ENOTCAPABLE
	}
	return e, vfs.ESUCCESS
}

// insert gives e the lowest free fd.
func (t *fdTable) insert(e *fdEntry) uint32 {
	for i := t.free; i < len(t.entries); i++ {
		if t.entries[i] == nil {
			t.entries[i] = e
			t.free = i + 1
			return uint32(i)
		}
	}
	t.entries = append(t.entries, e)
	t.free = len(t.entries)
	return uint32(len(t.entries) - 1)
}

// remove takes fd out of the table without closing its file.
func (t *fdTable) remove(fd uint32) (*fdEntry, vfs.Errno) {
	e, errno := t.get(fd)
	if errno != vfs.ESUCCESS {
		return nil, errno
	}
	t.entries[fd] = nil
	if int(fd) < t.free {
		t.free = int(fd)
	}
	for len(t.entries) > 0 && t.entries[len(t.entries)-1] == nil {
		t.entries = t.entries[:len(t.entries)-1]
	}
	if t.free > len(t.entries) {
		t.free = len(t.entries)
	}
	return e, vfs.ESUCCESS
}

// renumber moves the open fd from onto the open fd to, closing what to held.
func (t *fdTable) renumber(from, to uint32) vfs.Errno {
	src, errno := t.get(from)
	if errno != vfs.ESUCCESS {
		return errno
	}
	dst, errno := t.get(to)
	if errno != vfs.ESUCCESS {
		return errno
	}
	if from == to {
		return vfs.ESUCCESS
	}
	if dst.file != nil {
		dst.file.Close()
	}
	t.entries[to] = src
	t.remove(from)
	return vfs.ESUCCESS
}

// closeAll closes every open fd.
func (t *fdTable) closeAll() {
	for i, e := range t.entries {
		if e != nil && e.file != nil {
			e.file.Close()
		}
		t.entries[i] = nil
	}
	t.entries, t.free = t.entries[:0], 0
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
