package webc

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"

	"github.com/fxamacker/cbor/v2"
)

const (
	// wrMagicLen is the length of the header, "\x00webc003".
	wrMagicLen = 8
	// wrIndexFraming is what the (unhashed) index section adds: tag, u64 length.
	wrIndexFraming = 1 + 8
)

// WriteV3 writes s to w as a WebC v3 file (spec sections 3 and 4) that Wasmer and
// wasirun's reader accept: the header, the index section at offset 8, the manifest,
// the atoms, then one section per volume in bytewise name order. Every name is
// written in sorted order and no clock is read, so the same Source always gives the
// same bytes.
//
// File contents are hashed in place and then streamed to w from the Tree's slices;
// only the volume headers and the index are built in memory, so the memory used does
// not grow with the size of the package's data. s.Atoms must hold only files at its
// root; a nil Atoms or volume Tree is written as an empty one.
func WriteV3(w io.Writer, s *Source) error {
	return writeSectioned(w, s, FormatV3)
}

// writeSectioned writes s as WebC v3 or, for the tests of the v2 reader (no real v2
// file is at hand), v2: the same layout without the inline section hashes, the
// timestamps and the directory and entry hashes (spec 4).
func writeSectioned(w io.Writer, s *Source, format Format) error {
	v2 := format == FormatV2
	if s == nil {
		return errors.New("writing webc v3: nil source")
	}
	manifest, err := manifestForWrite(s)
	if err != nil {
		return fmt.Errorf("writing webc v3: encoding the manifest: %w", err)
	}

	atoms, err := wrLayoutAtoms(s.Atoms, v2)
	if err != nil {
		return fmt.Errorf("writing webc v3: %w", err)
	}
	names := sortedKeys(s.Volumes)
	volumes := make([]*wrSection, len(names))
	for i, name := range names {
		// The reader's rule, so that wasirun never writes a file it refuses to read.
		if err := validVolumeName(name); err != nil {
			return fmt.Errorf("writing webc v3: %v", err)
		}
		volumes[i] = wrLayoutVolume(name, s.Volumes[name], v2)
	}

	// The sections after the index, in file order.
	sections := make([]*wrSection, 0, 2+len(volumes))
	sections = append(sections, &wrSection{tag: tagManifest, prefix: manifest})
	sections = append(sections, atoms)
	sections = append(sections, volumes...)
	for _, sec := range sections {
		sec.sum, sec.v2 = sec.digest(), v2
	}

	index, reserved, err := wrBuildIndex(sections, names)
	if err != nil {
		return fmt.Errorf("writing webc v3: %w", err)
	}

	bw := bufio.NewWriterSize(w, 64<<10)
	if v2 {
		bw.WriteString("\x00webc002")
	} else {
		bw.WriteString("\x00webc003")
	}
	bw.WriteByte(tagIndex)
	wrU64(bw, uint64(reserved))
	bw.Write(index)
	if err := wrZeros(bw, reserved-len(index)); err != nil {
		return fmt.Errorf("writing webc v3: %w", err)
	}
	for _, sec := range sections {
		bw.WriteByte(sec.tag)
		if !v2 {
			bw.Write(sec.sum[:])
		}
		wrU64(bw, uint64(sec.dataLen()))
		if err := sec.writeData(bw); err != nil {
			return fmt.Errorf("writing webc v3: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing webc v3: %w", err)
	}
	return nil
}

// manifestForWrite encodes the manifest of s for a standalone file.
//
// Current Wasmer strips name, version and description from the "wapm" annotation
// when it builds a v3 file, because its registry supplies the package identity
// (spec 4 and 5.1). A file written by wasirun is usually used on its own, away from
// any registry, and would lose its identity on a round trip; so when s.Package
// carries a name, version or description, they are written into "wapm" (replacing
// what it holds for those keys, keeping every other key). The "wapm" annotation
// allows these keys and readers, Wasmer's included, accept them. s.Manifest itself
// is not modified.
func manifestForWrite(s *Source) ([]byte, error) {
	var m Manifest
	if s.Manifest != nil {
		m = *s.Manifest
	}
	fill := map[string]string{
		"name":        s.Package.Name,
		"version":     s.Package.Version,
		"description": s.Package.Description,
	}
	for k, v := range fill {
		if v == "" {
			delete(fill, k)
		}
	}
	if len(fill) == 0 {
		return m.Marshal()
	}
	wapm := map[string]cbor.RawMessage{}
	if raw, ok := m.Package["wapm"]; ok && len(raw) > 0 && raw[0] != 0xf6 && raw[0] != 0xf7 {
		if err := decMode.get().Unmarshal(raw, &wapm); err != nil {
			return nil, fmt.Errorf("package annotation %q is not a map: %w", "wapm", err)
		}
	}
	for k, v := range fill {
		enc, err := encodeValue(v)
		if err != nil {
			return nil, err
		}
		wapm[k] = enc
	}
	enc, err := encodeValue(wapm)
	if err != nil {
		return nil, err
	}
	m.Package = maps.Clone(m.Package)
	if m.Package == nil {
		m.Package = map[string]cbor.RawMessage{}
	}
	m.Package["wapm"] = enc
	return m.Marshal()
}

// wrSection is a section whose header parts are built and whose file contents
// are still slices of the source Tree. Its data is prefix followed by files.
type wrSection struct {
	tag byte
	// prefix is everything before the file contents: for a volume
	// u64 name_len ‖ name ‖ u64 header_len ‖ header ‖ u64 data_len; for the atoms the
	// same without the name; for the manifest the whole data.
	prefix []byte
	files  [][]byte
	size   int64 // total length of files
	sum    [32]byte
	start  int64 // absolute offset of the tag byte, set by wrBuildIndex
	v2     bool  // no inline hash
}

func (s *wrSection) dataLen() int64 { return int64(len(s.prefix)) + s.size }

// framedLen is the whole section's length: tag, hash, u64 length and data.
func (s *wrSection) framedLen() int64 {
	if s.v2 {
		return 1 + 8 + s.dataLen()
	}
	return 1 + sha256.Size + 8 + s.dataLen()
}

// digest returns the sha256 of the section's data.
func (s *wrSection) digest() [32]byte {
	h := sha256.New()
	_ = s.writeData(h) // a hash.Hash never fails
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// writeData writes the section's data: the prefix then every file's content.
func (s *wrSection) writeData(w io.Writer) error {
	if _, err := w.Write(s.prefix); err != nil {
		return err
	}
	for _, f := range s.files {
		if _, err := w.Write(f); err != nil {
			return err
		}
	}
	return nil
}

// wrLayoutAtoms lays out the atoms section: a volume without a name whose root holds
// only files (spec 3.5).
func wrLayoutAtoms(t *Tree, v2 bool) (*wrSection, error) {
	root := wrTreeRoot(t)
	for _, name := range root.sortedNames() {
		if root.kids[name].dir {
			return nil, fmt.Errorf("atom %q is a directory; atoms must be files at the root of Source.Atoms", name)
		}
	}
	hb := wrHeader{v2: v2}
	hb.dir(root)
	sec := &wrSection{tag: tagAtoms, files: hb.files, size: int64(hb.dataLen)}
	sec.prefix = binary.LittleEndian.AppendUint64(make([]byte, 0, 16+len(hb.hdr)), uint64(len(hb.hdr)))
	sec.prefix = append(sec.prefix, hb.hdr...)
	sec.prefix = binary.LittleEndian.AppendUint64(sec.prefix, hb.dataLen)
	return sec, nil
}

// wrLayoutVolume lays out the section of the volume called name (spec 3.6).
func wrLayoutVolume(name string, t *Tree, v2 bool) *wrSection {
	hb := wrHeader{v2: v2}
	hb.dir(wrTreeRoot(t))
	sec := &wrSection{tag: tagVolume, files: hb.files, size: int64(hb.dataLen)}
	sec.prefix = make([]byte, 0, 24+len(name)+len(hb.hdr))
	sec.prefix = binary.LittleEndian.AppendUint64(sec.prefix, uint64(len(name)))
	sec.prefix = append(sec.prefix, name...)
	sec.prefix = binary.LittleEndian.AppendUint64(sec.prefix, uint64(len(hb.hdr)))
	sec.prefix = append(sec.prefix, hb.hdr...)
	sec.prefix = binary.LittleEndian.AppendUint64(sec.prefix, hb.dataLen)
	return sec
}

// wrTreeRoot returns the root of t; nil is an empty tree.
func wrTreeRoot(t *Tree) *treeNode {
	if t == nil {
		return &treeNode{dir: true}
	}
	return &t.root
}

// wrHeader encodes a v3 volume header (spec 3.7). Records are laid out as
// Wasmer's serializer does: depth first, a directory's record followed by each of
// its children's in name order (each subtree complete before the next sibling), and
// file contents in the data area in the same order.
type wrHeader struct {
	hdr     []byte
	files   [][]byte
	dataLen uint64
	v2      bool // v2 records: no timestamps, no hashes in directories
}

// dir appends the record of directory d and of everything below it, and returns the
// record's header offset and the directory hash.
func (b *wrHeader) dir(d *treeNode) (uint64, [32]byte) {
	start := uint64(len(b.hdr))
	names := d.sortedNames()
	b.hdr = append(b.hdr, tagDir)
	lenAt := len(b.hdr)
	b.hdr = binary.LittleEndian.AppendUint64(b.hdr, 0) // body_len, patched below
	bodyAt := len(b.hdr)
	hashAt := -1
	entryHash := 0
	if !b.v2 {
		b.hdr = wrTimestamps(b.hdr, d.mtime)
		hashAt = len(b.hdr)
		b.hdr = append(b.hdr, make([]byte, sha256.Size)...)
		entryHash = sha256.Size
	}
	entries := make([]int, len(names))
	for i, name := range names {
		entries[i] = len(b.hdr)
		b.hdr = append(b.hdr, make([]byte, 8+entryHash)...) // offset and hash, patched below
		b.hdr = binary.LittleEndian.AppendUint64(b.hdr, uint64(len(name)))
		b.hdr = append(b.hdr, name...)
	}
	binary.LittleEndian.PutUint64(b.hdr[lenAt:], uint64(len(b.hdr)-bodyAt))

	h := sha256.New()
	for i, name := range names {
		k := d.kids[name]
		var off uint64
		var sum [32]byte
		if k.dir {
			off, sum = b.dir(k)
		} else {
			off, sum = b.file(k)
		}
		binary.LittleEndian.PutUint64(b.hdr[entries[i]:], off)
		if !b.v2 {
			copy(b.hdr[entries[i]+8:], sum[:])
		}
		h.Write(sum[:])
	}
	var sum [32]byte
	h.Sum(sum[:0])
	if !b.v2 {
		copy(b.hdr[hashAt:], sum[:])
	}
	return start, sum
}

// file appends the record of file f and schedules its content for the data area; it
// returns the record's header offset and the content's sha256.
func (b *wrHeader) file(f *treeNode) (uint64, [32]byte) {
	start := uint64(len(b.hdr))
	sum := sha256.Sum256(f.data)
	b.hdr = append(b.hdr, tagFile)
	b.hdr = binary.LittleEndian.AppendUint64(b.hdr, b.dataLen)
	b.dataLen += uint64(len(f.data))
	b.hdr = binary.LittleEndian.AppendUint64(b.hdr, b.dataLen)
	b.hdr = append(b.hdr, sum[:]...)
	if !b.v2 {
		b.hdr = wrTimestamps(b.hdr, f.mtime)
	}
	b.files = append(b.files, f.data)
	return start, sum
}

// wrTimestamps appends the three u64 timestamps of a v3 record: accessed,
// modified, created. Only the modification time is known (and the only one Wasmer
// uses); the others are 0, as in Wasmer's files. A time before the epoch cannot be
// stored in a u64 and is written as 0.
func wrTimestamps(b []byte, mtime int64) []byte {
	b = binary.LittleEndian.AppendUint64(b, 0)
	b = binary.LittleEndian.AppendUint64(b, uint64(max(mtime, 0)))
	return binary.LittleEndian.AppendUint64(b, 0)
}

// wrBuildIndex places the sections after the index and encodes the index (spec 3.3).
// The sections' offsets depend on the size reserved for the index, which depends on
// the encoded offsets, so it grows the reservation until the encoding fits; like
// Wasmer it reserves about 20% more than needed, and the rest is zero padding. It
// returns the encoded index and the reserved size. volumeNames are the names of
// sections[2:], in order.
func wrBuildIndex(sections []*wrSection, volumeNames []string) ([]byte, int, error) {
	reserved := 0
	for range 16 {
		off := int64(wrMagicLen + wrIndexFraming + reserved)
		for _, sec := range sections {
			sec.start = off
			off += sec.framedLen()
		}
		index := wrEncodeIndex(sections, volumeNames)
		if len(index) <= reserved {
			return index, reserved, nil
		}
		reserved = len(index) + len(index)/5
	}
	return nil, 0, errors.New("the index does not settle on a size") // cannot happen: offsets grow by a few bytes at most
}

// wrEncodeIndex encodes the index CBOR (spec 3.3) deterministically. Readers decode
// it into maps, so the order of keys is free; it is that of the package's CBOR
// encoder (length first, then bytewise).
func wrEncodeIndex(sections []*wrSection, volumeNames []string) []byte {
	entry := func(sec *wrSection) indexEntry {
		var e indexEntry
		e.Span.Start, e.Span.Len = uint64(sec.start), uint64(sec.framedLen())
		e.Checksum.Tag, e.Checksum.Value = "checksum-sha256", sec.sum[:]
		return e
	}
	idx := indexWire{Manifest: ptr(entry(sections[0])), Atoms: ptr(entry(sections[1])), Volumes: map[string]indexEntry{}}
	for i, name := range volumeNames {
		idx.Volumes[name] = entry(sections[2+i])
	}
	idx.Signature.Tag, idx.Signature.Value = "signature-none", []byte{}
	b, err := encMode.get().Marshal(idx)
	if err != nil {
		panic(err) // the index holds only integers, strings and byte strings
	}
	return b
}

func ptr[T any](v T) *T { return &v }

// wrU64 writes a u64 LE; errors are sticky in the bufio.Writer and reported by
// the next checked call.
func wrU64(w *bufio.Writer, v uint64) {
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], v)
	w.Write(buf[:])
}

// wrZeros writes n zero bytes.
func wrZeros(w *bufio.Writer, n int) error {
	var zeros [512]byte
	for n > 0 {
		k := min(n, len(zeros))
		if _, err := w.Write(zeros[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}
