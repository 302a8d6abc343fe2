package webc

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Kind is the type of a volume entry.
type Kind uint8

// The kinds of volume entries.
const (
	KindDir Kind = iota + 1
	KindFile
)

// String returns "dir" or "file".
func (k Kind) String() string {
	switch k {
	case KindDir:
		return "dir"
	case KindFile:
		return "file"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// node is one entry of a decoded volume. The nodes of a volume form a table in
// breadth-first order in which the children of a directory are contiguous and sorted
// by name, so a directory is a [first, first+count) range and a name lookup is a
// binary search.
type node struct {
	name   string
	parent int32
	kind   Kind
	// hasHash says hash holds the sha256 the container stores for the entry.
	hasHash bool
	// first and count: the children of a directory.
	first, count int32
	// off and size: a file's bytes in the volume's source (absolute offset).
	off, size int64
	// mtime: modification time in seconds since the Unix epoch; 0 when unknown.
	mtime int64
	hash  [32]byte
	// rec is the header offset of the entry's record while the header is decoded.
	rec, recEnd int64
}

// Volume is a read-only file tree inside a container: a named volume, or the atoms
// of a package (files at the root, one per atom). It is decoded on first use and is
// safe for concurrent use.
type Volume struct {
	name    string
	section string // how errors name it: `volume "atom"` or "atoms"
	// src holds the file bytes of a volume read from a container; data[i] those of
	// node i of a volume built from a Tree (src is nil then).
	src  *source
	data [][]byte
	// file is the package's path, for errors; Open sets it.
	file string

	once   sync.Once
	decode func(v *Volume) ([]node, error)
	nodes  []node
	err    error

	// verified[i] is set once node i's bytes matched its stored hash.
	verified []atomic.Bool
}

func newVolume(name, section string, src *source, decode func(*Volume) ([]node, error)) *Volume {
	return &Volume{name: name, section: section, src: src, decode: decode}
}

// Name returns the volume's name as stored in the container ("atom", "/settings").
func (v *Volume) Name() string { return v.name }

// load decodes the volume's directory tree once.
func (v *Volume) load() error {
	v.once.Do(func() {
		v.nodes, v.err = v.decode(v)
		v.err = withPath(v.err, v.file)
		if v.err == nil {
			v.verified = make([]atomic.Bool, len(v.nodes))
		}
		v.decode = nil
	})
	return v.err
}

// Load decodes the volume's directory tree now, reporting any format error in it.
func (v *Volume) Load() error { return v.load() }

// Root returns the volume's root directory.
func (v *Volume) Root() (Entry, error) {
	if err := v.load(); err != nil {
		return Entry{}, err
	}
	return Entry{v, 0}, nil
}

// Lookup returns the entry at path, which is relative to the volume root; a leading
// slash, empty and "." components are ignored. It returns an error wrapping
// fs.ErrNotExist when there is no such entry, ErrNotDir when a parent is a file, and
// fs.ErrInvalid for a ".." component. It does not allocate.
func (v *Volume) Lookup(path string) (Entry, error) {
	if err := v.load(); err != nil {
		return Entry{}, err
	}
	e := Entry{v, 0}
	for path != "" {
		var name string
		name, path, _ = strings.Cut(path, "/")
		switch name {
		case "", ".":
			continue
		case "..":
			return Entry{}, fs.ErrInvalid
		}
		if !e.IsDir() {
			return Entry{}, ErrNotDir
		}
		var ok bool
		if e, ok = e.Lookup(name); !ok {
			return Entry{}, fs.ErrNotExist
		}
	}
	return e, nil
}

// Walk calls fn for every entry below the root in depth-first order, children sorted
// by name, with the entry's path relative to the volume root ("a", "a/b.txt"). The
// root itself is not visited. An error from fn stops the walk and is returned.
func (v *Volume) Walk(fn func(path string, e Entry) error) error {
	root, err := v.Root()
	if err != nil {
		return err
	}
	return walk(root, "", fn)
}

func walk(dir Entry, prefix string, fn func(string, Entry) error) error {
	for i := range dir.Len() {
		c := dir.Child(i)
		p := c.Name()
		if prefix != "" {
			p = prefix + "/" + p
		}
		if err := fn(p, c); err != nil {
			return err
		}
		if c.IsDir() {
			if err := walk(c, p, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// Summary returns the number of files (directories not counted) and the total of
// their sizes.
func (v *Volume) Summary() (files int, size int64, err error) {
	if err := v.load(); err != nil {
		return 0, 0, err
	}
	for i := range v.nodes {
		if v.nodes[i].kind == KindFile {
			files++
			size += v.nodes[i].size
		}
	}
	return files, size, nil
}

// Verify checks every file's bytes against the hash the container stores for it.
// Entries with no stored hash (v1 volumes, tarballs, directories) pass.
func (v *Volume) Verify() error {
	if err := v.load(); err != nil {
		return err
	}
	for i := range v.nodes {
		if err := (Entry{v, int32(i)}).Verify(); err != nil {
			return err
		}
	}
	return nil
}

// Entry is a file or directory of a Volume: a small value that is cheap to copy and
// whose methods do not allocate (but for Path). The zero Entry is not valid.
type Entry struct {
	v *Volume
	i int32
}

func (e Entry) n() *node { return &e.v.nodes[e.i] }

// Valid reports whether e refers to an entry.
func (e Entry) Valid() bool { return e.v != nil }

// Volume returns the volume e belongs to.
func (e Entry) Volume() *Volume { return e.v }

// Name returns the entry's name; the root's name is "".
func (e Entry) Name() string { return e.n().name }

// Path returns the entry's path from the volume root, starting with "/".
func (e Entry) Path() string { return e.v.path(e.i) }

// Kind returns KindDir or KindFile.
func (e Entry) Kind() Kind { return e.n().kind }

// IsDir reports whether e is a directory.
func (e Entry) IsDir() bool { return e.n().kind == KindDir }

// Size returns a file's length in bytes; 0 for a directory.
func (e Entry) Size() int64 { return e.n().size }

// ModTime returns the modification time in seconds since the Unix epoch, or 0 when
// the container does not record one.
func (e Entry) ModTime() int64 { return e.n().mtime }

// Hash returns the sha256 the container stores for the entry (a file's content hash,
// or a v3 directory hash) and whether there is one.
func (e Entry) Hash() ([32]byte, bool) { n := e.n(); return n.hash, n.hasHash }

// Len returns the number of entries of a directory; 0 for a file.
func (e Entry) Len() int { return int(e.n().count) }

// Child returns the i-th entry of a directory, in name order.
func (e Entry) Child(i int) Entry {
	n := e.n()
	if i < 0 || i >= int(n.count) {
		panic("webc: Entry.Child index out of range")
	}
	return Entry{e.v, n.first + int32(i)}
}

// Lookup finds the child of a directory called name, by binary search.
func (e Entry) Lookup(name string) (Entry, bool) {
	n := e.n()
	kids := e.v.nodes[n.first : n.first+n.count]
	i := sort.Search(len(kids), func(i int) bool { return kids[i].name >= name })
	if i < len(kids) && kids[i].name == name {
		return Entry{e.v, n.first + int32(i)}, true
	}
	return Entry{}, false
}

// ReadAt reads a file's bytes at off into p, with io.ReaderAt semantics. It does
// not allocate. A file of a mapped container is copied from the mapping, or, from
// preadMin bytes, read from the container's file with pread(2), which neither
// faults the mapping's pages in nor keeps them resident. A container file cut short
// since it was opened gives io.ErrUnexpectedEOF. Unlike Bytes, ReadAt does not
// check the stored hash (Verify does).
func (e Entry) ReadAt(p []byte, off int64) (int, error) {
	n := e.n()
	if n.kind != KindFile {
		return 0, ErrIsDir
	}
	if off < 0 {
		return 0, fs.ErrInvalid
	}
	if off >= n.size {
		return 0, io.EOF
	}
	if e.v.data != nil {
		return readAtBytes(e.v.data[e.i], p, off)
	}
	if n.size >= preadMin {
		return e.v.src.readFileAt(p, n.off+off, n.off+n.size)
	}
	return e.v.src.readAt(p, n.off+off, n.off+n.size)
}

// ErrIsDir is returned when file bytes are asked of a directory.
var ErrIsDir = errors.New("is a directory")

// Bytes returns a file's whole content, checked against its stored hash the first
// time. With a memory-mapped or in-memory container it is a slice of the container
// (read-only: do not modify it) and valid until the container is closed.
func (e Entry) Bytes() ([]byte, error) {
	n := e.n()
	if n.kind != KindFile {
		return nil, ErrIsDir
	}
	if e.v.data != nil {
		return e.v.data[e.i], nil
	}
	b, err := e.v.src.slice(n.off, n.size)
	if err != nil {
		return nil, e.v.errAt(e.i, n.off, err)
	}
	if err := e.verify(b); err != nil {
		return nil, err
	}
	return b, nil
}

// Verify checks a file's bytes against the hash the container stores for it (once;
// the result is remembered). Directories and entries with no stored hash pass. A
// file of preadMin bytes or more of a mapped container is hashed as ReadAt reads
// it, from the file, so that checking a package leaves no page of it resident.
func (e Entry) Verify() error {
	n := e.n()
	if n.kind != KindFile || !n.hasHash || e.v.verified[e.i].Load() {
		return nil
	}
	if e.v.src.b != nil && (n.size < preadMin || e.v.src.file == nil) {
		return e.verify(e.v.src.b[n.off : n.off+n.size])
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(e, 0, n.size)); err != nil {
		return e.v.errAt(e.i, n.off, err)
	}
	return e.checkSum(h.Sum(nil))
}

func (e Entry) verify(b []byte) error {
	n := e.n()
	if !n.hasHash || e.v.verified[e.i].Load() {
		return nil
	}
	sum := sha256.Sum256(b)
	return e.checkSum(sum[:])
}

func (e Entry) checkSum(sum []byte) error {
	n := e.n()
	if !bytes.Equal(sum, n.hash[:]) {
		return e.v.errAt(e.i, n.off, fmt.Errorf("content's sha256 %x does not match the stored %x: %w", sum[:8], n.hash[:8], ErrChecksum))
	}
	e.v.verified[e.i].Store(true)
	return nil
}

// path builds the path of node i from its parents.
func (v *Volume) path(i int32) string {
	return nodePath(v.nodes, i)
}

func nodePath(nodes []node, i int32) string {
	if i == 0 {
		return "/"
	}
	var parts []string
	for ; i > 0; i = nodes[i].parent {
		parts = append(parts, nodes[i].name)
	}
	var b strings.Builder
	for j := len(parts) - 1; j >= 0; j-- {
		b.WriteByte('/')
		b.WriteString(parts[j])
	}
	return b.String()
}

// errAt returns a *FormatError about node i of the volume.
func (v *Volume) errAt(i int32, off int64, err error) error {
	fe := formatErrAt(v.section, v.path(i), off, err)
	fe.Path = v.file
	return fe
}

// validName checks that a stored entry name is one path segment wasirun can use on
// any host: non-empty, valid UTF-8, no "/", NUL or "\", and not "." or "..".
func validName(name string) error {
	switch {
	case name == "":
		return errors.New("has an empty name")
	case name == "." || name == "..":
		return fmt.Errorf("has the name %q", name)
	case !utf8.ValidString(name):
		return errors.New("has a name that is not valid UTF-8")
	case strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("has a name with a %q, NUL or backslash", "/")
	}
	return nil
}

// treeBuilder assembles the breadth-first node table of a volume while its header
// is decoded, and checks what every container form shares: valid, unique names.
type treeBuilder struct {
	nodes []node
}

// addChildren appends the children of directory parent, sorts them by name and
// rejects duplicates and bad names. section names the volume in errors, and base is
// the file offset of the header the kids' rec offsets are relative to.
func (t *treeBuilder) addChildren(section string, base int64, parent int32, kids []node) error {
	first := int32(len(t.nodes))
	for i := range kids {
		kids[i].parent = parent
	}
	t.nodes = append(t.nodes, kids...)
	added := t.nodes[first:]
	for i := range added {
		if err := validName(added[i].name); err != nil {
			return formatErrAt(section, joinPath(nodePath(t.nodes, parent), strings.ToValidUTF8(added[i].name, "?")), base+added[i].rec, err)
		}
	}
	// Writers emit entries sorted (v1 readers depend on it); sort only when not.
	byName := func(a, b node) int { return strings.Compare(a.name, b.name) }
	if !slices.IsSortedFunc(added, byName) {
		slices.SortStableFunc(added, byName)
	}
	for i := 1; i < len(added); i++ {
		if added[i].name == added[i-1].name {
			return formatErrAt(section, nodePath(t.nodes, first+int32(i)), base+added[i].rec, errors.New("is a duplicate name in its directory"))
		}
	}
	t.nodes[parent].first = first
	t.nodes[parent].count = int32(len(added))
	return nil
}

// spanSet collects the byte ranges of header records to check that none overlap:
// every record of a well-formed header is read exactly once.
type spanSet struct{ spans [][2]int64 }

func (s *spanSet) add(start, end int64) { s.spans = append(s.spans, [2]int64{start, end}) }

// overlap reports false and the start of the first span that overlaps another.
func (s *spanSet) overlap() (int64, bool) {
	sort.Slice(s.spans, func(i, j int) bool { return s.spans[i][0] < s.spans[j][0] })
	for i := 1; i < len(s.spans); i++ {
		if s.spans[i][0] < s.spans[i-1][1] || s.spans[i][0] == s.spans[i-1][0] {
			return s.spans[i][0], false
		}
	}
	return 0, true
}
