package webc

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// Section tags of WebC v2 and v3 (spec section 3).
const (
	tagManifest = 1
	tagIndex    = 2
	tagAtoms    = 3
	tagVolume   = 4
	tagDir      = 30
	tagFile     = 31
)

// indexEntry locates a section (spec 3.3).
type indexEntry struct {
	Span struct {
		Start uint64 `cbor:"start"`
		Len   uint64 `cbor:"len"`
	} `cbor:"span"`
	Checksum struct {
		Tag   string `cbor:"tag"`
		Value []byte `cbor:"value"`
	} `cbor:"checksum"`
}

type indexWire struct {
	Manifest  *indexEntry           `cbor:"manifest"`
	Atoms     *indexEntry           `cbor:"atoms"`
	Volumes   map[string]indexEntry `cbor:"volumes"`
	Signature struct {
		Tag   string `cbor:"tag"`
		Value []byte `cbor:"value"`
	} `cbor:"signature"`
}

// section is a framed section located through the index, with what is needed to
// verify it.
type section struct {
	name          string // "manifest", "atoms", `volume "x"`
	start, len    int64  // the whole framed section (index span)
	data, dataLen int64  // its payload
	inline        []byte // v3 inline sha256 of the payload
	sumTag        string // index checksum tag
	sum           []byte // index checksum value
}

// parseSectioned reads a WebC v2 or v3 container: the index section first, then the
// manifest, atoms and volumes through the index spans.
func parseSectioned(src *source, format Format) (*Container, error) {
	const idxAt = 8
	if !inRange(idxAt, 9, src.size) {
		return nil, formatErrAt("index", "", idxAt, fmt.Errorf("section header %w", ErrTruncated))
	}
	head, err := src.slice(idxAt, 9)
	if err != nil {
		return nil, formatErrAt("index", "", idxAt, err)
	}
	if head[0] != tagIndex {
		return nil, formatErrAt("index", "", idxAt, fmt.Errorf("the first section has tag %d, not the index (%d)", head[0], tagIndex))
	}
	idxLen := binary.LittleEndian.Uint64(head[1:])
	if idxLen > uint64(src.size-idxAt-9) {
		return nil, formatErrAt("index", "", idxAt, fmt.Errorf("length %d %w of the file", idxLen, errPastEOF))
	}
	idxEnd := idxAt + 9 + int64(idxLen)
	idxRaw, err := src.slice(idxAt+9, int64(idxLen))
	if err != nil {
		return nil, formatErrAt("index", "", idxAt, err)
	}
	var idx indexWire
	if _, err := decMode.get().UnmarshalFirst(idxRaw, &idx); err != nil { // zero padding follows (spec 3.3)
		return nil, formatErrAt("index", "", idxAt+9, err)
	}
	if idx.Manifest == nil {
		return nil, formatErrAt("index", "", idxAt+9, errors.New("has no manifest entry"))
	}

	c := &Container{Format: format, src: src}
	spans := spanSet{}
	spans.add(0, idxEnd)
	locate := func(name string, tag byte, e *indexEntry) (*section, error) {
		s, err := locateSection(src, format, name, tag, e)
		if err != nil {
			return nil, err
		}
		spans.add(s.start, s.start+s.len)
		c.integrity.sections = append(c.integrity.sections, s)
		return s, nil
	}

	ms, err := locate("manifest", tagManifest, idx.Manifest)
	if err != nil {
		return nil, err
	}
	raw, err := src.slice(ms.data, ms.dataLen)
	if err != nil {
		return nil, formatErrAt("manifest", "", ms.data, err)
	}
	// The manifest is used now, so its hashes are checked now.
	if err := ms.check(raw); err != nil {
		return nil, err
	}
	if c.Manifest, err = parseManifest(raw); err != nil {
		return nil, formatErrAt("manifest", "", ms.data, err)
	}
	c.manifestRaw = raw

	if idx.Atoms == nil {
		c.atoms = NewTree().volume("", "atoms")
	} else {
		as, err := locate("atoms", tagAtoms, idx.Atoms)
		if err != nil {
			return nil, err
		}
		if c.atoms, err = sectionedVolume(src, format, "", "atoms", as.data, as.data+as.dataLen); err != nil {
			return nil, err
		}
	}
	for _, name := range sortedKeys(idx.Volumes) {
		e := idx.Volumes[name]
		secName := fmt.Sprintf("volume %q", name)
		if err := validVolumeName(name); err != nil {
			return nil, formatErrAt("index", "", idxAt+9, err)
		}
		vs, err := locate(secName, tagVolume, &e)
		if err != nil {
			return nil, err
		}
		// Volume payload: u64 name_len, name, then the volume (spec 3.6).
		end := vs.data + vs.dataLen
		nl, err := src.u64(vs.data, end)
		if err != nil {
			return nil, formatErrAt(secName, "", vs.data, fmt.Errorf("name length %w", err))
		}
		if nl > uint64(end-vs.data-8) {
			return nil, formatErrAt(secName, "", vs.data, fmt.Errorf("name length %d %w", nl, ErrTruncated))
		}
		nb, err := src.slice(vs.data+8, int64(nl))
		if err != nil {
			return nil, formatErrAt(secName, "", vs.data, err)
		}
		if string(nb) != name {
			return nil, formatErrAt(secName, "", vs.data+8, fmt.Errorf("the section is named %q", printable(nb)))
		}
		v, err := sectionedVolume(src, format, name, secName, vs.data+8+int64(nl), end)
		if err != nil {
			return nil, err
		}
		c.volumes = append(c.volumes, v)
	}
	if s, ok := spans.overlap(); !ok {
		return nil, formatErrAt("index", "", s, errors.New("section spans overlap"))
	}
	if err := c.finish(); err != nil {
		return nil, err
	}
	return c, nil
}

