package webc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// WebC v1 layout (spec section 2).
const (
	v1HeaderSize   = 1308
	v1KindOff      = 8
	v1SumOff       = 24
	v1SigLenOff    = 280
	v1SigOff       = 284
	v1MaxSignature = 1024
)

// v1 checksum kinds (spec 2.1).
const (
	v1SumNone   = "----------------"
	v1SumSHA256 = "sha256----------"
	v1SumSigned = "sha256-signed---"
)

// parseV1 reads a WebC v1 container: the fixed header, then the manifest, the atoms
// volume and the named volumes, each framed by LEB128 lengths. Volumes are decoded
// lazily.
func parseV1(src *source) (*Container, error) {
	if src.size < v1HeaderSize {
		return nil, formatErrAt("header", "", src.size, fmt.Errorf("the %d-byte v1 header is cut short at %d bytes: %w", v1HeaderSize, src.size, ErrTruncated))
	}
	hdr, err := src.slice(0, v1HeaderSize)
	if err != nil {
		return nil, formatErrAt("header", "", 0, err)
	}
	kind := string(hdr[v1KindOff:v1SumOff])
	integ := integrity{v1Kind: kind}
	switch kind {
	case v1SumNone:
	case v1SumSHA256, v1SumSigned:
		integ.v1Sum = hdr[v1SumOff : v1SumOff+32]
	default:
		return nil, formatErrAt("header", "", v1KindOff, fmt.Errorf("unknown checksum kind %q", printable(hdr[v1KindOff:v1SumOff])))
	}
	sigLen := min(binary.LittleEndian.Uint32(hdr[v1SigLenOff:]), v1MaxSignature) // readers clamp it (spec 2.1)
	integ.v1Sig = hdr[v1SigOff : v1SigOff+int(sigLen)]

	off := int64(v1HeaderSize)
	// frame reads one LEB128-framed item at off.
	frame := func(section string) (start, n int64, err error) {
		l, k, err := src.uvarint(off, src.size)
		if err != nil {
			return 0, 0, formatErrAt(section, "", off, fmt.Errorf("length: %w", err))
		}
		start = off + k
		if l > uint64(src.size-start) {
			return 0, 0, formatErrAt(section, "", off, fmt.Errorf("length %d runs past the end of the file (%d bytes left): %w", l, src.size-start, ErrTruncated))
		}
		off = start + int64(l)
		return start, int64(l), nil
	}

	mStart, mLen, err := frame("manifest")
	if err != nil {
		return nil, err
	}
	raw, err := src.slice(mStart, mLen)
	if err != nil {
		return nil, formatErrAt("manifest", "", mStart, err)
	}
	man, err := parseManifest(raw)
	if err != nil {
		return nil, formatErrAt("manifest", "", mStart, err)
	}
	aStart, aLen, err := frame("atoms")
	if err != nil {
		return nil, err
	}
	c := &Container{Format: FormatV1, Manifest: man, manifestRaw: raw, src: src, integrity: integ}
	if c.atoms, err = v1Volume(src, "", "atoms", aStart, aLen); err != nil {
		return nil, err
	}
	for off < src.size {
		nameAt := off
		nStart, nLen, err := frame("volume name")
		if err != nil {
			return nil, err
		}
		nb, err := src.slice(nStart, nLen)
		if err != nil {
			return nil, formatErrAt("volume name", "", nStart, err)
		}
		name := string(nb)
		if err := validVolumeName(name); err != nil {
			return nil, formatErrAt("volume name", "", nameAt, err)
		}
		if _, dup := c.Volume(name); dup {
			return nil, formatErrAt(fmt.Sprintf("volume %q", name), "", nameAt, errors.New("the volume name appears twice"))
		}
		section := fmt.Sprintf("volume %q", name)
		vStart, vLen, err := frame(section)
		if err != nil {
			return nil, err
		}
		v, err := v1Volume(src, name, section, vStart, vLen)
		if err != nil {
			return nil, err
		}
		c.volumes = append(c.volumes, v)
	}
	if err := c.finish(); err != nil {
		return nil, err
	}
	return c, nil
}

// printable shows bytes that should be ASCII without breaking a one-line message.
func printable(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return fmt.Sprintf("% x", b)
}

// validVolumeName checks a volume name: volume names may contain slashes
// ("/settings", "ns/name@1.0.0/atom") but must be valid UTF-8, non-empty, free of NUL
// and backslashes, and have no "." or ".." components.
func validVolumeName(name string) error {
	switch {
	case name == "":
		return errors.New("a volume has an empty name")
	case !utf8.ValidString(name):
		return errors.New("a volume name is not valid UTF-8")
	}
	for _, part := range splitSlash(name) {
		if part == "" {
			continue
		}
		if err := validName(part); err != nil {
			return fmt.Errorf("volume name %q %v", name, err)
		}
	}
	return nil
}

func splitSlash(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '/' {
			i++
		}
		out = append(out, s[:i])
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return out
}

