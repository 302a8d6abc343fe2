package webc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

// unpackSmallFile is the size up to which a file read through an io.ReaderAt (not a
// mapping) is loaded whole; larger ones are streamed.
const unpackSmallFile = 1 << 20

// UnpackOptions says how Unpack writes.
type UnpackOptions struct {
	// Overwrite replaces the files Unpack writes that exist already. Each is
	// removed first, so a symbolic link in its place is replaced, never written
	// through. Without it Unpack writes nothing when any of them exists, and
	// names the first. Files of the directory that Unpack does not write are left
	// alone either way.
	Overwrite bool
}

// ExistsError reports a file Unpack would write that exists already (and
// UnpackOptions.Overwrite is not set).
type ExistsError struct {
	// Dir is the directory unpacked into; Path the file in it, slash-separated.
	Dir, Path string
}

func (e *ExistsError) Error() string {
	return fmt.Sprintf("unpacking into %s: %s already exists; refusing to overwrite it", e.Dir, e.Path)
}

// Unpack writes the contents of c into the host directory dir:
//
//	dir/manifest.json           the manifest as JSON (2-space indent, keys sorted)
//	dir/wasmer.toml             what `wasirun package build dir` rebuilds the package from
//	dir/atoms/<atom>            one file per atom
//	dir/volumes/<volume>/...    every file and directory of each volume
//	dir/<readme>, <license>     copies of the package's readme and license file,
//	                            which wasmer.toml names (see rebuild.go)
//
// A volume's directory is its name without the leading "/" ("/settings" unpacks to
// volumes/settings). dir is created if missing and may already exist; a file that
// exists is replaced only with opts.Overwrite (see UnpackOptions). Every write goes
// through an os.Root opened on dir, so nothing lands outside it, whatever the names
// in the container or the symbolic links already in dir. File modification times
// are set from the container when it records them.
//
// It returns notes on what a rebuild from wasmer.toml leaves out or changes, one
// sentence each; none when the rebuilt package is equivalent (see rebuild.go).
func Unpack(c *Container, dir string, opts UnpackOptions) ([]string, error) {
	vols, err := unpackVolumeDirs(c.Volumes())
	if err != nil {
		return nil, fmt.Errorf("unpacking into %s: %w", dir, err)
	}
	for _, name := range c.Atoms() {
		if err := validName(name); err != nil {
			return nil, fmt.Errorf("unpacking into %s: atom %q %v", dir, name, err)
		}
	}
	raw, err := c.RawManifest()
	if err != nil {
		return nil, fmt.Errorf("unpacking into %s: %w", dir, err)
	}
	v, err := ToJSONValue(raw)
	if err != nil {
		return nil, fmt.Errorf("unpacking into %s: converting the manifest to JSON: %w", dir, err)
	}
	js, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("unpacking into %s: converting the manifest to JSON: %w", dir, err)
	}
	rb, err := planRebuild(c, vols)
	if err != nil {
		return nil, fmt.Errorf("unpacking into %s: %w", dir, err)
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	u := &unpacker{root: root, dir: dir, overwrite: opts.Overwrite}
	if !opts.Overwrite {
		if err := u.refuseExisting(c, vols, rb); err != nil {
			return nil, err
		}
	}

	if err := u.writeFile("manifest.json", append(js, '\n')); err != nil {
		return nil, err
	}
	if err := u.writeFile("wasmer.toml", rb.toml); err != nil {
		return nil, err
	}
	for _, f := range rb.files {
		if d := path.Dir(f.path); d != "." {
			if err := u.mkdir(d); err != nil {
				return nil, err
			}
		}
		if err := u.writeEntry(f.path, f.entry); err != nil {
			return nil, err
		}
	}

	if err := u.mkdir("atoms"); err != nil {
		return nil, err
	}
	for _, name := range c.Atoms() {
		b, err := c.Atom(name)
		if err != nil {
			return nil, err
		}
		p := path.Join("atoms", name)
		if err := u.writeFile(p, b); err != nil {
			return nil, err
		}
		if e, ok := c.AtomEntry(name); ok {
			u.setTime(p, e.ModTime())
		}
	}

	if len(vols) > 0 {
		if err := u.mkdir("volumes"); err != nil {
			return nil, err
		}
	}
	for _, vd := range vols {
		base := path.Join("volumes", vd.dir)
		vroot, err := vd.v.Root()
		if err != nil {
			return nil, err
		}
		if err := u.mkdir(base); err != nil {
			return nil, err
		}
		u.dirTime(base, vroot.ModTime())
		err = vd.v.Walk(func(p string, e Entry) error {
			p = path.Join(base, p)
			if e.IsDir() {
				u.dirTime(p, e.ModTime())
				return u.mkdir(p)
			}
			return u.writeEntry(p, e)
		})
		if err != nil {
			return nil, err
		}
		// Directory times last, deepest first: creating a child changes its
		// parent's modification time.
		for i := len(u.dirTimes) - 1; i >= 0; i-- {
			u.setTime(u.dirTimes[i].path, u.dirTimes[i].mtime)
		}
		u.dirTimes = u.dirTimes[:0]
		if err := u.timeErr; err != nil {
			return nil, err
		}
	}
	if u.timeErr != nil {
		return nil, u.timeErr
	}
	return rb.notes, nil
}