var errPastEOF = errors.New("runs past the end")

// locateSection reads the framing of a section at the index span e and checks that
// it agrees with the span: tag, (v3) inline hash, u64 length.
func locateSection(src *source, format Format, name string, tag byte, e *indexEntry) (*section, error) {
	start, n := int64(e.Span.Start), int64(e.Span.Len)
	if e.Span.Start > uint64(src.size) || e.Span.Len > uint64(src.size)-e.Span.Start {
		return nil, formatErrAt(name, "", -1, fmt.Errorf("index span %d+%d %w of the %d-byte file (is the file cut short?)", e.Span.Start, e.Span.Len, errPastEOF, src.size))
	}
	frame := int64(9)
	if format == FormatV3 {
		frame += sha256.Size
	}
	if n < frame {
		return nil, formatErrAt(name, "", start, fmt.Errorf("index span of %d bytes cannot hold the %d-byte section header", n, frame))
	}
	head, err := src.slice(start, frame)
	if err != nil {
		return nil, formatErrAt(name, "", start, err)
	}
	if head[0] != tag {
		return nil, formatErrAt(name, "", start, fmt.Errorf("the index points at a section with tag %d, want %d", head[0], tag))
	}
	s := &section{name: name, start: start, len: n, data: start + frame, sumTag: e.Checksum.Tag, sum: e.Checksum.Value}
	if format == FormatV3 {
		s.inline = head[1 : 1+sha256.Size]
	}
	dl := binary.LittleEndian.Uint64(head[frame-8:])
	if dl != uint64(n-frame) {
		return nil, formatErrAt(name, "", start, fmt.Errorf("the section holds %d bytes but its index span leaves room for %d", dl, n-frame))
	}
	s.dataLen = int64(dl)
	switch s.sumTag {
	case "checksum-sha256":
		if len(s.sum) != sha256.Size {
			return nil, formatErrAt("index", name, -1, fmt.Errorf("checksum-sha256 value has %d bytes, want 32", len(s.sum)))
		}
	case "checksum-none", "":
	default:
		return nil, formatErrAt("index", name, -1, fmt.Errorf("unknown checksum tag %q", s.sumTag))
	}
	return s, nil
}

// check compares the section's payload with its inline and index hashes.
func (s *section) check(data []byte) error {
	sum := sha256.Sum256(data)
	return s.checkSum(sum[:])
}

func (s *section) checkSum(sum []byte) error {
	if s.inline != nil && !bytes.Equal(sum, s.inline) {
		return formatErrAt(s.name, "", s.start+1, fmt.Errorf("the section's sha256 %x does not match the %x stored before it: %w", sum[:8], s.inline[:8], ErrChecksum))
	}
	if s.sumTag == "checksum-sha256" && !bytes.Equal(sum, s.sum) {
		return formatErrAt(s.name, "", s.start, fmt.Errorf("the section's sha256 %x does not match the %x stored in the index: %w", sum[:8], s.sum[:8], ErrChecksum))
	}
	return nil
}

