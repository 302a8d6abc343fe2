package fsprep

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/wasirun/wasirun/internal/vfs"
	"github.com/wasirun/wasirun/internal/webc"
)

// ConflictMode says what happens when two mounts claim the same guest path.
type ConflictMode int

const (
	// Override: a later user mount replaces an earlier one at the same path, and a
	// user mount hides the package mount at its path and every package mount
	// below it (Wasmer's default).
	Override ConflictMode = iota
	// Fail: such a clash is an error that names the path.
	Fail
)

// ParseConflictMode reads --mount-conflict: "override" or "fail".
func ParseConflictMode(s string) (ConflictMode, error) {
	switch s {
	case "override":
		return Override, nil
	case "fail":
		return Fail, nil
	}
	return 0, fmt.Errorf("unknown mount conflict mode %q (want override or fail)", s)
}

// Options is what Prepare composes.
type Options struct {
	// User are the user's host mounts, in the order given; host paths are absolute.
	User []UserMount
	// Container is the package whose volumes are mounted (spec 6.3); nil for none.
	Container *webc.Container
	// Conflict is the conflict mode.
	Conflict ConflictMode
	// Limiter bounds every in-memory layer together; nil means unlimited.
	Limiter *vfs.Limiter
}

// Root is a prepared guest root filesystem.
type Root struct {
	// FS is the guest's view: a mount table over the root layers.
	*vfs.MountTable
	// Limiter is the one shared by every in-memory layer.
	Limiter *vfs.Limiter
	// writes says, for each mount path, where a change below it goes (Writes*).
	writes  map[string]string
	closers []io.Closer
}

// Close releases the host directories the root holds open.
func (r *Root) Close() error {
	var errs []error
	for _, c := range r.closers {
		errs = append(errs, c.Close())
	}
	r.closers = nil
	return errors.Join(errs...)
}

// MountConflictError reports two mounts at one guest path in Fail mode. Its text
// follows Wasmer's for a package mount: `Unable to merge container mount "/python"`.
type MountConflictError struct {
	Path string
	// Package is true when the clash is between a user mount and a package mount.
	Package bool
}

func (e *MountConflictError) Error() string {
	if e.Package {
		return fmt.Sprintf("Unable to merge container mount %q: a user mount is at the same path (--mount-conflict fail)", e.Path)
	}
	return fmt.Sprintf("two user mounts at %q (--mount-conflict fail)", e.Path)
}

// Sources of entries, for `wasirun fs`: where a mount comes from.
const (
	// SourceTmp is the in-memory base root.
	SourceTmp = "tmp"
)

// SourceHost names a host directory mount.
func SourceHost(dir string) string { return "host:" + dir }

// SourceVolume names a package volume mount.
func SourceVolume(name string) string { return "volume:" + name }

// Where a change to an entry goes, for `wasirun fs` (Entry.Writes).
const (
	// WritesHost: to the host file, through a mapped host directory.
	WritesHost = "host"
	// WritesMemory: to an in-memory layer, gone after the run: the base root,
	// and copy-on-write over a root layer (a host directory or the package's
	// volume at "/") or over a package volume.
	WritesMemory = "memory"
	// WritesRefused: nowhere; a read-only mount gives the guest EROFS.
	WritesRefused = "refused"
)

// LayoutTime is the modification time, in nanoseconds since the Unix epoch, of
// every entry Prepare makes in memory: the default layout, the mount points and
// the root of each package volume's writable layer. It is the epoch itself, so
// that two listings of one package are identical; a guest's changes stamp the
// time of the change as usual.
const LayoutTime int64 = 0

// mounted is a filesystem for the mount table, before it is mounted.
type mounted struct {
	path   string // the clean guest path
	source string // where it comes from (SourceHost, SourceVolume)
	writes string // where changes go (Writes*)
	fs     vfs.FS
	user   UserMount // the user's mount it was made from; zero for a package mount
}

