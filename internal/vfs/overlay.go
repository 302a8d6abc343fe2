package vfs

import (
	"cmp"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Layer is one filesystem of an overlay, with the name provenance gives to what
// it serves ("upper", "tmp", "volume:atom", "host:/abs").
type Layer struct {
	FS   FS
	Name string
}

// MaxOverlayLayers is the most layers an overlay uses, its upper included: a
// layer's index is kept in the top 8 bits of the inode numbers it reports.
const MaxOverlayLayers = 256

// NewOverlay returns a filesystem that shows lowers, read-only and in priority
// order (the first wins a name clash), under upper, which takes every change.
// It never changes a lower: it calls no FS method of theirs but Lstat, Readlink
// and OpenFile for reading (or with OFlagPath), and no method of their files but
// Stat, Read, Pread, Lseek, Readdir and Close. upper.FS and every lower's FS must be non-nil;
// lowers past MaxOverlayLayers-1 are ignored (callers should refuse them).
//
// Lookup. A whited-out path, and everything below it, is missing. Otherwise the
// upper is looked at first, then, unless an ancestor is an opaque directory
// (whiteout.go), the lowers in order; the first layer that holds the path serves
// it. A directory found in several layers is merged: the directories of the
// layers below it merge in, down to the first layer whose entry at that path is
// not a directory (a non-directory hides everything below it at that name, a
// directory included, as in Linux's overlayfs); a non-directory found first is
// served alone.
//
// Copy-up (copyup.go). The first change of an entry that a lower serves copies it
// into the upper: its parent chain first (directories with their lowers' modes
// and times), then the entry itself: a file's bytes (streamed in 64 KiB pieces),
// mode and times; a symlink as a symlink; a directory as an empty directory,
// whose lower entries stay merged. Opening a file for writing copies nothing, and
// neither does closing it: the first Write, Pwrite, Truncate, Chmod or Utimens
// through the handle does (overlay_file.go). OFlagTruncate copies at open, as it
// changes the data then (without copying the bytes it drops). Every open handle
// of a file, read-only ones too, moves to the upper's copy at the moment it is
// made, at the same offset, so that all of them keep seeing one file. Hard links
// within a lower become separate files on copy-up: the name copied up is a new
// file, the lower's other names keep the old bytes (as in overlayfs without its
// index feature). A copy-up that fails, as on ENOSPC from the upper's limiter,
// leaves no partial file behind and returns the upper's errno.
//
// Removals and renames. Removing a name that a lower holds removes the upper's
// entry, if any, and whites the name out; Mkdir over a whiteout makes an opaque
// directory, so that the lower entries of the directory removed do not come
// back. Rename of a lower file copies it up, renames it in the upper and whites
// out the old name. Rename of a directory that a lower contributes to first
// copies the whole merged tree into the upper, then renames it there: a deep
// copy, in time and memory the size of the tree, where overlayfs without
// redirect_dir returns EXDEV, which few programs handle (a failure part-way, as
// on ENOSPC, leaves the copies already made in the upper, where they change
// nothing the guest sees). Rename onto an existing name follows rename(2) over
// the merged view: a file replaces a file, a directory an empty directory, and a
// non-empty directory gives ENOTEMPTY.
//
// Attributes come from the serving layer, with Dev 0 and an Ino that holds the
// layer's own inode number in its low 56 bits and the layer's index (0 the
// upper, 1 the first lower, ...) in its top 8, so that layers' numbers never
// collide. A copied-up entry keeps the number it had in its lower (the overlay
// remembers it by the upper's inode number, which the upper must not reuse, as
// tmpfs never does), so that a file's number does not change under an open
// handle; a file with several links in its lower takes the upper's number
// instead, being a file of its own from then on. A merged directory has Nlink 1,
// as in overlayfs: no single layer knows how many subdirectories it has; a
// directory's Size is its serving layer's. Listings are described at
// overlayFile.Readdir, open files at overlayFile.
//
// State. The whiteouts, the opaque directories, the remembered inode numbers and
// the open handles of lower files are the overlay's own, in memory, and live as
// long as it does; once the overlay is in use, the upper must be changed through
// it only (fill it before: MkDevice, for one, needs the tmpfs itself). One
// RWMutex guards them: lookups, Lstat, Readlink, listings and opens that neither
// create nor truncate take it for reading, every change for writing. Reads and
// writes of an open file take only the file's own lock and the layer's.
func NewOverlay(upper Layer, lowers ...Layer) FS {
	if len(lowers) > MaxOverlayLayers-1 {
		lowers = lowers[:MaxOverlayLayers-1]
	}
	layers := make([]Layer, 0, 1+len(lowers))
	layers = append(layers, upper)
	layers = append(layers, lowers...)
	return &overlay{layers: layers, open: make(map[string][]*overlayFile)}
}

// overlay is the filesystem NewOverlay returns.
type overlay struct {
	UnimplementedFS
	// layers are the upper (layers[0]) and the lowers in priority order.
	layers []Layer

	// mu guards marks and the upper's namespace (see NewOverlay).
	mu    sync.RWMutex
	marks overlayMarks
	// gen counts the changes of names, so that a merged listing in progress is
	// taken again after one (overlayFile.Readdir). It changes under mu.
	gen atomic.Uint64
	// orphans counts the temporary names of copyUpOrphan; guarded by mu.
	orphans uint64

	// inoMu guards inos. It is taken last: nothing is called while it is held.
	inoMu sync.RWMutex
	// inos maps the inode number of a copied-up entry in the upper to the number
	// the overlay reports for it: the one it had in its lower.
	inos map[uint64]uint64

	// openMu guards open. It is taken last: nothing is called while it is held.
	openMu sync.Mutex
	// open holds, by path, the handles of lower files (not directories) that are
	// still on their lower and whose path still names their file.
	open map[string][]*overlayFile
}

var (
	_ FS               = (*overlay)(nil)
	_ LayerProvenancer = (*overlay)(nil)
)

// upper returns the upper layer's filesystem.
func (o *overlay) upper() FS { return o.layers[0].FS }

// changed records a change of names (see gen). The caller holds mu for writing.
func (o *overlay) changed() { o.gen.Add(1) }

// overlayInoBits is the number of low bits of an overlay inode number that hold
// the layer's own number; the layer's index is in the bits above.
const overlayInoBits = 56

// overlayIno combines a layer's index and its inode number.
func overlayIno(layer int, ino uint64) uint64 {
	return uint64(layer)<<overlayInoBits | ino&(1<<overlayInoBits-1)
}

// ino returns the inode number the overlay reports for ino of layer: the number
// remembered at copy-up for an upper entry that has one, else overlayIno.
func (o *overlay) ino(layer int, ino uint64) uint64 {
	if layer == 0 {
		o.inoMu.RLock()
		v, ok := o.inos[ino]
		o.inoMu.RUnlock()
		if ok {
			return v
		}
	}
	return overlayIno(layer, ino)
}

// overlayEntry is what lookup finds at a path.
type overlayEntry struct {
	// layer serves the path: 0 is the upper, i the lower o.layers[i].
	layer int
	// st is the serving layer's Lstat of the path, as it answered.
	st Stat
	// end bounds the layers whose directories merge into a directory's listing:
	// each of o.layers[layer:end] holds a directory at the path, or nothing.
	end int
	// merged: st is a directory and another layer's directory merges into it.
	merged bool
	// lower: a lower shows an entry at the path when the upper's (if any) is
	// gone, so that removing the path must white it out. Only lookup with full
	// set looks for it under an upper non-directory or opaque directory.
	lower bool
}

// lookup finds path across the layers (see NewOverlay). With full unset it does
// not look at the lowers below an upper entry that nothing merges into, leaving
// lower unknown there. It does not allocate. The caller holds mu.
func (o *overlay) lookup(p string, full bool) (e overlayEntry, errno Errno) {
	if !isCleanAbs(p) {
		return e, EINVAL
	}
	if o.marks.whitedOut(p) {
		return e, ENOENT
	}
	found := false
	switch st, errno := o.upper().Lstat(p); errno {
	case ESUCCESS:
		e.st, e.end, found = st, 1, true
	case ENOENT:
	default:
		// ENOTDIR: an upper non-directory above p hides everything below it.
		return e, errno
	}
	if o.marks.opaqueAbove(p) {
		if !found {
			return e, ENOENT
		}
		return e, ESUCCESS
	}
	// merging: what was found is a directory that lower directories merge into.
	merging := found && e.st.Mode.IsDir() && !o.marks.isOpaque(p)
	if found && !merging && !full {
		return e, ESUCCESS
	}
	for i := 1; i < len(o.layers); i++ {
		st, errno := o.layers[i].FS.Lstat(p)
		switch errno {
		case ESUCCESS:
		case ENOENT:
			continue
		case ENOTDIR:
			// This lower has a non-directory above p, which hides p in it and
			// in every lower below it.
			if !found {
				return e, o.notFound(p)
			}
			return e, ESUCCESS
		default:
			return e, errno
		}
		if !found {
			e.layer, e.st, e.end, e.lower, found = i, st, i+1, true, true
			if merging = st.Mode.IsDir(); !merging {
				return e, ESUCCESS
			}
			continue
		}
		e.lower = true
		if !merging || !st.Mode.IsDir() {
			return e, ESUCCESS
		}
		e.merged, e.end = true, i+1
	}
	if !found {
		return e, ENOENT
	}
	return e, ESUCCESS
}

// notFound is the errno of a lookup of p that found nothing while a lower had a
// non-directory above it: ENOTDIR when p's parent is not a directory in the
// merged view, else ENOENT.
func (o *overlay) notFound(p string) Errno {
	if errno := o.parentDir(p); errno != ESUCCESS {
		return errno
	}
	return ENOENT
}

// parentDir is ESUCCESS when the parent of p is a directory in the merged view,
// ENOTDIR when it is something else, or the lookup's errno.
func (o *overlay) parentDir(p string) Errno {
	dir, _ := splitParent(p)
	e, errno := o.lookup(dir, false)
	switch {
	case errno != ESUCCESS:
		return errno
	case !e.st.Mode.IsDir():
		return ENOTDIR
	}
	return ESUCCESS
}

// lowerEntry returns what the lowers show at p when neither the upper's entry
// nor a mark on p itself hides them: the first lower entry at p, unless a mark
// above p hides the lowers or a lower's non-directory above p ends the search.
// The caller holds mu, and p's ancestors are upper directories.
func (o *overlay) lowerEntry(p string) (Stat, bool) {
	if p == "/" {
		return Stat{}, false
	}
	if dir, _ := splitParent(p); o.marks.whitedOut(dir) || o.marks.opaqueAbove(p) {
		return Stat{}, false
	}
	for i := 1; i < len(o.layers); i++ {
		switch st, errno := o.layers[i].FS.Lstat(p); errno {
		case ESUCCESS:
			return st, true
		case ENOENT:
			continue
		}
		return Stat{}, false
	}
	return Stat{}, false
}

// stat returns the attributes the overlay reports for what lookup found.
func (o *overlay) stat(e overlayEntry) Stat {
	st := e.st
	st.Dev = 0
	st.Ino = o.ino(e.layer, st.Ino)
	if e.merged {
		st.Nlink = 1
	}
	return st
}

// eachEntry calls fn with each entry of the directory p, which lookup found as
// e: first the serving layer's entries, then those of each layer that merges in,
// every name once (from the topmost layer that holds it) and no whited-out name.
// The Dirent is the layer's own (its Ino untranslated, its Next meaningless to
// the caller); fn returns false to stop. The caller holds mu.
func (o *overlay) eachEntry(p string, e overlayEntry, fn func(d *Dirent, layer int) bool) Errno {
	var seen map[string]struct{}
	var buf [64]Dirent
	for i := e.layer; i < e.end; i++ {
		f, errno := o.layers[i].FS.OpenFile(p, OFlagRead|OFlagDirectory, 0)
		switch errno {
		case ESUCCESS:
		case ENOENT, ENOTDIR:
			continue // a layer between two that merge, without p
		default:
			return errno
		}
		more, errno := o.eachEntryOf(p, f, i, i+1 < e.end, &seen, buf[:], fn)
		if cerrno := f.Close(); errno == ESUCCESS {
			errno = cerrno
		}
		if errno != ESUCCESS || !more {
			return errno
		}
	}
	return ESUCCESS
}

// eachEntryOf is eachEntry over the open directory f of layer i. Names are added
// to *seen when a layer below may hold them too (below). It reports whether fn
// wants more.
func (o *overlay) eachEntryOf(p string, f File, i int, below bool, seen *map[string]struct{}, buf []Dirent, fn func(*Dirent, int) bool) (bool, Errno) {
	for cookie := uint64(0); ; {
		n, errno := f.Readdir(cookie, buf)
		if errno != ESUCCESS {
			return false, errno
		}
		for k := range buf[:n] {
			d := &buf[k]
			if o.marks.whitedOutIn(p, d.Name) {
				continue
			}
			if _, dup := (*seen)[d.Name]; dup {
				continue
			}
			if below {
				if *seen == nil {
					*seen = make(map[string]struct{})
				}
				(*seen)[d.Name] = struct{}{}
			}
			if !fn(d, i) {
				return false, ESUCCESS
			}
		}
		if n < len(buf) {
			return true, ESUCCESS
		}
		cookie = buf[n-1].Next
	}
}

// hasEntries reports whether the directory p, found as e, lists anything.
func (o *overlay) hasEntries(p string, e overlayEntry) (bool, Errno) {
	found := false
	errno := o.eachEntry(p, e, func(*Dirent, int) bool {
		found = true
		return false
	})
	return found, errno
}

// listing returns the merged listing of the directory p for Readdir: entries
// with their overlay inode numbers, sorted by cookie, each Next its own cookie
// (overlayCookies). A path that is no longer a directory lists nothing. The
// caller holds mu.
func (o *overlay) listing(p string) ([]Dirent, Errno) {
	e, errno := o.lookup(p, false)
	switch {
	case errno == ENOENT || errno == ENOTDIR || errno == ESUCCESS && !e.st.Mode.IsDir():
		return nil, ESUCCESS
	case errno != ESUCCESS:
		return nil, errno
	}
	var list []Dirent
	errno = o.eachEntry(p, e, func(d *Dirent, layer int) bool {
		list = append(list, Dirent{Ino: o.ino(layer, d.Ino), Name: d.Name, Type: d.Type})
		return true
	})
	if errno != ESUCCESS {
		return nil, errno
	}
	overlayCookies(list)
	return list, ESUCCESS
}

// overlayCookies sets the cookie of each entry of a merged listing and sorts the
// listing by it. A cookie depends on the entry's name only: 55 bits of the
// name's FNV-1a hash, then 8 bits for its rank among the names that share them
// (from 1, so that no cookie is 0; the top bit stays clear for the mount table).
// So a cookie means the same in every listing of the directory, whichever layer
// serves the name and whatever was copied up, added or removed meanwhile: an
// entry present throughout a listing is listed exactly once. Should more than
// 255 names share 55 bits of hash, the last ones would share a cookie and a
// listing continued from it could skip some; a 64-bit hash makes that a
// theoretical case.
func overlayCookies(list []Dirent) {
	for i := range list {
		h := uint64(treeFNVOffset)
		for _, c := range []byte(list[i].Name) {
			h = (h ^ uint64(c)) * treeFNVPrime
		}
		list[i].Next = h >> 9 << 8
	}
	slices.SortFunc(list, func(a, b Dirent) int {
		return cmp.Or(cmp.Compare(a.Next, b.Next), strings.Compare(a.Name, b.Name))
	})
	var rank uint64
	for i := range list {
		if i > 0 && list[i].Next>>8 == list[i-1].Next>>8 {
			rank = min(rank+1, 254)
		} else {
			rank = 0
		}
		list[i].Next |= rank + 1
	}
}

// Layer returns the name of the layer that serves path.
func (o *overlay) Layer(p string) (string, Errno) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	e, errno := o.lookup(p, false)
	if errno != ESUCCESS {
		return "", errno
	}
	return o.layers[e.layer].Name, ESUCCESS
}

