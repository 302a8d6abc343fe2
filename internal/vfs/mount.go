package vfs

import (
	"io/fs"
	"sort"
	"strings"
	"sync"
)

// MountTable composes filesystems at guest paths: a path belongs to the mount with
// the longest prefix of it. It is itself an FS over guest paths, which it resolves
// (symbolic links followed across mounts, ".." clamped at the root) before handing
// the owning filesystem a path relative to its mount point. Mount points appear in
// their parent directory's listing. It is safe for concurrent use.
type MountTable struct {
	UnimplementedFS

	mu     sync.RWMutex
	mounts map[string]*mount // by clean absolute guest path; "/" is always present
}

// mount is one filesystem of a MountTable.
type mount struct {
	path   string
	fs     FS
	source string
}

var _ FS = (*MountTable)(nil)

// NewMountTable returns a table with root mounted at "/"; source describes it for
// provenance ("tmp", "host:/abs/dir", "volume:atom").
func NewMountTable(root FS, source string) *MountTable {
	return &MountTable{mounts: map[string]*mount{"/": {path: "/", fs: root, source: source}}}
}

// Mount puts f at the clean absolute guest path p, replacing what was mounted there.
func (m *MountTable) Mount(p string, f FS, source string) Errno {
	if !isCleanAbs(p) {
		return EINVAL
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mounts[p] = &mount{path: p, fs: f, source: source}
	return ESUCCESS
}

// MountInfo describes a mount for `wasirun fs` and tests.
type MountInfo struct {
	Path   string
	Source string
	FS     FS
}

// Mounts lists the mounts by path.
func (m *MountTable) Mounts() []MountInfo {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]MountInfo, 0, len(m.mounts))
	for _, mt := range m.mounts {
		out = append(out, MountInfo{Path: mt.path, Source: mt.source, FS: mt.fs})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// lookup returns the mount owning the clean absolute guest path p and p relative
// to it ("/" for the mount point itself). It does not allocate.
func (m *MountTable) lookup(p string) (*mount, string) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for prefix := p; ; {
		if mt, ok := m.mounts[prefix]; ok {
			rel := p[len(prefix):]
			if rel == "" {
				rel = "/"
			} else if prefix == "/" {
				rel = p
			}
			return mt, rel
		}
		i := strings.LastIndexByte(prefix, '/')
		if i <= 0 {
			prefix = "/"
		} else {
			prefix = prefix[:i]
		}
	}
}