// refuseExisting returns an *ExistsError for the first file Unpack would write
// that exists, in the order they are written, before anything is written.
func (u *unpacker) refuseExisting(c *Container, vols []unpackVolume, rb *rebuild) error {
	check := func(p string) error {
		// A file where a directory of the path must go is in the way too.
		for i := strings.IndexByte(p, '/'); i >= 0; i = nextSlash(p, i) {
			if st, err := u.root.Lstat(p[:i]); err == nil && !st.IsDir() {
				return &ExistsError{Dir: u.dir, Path: p[:i]}
			}
		}
		if _, err := u.root.Lstat(p); err == nil {
			return &ExistsError{Dir: u.dir, Path: p}
		}
		return nil
	}
	for _, p := range []string{"manifest.json", "wasmer.toml"} {
		if err := check(p); err != nil {
			return err
		}
	}
	for _, f := range rb.files {
		if err := check(f.path); err != nil {
			return err
		}
	}
	for _, name := range c.Atoms() {
		if err := check(path.Join("atoms", name)); err != nil {
			return err
		}
	}
	for _, vd := range vols {
		base := path.Join("volumes", vd.dir)
		err := vd.v.Walk(func(p string, e Entry) error {
			if e.IsDir() {
				return nil
			}
			return check(path.Join(base, p))
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// unpackVolume is a volume and the directory under volumes/ it unpacks to.
type unpackVolume struct {
	v   *Volume
	dir string
}

// unpackVolumeDirs maps every volume to its directory under volumes/ and refuses
// names that are not a clean relative path once the leading "/" is removed, and
// volumes that would land in the same directory or one inside another.
func unpackVolumeDirs(vols []*Volume) ([]unpackVolume, error) {
	out := make([]unpackVolume, 0, len(vols))
	for _, v := range vols {
		name := v.Name()
		d := strings.TrimLeft(name, "/")
		if d == "" {
			return nil, fmt.Errorf("volume %q has no name to unpack it under", name)
		}
		for _, part := range strings.Split(d, "/") {
			if err := validName(part); err != nil {
				return nil, fmt.Errorf("volume %q cannot be unpacked: a path component %v", name, err)
			}
		}
		out = append(out, unpackVolume{v: v, dir: d})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].dir < out[j].dir })
	for i := 1; i < len(out); i++ {
		a, b := out[i-1], out[i]
		if a.dir == b.dir || strings.HasPrefix(b.dir, a.dir+"/") {
			return nil, fmt.Errorf("volumes %q and %q would unpack into the same directory volumes/%s", a.v.Name(), b.v.Name(), a.dir)
		}
	}
	return out, nil
}

// unpacker writes below an os.Root.
type unpacker struct {
	root      *os.Root
	dir       string // for messages only
	overwrite bool   // replace existing files
	dirTimes  []unpackTime
	timeErr   error
}

type unpackTime struct {
	path  string
	mtime int64
}

// mkdir creates directory p (and its parents); an existing directory is fine.
// With u.overwrite, a file (or link) where one of them must go is removed first.
func (u *unpacker) mkdir(p string) error {
	if u.overwrite {
		for i := strings.IndexByte(p+"/", '/'); i >= 0 && i <= len(p); i = nextSlash(p+"/", i) {
			if st, err := u.root.Lstat(p[:i]); err == nil && !st.IsDir() {
				if err := u.root.Remove(p[:i]); err != nil {
					return u.err(p[:i], err)
				}
			}
		}
	}
	if err := u.root.MkdirAll(p, 0o755); err != nil {
		return u.err(p, err)
	}
	return nil
}

// nextSlash returns the index of the first "/" of p after index i, -1 when there
// is none.
func nextSlash(p string, i int) int {
	j := strings.IndexByte(p[i+1:], '/')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// create creates file p, which must not exist unless u.overwrite is set: then an
// existing file (or symbolic link, or empty directory) is removed first.
func (u *unpacker) create(p string) (*os.File, error) {
	if u.overwrite {
		if err := u.root.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, u.err(p, err)
		}
	}
	f, err := u.root.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, u.err(p, err)
	}
	return f, nil
}

// writeFile creates file p with content b.
func (u *unpacker) writeFile(p string, b []byte) error {
	f, err := u.create(p)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return u.err(p, err)
	}
	return nil
}

// writeEntry creates file p with the content of volume file e, checked against its
// stored hash. A file that is not in memory or mapped, and is large, is streamed
// rather than loaded whole.
func (u *unpacker) writeEntry(p string, e Entry) error {
	if e.Size() <= unpackSmallFile || e.v.src.b != nil {
		b, err := e.Bytes()
		if err != nil {
			return err
		}
		if err := u.writeFile(p, b); err != nil {
			return err
		}
	} else {
		if err := e.Verify(); err != nil {
			return err
		}
		f, err := u.create(p)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, io.NewSectionReader(e, 0, e.Size()))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return u.err(p, err)
		}
	}
	u.setTime(p, e.ModTime())
	return nil
}

// dirTime records the modification time of directory p, to be set once its
// contents are written.
func (u *unpacker) dirTime(p string, mtime int64) {
	if mtime > 0 {
		u.dirTimes = append(u.dirTimes, unpackTime{p, mtime})
	}
}

// setTime sets the modification time of p when mtime is known; the access time is
// left alone. The first error is kept in u.timeErr.
func (u *unpacker) setTime(p string, mtime int64) {
	if mtime <= 0 || u.timeErr != nil {
		return
	}
	if err := u.root.Chtimes(p, time.Time{}, time.Unix(mtime, 0)); err != nil {
		u.timeErr = u.err(p, err)
	}
}

// err turns a host error about p into one line that names the file.
func (u *unpacker) err(p string, err error) error {
	if errors.Is(err, fs.ErrExist) && !u.overwrite {
		return &ExistsError{Dir: u.dir, Path: p}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("unpacking into %s: %s: %w", u.dir, p, err)
}
