package webc

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

// A legacy wapm package is a gzip-compressed tar archive with a wasmer.toml (or, in
// older ones, a wapm.toml) at its root (spec 1 and 6.5). It is read into memory and
// converted like a package directory.
//
// Entry rules: regular files and directories are kept; an entry whose name is
// absolute or climbs out of the archive ("../x", "a/../../x") is an error, and so is
// a symbolic or hard link whose target does; other links, devices, pipes and pax
// global headers are left out (a package is files and directories, and wasirun
// never creates links).

// maxTarballSize caps the decompressed size of a tarball.
const maxTarballSize = 4 << 30

// errTarballTooLarge: the decompressed tarball passes maxTarballSize.
var errTarballTooLarge = errors.New("decompressed size exceeds the 4 GiB limit")

// parseTarGz reads a gzip-compressed wapm tarball and converts it to a container.
func parseTarGz(r io.Reader) (*Container, error) {
	src, err := readTarGzSource(r)
	if err != nil {
		return nil, err
	}
	return src.Container(FormatTarGz)
}

// readTarGzSource reads a gzip-compressed wapm tarball and converts it to a Source.
func readTarGzSource(r io.Reader) (*Source, error) {
	files, err := readTarGz(r)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"wasmer.toml", "wapm.toml"} {
		if data, err := files.File(name); err == nil {
			return convertWasmerToml(name, data, treeFS{files})
		}
	}
	return nil, formatErr("tarball", "", errors.New("no wasmer.toml or wapm.toml at the root of the archive"))
}

// readTarGz reads the files and directories of a gzip-compressed tar archive into
// a tree.
func readTarGz(r io.Reader) (*Tree, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, formatErr("tarball", "", fmt.Errorf("not gzip data: %v", err))
	}
	gz.Multistream(false) // a wapm tarball is one gzip member; ignore what follows it
	in := &tarSource{r: gz, left: maxTarballSize + 1}
	tr := tar.NewReader(in)
	t := NewTree()
	var (
		total   int64
		entries int
		last    string
	)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, in.classify(err, entries, last)
		}
		entries++
		last = hdr.Name
		name, err := tarEntryPath(hdr.Name)
		if err != nil {
			return nil, formatErr("tarball", hdr.Name, err)
		}
		switch hdr.Typeflag {
		case tar.TypeReg:
			if hdr.Size < 0 {
				return nil, formatErr("tarball", hdr.Name, fmt.Errorf("has a negative size %d", hdr.Size))
			}
			if total += hdr.Size; total > maxTarballSize {
				return nil, formatErr("tarball", hdr.Name, errTarballTooLarge)
			}
			if name == "" {
				return nil, formatErr("tarball", hdr.Name, errors.New("is a file named like the archive root"))
			}
			data, err := io.ReadAll(io.LimitReader(tr, hdr.Size))
			if err != nil {
				return nil, in.classify(err, entries, last)
			}
			if int64(len(data)) != hdr.Size {
				return nil, formatErr("tarball", hdr.Name, truncatedError(fmt.Sprintf("holds %d of its %d bytes", len(data), hdr.Size)))
			}
			if err := t.AddFile(name, data, 0); err != nil {
				return nil, formatErr("tarball", hdr.Name, err)
			}
		case tar.TypeDir:
			if name == "" {
				continue
			}
			if err := t.AddDir(name); err != nil {
				return nil, formatErr("tarball", hdr.Name, err)
			}
		case tar.TypeSymlink, tar.TypeLink:
			// A hard link's target is relative to the archive root, a symbolic
			// link's to the link's directory.
			from := name
			if hdr.Typeflag == tar.TypeLink {
				from = "x"
			}
			if linkClimbsOut(from, hdr.Linkname) {
				return nil, formatErr("tarball", hdr.Name, fmt.Errorf("is a link to %q, which climbs out of the package", hdr.Linkname))
			}
		}
	}
	// Read to the end of the gzip member so that its checksum is verified.
	if _, err := io.Copy(io.Discard, in); err != nil {
		return nil, in.classify(err, entries, "")
	}
	return t, nil
}

// tarEntryPath cleans the name of an archive entry; "" is the archive root. A name
// that is absolute or climbs out of the archive is an error.
func tarEntryPath(name string) (string, error) {
	if strings.HasPrefix(name, "/") {
		return "", errors.New("is an absolute path, which climbs out of the package")
	}
	clean := path.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", errors.New("climbs out of the package")
	}
	if clean == "." {
		return "", nil
	}
	return clean, nil
}

// tarSource is the decompressed stream under the tar reader: it caps the size and
// remembers a gzip error, so that a damaged gzip stream is not reported as a bad tar
// archive.
type tarSource struct {
	r     io.Reader
	left  int64
	gzErr error
}

