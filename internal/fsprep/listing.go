package fsprep

import (
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wasirun/wasirun/internal/vfs"
)

// Entry describes one guest path for `wasirun fs`: what it is and where it comes
// from. Its JSON form is the schema of `fs ls --json` and `fs stat --json`.
type Entry struct {
	// Path is the full guest path.
	Path string `json:"path"`
	// Type is "file", "dir", "symlink" or "device".
	Type string `json:"type"`
	Size int64  `json:"size"`
	// Mode is the permission bits, in octal text ("0644").
	Mode string `json:"mode"`
	// Mtime is the modification time in nanoseconds since the Unix epoch.
	Mtime int64 `json:"mtime"`
	// Target is a symlink's target text; "" otherwise.
	Target string `json:"target,omitempty"`
	// Source says where the entry comes from: "host:/abs/path" (the host file),
	// "volume:NAME" (a package volume), or "tmp" (in memory).
	Source string `json:"source"`
	// Mount is the guest path of the mount the entry sits under.
	Mount string `json:"mount"`
	// Writes says where a change to the entry goes: "host" (the host file), "memory"
	// (an in-memory layer, gone after the run: the base, or copy-on-write over a
	// host directory mapped at "/" or a package volume), or "refused" (a read-only
	// mount: the guest gets EROFS). See the Writes* constants.
	Writes string `json:"writes"`
}

// Describe returns the Entry of the guest path p, not following a last symlink.
func (r *Root) Describe(p string) (Entry, error) {
	guest, err := NormalizeGuestPath(p)
	if err != nil {
		return Entry{}, err
	}
	st, errno := r.Lstat(guest)
	if errno != vfs.ESUCCESS {
		return Entry{}, &PathError{Path: guest, Errno: errno}
	}
	perm := uint32(st.Mode.Perm())
	if st.Mode&fs.ModeSticky != 0 {
		perm |= 0o1000
	}
	e := Entry{Path: guest, Type: typeName(st.Mode), Size: st.Size, Mode: fmt.Sprintf("%04o", perm), Mtime: st.Mtim}
	if st.Mode&fs.ModeSymlink != 0 {
		if e.Target, errno = r.Readlink(guest); errno != vfs.ESUCCESS {
			return Entry{}, &PathError{Path: guest, Errno: errno}
		}
	}
	mountPath, source, layer, errno := r.Provenance(guest)
	if errno != vfs.ESUCCESS {
		return Entry{}, &PathError{Path: guest, Errno: errno}
	}
	e.Mount, e.Writes = mountPath, r.writes[mountPath]
	if layer != "" && guest != mountPath {
		// Within a mount made of layers, the layer that serves the entry; the
		// mount point itself is shown as the mount.
		source = layer
	}
	e.Source = source
	if host, ok := strings.CutPrefix(source, "host:"); ok && guest != mountPath {
		// The host file itself: the mount's host directory and the path below it.
		e.Source = SourceHost(hostJoin(host, guestBelow(guest, mountPath)))
	}
	return e, nil
}

// guestBelow is the clean guest path p relative to the mount point mountPath,
// which holds it: "a/b" for /m/a/b under /m, and for /a/b under /.
func guestBelow(p, mountPath string) string {
	if mountPath == "/" {
		return p[1:]
	}
	return strings.TrimPrefix(p, mountPath+"/")
}

// hostJoin names the host file rel (a slash path) below the host directory dir,
// in the host's notation. It only names a file for a user to read: host files are
// reached through os.Root, never through a joined path.
func hostJoin(dir, rel string) string {
	return filepath.Join(dir, filepath.FromSlash(rel))
}

