package vfs

import (
	"io"
	"io/fs"
	"slices"
	"strconv"
	"sync"
)

// overlayFile is a file or directory opened through an overlay. It starts on the
// layer that serves its path. A file opened on a lower holds a read-only handle of
// the lower and moves to the upper at its first change (Write, Pwrite, Truncate,
// Chmod, Utimens; SetAppend changes no data and copies nothing), or when anything
// else copies the file up first: every handle of the file moves then, read-only
// ones too, to a handle of the upper's copy opened with its own flags, at the same
// offset and in the same append mode (overlay.migrate). A handle whose name was
// removed or replaced while it was on its lower (overlay.detach) keeps reading
// the lower's bytes, and its first change copies them to an upper file with no
// name (copyUpOrphan), as the file it stands for has none.
//
// A directory of the upper that no lower merges into is the upper's own handle,
// listed by it. Any other directory is listed by path (overlay.listing), as it
// may change layers while open; its Stat, Chmod and Utimens go by path too, and
// a directory renamed or removed while open lists nothing more.
type overlayFile struct {
	UnimplementedFile
	o *overlay
	// path is the path it was opened by.
	path string
	// flag are the open flags; read, write and pathOnly the access they give.
	flag                  OFlag
	read, write, pathOnly bool
	// isDir: a directory; merged: one listed by path (see above).
	isDir, merged bool

	// mu guards the fields below. The file's methods hold it for reading while
	// they use cur; a move to the upper and Close hold it for writing. It is
	// taken after the overlay's mutex, never before.
	mu  sync.RWMutex
	cur File
	// layer is the layer cur is on: 0 once on the upper.
	layer int
	// attached: the file is on a lower and registered in the overlay's open
	// handles under path.
	attached   bool
	appendMode bool
	closed     bool

	// listMu guards the snapshot of a merged listing, taken after the overlay's
	// mutex.
	listMu  sync.Mutex
	list    []Dirent
	listGen uint64
	listOK  bool
}

var _ File = (*overlayFile)(nil)

// newFile wraps f, opened on the layer of e at p with flag, and registers a
// lower file's handle so that a copy-up moves it. The caller holds the overlay's
// mutex.
func (o *overlay) newFile(p string, flag OFlag, e overlayEntry, f File) *overlayFile {
	of := &overlayFile{o: o, path: p, flag: flag, cur: f, layer: e.layer, pathOnly: flag&OFlagPath != 0}
	if !of.pathOnly {
		// Neither OFlagRead nor OFlagWrite opens for reading, as O_RDONLY is 0.
		of.write = flag&OFlagWrite != 0
		of.read = flag&OFlagRead != 0 || !of.write
		of.appendMode = flag&OFlagAppend != 0
	}
	of.isDir = e.st.Mode.IsDir()
	of.merged = of.isDir && (e.layer != 0 || e.merged)
	if e.layer != 0 && !of.isDir && !of.pathOnly {
		of.attached = true
		o.openMu.Lock()
		o.open[p] = append(o.open[p], of)
		o.openMu.Unlock()
	}
	return of
}

// upperFlag are the flags that open the upper's copy of the file for it.
func (f *overlayFile) upperFlag() OFlag {
	return f.flag &^ (OFlagCreate | OFlagExclusive | OFlagTruncate | OFlagDirectory)
}

// migrate moves every handle still on the lower file at p, which was just
// copied up, to the upper's copy. The caller holds the overlay's mutex for
// writing.
func (o *overlay) migrate(p string) {
	o.openMu.Lock()
	hs := o.open[p]
	delete(o.open, p)
	o.openMu.Unlock()
	for _, f := range hs {
		f.moveTo(p)
	}
}

// detach unregisters the handles of the lower file at p, whose name was removed
// or replaced. The caller holds the overlay's mutex for writing.
func (o *overlay) detach(p string) {
	o.openMu.Lock()
	hs := o.open[p]
	delete(o.open, p)
	o.openMu.Unlock()
	for _, f := range hs {
		f.mu.Lock()
		f.attached = false
		f.mu.Unlock()
	}
}

// unregister removes f from the open handles.
func (o *overlay) unregister(f *overlayFile) {
	o.openMu.Lock()
	defer o.openMu.Unlock()
	hs := o.open[f.path]
	if i := slices.Index(hs, f); i >= 0 {
		hs = slices.Delete(hs, i, i+1)
	}
	if len(hs) == 0 {
		delete(o.open, f.path)
	} else {
		o.open[f.path] = hs
	}
}