// Lstat returns the attributes of path from the layer that serves it.
func (o *overlay) Lstat(p string) (Stat, Errno) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	e, errno := o.lookup(p, false)
	if errno != ESUCCESS {
		return Stat{}, errno
	}
	return o.stat(e), ESUCCESS
}

// Readlink returns the target of the symlink at path, from the layer that
// serves it.
func (o *overlay) Readlink(p string) (string, Errno) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	e, errno := o.lookup(p, false)
	if errno != ESUCCESS {
		return "", errno
	}
	return o.layers[e.layer].FS.Readlink(p)
}

// OpenFile opens path on the layer that serves it. A lower file opened for
// writing stays on its lower until its first change; OFlagTruncate copies it up
// at once. OFlagCreate of a missing name creates it in the upper. Only an open
// that may create or truncate takes the write lock.
func (o *overlay) OpenFile(p string, flag OFlag, perm fs.FileMode) (File, Errno) {
	if flag&OFlagPath == 0 && flag&(OFlagCreate|OFlagTruncate) != 0 {
		o.mu.Lock()
		defer o.mu.Unlock()
	} else {
		o.mu.RLock()
		defer o.mu.RUnlock()
	}
	e, errno := o.lookup(p, false)
	if flag&OFlagPath != 0 {
		switch {
		case errno != ESUCCESS:
			return nil, errno
		case flag&OFlagDirectory != 0 && !e.st.Mode.IsDir():
			return nil, ENOTDIR
		}
		f, errno := o.layers[e.layer].FS.OpenFile(p, OFlagPath|flag&(OFlagDirectory|OFlagNoFollow), 0)
		if errno != ESUCCESS {
			return nil, errno
		}
		return o.newFile(p, flag, e, f), ESUCCESS
	}
	switch {
	case errno == ENOENT && flag&OFlagCreate != 0:
		return o.create(p, flag, perm)
	case errno != ESUCCESS:
		return nil, errno
	case e.layer == 0:
		f, errno := o.upper().OpenFile(p, flag, perm)
		if errno != ESUCCESS {
			return nil, errno
		}
		return o.newFile(p, flag, e, f), ESUCCESS
	}
	// A lower's entry, answered in Linux's order (as tmpfs does).
	isDir := e.st.Mode.IsDir()
	switch {
	case flag&(OFlagCreate|OFlagExclusive) == OFlagCreate|OFlagExclusive:
		return nil, EEXIST
	case flag&OFlagDirectory != 0 && !isDir:
		return nil, ENOTDIR
	case e.st.Mode&fs.ModeSymlink != 0:
		return nil, ELOOP
	case isDir && flag&(OFlagWrite|OFlagCreate|OFlagTruncate) != 0:
		return nil, EISDIR
	case flag&OFlagTruncate != 0 && e.st.Mode.IsRegular():
		// Truncation changes the data now: copy up at open, without the bytes.
		if errno := o.copyUp(p, e, false); errno != ESUCCESS {
			return nil, errno
		}
		f, errno := o.upper().OpenFile(p, flag&^(OFlagCreate|OFlagExclusive), perm)
		if errno != ESUCCESS {
			return nil, errno
		}
		return o.newFile(p, flag, overlayEntry{end: 1}, f), ESUCCESS
	}
	f, errno := o.layers[e.layer].FS.OpenFile(p, OFlagRead|flag&OFlagDirectory, 0)
	if errno != ESUCCESS {
		return nil, errno
	}
	return o.newFile(p, flag, e, f), ESUCCESS
}

