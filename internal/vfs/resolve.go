package vfs

import (
	"io/fs"
	"strings"
)

// maxSymlinks is how many symbolic links one resolution follows before ELOOP, as
// Linux's MAXSYMLINKS.
const maxSymlinks = 40

// resolved is a guest path after resolution.
type resolved struct {
	mount *mount
	// rel is the path within mount.fs.
	rel string
	// guest is the resolved clean absolute guest path.
	guest string
	// mustDir: the path ended with a slash, so it must name a directory.
	mustDir bool
}

// resolve walks the guest path p component by component over the mount table:
// "." vanishes, ".." pops one component and never climbs above "/", and symbolic
// links are followed — also from one mount into another — at most maxSymlinks
// times (ELOOP). The last component is followed only when followLast is set or the
// path ends with a slash ("must be a directory"). Every component but the last must
// exist and be a directory (ENOENT, ENOTDIR); the last need not exist, so that
// create operations resolve too. A relative p is taken from "/".
func (m *MountTable) resolve(p string, followLast bool) (resolved, Errno) {
	if p == "" {
		return resolved{}, ENOENT
	}
	mustDir := len(p) > 1 && p[len(p)-1] == '/'
	if mustDir {
		followLast = true
	}
	cur, rest, links := "/", p, 0
	// While the walk is still on p as given and p is clean, the path so far is
	// a prefix of p: slicing it instead of joining saves an allocation per
	// component on the common path.
	prefix := isCleanAbs(p)
	for {
		rest = strings.TrimLeft(rest, "/")
		if rest == "" {
			break
		}
		var name string
		name, rest, _ = strings.Cut(rest, "/")
		last := strings.TrimLeft(rest, "/") == ""
		switch name {
		case ".":
			continue
		case "..":
			cur, _ = splitParent(cur)
			continue
		}
		var next string
		if prefix {
			next = p[:len(p)-len(rest)]
			if rest != "" {
				next = next[:len(next)-1] // the separator Cut consumed
			}
		} else {
			next = join(cur, name)
		}
		if last && !followLast {
			cur = next
			break
		}
		mt, rel := m.lookup(next)
		st, errno := mt.fs.Lstat(rel)
		switch {
		case errno == ENOENT && last:
			cur = next
		case errno != ESUCCESS:
			return resolved{}, errno
		case st.Mode&fs.ModeSymlink != 0:
			if links++; links > maxSymlinks {
				return resolved{}, ELOOP
			}
			target, errno := mt.fs.Readlink(rel)
			if errno != ESUCCESS {
				return resolved{}, errno
			}
			if target == "" {
				return resolved{}, ENOENT
			}
			prefix = false
			if target[0] == '/' {
				cur = "/"
			}
			if rest != "" {
				target += "/" + rest
			} else if mustDir {
				target += "/"
			}
			rest = target
			continue
		case !last && !st.Mode.IsDir():
			return resolved{}, ENOTDIR
		default:
			cur = next
		}
		if last {
			break
		}
	}
	mt, rel := m.lookup(cur)
	return resolved{mount: mt, rel: rel, guest: cur, mustDir: mustDir}, ESUCCESS
}

// Resolve follows every symbolic link of the guest path p, the last one included,
// and returns the clean absolute guest path it leads to, which need not exist
// (a dangling link resolves to its target). Errors are those of resolution:
// ENOENT or ENOTDIR for a missing or non-directory component before the last,
// ELOOP past maxSymlinks links.
func (m *MountTable) Resolve(p string) (string, Errno) {
	r, errno := m.resolve(p, true)
	if errno != ESUCCESS {
		return "", errno
	}
	return r.guest, ESUCCESS
}