// moveTo switches the file from its lower to the upper's file at p, a copy of
// it. Should the copy not open (it just was made), the file stays on its lower,
// detached: its next change gives it a copy of its own (copyUpOrphan). The
// caller holds the overlay's mutex for writing.
func (f *overlayFile) moveTo(p string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || f.layer == 0 {
		return
	}
	f.attached = false
	if nf, errno := f.o.upper().OpenFile(p, f.upperFlag(), 0); errno == ESUCCESS {
		f.swap(nf)
	}
}

// swap makes nf, a handle of the upper, the file's handle in place of its lower
// one, at the same offset and in the same append mode. The caller holds f.mu for
// writing.
func (f *overlayFile) swap(nf File) {
	if off, errno := f.cur.Lseek(0, io.SeekCurrent); errno == ESUCCESS {
		nf.Lseek(off, io.SeekStart) // cannot fail: a file's offset may be anywhere >= 0
	}
	nf.SetAppend(f.appendMode) // cannot fail on an open file
	f.cur.Close()              // a read-only lower handle: nothing to lose
	f.cur, f.layer = nf, 0
}

// toUpper moves the file, on a lower until now, to the upper: by copying up its
// path, which moves every handle of the file, or, once its name is gone, by
// copying it to a file with no name. It returns ESUCCESS only once the file is
// on the upper.
func (f *overlayFile) toUpper() Errno {
	o := f.o
	o.mu.Lock()
	defer o.mu.Unlock()
	f.mu.RLock()
	closed, layer, attached := f.closed, f.layer, f.attached
	var lst Stat
	if !closed && layer != 0 {
		lst, _ = f.cur.Stat() // only compared below
	}
	f.mu.RUnlock()
	switch {
	case closed:
		return EBADF
	case layer == 0:
		return ESUCCESS
	}
	if attached {
		// An attached handle's path names its file still (see overlay.detach);
		// check it anyway rather than copy another file up.
		if e, errno := o.lookup(f.path, false); errno == ESUCCESS && e.layer == layer && e.st.Ino == lst.Ino {
			if errno := o.copyUp(f.path, e, true); errno != ESUCCESS {
				return errno
			}
			f.mu.RLock()
			moved := f.layer == 0
			f.mu.RUnlock()
			if moved {
				return ESUCCESS
			}
		}
	}
	return o.copyUpOrphan(f)
}

// copyUpOrphan gives f, a handle on a lower file whose name is gone, an upper
// file of its own: a copy of its bytes, mode and times, made under a temporary
// name in the upper's root and unlinked again as soon as it is open, all under
// the overlay's write lock, so the guest never sees the name (the upper keeps an
// unlinked file while it is open, as tmpfs does). The root's times are put back.
// The copy's inode number is the upper's. The caller holds the overlay's mutex
// for writing.
func (o *overlay) copyUpOrphan(f *overlayFile) Errno {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.closed:
		return EBADF
	case f.layer == 0:
		return ESUCCESS
	}
	st, errno := f.cur.Stat()
	switch {
	case errno != ESUCCESS:
		return errno
	case !st.Mode.IsRegular():
		return ENOTSUP
	}
	up := o.upper()
	root, errno := up.Lstat("/")
	if errno != ESUCCESS {
		return errno
	}
	name := o.orphanName()
	if errno := o.writeCopy(name, st.Mode&copyPermMask, f.cur, true); errno != ESUCCESS {
		return errno
	}
	errno = up.Utimens(name, st.Atim, st.Mtim)
	var nf File
	if errno == ESUCCESS {
		nf, errno = up.OpenFile(name, f.upperFlag(), 0)
	}
	uerrno := up.Unlink(name)
	if rerrno := up.Utimens("/", root.Atim, root.Mtim); uerrno == ESUCCESS {
		uerrno = rerrno
	}
	switch {
	case errno != ESUCCESS:
		return errno
	case uerrno != ESUCCESS:
		nf.Close()
		return uerrno
	}
	f.attached = false
	f.swap(nf)
	return ESUCCESS
}

// orphanName returns a name free in the upper's root for copyUpOrphan. The
// caller holds the overlay's mutex for writing.
func (o *overlay) orphanName() string {
	for {
		o.orphans++
		name := "/.overlay-orphan-" + strconv.FormatUint(o.orphans, 10)
		if _, errno := o.upper().Lstat(name); errno != ESUCCESS {
			return name
		}
	}
}

