package vfs

import "io/fs"

// Copy-up: bringing an entry that a lower serves into the upper, as it is, before
// its first change (see NewOverlay). Every function here is called with the
// overlay's mutex held for writing, so no other call of the overlay sees a copy
// in progress; what a copy-up leaves in the upper on success changes nothing the
// guest sees (the same type, bytes, mode and times, and the same inode number),
// and on failure no partial file is left.

// copyChunk is the size of the pieces in which a copy-up streams a file's bytes.
const copyChunk = 64 << 10

// copyPermMask are the mode bits a copy-up keeps: permissions, setuid, setgid
// and sticky.
const copyPermMask = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// copyUp brings p, found as e by lookup, into the upper unless it is there: its
// parent chain, then the entry (with its bytes when data is set, else empty: for
// a truncation). The parent's times are put back afterwards, as a copy-up is no
// change of the parent's names. The handles open on a copied-up file move to the
// copy (migrate).
func (o *overlay) copyUp(p string, e overlayEntry, data bool) Errno {
	if e.layer == 0 {
		return ESUCCESS
	}
	if errno := o.copyUpParents(p); errno != ESUCCESS {
		return errno
	}
	up := o.upper()
	dir, _ := splitParent(p)
	pst, errno := up.Lstat(dir)
	if errno != ESUCCESS {
		return errno
	}
	// Also after a failure, whose clean-up removed a name from the parent.
	errno = o.copyNode(p, e, data)
	if terrno := up.Utimens(dir, pst.Atim, pst.Mtim); errno == ESUCCESS {
		errno = terrno
	}
	return errno
}

// copyNode copies the lower entry p (found as e) into the upper, whose parent
// directory exists: a directory as an empty directory, a symlink as a symlink,
// a regular file with its bytes (when data is set), each with its mode and
// times. Any other type (a device) gives ENOTSUP: the FS interface cannot make
// one.
func (o *overlay) copyNode(p string, e overlayEntry, data bool) Errno {
	up, src, mode := o.upper(), o.layers[e.layer].FS, e.st.Mode
	var errno Errno
	switch {
	case mode.IsDir():
		errno = up.Mkdir(p, mode&copyPermMask)
	case mode&fs.ModeSymlink != 0:
		var target string
		if target, errno = src.Readlink(p); errno == ESUCCESS {
			errno = up.Symlink(target, p)
		}
	case mode.IsRegular():
		var r File
		if r, errno = src.OpenFile(p, OFlagRead, 0); errno == ESUCCESS {
			errno = o.writeCopy(p, mode&copyPermMask, r, data)
			if cerrno := r.Close(); errno == ESUCCESS && cerrno != ESUCCESS {
				up.Unlink(p) // best effort: the copy is complete, but the read ended badly
				errno = cerrno
			}
		}
	default:
		return ENOTSUP
	}
	if errno != ESUCCESS {
		return errno
	}
	if errno := up.Utimens(p, e.st.Atim, e.st.Mtim); errno != ESUCCESS {
		// Best effort: a copy without its times is not a faithful copy.
		if mode.IsDir() {
			up.Rmdir(p)
		} else {
			up.Unlink(p)
		}
		return errno
	}
	o.remember(p, e)
	o.migrate(p)
	o.changed()
	return ESUCCESS
}

// writeCopy creates the file p in the upper with perm and, when data is set,
// writes the bytes of src into it. On any failure (ENOSPC from the upper's
// limiter, which stores a partial write and reports it as a short count) it
// removes p again and returns the errno: a copy is seen whole or not at all.
func (o *overlay) writeCopy(p string, perm fs.FileMode, src File, data bool) Errno {
	up := o.upper()
	w, errno := up.OpenFile(p, OFlagWrite|OFlagCreate|OFlagExclusive, perm)
	if errno != ESUCCESS {
		return errno
	}
	if data {
		errno = copyBytes(w, src)
	}
	if cerrno := w.Close(); errno == ESUCCESS {
		errno = cerrno
	}
	if errno == ESUCCESS {
		// The creating perm may have been narrowed by the upper: set it exactly.
		errno = up.Chmod(p, perm)
	}
	if errno != ESUCCESS {
		up.Unlink(p) // best effort: the errno that matters is the copy's
		return errno
	}
	return ESUCCESS
}

// copyBytes copies the bytes of r into w at the same offsets, in pieces of at
// most copyChunk. A short write is ENOSPC.
func copyBytes(w, r File) Errno {
	st, errno := r.Stat()
	if errno != ESUCCESS {
		return errno
	}
	buf := make([]byte, min(max(st.Size, 512), copyChunk))
	for off := int64(0); ; {
		n, errno := r.Pread(buf, off)
		switch {
		case errno != ESUCCESS:
			return errno
		case n == 0:
			return ESUCCESS
		}
		k, errno := w.Pwrite(buf[:n], off)
		switch {
		case errno != ESUCCESS:
			return errno
		case k < n:
			return ENOSPC
		}
		off += int64(n)
	}
}

