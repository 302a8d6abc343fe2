package vfs

import (
	"io"
	"io/fs"
	"math"
	"sync"
)

// tmpFile is an open tmpfs node. closed is guarded by the filesystem's mutex
// (written under the write lock); off and appendMode by mu, which is always taken
// before the filesystem's mutex. A device's methods are called with no lock held.
type tmpFile struct {
	UnimplementedFile
	fs   *tmpfs
	node *tmpNode
	// read and write are the access mode; both are false for OFlagPath.
	read, write bool
	pathOnly    bool
	closed      bool

	mu         sync.Mutex
	off        int64
	appendMode bool
}

// newFile returns a handle to n opened with flag and counts it as open. Neither
// OFlagRead nor OFlagWrite opens for reading, as O_RDONLY is 0.
func (t *tmpfs) newFile(n *tmpNode, flag OFlag) *tmpFile {
	n.opens.Add(1)
	f := &tmpFile{fs: t, node: n, pathOnly: flag&OFlagPath != 0}
	if !f.pathOnly {
		f.write = flag&OFlagWrite != 0
		f.read = flag&OFlagRead != 0 || !f.write
		f.appendMode = flag&OFlagAppend != 0
	}
	return f
}

// usable is EBADF when the handle is closed or opened with OFlagPath. The caller
// holds the filesystem's mutex.
func (f *tmpFile) usable() Errno {
	if f.closed || f.pathOnly {
		return EBADF
	}
	return ESUCCESS
}

// Stat returns the node's attributes.
func (f *tmpFile) Stat() (Stat, Errno) {
	f.fs.mu.RLock()
	defer f.fs.mu.RUnlock()
	if f.closed {
		return Stat{}, EBADF
	}
	return f.node.stat(), ESUCCESS
}

// Pread copies from the contents at off into p.
func (f *tmpFile) Pread(p []byte, off int64) (int, Errno) {
	t, n := f.fs, f.node
	t.mu.RLock()
	switch {
	case f.closed || !f.read:
		t.mu.RUnlock()
		return 0, EBADF
	case n.dir != nil:
		t.mu.RUnlock()
		return 0, EISDIR
	case off < 0:
		t.mu.RUnlock()
		return 0, EINVAL
	case n.dev != nil:
		t.mu.RUnlock()
		return n.dev.Pread(p, off)
	}
	k := n.data.readAt(p, off)
	t.mu.RUnlock()
	return k, ESUCCESS
}

// Read reads from the offset and moves it.
func (f *tmpFile) Read(p []byte) (int, Errno) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, errno := f.Pread(p, f.off)
	f.off += int64(k)
	return k, errno
}

// Pwrite writes p at off (OFlagAppend does not apply).
func (f *tmpFile) Pwrite(p []byte, off int64) (int, Errno) {
	t := f.fs
	if dev, errno := f.device(); dev != nil || errno != ESUCCESS {
		if errno != ESUCCESS {
			return 0, errno
		}
		if off < 0 {
			return 0, EINVAL
		}
		return dev.Pwrite(p, off)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if f.closed || !f.write {
		return 0, EBADF
	}
	return t.writeAt(f.node, p, off)
}

// Write writes p at the offset, or at the end in append mode, and moves the offset
// past what it wrote.
func (f *tmpFile) Write(p []byte) (int, Errno) {
	t := f.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	if dev, errno := f.device(); dev != nil || errno != ESUCCESS {
		if errno != ESUCCESS {
			return 0, errno
		}
		k, errno := dev.Pwrite(p, f.off)
		f.off += int64(k)
		return k, errno
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if f.closed || !f.write {
		return 0, EBADF
	}
	off := f.off
	if f.appendMode {
		off = f.node.data.size
	}
	k, errno := t.writeAt(f.node, p, off)
	f.off = off + int64(k)
	return k, errno
}

// device returns the node's device when it is one and the handle may write to it,
// or the errno of a write through this handle; (nil, ESUCCESS) for anything else.
func (f *tmpFile) device() (Device, Errno) {
	f.fs.mu.RLock()
	defer f.fs.mu.RUnlock()
	if f.node.dev == nil {
		return nil, ESUCCESS
	}
	if f.closed || !f.write {
		return nil, EBADF
	}
	return f.node.dev, ESUCCESS
}

// Lseek moves the offset; it may go past the end (EISDIR for a directory, which is
// listed by cookie).
func (f *tmpFile) Lseek(off int64, whence int) (int64, Errno) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fs.mu.RLock()
	errno, isDir, size := f.usable(), f.node.dir != nil, f.node.data.size
	f.fs.mu.RUnlock()
	switch {
	case errno != ESUCCESS:
		return 0, errno
	case isDir:
		return 0, EISDIR
	}
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = f.off
	case io.SeekEnd:
		base = size
	default:
		return 0, EINVAL
	}
	if (off > 0 && base > math.MaxInt64-off) || base+off < 0 {
		return 0, EINVAL
	}
	f.off = base + off
	return f.off, ESUCCESS
}

// Readdir lists the entries after cookie; see tmpDir.
func (f *tmpFile) Readdir(cookie uint64, buf []Dirent) (int, Errno) {
	f.fs.mu.RLock()
	defer f.fs.mu.RUnlock()
	switch {
	case f.closed || !f.read:
		return 0, EBADF
	case f.node.dir == nil:
		return 0, ENOTDIR
	}
	return f.node.dir.list(cookie, buf), ESUCCESS
}

// Truncate sets the size of a regular file (EINVAL for anything else).
func (f *tmpFile) Truncate(size int64) Errno {
	t := f.fs
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case f.closed || !f.write:
		return EBADF
	case !f.node.isReg() || size < 0:
		return EINVAL
	case size > tmpMaxSize:
		return EFBIG
	}
	if errno := t.setSize(f.node, size); errno != ESUCCESS {
		return errno
	}
	now := t.now()
	f.node.mtim, f.node.ctim = now, now
	return ESUCCESS
}

// Sync has nothing to flush.
func (f *tmpFile) Sync() Errno {
	f.fs.mu.RLock()
	defer f.fs.mu.RUnlock()
	return f.usable()
}

// Datasync has nothing to flush.
func (f *tmpFile) Datasync() Errno { return f.Sync() }

// Utimens sets the node's times.
func (f *tmpFile) Utimens(atim, mtim int64) Errno {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if errno := f.usable(); errno != ESUCCESS {
		return errno
	}
	f.fs.setTimes(f.node, atim, mtim)
	return ESUCCESS
}

// Chmod sets the node's permission bits.
func (f *tmpFile) Chmod(perm fs.FileMode) Errno {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if errno := f.usable(); errno != ESUCCESS {
		return errno
	}
	f.node.mode = f.node.mode.Type() | perm&tmpPermMask
	f.node.ctim = f.fs.now()
	return ESUCCESS
}

// SetAppend turns append mode on or off.
func (f *tmpFile) SetAppend(on bool) Errno {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fs.mu.RLock()
	errno := f.usable()
	f.fs.mu.RUnlock()
	if errno == ESUCCESS {
		f.appendMode = on
	}
	return errno
}

// Close releases the handle, and the node's contents when it was the last handle
// of a file with no name left.
func (f *tmpFile) Close() Errno {
	t := f.fs
	t.mu.Lock()
	defer t.mu.Unlock()
	if f.closed {
		return EBADF
	}
	f.closed = true
	if f.node.opens.Add(-1) == 0 && f.node.nlink == 0 {
		t.free(f.node)
	}
	return ESUCCESS
}