// List returns the entries of the guest directory p (of its whole subtree when
// recursive is set), sorted by path. A p that is not a directory lists itself.
func (r *Root) List(p string, recursive bool) ([]Entry, error) {
	top, err := r.Describe(p)
	if err != nil {
		return nil, err
	}
	if top.Type == "symlink" {
		// ls follows a symlink named on the command line.
		if st, errno := r.Stat(top.Path); errno == vfs.ESUCCESS && st.Mode.IsDir() {
			top.Type = "dir"
		}
	}
	if top.Type != "dir" {
		return []Entry{top}, nil
	}
	var out []Entry
	if err := r.list(top.Path, recursive, &out); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func (r *Root) list(dir string, recursive bool, out *[]Entry) error {
	names, errno := r.readdirNames(dir)
	if errno != vfs.ESUCCESS {
		return &PathError{Path: dir, Errno: errno}
	}
	for _, name := range names {
		p := dir + "/" + name
		if dir == "/" {
			p = "/" + name
		}
		e, err := r.Describe(p)
		if err != nil {
			return err
		}
		*out = append(*out, e)
		if recursive && e.Type == "dir" {
			if err := r.list(p, true, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// readdirNames lists a directory's names, sorted.
func (r *Root) readdirNames(dir string) ([]string, vfs.Errno) {
	d, errno := r.OpenFile(dir, vfs.OFlagRead|vfs.OFlagDirectory, 0)
	if errno != vfs.ESUCCESS {
		return nil, errno
	}
	defer d.Close()
	ents, errno := vfs.ReadDirAll(d, 128)
	if errno != vfs.ESUCCESS {
		return nil, errno
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name
	}
	sort.Strings(names)
	return names, vfs.ESUCCESS
}

// copyChunk is the most Copy reads and writes at a time.
const copyChunk = 64 << 10

// Copy writes the content of the guest file p (following symlinks) to w, a chunk
// at a time, and returns how many bytes it wrote. With max >= 0 it stops after
// max bytes; with max < 0 it copies to the end, and refuses, with a *DeviceError,
// a file that is not a regular file: a device such as /dev/zero never ends.
func (r *Root) Copy(w io.Writer, p string, max int64) (int64, error) {
	guest, err := NormalizeGuestPath(p)
	if err != nil {
		return 0, err
	}
	st, errno := r.Stat(guest)
	switch {
	case errno != vfs.ESUCCESS:
		return 0, &PathError{Path: guest, Errno: errno}
	case st.Mode.IsDir():
		return 0, &PathError{Path: guest, Errno: vfs.EISDIR}
	case !st.Mode.IsRegular() && max < 0:
		return 0, &DeviceError{Path: guest, Type: typeName(st.Mode)}
	}
	f, errno := r.OpenFile(guest, vfs.OFlagRead, 0)
	if errno != vfs.ESUCCESS {
		return 0, &PathError{Path: guest, Errno: errno}
	}
	defer f.Close()
	buf := make([]byte, copyChunk)
	var done int64
	for max < 0 || done < max {
		chunk := buf
		if max >= 0 && max-done < int64(len(chunk)) {
			chunk = chunk[:max-done]
		}
		n, errno := f.Read(chunk)
		if errno != vfs.ESUCCESS {
			return done, &PathError{Path: guest, Errno: errno}
		}
		if n == 0 {
			break
		}
		if _, err := w.Write(chunk[:n]); err != nil {
			return done, err
		}
		done += int64(n)
	}
	return done, nil
}

// DeviceError reports a file Copy will not read to its end unasked: a device (or
// a pipe or socket), whose reads may never end.
type DeviceError struct {
	Path string
	// Type is the entry's type ("device", or "file" for a pipe or socket).
	Type string
}

func (e *DeviceError) Error() string {
	if e.Type == "device" {
		return fmt.Sprintf("guest path %s: is a device, whose reads may never end", e.Path)
	}
	return fmt.Sprintf("guest path %s: is not a regular file, and its reads may never end", e.Path)
}

// PathError reports a guest path the root cannot serve.
type PathError struct {
	Path  string
	Errno vfs.Errno
}

func (e *PathError) Error() string {
	return fmt.Sprintf("guest path %s: %s", e.Path, errnoText(e.Errno))
}

// Unwrap returns the errno, so errors.Is(err, fs.ErrNotExist) works.
func (e *PathError) Unwrap() error { return e.Errno }

// errnoText says an errno in words, for users.
func errnoText(e vfs.Errno) string {
	switch e {
	case vfs.ENOENT:
		return "no such file or directory"
	case vfs.ENOTDIR:
		return "not a directory"
	case vfs.EISDIR:
		return "is a directory"
	case vfs.ELOOP:
		return "too many levels of symbolic links"
	case vfs.EPERM, vfs.ENOTCAPABLE:
		return "not permitted (outside the mapped directory)"
	case vfs.EACCES:
		return "permission denied"
	}
	return e.String()
}

func typeName(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "dir"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "file"
}