// copyUpParents makes every ancestor of p a directory of the upper, copying up
// the ones only a lower holds with their modes and times. The directories are
// made from the top down and their times set from the bottom up, once their
// children exist; the times of the upper directory they are made in are put
// back too, so that the copy changes no time the guest sees.
func (o *overlay) copyUpParents(p string) Errno {
	dir, _ := splitParent(p)
	up := o.upper()
	if st, errno := up.Lstat(dir); errno == ESUCCESS && st.Mode.IsDir() {
		return ESUCCESS
	}
	base := "/" // the deepest ancestor that the upper holds
	var made []string
	var times []Stat // base's first, then made's
	for i := 1; i <= len(dir); i++ {
		if i < len(dir) && dir[i] != '/' {
			continue
		}
		a := dir[:i]
		st, errno := up.Lstat(a)
		switch {
		case errno == ESUCCESS && st.Mode.IsDir():
			base = a
			continue
		case errno == ESUCCESS:
			return ENOTDIR
		case errno != ENOENT:
			return errno
		}
		if made == nil {
			bst, errno := up.Lstat(base)
			if errno != ESUCCESS {
				return errno
			}
			times = append(times, bst)
		}
		e, errno := o.lookup(a, false)
		switch {
		case errno != ESUCCESS:
			return errno
		case !e.st.Mode.IsDir():
			return ENOTDIR
		}
		if errno := up.Mkdir(a, e.st.Mode&copyPermMask); errno != ESUCCESS {
			return errno
		}
		o.remember(a, e)
		made, times = append(made, a), append(times, e.st)
	}
	for k := len(made) - 1; k >= 0; k-- {
		if errno := up.Utimens(made[k], times[k+1].Atim, times[k+1].Mtim); errno != ESUCCESS {
			return errno
		}
	}
	if len(made) > 0 {
		o.changed()
		return up.Utimens(base, times[0].Atim, times[0].Mtim)
	}
	return ESUCCESS
}

// copyUpTree brings p, found as e, into the upper with, for a directory, all
// that the merged view shows below it, so that the upper alone holds the tree
// and can rename it. Entries already in the upper stay as they are; a failure
// part-way leaves the copies made so far, which change nothing the guest sees.
func (o *overlay) copyUpTree(p string, e overlayEntry) Errno {
	if errno := o.copyUp(p, e, true); errno != ESUCCESS {
		return errno
	}
	if !e.st.Mode.IsDir() || e.layer == 0 && !e.merged {
		return ESUCCESS
	}
	e, errno := o.lookup(p, false) // the upper's directory now, with the lowers merged in
	if errno != ESUCCESS {
		return errno
	}
	// Collect first: the copies change the directory being listed.
	var kids []string
	errno = o.eachEntry(p, e, func(d *Dirent, layer int) bool {
		if layer != 0 || d.Type.IsDir() {
			kids = append(kids, d.Name)
		}
		return true
	})
	if errno != ESUCCESS {
		return errno
	}
	for _, name := range kids {
		c := join(p, name)
		ce, errno := o.lookup(c, false)
		if errno != ESUCCESS {
			return errno
		}
		if errno := o.copyUpTree(c, ce); errno != ESUCCESS {
			return errno
		}
	}
	return ESUCCESS
}

// remember keeps the inode number the copied-up p, found as e in its lower,
// had there, for the overlay to go on reporting it (see NewOverlay). A file with
// several links in its lower is not remembered: its copy is a file of its own.
func (o *overlay) remember(p string, e overlayEntry) {
	if !e.st.Mode.IsDir() && e.st.Nlink > 1 {
		return
	}
	st, errno := o.upper().Lstat(p)
	if errno != ESUCCESS {
		return
	}
	o.inoMu.Lock()
	if o.inos == nil {
		o.inos = make(map[uint64]uint64)
	}
	o.inos[st.Ino] = overlayIno(e.layer, e.st.Ino)
	o.inoMu.Unlock()
}

// forgetIno drops the remembered number of an upper entry whose last name was
// just removed (st is its Lstat from before the removal).
func (o *overlay) forgetIno(st Stat) {
	if !st.Mode.IsDir() && st.Nlink > 1 {
		return
	}
	o.inoMu.Lock()
	delete(o.inos, st.Ino)
	o.inoMu.Unlock()
}