// create makes the missing file p in the upper and opens it. The caller holds mu
// for writing.
func (o *overlay) create(p string, flag OFlag, perm fs.FileMode) (File, Errno) {
	if errno := o.parentDir(p); errno != ESUCCESS {
		return nil, errno
	}
	if flag&OFlagDirectory != 0 {
		return nil, EINVAL // as Linux: O_CREAT|O_DIRECTORY never makes a file
	}
	if errno := o.copyUpParents(p); errno != ESUCCESS {
		return nil, errno
	}
	f, errno := o.upper().OpenFile(p, flag, perm)
	if errno != ESUCCESS {
		return nil, errno
	}
	o.marks.drop(p) // a file hides whatever a lower holds at p
	o.changed()
	return o.newFile(p, flag, overlayEntry{end: 1}, f), ESUCCESS
}

// Mkdir creates a directory in the upper; over a whiteout it is opaque.
func (o *overlay) Mkdir(p string, perm fs.FileMode) Errno {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch _, errno := o.lookup(p, false); errno {
	case ESUCCESS:
		return EEXIST
	case ENOENT:
	default:
		return errno
	}
	if errno := o.parentDir(p); errno != ESUCCESS {
		return errno
	}
	if errno := o.copyUpParents(p); errno != ESUCCESS {
		return errno
	}
	if errno := o.upper().Mkdir(p, perm); errno != ESUCCESS {
		return errno
	}
	o.marks.drop(p)
	if st, ok := o.lowerEntry(p); ok && st.Mode.IsDir() {
		o.marks.setOpaque(p) // the removed directory's lower entries stay hidden
	}
	o.changed()
	return ESUCCESS
}