// childMounts returns the names of the mount points directly below the clean
// absolute guest directory dir, sorted.
func (m *MountTable) childMounts(dir string) []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var names []string
	for p := range m.mounts {
		if p == "/" || p == dir {
			continue
		}
		parent, name := splitParent(p)
		if parent == dir {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// Provenance says where the guest path p comes from: the mount point that serves
// it, the mount's source, and, for filesystems that know it (an overlay), the
// layer within it. A symbolic link in the last component is not followed.
func (m *MountTable) Provenance(p string) (mountPath, source, layer string, errno Errno) {
	r, errno := m.resolve(p, false)
	if errno != ESUCCESS {
		return "", "", "", errno
	}
	if lp, ok := r.mount.fs.(LayerProvenancer); ok {
		layer, errno = lp.Layer(r.rel)
		if errno != ESUCCESS {
			return "", "", "", errno
		}
	}
	return r.mount.path, r.mount.source, layer, ESUCCESS
}

// LayerProvenancer is implemented by filesystems made of layers (an overlay): Layer
// names the layer that serves path.
type LayerProvenancer interface {
	Layer(path string) (string, Errno)
}

// isCleanAbs reports whether p is a clean absolute slash path.
func isCleanAbs(p string) bool {
	if p == "/" {
		return true
	}
	if len(p) < 2 || p[0] != '/' || p[len(p)-1] == '/' {
		return false
	}
	for rest := p[1:]; rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, "/")
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

// splitParent splits a clean absolute path into its parent and last name.
func splitParent(p string) (string, string) {
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/", p[1:]
	}
	return p[:i], p[i+1:]
}

// join appends a name to a clean absolute directory path.
func join(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// --- FS methods: resolve, then forward to the owning filesystem. ---

// OpenFile opens a guest path; directories list their child mount points too.
func (m *MountTable) OpenFile(p string, flag OFlag, perm fs.FileMode) (File, Errno) {
	// O_CREAT|O_EXCL never follows a last symlink (open(2): EEXIST on a link).
	follow := (flag&(OFlagNoFollow|OFlagPath) == 0 || flag&OFlagCreate != 0 && flag&OFlagNoFollow == 0) && flag&(OFlagCreate|OFlagExclusive) != OFlagCreate|OFlagExclusive
	r, errno := m.resolve(p, follow)
	if errno != ESUCCESS {
		return nil, errno
	}
	if r.mustDir {
		flag |= OFlagDirectory
	}
	f, errno := r.mount.fs.OpenFile(r.rel, flag, perm)
	if errno != ESUCCESS {
		return nil, errno
	}
	if names := m.childMounts(r.guest); len(names) > 0 {
		if st, e := f.Stat(); e == ESUCCESS && st.Mode.IsDir() {
			return &mountDir{File: f, fs: r.mount.fs, rel: r.rel, extra: names}, ESUCCESS
		}
	}
	return f, ESUCCESS
}

// Lstat returns the attributes of a guest path, not following a last symlink.
func (m *MountTable) Lstat(p string) (Stat, Errno) { return m.stat(p, false) }

// Stat returns the attributes of a guest path, following a last symlink.
func (m *MountTable) Stat(p string) (Stat, Errno) { return m.stat(p, true) }

func (m *MountTable) stat(p string, follow bool) (Stat, Errno) {
	r, errno := m.resolve(p, follow)
	if errno != ESUCCESS {
		return Stat{}, errno
	}
	st, errno := r.mount.fs.Lstat(r.rel)
	if errno == ESUCCESS && r.mustDir && !st.Mode.IsDir() {
		return Stat{}, ENOTDIR
	}
	return st, errno
}

// Mkdir creates a directory at a guest path.
func (m *MountTable) Mkdir(p string, perm fs.FileMode) Errno {
	r, errno := m.resolve(p, false)
	if errno != ESUCCESS {
		return errno
	}
	return r.mount.fs.Mkdir(r.rel, perm)
}

// Chmod follows a last symlink, as chmod(2) does.
func (m *MountTable) Chmod(p string, perm fs.FileMode) Errno {
	r, errno := m.resolve(p, true)
	if errno != ESUCCESS {
		return errno
	}
	return r.mount.fs.Chmod(r.rel, perm)
}

// Rename moves a guest path; across mounts it is EXDEV, and a mount point cannot
// be moved or replaced (EBUSY).
func (m *MountTable) Rename(from, to string) Errno {
	rf, errno := m.resolve(from, false)
	if errno != ESUCCESS {
		return errno
	}
	rt, errno := m.resolve(to, false)
	if errno != ESUCCESS {
		return errno
	}
	if rf.rel == "/" || rt.rel == "/" {
		return EBUSY
	}
	if rf.mount != rt.mount {
		return EXDEV
	}
	return rf.mount.fs.Rename(rf.rel, rt.rel)
}

// Rmdir removes an empty directory; a mount point is EBUSY.
func (m *MountTable) Rmdir(p string) Errno {
	r, errno := m.resolve(p, false)
	if errno != ESUCCESS {
		return errno
	}
	if r.rel == "/" {
		return EBUSY
	}
	return r.mount.fs.Rmdir(r.rel)
}

// Unlink removes a file or symlink.
func (m *MountTable) Unlink(p string) Errno {
	r, errno := m.resolve(p, false)
	if errno != ESUCCESS {
		return errno
	}
	if r.rel == "/" {
		return EISDIR
	}
	if r.mustDir {
		return ENOTDIR
	}
	return r.mount.fs.Unlink(r.rel)
}

// Link makes a hard link; across mounts it is EXDEV.
func (m *MountTable) Link(oldPath, newPath string) Errno {
	ro, errno := m.resolve(oldPath, false)
	if errno != ESUCCESS {
		return errno
	}
	rn, errno := m.resolve(newPath, false)
	if errno != ESUCCESS {
		return errno
	}
	if ro.mount != rn.mount {
		return EXDEV
	}
	return ro.mount.fs.Link(ro.rel, rn.rel)
}

// Symlink creates a symlink whose target text is kept as given.
func (m *MountTable) Symlink(target, linkPath string) Errno {
	r, errno := m.resolve(linkPath, false)
	if errno != ESUCCESS {
		return errno
	}
	return r.mount.fs.Symlink(target, r.rel)
}

// Readlink returns a symlink's target text.
func (m *MountTable) Readlink(p string) (string, Errno) {
	r, errno := m.resolve(p, false)
	if errno != ESUCCESS {
		return "", errno
	}
	return r.mount.fs.Readlink(r.rel)
}

// Utimens follows a last symlink, as utimensat(2) without AT_SYMLINK_NOFOLLOW does.
func (m *MountTable) Utimens(p string, atim, mtim int64) Errno {
	r, errno := m.resolve(p, true)
	if errno != ESUCCESS {
		return errno
	}
	return r.mount.fs.Utimens(r.rel, atim, mtim)
}

// Lutimens is Utimens on a last symlink itself (utimensat(2) with
// AT_SYMLINK_NOFOLLOW): filesystems never follow links, so it only resolves
// without following the last component.
func (m *MountTable) Lutimens(p string, atim, mtim int64) Errno {
	r, errno := m.resolve(p, false)
	if errno != ESUCCESS {
		return errno
	}
	return r.mount.fs.Utimens(r.rel, atim, mtim)
}

// mountDir is a directory of a mount table that has mount points below it: its
// listing adds their names after the filesystem's own entries. Cookies of the
// added entries have the top bit set (filesystems' cookies never do).
type mountDir struct {
	File
	fs    FS     // the filesystem the directory is in
	rel   string // the directory's path in fs
	extra []string
}

const mountCookie = 1 << 63

// Readdir lists the directory's own entries, then the mount points it lacks.
func (d *mountDir) Readdir(cookie uint64, buf []Dirent) (int, Errno) {
	n := 0
	if cookie&mountCookie == 0 {
		var errno Errno
		if n, errno = d.File.Readdir(cookie, buf); errno != ESUCCESS {
			return n, errno
		}
		if n == len(buf) && n > 0 {
			return n, ESUCCESS
		}
		cookie = mountCookie
	}
	for i := int(cookie &^ mountCookie); i < len(d.extra) && n < len(buf); i++ {
		if d.hasOwn(d.extra[i]) {
			continue
		}
		buf[n] = Dirent{Next: mountCookie | uint64(i+1), Name: d.extra[i], Type: fs.ModeDir}
		n++
	}
	return n, ESUCCESS
}

// hasOwn reports whether the underlying directory has an entry called name (a
// mount point over an existing directory is listed once). It asks the filesystem,
// not this handle, so that the handle's listing is not disturbed.
func (d *mountDir) hasOwn(name string) bool {
	_, errno := d.fs.Lstat(join(d.rel, name))
	return errno == ESUCCESS
}
