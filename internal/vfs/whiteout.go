package vfs

import "strings"

// overlayMarks are an overlay's whiteouts and opaque directories. Unlike Linux's
// overlayfs, which stores them in the upper layer (a 0/0 character device for a
// whiteout, a trusted.overlay.opaque attribute for an opaque directory), the
// overlay keeps them to itself, in memory: the guest never sees them in a listing,
// and the upper needs nothing beyond the FS interface. They live as long as the
// overlay; the journal (a later issue) records the upper's changes by guest path,
// so replaying them rebuilds the marks along with the upper.
//
//   - A whiteout at p hides whatever the lowers hold at p and below. The upper
//     never holds p while p is whited out: creating p in the upper removes the
//     whiteout first (and makes a new directory opaque, see below).
//   - An opaque directory p is an upper directory whose listing is the upper's
//     alone: the lowers' entries below p are hidden, though a lower may hold p
//     itself (that is why it is opaque: a directory removed and made again).
//
// Two invariants keep them small and let the overlay trust them. The parent of
// a whiteout is always an upper directory (a removal copies up its parent chain
// first), so a directory served by a lower never holds whited-out names. A mark
// is dropped with everything below it once its directory goes (Rmdir, Rename),
// so no mark outlives the directory it was set in.
//
// The overlay's mutex guards the marks. Lookups do not allocate: a path's
// ancestors are looked up as substrings of it.
type overlayMarks struct {
	// whiteouts maps the path of a directory to the names whited out in it.
	whiteouts map[string]map[string]struct{}
	// opaque holds the paths of the opaque upper directories.
	opaque map[string]struct{}
}

// whitedOut reports whether p or one of its ancestors is whited out.
func (m *overlayMarks) whitedOut(p string) bool {
	if len(m.whiteouts) == 0 || p == "/" {
		return false
	}
	dir := "/"
	for i := 1; ; {
		end := len(p)
		if j := strings.IndexByte(p[i:], '/'); j >= 0 {
			end = i + j
		}
		if names, ok := m.whiteouts[dir]; ok {
			if _, ok := names[p[i:end]]; ok {
				return true
			}
		}
		if end == len(p) {
			return false
		}
		dir, i = p[:end], end+1
	}
}

// whitedOutIn reports whether name is whited out in the directory dir (its
// ancestors are not looked at).
func (m *overlayMarks) whitedOutIn(dir, name string) bool {
	if len(m.whiteouts) == 0 {
		return false
	}
	_, ok := m.whiteouts[dir][name]
	return ok
}

// opaqueAbove reports whether a strict ancestor of p is an opaque directory, so
// that no lower shows anything at p.
func (m *overlayMarks) opaqueAbove(p string) bool {
	if len(m.opaque) == 0 {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i] == '/' {
			if _, ok := m.opaque[p[:i]]; ok {
				return true
			}
		}
	}
	return false
}

// isOpaque reports whether p is an opaque directory.
func (m *overlayMarks) isOpaque(p string) bool {
	_, ok := m.opaque[p]
	return ok
}

// whiteout whites p out. The path is copied, so that the marks do not keep the
// caller's string alive.
func (m *overlayMarks) whiteout(p string) {
	dir, name := splitParent(p)
	if m.whiteouts == nil {
		m.whiteouts = make(map[string]map[string]struct{})
	}
	names, ok := m.whiteouts[dir]
	if !ok {
		names = make(map[string]struct{})
		m.whiteouts[strings.Clone(dir)] = names
	}
	names[strings.Clone(name)] = struct{}{}
}

// setOpaque makes the upper directory p opaque.
func (m *overlayMarks) setOpaque(p string) {
	if m.opaque == nil {
		m.opaque = make(map[string]struct{})
	}
	m.opaque[strings.Clone(p)] = struct{}{}
}

// drop removes every mark at p or below it: the whiteout of p, p's opacity, and
// the marks of every directory below p. Renames and removals call it: a cold
// path, linear in the number of marked directories.
func (m *overlayMarks) drop(p string) {
	if p != "/" {
		dir, name := splitParent(p)
		if names, ok := m.whiteouts[dir]; ok {
			delete(names, name)
			if len(names) == 0 {
				delete(m.whiteouts, dir)
			}
		}
	}
	for dir := range m.whiteouts {
		if isAtOrBelow(dir, p) {
			delete(m.whiteouts, dir)
		}
	}
	for dir := range m.opaque {
		if isAtOrBelow(dir, p) {
			delete(m.opaque, dir)
		}
	}
}

// isAtOrBelow reports whether the clean absolute path p is dir or lies below it.
func isAtOrBelow(p, dir string) bool {
	switch {
	case dir == "/":
		return true
	case len(p) == len(dir):
		return p == dir
	}
	return len(p) > len(dir) && p[len(dir)] == '/' && p[:len(dir)] == dir
}