// Chmod copies path up and changes its permission bits in the upper.
func (o *overlay) Chmod(p string, perm fs.FileMode) Errno {
	o.mu.Lock()
	defer o.mu.Unlock()
	e, errno := o.lookup(p, false)
	if errno != ESUCCESS {
		return errno
	}
	if errno := o.copyUp(p, e, true); errno != ESUCCESS {
		return errno
	}
	return o.upper().Chmod(p, perm)
}

// Utimens copies path up and sets its times in the upper (a call that changes
// nothing copies nothing).
func (o *overlay) Utimens(p string, atim, mtim int64) Errno {
	o.mu.Lock()
	defer o.mu.Unlock()
	e, errno := o.lookup(p, false)
	switch {
	case errno != ESUCCESS:
		return errno
	case atim == UTimeOmit && mtim == UTimeOmit:
		return ESUCCESS
	}
	if errno := o.copyUp(p, e, true); errno != ESUCCESS {
		return errno
	}
	return o.upper().Utimens(p, atim, mtim)
}

// Unlink removes a file or symlink: from the upper if it is there, and with a
// whiteout if a lower holds the name.
func (o *overlay) Unlink(p string) Errno {
	o.mu.Lock()
	defer o.mu.Unlock()
	e, errno := o.lookup(p, true)
	switch {
	case errno != ESUCCESS:
		return errno
	case e.st.Mode.IsDir():
		return EISDIR
	}
	return o.remove(p, e)
}