// v1Volume frames a v1 volume (spec 2.3): LEB128 header length, the header (a tree
// of directory listings), then the data area. The tree is decoded on first use.
func v1Volume(src *source, name, section string, start, n int64) (*Volume, error) {
	end := start + n
	hLen, k, err := src.uvarint(start, end)
	if err != nil {
		return nil, formatErrAt(section, "", start, fmt.Errorf("header length: %w", err))
	}
	hStart := start + k
	if hLen > uint64(end-hStart) {
		return nil, formatErrAt(section, "", start, fmt.Errorf("header length %d runs past the end of the volume: %w", hLen, ErrTruncated))
	}
	dStart := hStart + int64(hLen)
	return newVolume(name, section, src, func(v *Volume) ([]node, error) {
		return decodeV1Tree(v, hStart, int64(hLen), dStart, end-dStart)
	}), nil
}

// v1EntrySize is the fixed part of a v1 listing entry: the packed name length and
// type word, start and end.
const v1EntrySize = 24

// decodeV1Tree decodes the directory listings of a v1 volume header (spec 2.3).
func decodeV1Tree(v *Volume, hStart, hLen, dStart, dLen int64) ([]node, error) {
	hdr, err := v.src.slice(hStart, hLen)
	if err != nil {
		return nil, formatErrAt(v.section, "", hStart, err)
	}
	root := node{kind: KindDir, rec: 0, recEnd: -1}
	if hLen == 0 {
		return []node{root}, nil // an empty volume is the single byte 00
	}
	// Every entry takes at least v1EntrySize header bytes, so a header of hLen bytes
	// (checked to lie within the file) describes at most hLen/v1EntrySize entries:
	// the table is sized once, and more entries mean listings overlap.
	maxNodes := int(hLen/v1EntrySize) + 1
	t := &treeBuilder{nodes: append(make([]node, 0, maxNodes), root)}
	spans := spanSet{}
	var kids []node
	for i := 0; i < len(t.nodes); i++ {
		nd := t.nodes[i]
		if nd.kind != KindDir || nd.rec == nd.recEnd {
			continue
		}
		at := func(rel int64) int64 { return hStart + rel }
		path := func() string { return nodePath(t.nodes, int32(i)) }
		if !inRange(nd.rec, 8, hLen) {
			return nil, formatErrAt(v.section, path(), at(nd.rec), fmt.Errorf("directory listing %w", ErrTruncated))
		}
		lLen := binary.LittleEndian.Uint64(hdr[nd.rec:])
		lStart := nd.rec + 8
		if lLen > uint64(hLen-lStart) {
			return nil, formatErrAt(v.section, path(), at(nd.rec), fmt.Errorf("directory listing of %d bytes %w", lLen, ErrTruncated))
		}
		lEnd := lStart + int64(lLen)
		if nd.recEnd >= 0 && nd.recEnd != lEnd {
			return nil, formatErrAt(v.section, path(), at(nd.rec), fmt.Errorf("directory listing is %d bytes but its entry spans %d", lEnd-nd.rec, nd.recEnd-nd.rec))
		}
		spans.add(nd.rec, lEnd)
		kids = kids[:0]
		for p := lStart; p < lEnd; {
			if lEnd-p < v1EntrySize {
				return nil, formatErrAt(v.section, path(), at(p), fmt.Errorf("directory entry %w", ErrTruncated))
			}
			word := binary.LittleEndian.Uint64(hdr[p:])
			nameLen := int64(word & (1<<56 - 1))
			typ := byte(word >> 56)
			s := binary.LittleEndian.Uint64(hdr[p+8:])
			e := binary.LittleEndian.Uint64(hdr[p+16:])
			if nameLen > lEnd-p-v1EntrySize {
				return nil, formatErrAt(v.section, path(), at(p), fmt.Errorf("entry name of %d bytes %w", nameLen, ErrTruncated))
			}
			kid := node{name: string(hdr[p+v1EntrySize : p+v1EntrySize+nameLen]), rec: p}
			entry := func() string { return joinPath(path(), kid.name) }
			if s > e {
				return nil, formatErrAt(v.section, entry(), at(p), fmt.Errorf("has start %d after end %d", s, e))
			}
			switch typ {
			case 0:
				if e > uint64(hLen) {
					return nil, formatErrAt(v.section, entry(), at(p), fmt.Errorf("directory listing at %d..%d %w", s, e, ErrTruncated))
				}
				kid.kind, kid.rec, kid.recEnd = KindDir, int64(s), int64(e)
			case 1:
				if e > uint64(dLen) {
					return nil, formatErrAt(v.section, entry(), at(p), fmt.Errorf("data %d..%d %w (%d bytes)", s, e, ErrTruncated, dLen))
				}
				kid.kind, kid.off, kid.size = KindFile, dStart+int64(s), int64(e-s)
			default:
				return nil, formatErrAt(v.section, entry(), at(p), fmt.Errorf("has unknown entry type %d", typ))
			}
			kids = append(kids, kid)
			p += v1EntrySize + nameLen
		}
		if len(t.nodes)+len(kids) > maxNodes {
			return nil, formatErrAt(v.section, path(), at(nd.rec), errors.New("directory listings overlap or loop"))
		}
		if err := t.addChildren(v.section, hStart, int32(i), kids); err != nil {
			return nil, err
		}
	}
	if s, ok := spans.overlap(); !ok {
		return nil, formatErrAt(v.section, "", hStart+s, errors.New("directory listings overlap"))
	}
	return t.nodes, nil
}

// joinPath joins a directory path from nodePath and a name.
func joinPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}