// sectionedVolume frames a v2/v3 volume in [start, end): u64 header_len, header,
// u64 data_len, data (spec 3.5, 3.6). The tree is decoded on first use.
func sectionedVolume(src *source, format Format, name, secName string, start, end int64) (*Volume, error) {
	hl, err := src.u64(start, end)
	if err != nil {
		return nil, formatErrAt(secName, "", start, fmt.Errorf("header length %w", err))
	}
	hStart := start + 8
	if hl > uint64(end-hStart) {
		return nil, formatErrAt(secName, "", start, fmt.Errorf("header length %d %w", hl, ErrTruncated))
	}
	dAt := hStart + int64(hl)
	dl, err := src.u64(dAt, end)
	if err != nil {
		return nil, formatErrAt(secName, "", dAt, fmt.Errorf("data length %w", err))
	}
	dStart := dAt + 8
	if dl != uint64(end-dStart) {
		return nil, formatErrAt(secName, "", dAt, fmt.Errorf("data length %d does not match the %d bytes left in the section", dl, end-dStart))
	}
	return newVolume(name, secName, src, func(v *Volume) ([]node, error) {
		return decodeSectionedTree(v, format, hStart, int64(hl), dStart, int64(dl))
	}), nil
}

// Record sizes of v2/v3 volume headers (spec 3.7).
const (
	v2FileRecord = 1 + 8 + 8 + 32
	v3FileRecord = v2FileRecord + 24
	v3DirPrefix  = 24 + 32
)