// Rmdir removes a directory that is empty in the merged view: from the upper if
// it is there, and with a whiteout if a lower holds the name.
func (o *overlay) Rmdir(p string) Errno {
	o.mu.Lock()
	defer o.mu.Unlock()
	e, errno := o.lookup(p, true)
	switch {
	case errno != ESUCCESS:
		return errno
	case p == "/":
		return EBUSY
	case !e.st.Mode.IsDir():
		return ENOTDIR
	}
	full, errno := o.hasEntries(p, e)
	switch {
	case errno != ESUCCESS:
		return errno
	case full:
		return ENOTEMPTY
	}
	return o.remove(p, e)
}

// remove takes p, found as e by lookup with full, out of the merged view. The
// caller holds mu for writing.
func (o *overlay) remove(p string, e overlayEntry) Errno {
	up := o.upper()
	if e.layer == 0 {
		remove := up.Unlink
		if e.st.Mode.IsDir() {
			remove = up.Rmdir
		}
		if errno := remove(p); errno != ESUCCESS {
			return errno
		}
		o.forgetIno(e.st)
	} else {
		// Only a whiteout changes: bring the parent chain up, and stamp the
		// parent as the removal of a name does.
		if errno := o.copyUpParents(p); errno != ESUCCESS {
			return errno
		}
		dir, _ := splitParent(p)
		if errno := up.Utimens(dir, UTimeOmit, UTimeNow); errno != ESUCCESS {
			return errno
		}
	}
	o.marks.drop(p)
	if e.lower {
		o.marks.whiteout(p)
	}
	o.detach(p)
	o.changed()
	return ESUCCESS
}

