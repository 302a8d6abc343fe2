package wasi

import (
	"context"
	"encoding/binary"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasirun/wasirun/internal/vfs"
)

// fd_readdir lists "." and ".." first, as wasmtime does, then the entries of the
// vfs directory. Cookies: 0 is the start, 1 is after ".", 2 after "..", and a
// vfs cookie c is c+direntCookieBase. The offset keeps both kinds of vfs cookie
// apart from ours: a filesystem's (never the top bit) and the mount table's
// (top bit and a small index, see vfs.MountTable), neither anywhere near
// wrapping around.
const direntCookieBase = 3

// direntHeaderSize is the fixed part of a preview1 dirent: d_next u64 @0, d_ino
// u64 @8, d_namlen u32 @16, d_type u8 @20, 3 bytes of padding. The name follows,
// not NUL terminated.
const direntHeaderSize = 24

// direntBatch is the most entries fd_readdir asks the filesystem for at once.
const direntBatch = 64

// direntWriter fills the guest's buffer with dirents, truncating the last one
// that does not fit (the guest sees bufused == buf_len and asks again with a
// bigger buffer).
type direntWriter struct {
	buf []byte
	n   int
}

func (w *direntWriter) full() bool { return w.n == len(w.buf) }

func (w *direntWriter) put(next, ino uint64, filetype uint8, name string) {
	var h [direntHeaderSize]byte
	binary.LittleEndian.PutUint64(h[0:], next)
	binary.LittleEndian.PutUint64(h[8:], ino)
	binary.LittleEndian.PutUint32(h[16:], uint32(len(name)))
	h[20] = filetype
	w.n += copy(w.buf[w.n:], h[:])
	w.n += copy(w.buf[w.n:], name)
}

// fd_readdir(fd, buf, buf_len, cookie, bufused)
func (s *System) fdReaddir(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	fd, bufPtr, bufLen, cookie, usedPtr := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), stack[3], uint32(stack[4])
	f, errno := s.file(fd, rightFdReaddir)
	if errno != vfs.ESUCCESS {
		return errno
	}
	defer f.release()
	if f.filetype != filetypeDirectory {
		return vfs.ENOTDIR
	}
	m := mod.Memory()
	buf, errno := view(m, bufPtr, bufLen)
	if errno != vfs.ESUCCESS {
		return errno
	}
	w := direntWriter{buf: buf}
	if cookie == 0 {
		st, errno := f.file.Stat()
		if errno != vfs.ESUCCESS {
			return errno
		}
		w.put(1, st.Ino, filetypeDirectory, ".")
	}
	if cookie <= 1 && !w.full() {
		var ino uint64
		if f.path != "" && s.root != nil {
			if st, errno := s.root.Stat(joinGuest(f.path, "..")); errno == vfs.ESUCCESS {
				ino = st.Ino
			}
		}
		w.put(2, ino, filetypeDirectory, "..")
	}
	if !w.full() {
		f.mu.Lock()
		errno := s.readdir(f, &w, cookie)
		f.mu.Unlock()
		if errno != vfs.ESUCCESS {
			return errno
		}
	}
	return writeU32(m, usedPtr, uint32(w.n))
}

// readdir writes the vfs entries of the directory f that follow the fd_readdir
// cookie, in batches through f's reused buffer. f.mu is held.
func (s *System) readdir(f *openFile, w *direntWriter, cookie uint64) vfs.Errno {
	var vc uint64
	if cookie > direntCookieBase {
		vc = cookie - direntCookieBase
	}
	// Entries are at least a header and one byte: ask for no more than fit.
	batch := min(direntBatch, (len(w.buf)-w.n)/(direntHeaderSize+1)+1)
	if cap(f.dirents) < batch {
		f.dirents = make([]vfs.Dirent, batch, direntBatch)
	}
	ents := f.dirents[:batch]
	defer clear(ents) // do not keep the names alive
	for {
		n, errno := f.file.Readdir(vc, ents)
		if errno != vfs.ESUCCESS {
			return errno
		}
		for i := range n {
			d := &ents[i]
			ino := d.Ino
			if ino == 0 && s.root != nil && f.path != "" {
				// A mount point listed by the mount table: its inode is its root's.
				if st, errno := s.root.Lstat(joinGuest(f.path, d.Name)); errno == vfs.ESUCCESS {
					ino = st.Ino
				}
			}
			w.put(d.Next+direntCookieBase, ino, filetypeOf(d.Type), d.Name)
			if w.full() {
				return vfs.ESUCCESS
			}
		}
		if n < len(ents) {
			return vfs.ESUCCESS
		}
		vc = ents[n-1].Next
	}
}