// decodeSectionedTree decodes a v2/v3 volume header: directory and file records
// reached from the root directory record at header offset 0.
//
// It runs once per volume, over headers of tens of thousands of entries, so it
// reuses its buffers and builds the strings of error messages (entry paths, hex
// digests) only on the error paths.
func decodeSectionedTree(v *Volume, format Format, hStart, hLen, dStart, dLen int64) ([]node, error) {
	hdr, err := v.src.slice(hStart, hLen)
	if err != nil {
		return nil, formatErrAt(v.section, "", hStart, err)
	}
	v3 := format == FormatV3
	entryFixed := int64(16)
	fileRecord := int64(v2FileRecord)
	minNode := entryFixed + 1 + 9 // an entry with a one-byte name, and an empty v2 directory record
	if v3 {
		entryFixed += 32
		fileRecord = v3FileRecord
		minNode = entryFixed + 1 + 9 + v3DirPrefix
	}
	if hLen == 0 || hdr[0] != tagDir {
		return nil, formatErrAt(v.section, "/", hStart, errors.New("root record is not a directory"))
	}
	// Every node but the root takes an entry in its parent and a record of its own,
	// so the header, already checked to lie within the file, bounds the node count:
	// the table is sized once. More nodes than that means records are shared or loop.
	maxNodes := int(hLen/minNode) + 1
	t := &treeBuilder{nodes: make([]node, 1, maxNodes)}
	t.nodes[0] = node{kind: KindDir}
	spans := spanSet{spans: make([][2]int64, 0, maxNodes)}
	var kids []node
	h := sha256.New()
	var sum [sha256.Size]byte
	for i := 0; i < len(t.nodes); i++ {
		nd := &t.nodes[i]
		if nd.kind != KindDir {
			continue
		}
		at := hStart + nd.rec
		dirErr := func(err error) error { return formatErrAt(v.section, nodePath(t.nodes, int32(i)), at, err) }
		if !inRange(nd.rec, 9, hLen) {
			return nil, dirErr(fmt.Errorf("directory record %w", ErrTruncated))
		}
		bodyLen := binary.LittleEndian.Uint64(hdr[nd.rec+1:])
		body := nd.rec + 9
		if bodyLen > uint64(hLen-body) {
			return nil, dirErr(fmt.Errorf("directory record of %d bytes %w", bodyLen, ErrTruncated))
		}
		end := body + int64(bodyLen)
		spans.add(nd.rec, end)
		p := body
		h.Reset()
		if v3 {
			if bodyLen < v3DirPrefix {
				return nil, dirErr(fmt.Errorf("directory record of %d bytes is shorter than its %d-byte timestamps and hash", bodyLen, v3DirPrefix))
			}
			mtime := binary.LittleEndian.Uint64(hdr[p+8:])
			dirHash := hdr[p+24 : p+56]
			if i > 0 && !bytes.Equal(dirHash, nd.hash[:]) {
				return nil, dirErr(fmt.Errorf("directory hash %s does not match the %s its parent lists: %w", short(dirHash), short(nd.hash[:]), ErrChecksum))
			}
			copy(nd.hash[:], dirHash)
			nd.hasHash, nd.mtime = true, clampTime(mtime)
			p += v3DirPrefix
		}
		kids = kids[:0]
		for p < end {
			if end-p < entryFixed {
				return nil, formatErrAt(v.section, nodePath(t.nodes, int32(i)), hStart+p, fmt.Errorf("directory entry %w", ErrTruncated))
			}
			child := binary.LittleEndian.Uint64(hdr[p:])
			kids = append(kids, node{rec: int64(child)})
			kid := &kids[len(kids)-1]
			q := p + 8
			if v3 {
				copy(kid.hash[:], hdr[q:q+32])
				h.Write(hdr[q : q+32])
				q += 32
			}
			nameLen := binary.LittleEndian.Uint64(hdr[q:])
			q += 8
			if nameLen > uint64(end-q) {
				return nil, formatErrAt(v.section, nodePath(t.nodes, int32(i)), hStart+p, fmt.Errorf("entry name of %d bytes %w", nameLen, ErrTruncated))
			}
			kid.name = string(hdr[q : q+int64(nameLen)])
			p = q + int64(nameLen)
			entryErr := func(err error) error {
				return formatErrAt(v.section, joinPath(nodePath(t.nodes, int32(i)), kid.name), hStart+kid.rec, err)
			}
			if child >= uint64(hLen) {
				return nil, entryErr(fmt.Errorf("record at header offset %d %w of the %d-byte header", child, errPastEOF, hLen))
			}
			switch hdr[child] {
			case tagDir:
				kid.kind = KindDir
			case tagFile:
				if !inRange(kid.rec, fileRecord, hLen) {
					return nil, entryErr(fmt.Errorf("file record %w", ErrTruncated))
				}
				spans.add(kid.rec, kid.rec+fileRecord)
				r := hdr[kid.rec:]
				s, e := binary.LittleEndian.Uint64(r[1:]), binary.LittleEndian.Uint64(r[9:])
				if s > e || e > uint64(dLen) {
					return nil, entryErr(fmt.Errorf("data %d..%d %w of the %d-byte data area", s, e, errPastEOF, dLen))
				}
				if v3 && !bytes.Equal(r[17:49], kid.hash[:]) {
					return nil, entryErr(fmt.Errorf("file hash %s does not match the %s its directory lists: %w", short(r[17:49]), short(kid.hash[:]), ErrChecksum))
				}
				copy(kid.hash[:], r[17:49])
				kid.hasHash = true
				kid.kind, kid.off, kid.size = KindFile, dStart+int64(s), int64(e-s)
				if v3 {
					kid.mtime = clampTime(binary.LittleEndian.Uint64(r[49+8:]))
				}
			default:
				return nil, entryErr(fmt.Errorf("record has unknown tag %d", hdr[child]))
			}
		}
		if v3 {
			// The directory hash is the sha256 of its entries' hashes, in order.
			if h.Sum(sum[:0]); !bytes.Equal(sum[:], t.nodes[i].hash[:]) {
				return nil, dirErr(fmt.Errorf("directory hash %s is not the sha256 of its entries' hashes %s: %w", short(t.nodes[i].hash[:]), short(sum[:]), ErrChecksum))
			}
		}
		if len(t.nodes)+len(kids) > maxNodes {
			return nil, dirErr(errors.New("records overlap or loop"))
		}
		if err := t.addChildren(v.section, hStart, int32(i), kids); err != nil {
			return nil, err
		}
	}
	if s, ok := spans.overlap(); !ok {
		return nil, formatErrAt(v.section, "", hStart+s, errors.New("header records overlap or are shared"))
	}
	return t.nodes, nil
}

// short is the first 8 bytes of a digest in hex, for messages.
func short(digest []byte) string { return hex.EncodeToString(digest[:min(8, len(digest))]) }

// clampTime turns a stored u64 seconds value into an int64, saturating.
func clampTime(t uint64) int64 {
	if t > 1<<62 {
		return 1 << 62
	}
	return int64(t)
}