// Rename moves from to to, with rename(2)'s rules over the merged view: the
// source is copied up (a directory with its whole merged tree), renamed in the
// upper, and whited out where a lower holds it.
func (o *overlay) Rename(from, to string) Errno {
	o.mu.Lock()
	defer o.mu.Unlock()
	fe, errno := o.lookup(from, true)
	if errno != ESUCCESS {
		return errno
	}
	te, terrno := o.lookup(to, true)
	switch terrno {
	case ESUCCESS:
	case ENOENT:
		if errno := o.parentDir(to); errno != ESUCCESS {
			return errno
		}
	default:
		return terrno
	}
	fromDir, exists := fe.st.Mode.IsDir(), terrno == ESUCCESS
	switch {
	case from == "/" || to == "/":
		return EBUSY // the root cannot be moved or replaced
	case fromDir && to != from && isAtOrBelow(to, from):
		return EINVAL // a directory cannot move into its own subtree
	case from == to, exists && te.layer == fe.layer && te.st.Ino == fe.st.Ino:
		return ESUCCESS // the same name, or two links to one file: nothing to do
	}
	if exists {
		toDir := te.st.Mode.IsDir()
		switch {
		case fromDir && !toDir:
			return ENOTDIR
		case !fromDir && toDir:
			return EISDIR
		case toDir:
			full, errno := o.hasEntries(to, te)
			if errno != ESUCCESS {
				return errno
			}
			if full {
				return ENOTEMPTY
			}
		}
	}
	if errno := o.copyUpTree(from, fe); errno != ESUCCESS {
		return errno
	}
	if errno := o.copyUpParents(to); errno != ESUCCESS {
		return errno
	}
	// A directory at to is empty in the merged view, so in the upper too: the
	// upper's rename replaces it, or the file there, or makes the name.
	if errno := o.upper().Rename(from, to); errno != ESUCCESS {
		return errno
	}
	if exists && te.layer == 0 {
		o.forgetIno(te.st)
	}
	o.marks.drop(to)
	if st, ok := o.lowerEntry(to); ok && fromDir && st.Mode.IsDir() {
		o.marks.setOpaque(to) // the lower's directory at to stays hidden
	}
	o.marks.drop(from)
	if fe.lower {
		o.marks.whiteout(from)
	}
	o.detach(to)
	o.changed()
	return ESUCCESS
}

