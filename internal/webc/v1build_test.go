package webc

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"sort"
	"strings"
)

// v1Builder writes WebC v1 files for tests (spec section 2). It is deliberately
// simple and separate from the reader, so the two check each other.
type v1Builder struct {
	kind     string // checksum kind; "" = none
	sig      []byte
	manifest []byte
	atoms    map[string][]byte
	volumes  []v1Vol
}

type v1Vol struct {
	name  string
	files map[string][]byte // path -> content; a path ending in "/" is an empty dir
}

func uleb(n uint64) []byte { return binary.AppendUvarint(nil, n) }

// v1Tree is a directory while encoding.
type v1Tree struct {
	files map[string][]byte
	dirs  map[string]*v1Tree
}

func newV1Tree(files map[string][]byte) *v1Tree {
	root := &v1Tree{files: map[string][]byte{}, dirs: map[string]*v1Tree{}}
	for p, data := range files {
		parts := strings.Split(strings.Trim(p, "/"), "/")
		d := root
		last := len(parts) - 1
		if strings.HasSuffix(p, "/") {
			last = len(parts)
		}
		for _, part := range parts[:last] {
			nd, ok := d.dirs[part]
			if !ok {
				nd = &v1Tree{files: map[string][]byte{}, dirs: map[string]*v1Tree{}}
				d.dirs[part] = nd
			}
			d = nd
		}
		if last < len(parts) {
			d.files[parts[last]] = data
		}
	}
	return root
}

// encodeV1Volume lays out listings depth-first: each listing is written, then the
// listings of its subdirectories, with directory entries patched to their ranges.
func encodeV1Volume(files map[string][]byte) []byte {
	var hdr, data bytes.Buffer
	var emit func(d *v1Tree) (start, end int)
	emit = func(d *v1Tree) (int, int) {
		names := make([]string, 0, len(d.files)+len(d.dirs))
		for n := range d.files {
			names = append(names, n)
		}
		for n := range d.dirs {
			names = append(names, n)
		}
		sort.Strings(names)
		start := hdr.Len()
		var body bytes.Buffer
		type patch struct {
			at  int
			dir *v1Tree
		}
		var patches []patch
		for _, n := range names {
			var word uint64 = uint64(len(n))
			var s, e uint64
			if f, ok := d.files[n]; ok {
				word |= 1 << 56
				s = uint64(data.Len())
				data.Write(f)
				e = uint64(data.Len())
			} else {
				patches = append(patches, patch{body.Len(), d.dirs[n]})
			}
			body.Write(binary.LittleEndian.AppendUint64(nil, word))
			body.Write(binary.LittleEndian.AppendUint64(nil, s))
			body.Write(binary.LittleEndian.AppendUint64(nil, e))
			body.WriteString(n)
		}
		hdr.Write(binary.LittleEndian.AppendUint64(nil, uint64(body.Len())))
		bodyAt := hdr.Len()
		hdr.Write(body.Bytes())
		end := hdr.Len()
		for _, p := range patches {
			if len(p.dir.files)+len(p.dir.dirs) == 0 {
				continue // empty directory: start == end == 0
			}
			s, e := emit(p.dir)
			b := hdr.Bytes()
			binary.LittleEndian.PutUint64(b[bodyAt+p.at+8:], uint64(s))
			binary.LittleEndian.PutUint64(b[bodyAt+p.at+16:], uint64(e))
		}
		return start, end
	}
	if len(files) > 0 {
		emit(newV1Tree(files))
	}
	var out []byte
	out = append(out, uleb(uint64(hdr.Len()))...)
	out = append(out, hdr.Bytes()...)
	return append(out, data.Bytes()...)
}

func (b *v1Builder) bytes() []byte {
	var out bytes.Buffer
	out.WriteString("\x00webc001")
	kind := b.kind
	if kind == "" {
		kind = v1SumNone
	}
	out.WriteString(kind)
	out.Write(make([]byte, 256))
	out.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(b.sig))))
	sig := make([]byte, 1024)
	copy(sig, b.sig)
	out.Write(sig)
	manifest := b.manifest
	if manifest == nil {
		manifest = []byte{0xa0}
	}
	out.Write(uleb(uint64(len(manifest))))
	out.Write(manifest)
	atoms := encodeV1Volume(b.atoms)
	out.Write(uleb(uint64(len(atoms))))
	out.Write(atoms)
	for _, v := range b.volumes {
		out.Write(uleb(uint64(len(v.name))))
		out.WriteString(v.name)
		enc := encodeV1Volume(v.files)
		out.Write(uleb(uint64(len(enc))))
		out.Write(enc)
	}
	file := out.Bytes()
	if kind != v1SumNone {
		h := sha256.New()
		h.Write(file[:24])
		h.Write(make([]byte, 1284))
		h.Write(file[1308:])
		copy(file[24:], h.Sum(nil))
	}
	return file
}