// lockUpper returns the file's upper handle with f.mu held for reading (the
// caller unlocks it), copying the file up first if it is still on a lower. It
// gives EBADF when the file is closed, was opened with OFlagPath, or (with
// needWrite) is not open for writing.
func (f *overlayFile) lockUpper(needWrite bool) (File, Errno) {
	for {
		f.mu.RLock()
		switch {
		case f.closed || f.pathOnly || needWrite && !f.write:
			f.mu.RUnlock()
			return nil, EBADF
		case f.layer == 0:
			return f.cur, ESUCCESS
		}
		f.mu.RUnlock()
		// toUpper succeeds only once the file is on the upper, which it never
		// leaves: the next round returns.
		if errno := f.toUpper(); errno != ESUCCESS {
			return nil, errno
		}
	}
}

// Stat returns the attributes of the file, with the overlay's inode number; a
// directory listed by path answers by path while it is there. A lower file whose
// name was removed or replaced counts one link less.
func (f *overlayFile) Stat() (Stat, Errno) {
	if f.merged {
		f.mu.RLock()
		closed := f.closed
		f.mu.RUnlock()
		if closed {
			return Stat{}, EBADF
		}
		if st, errno := f.o.Lstat(f.path); errno == ESUCCESS && st.Mode.IsDir() {
			return st, ESUCCESS
		}
	}
	f.mu.RLock()
	if f.closed {
		f.mu.RUnlock()
		return Stat{}, EBADF
	}
	st, errno := f.cur.Stat()
	layer, detached := f.layer, f.layer != 0 && !f.isDir && !f.pathOnly && !f.attached
	f.mu.RUnlock()
	if errno != ESUCCESS {
		return Stat{}, errno
	}
	st.Dev, st.Ino = 0, f.o.ino(layer, st.Ino)
	if detached && st.Nlink > 0 {
		// The name it was opened by is gone: one link less than its lower
		// says, 0 for a file with one name, as fstat of an unlinked file.
		st.Nlink--
	}
	return st, ESUCCESS
}

// Read reads from the file's offset.
func (f *overlayFile) Read(p []byte) (int, Errno) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed || !f.read {
		return 0, EBADF
	}
	return f.cur.Read(p)
}

// Pread reads at off.
func (f *overlayFile) Pread(p []byte, off int64) (int, Errno) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed || !f.read {
		return 0, EBADF
	}
	return f.cur.Pread(p, off)
}

// Lseek moves the file's offset.
func (f *overlayFile) Lseek(off int64, whence int) (int64, Errno) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed || f.pathOnly {
		return 0, EBADF
	}
	return f.cur.Lseek(off, whence)
}

// Write writes at the offset (or the end in append mode), copying the file up
// first if it is on a lower.
func (f *overlayFile) Write(p []byte) (int, Errno) {
	w, errno := f.lockUpper(true)
	if errno != ESUCCESS {
		return 0, errno
	}
	defer f.mu.RUnlock()
	return w.Write(p)
}

// Pwrite writes at off, copying the file up first if it is on a lower.
func (f *overlayFile) Pwrite(p []byte, off int64) (int, Errno) {
	w, errno := f.lockUpper(true)
	if errno != ESUCCESS {
		return 0, errno
	}
	defer f.mu.RUnlock()
	return w.Pwrite(p, off)
}

// Truncate sets the size, copying the file up first if it is on a lower (not
// for a size that is refused anyway).
func (f *overlayFile) Truncate(size int64) Errno {
	if size < 0 {
		f.mu.RLock()
		defer f.mu.RUnlock()
		if f.closed || !f.write {
			return EBADF
		}
		return EINVAL
	}
	w, errno := f.lockUpper(true)
	if errno != ESUCCESS {
		return errno
	}
	defer f.mu.RUnlock()
	return w.Truncate(size)
}

// Sync flushes the upper's file; a file still on its lower has nothing to flush.
func (f *overlayFile) Sync() Errno {
	f.mu.RLock()
	defer f.mu.RUnlock()
	switch {
	case f.closed || f.pathOnly:
		return EBADF
	case f.layer == 0:
		return f.cur.Sync()
	}
	return ESUCCESS
}

// Datasync flushes the upper's file's data; see Sync.
func (f *overlayFile) Datasync() Errno {
	f.mu.RLock()
	defer f.mu.RUnlock()
	switch {
	case f.closed || f.pathOnly:
		return EBADF
	case f.layer == 0:
		return f.cur.Datasync()
	}
	return ESUCCESS
}