func (s *tarSource) Read(p []byte) (int, error) {
	if s.left <= 0 {
		return 0, errTarballTooLarge
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.r.Read(p)
	s.left -= int64(n)
	if err != nil && err != io.EOF && s.gzErr == nil {
		s.gzErr = err
	}
	if s.left <= 0 && err == nil {
		err = errTarballTooLarge
	}
	return n, err
}

// classify turns an error met while reading the archive into a *FormatError.
// entries is the number of entries read so far, last the name of the last one.
func (s *tarSource) classify(err error, entries int, last string) error {
	switch {
	case errors.Is(err, errTarballTooLarge):
		return formatErr("tarball", "", errTarballTooLarge)
	case s.gzErr != nil && errors.Is(s.gzErr, io.ErrUnexpectedEOF):
		return formatErr("tarball", "", truncatedError("gzip data is cut short"))
	case s.gzErr != nil:
		return formatErr("tarball", "", fmt.Errorf("gzip data is corrupt: %v", s.gzErr))
	case entries == 0:
		return formatErr("tarball", "", fmt.Errorf("gzip data is not a tar archive: %v", err))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return formatErr("tarball", last, truncatedError("the tar archive is cut short in this entry"))
	}
	return formatErr("tarball", last, fmt.Errorf("the tar archive is malformed after this entry: %v", err))
}

// truncatedError says what is cut short; it matches ErrTruncated.
type truncatedError string

func (e truncatedError) Error() string { return string(e) }
func (e truncatedError) Unwrap() error { return ErrTruncated }

// treeFS is a read-only fs.FS over a Tree: the files of a tarball, handed to the
// wasmer.toml conversion.
type treeFS struct{ t *Tree }

var (
	_ fs.ReadDirFS  = treeFS{}
	_ fs.ReadFileFS = treeFS{}
	_ fs.StatFS     = treeFS{}
	_ sharedFileFS  = treeFS{}
)

// lookup finds the node at name, a valid fs.FS path.
func (f treeFS) lookup(op, name string) (*treeNode, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	n := &f.t.root
	if name == "." {
		return n, nil
	}
	for _, part := range strings.Split(name, "/") {
		k, ok := n.kids[part]
		if !n.dir || !ok {
			return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		n = k
	}
	return n, nil
}

// Open opens the named file or directory.
func (f treeFS) Open(name string) (fs.File, error) {
	n, err := f.lookup("open", name)
	if err != nil {
		return nil, err
	}
	info := treeInfo{name: path.Base(name), n: n}
	if n.dir {
		return &treeDir{info: info, entries: treeEntries(n)}, nil
	}
	return &treeFile{info: info, r: bytes.NewReader(n.data)}, nil
}

// ReadFile returns a copy of the named file's content.
func (f treeFS) ReadFile(name string) ([]byte, error) {
	b, err := f.readFileShared(name)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(b), nil
}

// readFileShared returns the named file's content without copying it.
func (f treeFS) readFileShared(name string) ([]byte, error) {
	n, err := f.lookup("read", name)
	if err != nil {
		return nil, err
	}
	if n.dir {
		return nil, &fs.PathError{Op: "read", Path: name, Err: ErrIsDir}
	}
	return n.data, nil
}

// ReadDir returns the entries of the named directory, sorted by name.
func (f treeFS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := f.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if !n.dir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: ErrNotDir}
	}
	return treeEntries(n), nil
}

// Stat describes the named file or directory.
func (f treeFS) Stat(name string) (fs.FileInfo, error) {
	n, err := f.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	return treeInfo{name: path.Base(name), n: n}, nil
}

func treeEntries(n *treeNode) []fs.DirEntry {
	names := n.sortedNames()
	out := make([]fs.DirEntry, len(names))
	for i, name := range names {
		out[i] = treeInfo{name: name, n: n.kids[name]}
	}
	return out
}

// treeInfo is both the fs.FileInfo and the fs.DirEntry of a tree node.
type treeInfo struct {
	name string
	n    *treeNode
}

func (i treeInfo) Name() string { return i.name }
func (i treeInfo) Size() int64  { return int64(len(i.n.data)) }
func (i treeInfo) Mode() fs.FileMode {
	if i.n.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i treeInfo) ModTime() time.Time         { return time.Unix(i.n.mtime, 0) }
func (i treeInfo) IsDir() bool                { return i.n.dir }
func (i treeInfo) Sys() any                   { return nil }
func (i treeInfo) Type() fs.FileMode          { return i.Mode().Type() }
func (i treeInfo) Info() (fs.FileInfo, error) { return i, nil }

// treeFile is an open file of a treeFS.
type treeFile struct {
	info treeInfo
	r    *bytes.Reader
}

func (f *treeFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *treeFile) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *treeFile) ReadAt(p []byte, off int64) (int, error) {
	return f.r.ReadAt(p, off)
}
func (f *treeFile) Seek(off int64, whence int) (int64, error) { return f.r.Seek(off, whence) }
func (f *treeFile) Close() error                              { return nil }

// treeDir is an open directory of a treeFS.
type treeDir struct {
	info    treeInfo
	entries []fs.DirEntry
	off     int
}

func (d *treeDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *treeDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: ErrIsDir}
}
func (d *treeDir) Close() error { return nil }

// ReadDir returns the next n entries (all of the rest when n <= 0).
func (d *treeDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return rest[:n], nil
}