// Link makes newPath a hard link to oldPath in the upper, copying oldPath up
// first.
func (o *overlay) Link(oldPath, newPath string) Errno {
	o.mu.Lock()
	defer o.mu.Unlock()
	oe, errno := o.lookup(oldPath, false)
	switch {
	case errno != ESUCCESS:
		return errno
	case oe.st.Mode.IsDir():
		return EPERM
	}
	if errno := o.creatable(newPath); errno != ESUCCESS {
		return errno
	}
	if errno := o.copyUp(oldPath, oe, true); errno != ESUCCESS {
		return errno
	}
	if errno := o.copyUpParents(newPath); errno != ESUCCESS {
		return errno
	}
	if errno := o.upper().Link(oldPath, newPath); errno != ESUCCESS {
		return errno
	}
	o.marks.drop(newPath)
	o.changed()
	return ESUCCESS
}

// Symlink creates a symlink in the upper.
func (o *overlay) Symlink(target, linkPath string) Errno {
	if target == "" {
		return ENOENT // as symlink(2)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if errno := o.creatable(linkPath); errno != ESUCCESS {
		return errno
	}
	if errno := o.copyUpParents(linkPath); errno != ESUCCESS {
		return errno
	}
	if errno := o.upper().Symlink(target, linkPath); errno != ESUCCESS {
		return errno
	}
	o.marks.drop(linkPath)
	o.changed()
	return ESUCCESS
}

// creatable is ESUCCESS when p is missing and its parent is a directory: EEXIST
// when p exists, or the errno of the lookup.
func (o *overlay) creatable(p string) Errno {
	switch _, errno := o.lookup(p, false); errno {
	case ESUCCESS:
		return EEXIST
	case ENOENT:
		return o.parentDir(p)
	default:
		return errno
	}
}