// Utimens sets the times, copying the file up first if it is on a lower (a call
// that changes nothing copies nothing). A directory listed by path is changed by
// path.
func (f *overlayFile) Utimens(atim, mtim int64) Errno {
	if dir, errno := f.byPath(); dir || errno != ESUCCESS {
		if errno != ESUCCESS {
			return errno
		}
		return f.o.Utimens(f.path, atim, mtim)
	}
	if atim == UTimeOmit && mtim == UTimeOmit {
		f.mu.RLock()
		defer f.mu.RUnlock()
		if f.closed || f.pathOnly {
			return EBADF
		}
		return ESUCCESS
	}
	w, errno := f.lockUpper(false)
	if errno != ESUCCESS {
		return errno
	}
	defer f.mu.RUnlock()
	return w.Utimens(atim, mtim)
}

// Chmod sets the permission bits, copying the file up first if it is on a lower.
// A directory listed by path is changed by path.
func (f *overlayFile) Chmod(perm fs.FileMode) Errno {
	if dir, errno := f.byPath(); dir || errno != ESUCCESS {
		if errno != ESUCCESS {
			return errno
		}
		return f.o.Chmod(f.path, perm)
	}
	w, errno := f.lockUpper(false)
	if errno != ESUCCESS {
		return errno
	}
	defer f.mu.RUnlock()
	return w.Chmod(perm)
}

// byPath reports whether a change of attributes goes through the overlay by
// path: for a directory that a lower serves (its copy-up is a path's). It gives
// EBADF for a closed or OFlagPath handle.
func (f *overlayFile) byPath() (bool, Errno) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.closed || f.pathOnly {
		return false, EBADF
	}
	return f.isDir && f.layer != 0, ESUCCESS
}

// SetAppend turns append mode on or off. On a lower it is only remembered (it
// changes no data, so it copies nothing) and applied to the upper's handle when
// the file moves there.
func (f *overlayFile) SetAppend(on bool) Errno {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || f.pathOnly {
		return EBADF
	}
	f.appendMode = on
	if f.layer == 0 {
		return f.cur.SetAppend(on)
	}
	return ESUCCESS
}

// Close releases the file; a second Close gives EBADF.
func (f *overlayFile) Close() Errno {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return EBADF
	}
	f.closed = true
	attached := f.attached
	f.attached = false
	errno := f.cur.Close()
	f.mu.Unlock()
	if attached {
		f.o.unregister(f)
	}
	f.listMu.Lock()
	f.list = nil
	f.listMu.Unlock()
	return errno
}

// Readdir lists a directory. The upper's own directories are listed by the
// upper, with its cookies. Any other directory is merged from its layers
// (overlay.listing) into a snapshot that the file keeps and serves until a
// listing starts again (cookie 0) or a name changes anywhere in the overlay,
// when it is taken again. Its cookies depend on the entries' names only (see
// overlayCookies), so they stay valid from one snapshot, and one handle, to the
// next: an entry present throughout a listing is listed once, whatever is
// copied up, added or removed meanwhile, as the File contract asks; an entry
// added meanwhile shows if its cookie is still ahead.
func (f *overlayFile) Readdir(cookie uint64, buf []Dirent) (int, Errno) {
	f.mu.RLock()
	if f.closed || !f.read {
		f.mu.RUnlock()
		return 0, EBADF
	}
	if !f.merged {
		n, errno := f.cur.Readdir(cookie, buf)
		layer := f.layer
		f.mu.RUnlock()
		for i := range buf[:n] {
			buf[i].Ino = f.o.ino(layer, buf[i].Ino)
		}
		return n, errno
	}
	f.mu.RUnlock()
	o := f.o
	o.mu.RLock()
	defer o.mu.RUnlock()
	f.listMu.Lock()
	defer f.listMu.Unlock()
	if gen := o.gen.Load(); cookie == 0 || !f.listOK || f.listGen != gen {
		list, errno := o.listing(f.path)
		if errno != ESUCCESS {
			return 0, errno
		}
		f.list, f.listGen, f.listOK = list, gen, true
	}
	// The first entry whose cookie is past the one given.
	lo, hi := 0, len(f.list)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if f.list[m].Next <= cookie {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return copy(buf, f.list[lo:]), ESUCCESS
}
