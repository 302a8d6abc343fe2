package webc

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Tree is an in-memory file tree: the contents of a volume or of the atoms of a
// package that is being converted (a tarball, a wasmer.toml directory, a bare .wasm)
// or written (WriteV3). Paths are slash-separated and relative to the tree's root.
type Tree struct {
	root treeNode
}

type treeNode struct {
	dir   bool
	data  []byte
	mtime int64
	kids  map[string]*treeNode
}

// NewTree returns an empty tree.
func NewTree() *Tree { return &Tree{root: treeNode{dir: true}} }

// AddFile adds a file at path with the given content and modification time (seconds
// since the Unix epoch; 0 for none), creating its parent directories. The tree keeps
// data without copying it.
func (t *Tree) AddFile(path string, data []byte, mtime int64) error {
	dir, name, err := t.parent(path)
	if err != nil {
		return err
	}
	if old, ok := dir.kids[name]; ok && old.dir {
		return fmt.Errorf("%q is both a directory and a file", path)
	}
	dir.kids[name] = &treeNode{data: data, mtime: mtime}
	return nil
}

// AddDir adds a directory at path (and its parents); adding one that exists is a no-op.
func (t *Tree) AddDir(path string) error {
	dir, name, err := t.parent(path)
	if err != nil || name == "" {
		return err
	}
	if old, ok := dir.kids[name]; ok {
		if !old.dir {
			return fmt.Errorf("%q is both a file and a directory", path)
		}
		return nil
	}
	dir.kids[name] = &treeNode{dir: true}
	return nil
}

// parent walks to the directory that holds path, creating directories on the way,
// and returns it with path's last component ("" for the root).
func (t *Tree) parent(path string) (*treeNode, string, error) {
	parts, err := splitTreePath(path)
	if err != nil {
		return nil, "", err
	}
	dir := &t.root
	if len(parts) == 0 {
		return dir, "", nil
	}
	for _, p := range parts[:len(parts)-1] {
		if dir.kids == nil {
			dir.kids = map[string]*treeNode{}
		}
		next, ok := dir.kids[p]
		if !ok {
			next = &treeNode{dir: true}
			dir.kids[p] = next
		} else if !next.dir {
			return nil, "", fmt.Errorf("%q: %q is a file", path, p)
		}
		dir = next
	}
	if dir.kids == nil {
		dir.kids = map[string]*treeNode{}
	}
	return dir, parts[len(parts)-1], nil
}

// splitTreePath splits a relative or absolute slash path into valid names; "." and
// empty components vanish, ".." is refused.
func splitTreePath(path string) ([]string, error) {
	var parts []string
	for _, p := range strings.Split(path, "/") {
		switch p {
		case "", ".":
			continue
		case "..":
			return nil, fmt.Errorf("path %q climbs out of its root with %q", path, "..")
		}
		if err := validName(p); err != nil {
			return nil, fmt.Errorf("path %q %v", path, err)
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// Len returns the number of files and directories in the tree, the root excluded.
func (t *Tree) Len() int {
	var n int
	var count func(*treeNode)
	count = func(d *treeNode) {
		for _, k := range d.kids {
			n++
			if k.dir {
				count(k)
			}
		}
	}
	count(&t.root)
	return n
}

// TreeEntry is one entry handed to the function of Tree.Walk.
type TreeEntry struct {
	Path    string // relative to the root, slash-separated
	Dir     bool
	Data    []byte
	ModTime int64
}

// Walk calls fn for every entry of the tree in depth-first order, names sorted
// bytewise, parents before their children.
func (t *Tree) Walk(fn func(TreeEntry) error) error {
	return t.root.walk("", fn)
}

func (d *treeNode) sortedNames() []string {
	names := make([]string, 0, len(d.kids))
	for name := range d.kids {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func (d *treeNode) walk(prefix string, fn func(TreeEntry) error) error {
	for _, name := range d.sortedNames() {
		k := d.kids[name]
		p := name
		if prefix != "" {
			p = prefix + "/" + name
		}
		if err := fn(TreeEntry{Path: p, Dir: k.dir, Data: k.data, ModTime: k.mtime}); err != nil {
			return err
		}
		if k.dir {
			if err := k.walk(p, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// errTreeNotFound is returned by Tree.File for a missing path.
var errTreeNotFound = errors.New("no such file")

// File returns the content of the file at path.
func (t *Tree) File(path string) ([]byte, error) {
	parts, err := splitTreePath(path)
	if err != nil {
		return nil, err
	}
	n := &t.root
	for _, p := range parts {
		k, ok := n.kids[p]
		if !ok {
			return nil, errTreeNotFound
		}
		n = k
	}
	if n.dir {
		return nil, ErrIsDir
	}
	return n.data, nil
}

// volume turns the tree into a Volume whose files are the tree's own slices: nothing
// is copied.
func (t *Tree) volume(name, section string) *Volume {
	nodes := []node{{kind: KindDir}}
	var data [][]byte
	// Breadth-first, so that every directory's children are contiguous: queue[i]
	// is the tree node of nodes[i].
	queue := []*treeNode{&t.root}
	for qi := 0; qi < len(queue); qi++ {
		d := queue[qi]
		nodes[qi].first = int32(len(nodes))
		nodes[qi].count = int32(len(d.kids))
		for _, n := range d.sortedNames() {
			k := d.kids[n]
			nd := node{name: n, parent: int32(qi), kind: KindDir, mtime: k.mtime}
			if !k.dir {
				nd.kind, nd.size = KindFile, int64(len(k.data))
			}
			nodes = append(nodes, nd)
			queue = append(queue, k)
		}
	}
	data = make([][]byte, len(queue))
	for i, k := range queue {
		if !k.dir {
			data[i] = k.data
		}
	}
	v := newVolume(name, section, nil, func(*Volume) ([]node, error) { return nodes, nil })
	v.data = data
	return v
}