// Prepare builds the guest root by the rules of DESIGN.md "The root":
//
//   - an in-memory base root with the default layout and a directory for every
//     mount point;
//   - user mounts at "/" become read-only lower layers of an overlay whose upper
//     layer is the base root (the first given wins a name clash), then the
//     package's volume mounted at "/" as one more lower layer;
//   - other user mounts go into the mount table at their normalised path;
//   - every other package volume is mounted writable through an overlay of a fresh
//     in-memory layer over the read-only volume, after the user's mounts;
//   - one limiter bounds every in-memory layer;
//   - everything made in memory is stamped LayoutTime.
func Prepare(opts Options) (*Root, error) {
	root := &Root{Limiter: opts.Limiter}
	ok := false
	defer func() {
		if !ok {
			root.Close()
		}
	}()

	base := vfs.NewTmpFS(opts.Limiter)
	if err := defaultLayout(base); err != nil {
		return nil, err
	}

	// User mounts, normalised; "/" ones become root layers.
	var rootLayers []vfs.Layer
	var others []mounted
	userAt := map[string]bool{}
	for _, um := range opts.User {
		guest, err := NormalizeGuestPath(um.Guest)
		if err != nil {
			return nil, fmt.Errorf("mount of %s: %w", um.Host, err)
		}
		if guest != "/" && userAt[guest] && sameMount(others, guest, um) {
			// The same directory twice at one path (--dir . --dir "$PWD"):
			// one mount, and no conflict.
			continue
		}
		hfs, err := vfs.NewHostDir(um.Host, um.ReadOnly)
		if err != nil {
			return nil, err
		}
		if c, ok := hfs.(io.Closer); ok {
			root.closers = append(root.closers, c)
		}
		source := SourceHost(um.Host)
		writes := WritesHost
		if um.ReadOnly {
			writes = WritesRefused
		}
		if guest == "/" {
			// A root layer is never written through: the overlay's upper takes
			// every change.
			rootLayers = append(rootLayers, vfs.Layer{FS: vfs.NewReadOnly(hfs), Name: source})
			continue
		}
		if userAt[guest] {
			if opts.Conflict == Fail {
				return nil, &MountConflictError{Path: guest}
			}
			for i := range others {
				if others[i].path == guest {
					others[i] = mounted{path: guest, source: source, writes: writes, fs: hfs, user: um}
				}
			}
			continue
		}
		userAt[guest] = true
		others = append(others, mounted{path: guest, source: source, writes: writes, fs: hfs, user: um})
	}

	// Package mounts, after the user's. A user mount at exactly the path of a
	// package mount wins (Override) or is an error (Fail); the package mount it
	// beats and every package mount below that one are skipped.
	if opts.Container != nil {
		pms := opts.Container.Mounts()
		guests := make([]string, len(pms))
		var beaten []string
		for i, pm := range pms {
			guest, err := NormalizeGuestPath(pm.Guest)
			if err != nil {
				return nil, fmt.Errorf("package mount of volume %q: %w", pm.VolumeName, err)
			}
			guests[i] = guest
			if guest != "/" && userAt[guest] {
				if opts.Conflict == Fail {
					return nil, &MountConflictError{Path: guest, Package: true}
				}
				beaten = append(beaten, guest)
			}
		}
		for i, pm := range pms {
			guest := guests[i]
			if under(guest, beaten) {
				continue
			}
			if pm.Volume == nil {
				return nil, fmt.Errorf("package mount %q: volume %q belongs to the dependency %q, which is not in this file", guest, pm.VolumeName, pm.From)
			}
			view, err := volumeView(pm)
			if err != nil {
				return nil, err
			}
			source := SourceVolume(pm.VolumeName)
			if guest == "/" {
				rootLayers = append(rootLayers, vfs.Layer{FS: view, Name: source})
				continue
			}
			upper := vfs.NewTmpFS(opts.Limiter)
			if errno := upper.Utimens("/", LayoutTime, LayoutTime); errno != vfs.ESUCCESS {
				return nil, fmt.Errorf("stamping the writable layer of %s: %v", guest, errno)
			}
			cow := vfs.NewOverlay(vfs.Layer{FS: upper, Name: SourceTmp}, vfs.Layer{FS: view, Name: source})
			others = append(others, mounted{path: guest, source: source, writes: WritesMemory, fs: cow})
		}
	}

	// Every mount point is a directory of the base root, so that it is listed and
	// resolution can walk through its parents.
	for _, m := range others {
		if errno := mkdirAll(base, m.path); errno != vfs.ESUCCESS {
			return nil, fmt.Errorf("making the mount point %s: %v", m.path, errno)
		}
	}
	if errno := stampTree(base, "/"); errno != vfs.ESUCCESS {
		return nil, fmt.Errorf("stamping the default layout: %v", errno)
	}

	var rootFS vfs.FS = base
	if len(rootLayers) >= vfs.MaxOverlayLayers {
		return nil, fmt.Errorf("%d layers at / (user mounts at / and the package's root volume): at most %d", len(rootLayers), vfs.MaxOverlayLayers-1)
	}
	if len(rootLayers) > 0 {
		rootFS = vfs.NewOverlay(vfs.Layer{FS: base, Name: SourceTmp}, rootLayers...)
	}
	root.MountTable = vfs.NewMountTable(rootFS, SourceTmp)
	root.writes = map[string]string{"/": WritesMemory}
	for _, m := range others {
		root.writes[m.path] = m.writes
		if errno := root.Mount(m.path, m.fs, m.source); errno != vfs.ESUCCESS {
			return nil, fmt.Errorf("mounting %s at %s: %v", m.source, m.path, errno)
		}
	}
	ok = true
	return root, nil
}

// volumeView is the read-only filesystem of the directory a package mount names
// inside its volume.
func volumeView(pm webc.Mount) (vfs.FS, error) {
	e, err := pm.Volume.Lookup(pm.Path)
	if err != nil {
		return nil, fmt.Errorf("package mount %q: volume %q has no directory %q: %w", pm.Guest, pm.VolumeName, pm.Path, err)
	}
	if !e.IsDir() {
		return nil, fmt.Errorf("package mount %q: %q in volume %q is not a directory", pm.Guest, pm.Path, pm.VolumeName)
	}
	return vfs.NewTreeFS(e), nil
}

// sameMount reports whether the user mount at guest among mounts maps the same
// host directory as um, with the same access.
func sameMount(mounts []mounted, guest string, um UserMount) bool {
	for _, m := range mounts {
		if m.path == guest {
			return m.user.Host == um.Host && m.user.ReadOnly == um.ReadOnly
		}
	}
	return false
}

// under reports whether p is one of dirs or below one of them.
func under(p string, dirs []string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// defaultLayout makes the directories and devices every guest finds: /bin, /dev
// (null, zero, urandom, and stdin, stdout, stderr, which the runner binds to its
// streams), /etc, /tmp and /home.
func defaultLayout(base vfs.FS) error {
	for _, dir := range []string{"/bin", "/dev", "/etc", "/tmp", "/home"} {
		if errno := base.Mkdir(dir, 0o755); errno != vfs.ESUCCESS {
			return fmt.Errorf("making %s: %v", dir, errno)
		}
	}
	if errno := base.Chmod("/tmp", fs.ModeSticky|0o777); errno != vfs.ESUCCESS {
		return fmt.Errorf("chmod /tmp: %v", errno)
	}
	for _, d := range []struct {
		name string
		dev  vfs.Device
	}{
		{"null", vfs.DevNull}, {"zero", vfs.DevZero}, {"urandom", vfs.DevURandom},
		{"stdin", vfs.DevNull}, {"stdout", vfs.DevNull}, {"stderr", vfs.DevNull},
	} {
		if errno := vfs.MkDevice(base, "/dev/"+d.name, d.dev); errno != vfs.ESUCCESS {
			return fmt.Errorf("making /dev/%s: %v", d.name, errno)
		}
	}
	return nil
}

// stampTree sets the access and modification times of the directory p of f and
// of everything below it to LayoutTime.
func stampTree(f vfs.FS, p string) vfs.Errno {
	d, errno := f.OpenFile(p, vfs.OFlagRead|vfs.OFlagDirectory, 0)
	if errno != vfs.ESUCCESS {
		return errno
	}
	ents, errno := vfs.ReadDirAll(d, 64)
	d.Close()
	if errno != vfs.ESUCCESS {
		return errno
	}
	for _, e := range ents {
		child := p + "/" + e.Name
		if p == "/" {
			child = "/" + e.Name
		}
		if e.Type.IsDir() {
			errno = stampTree(f, child)
		} else {
			errno = f.Utimens(child, LayoutTime, LayoutTime)
		}
		if errno != vfs.ESUCCESS {
			return errno
		}
	}
	return f.Utimens(p, LayoutTime, LayoutTime)
}

// mkdirAll makes the clean absolute directory p and its parents in f.
func mkdirAll(f vfs.FS, p string) vfs.Errno {
	for i := 1; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			continue
		}
		switch errno := f.Mkdir(p[:i], 0o755); errno {
		case vfs.ESUCCESS, vfs.EEXIST:
		default:
			return errno
		}
	}
	return vfs.ESUCCESS
}
