package webc

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/wasirun/wasirun/internal/testfixtures"
)

// wtV3Fixture is the real v3 package written by Wasmer.
const wtV3Fixture = "wasmer-tests--volume-static-webserver@0.1.0.webc"

func wtMust(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wtEnc(t testing.TB, v any) cbor.RawMessage {
	t.Helper()
	raw, err := encodeValue(v)
	wtMust(t, err)
	return raw
}

func wtSignature(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + base64.StdEncoding.EncodeToString(sum[:])
}

// wtSource builds a package with two atoms and several volumes holding nested and
// empty directories, empty files, unicode names and names whose bytewise order
// differs from a case-insensitive one. Each call builds fresh maps, so two calls
// exercise Go's random map order.
func wtSource(t testing.TB) *Source {
	t.Helper()
	alpha := []byte("\x00asm\x01\x00\x00\x00alpha atom")
	beta := bytes.Repeat([]byte("beta!"), 1000)
	atoms := NewTree()
	wtMust(t, atoms.AddFile("alpha", alpha, 0))
	wtMust(t, atoms.AddFile("beta", beta, 1700000000))

	settings := NewTree()
	wtMust(t, settings.AddFile("config.toml", []byte("[server]\nport = 8080\n"), 1725977743))

	metadata := NewTree()
	wtMust(t, metadata.AddFile("README.md", []byte("# hello\n"), 1600000000))
	wtMust(t, metadata.AddFile("LICENSE", []byte("MIT\n"), 0))

	big := make([]byte, 100_000)
	for i := range big {
		big[i] = byte(i*7 + i/251)
	}
	data := NewTree()
	wtMust(t, data.AddFile("a/b/c/deep.txt", []byte("deep"), 1111))
	wtMust(t, data.AddFile("a/zero", nil, 2222))
	wtMust(t, data.AddDir("a/empty-dir"))
	wtMust(t, data.AddDir("empty"))
	wtMust(t, data.AddFile("ünïcødé/日本語.txt", []byte("こんにちは"), 3333))
	wtMust(t, data.AddFile("Zeta", []byte("upper"), 0))
	wtMust(t, data.AddFile("alpha", []byte("lower"), 0))
	wtMust(t, data.AddFile("B/x", []byte("x"), 0))
	wtMust(t, data.AddFile("big.bin", big, 4444))
	wtMust(t, data.AddFile("empty.txt", []byte{}, 0))

	m := &Manifest{
		Atoms: map[string]AtomSpec{
			"alpha": {Kind: "https://webc.org/kind/wasm", Signature: wtSignature(alpha)},
			"beta":  {Kind: "https://webc.org/kind/wasm", Signature: wtSignature(beta)},
		},
		Commands: map[string]CommandSpec{
			"hello": {Runner: RunnerWasi, Annotations: map[string]cbor.RawMessage{
				"wasi": wtEnc(t, map[string]any{"atom": "alpha", "main-args": []string{"-v"}}),
			}},
			"second": {Runner: RunnerWasi, Annotations: map[string]cbor.RawMessage{
				"atom": wtEnc(t, map[string]any{"name": "beta"}),
			}},
		},
		Package: map[string]cbor.RawMessage{
			"wapm": wtEnc(t, map[string]any{"license": "MIT"}),
			"fs": wtEnc(t, []map[string]any{
				{"from": nil, "volume_name": "/settings", "mount_path": "/settings"},
				{"from": nil, "volume_name": "data", "mount_path": "/data"},
			}),
		},
		Entrypoint: "hello",
	}
	return &Source{
		Manifest: m,
		Package:  PackageInfo{Name: "wasirun/roundtrip", Version: "1.2.3", Description: "a round trip"},
		Atoms:    atoms,
		Volumes: map[string]*Tree{
			"/settings":    settings,
			"metadata":     metadata,
			"data":         data,
			"empty-volume": NewTree(),
		},
	}
}

// wtEntry is a tree entry as the tests compare them.
type wtEntry struct {
	Path  string
	Dir   bool
	Data  string
	MTime int64
}

func wtTreeEntries(t testing.TB, tr *Tree) []wtEntry {
	t.Helper()
	var out []wtEntry
	wtMust(t, tr.Walk(func(e TreeEntry) error {
		out = append(out, wtEntry{Path: e.Path, Dir: e.Dir, Data: string(e.Data), MTime: e.ModTime})
		return nil
	}))
	return out
}

func wtVolumeEntries(t testing.TB, v *Volume) []wtEntry {
	t.Helper()
	var out []wtEntry
	wtMust(t, v.Walk(func(p string, e Entry) error {
		we := wtEntry{Path: p, Dir: e.IsDir(), MTime: e.ModTime()}
		if !e.IsDir() {
			b, err := e.Bytes()
			if err != nil {
				return err
			}
			if int64(len(b)) != e.Size() {
				return fmt.Errorf("%s: Size %d, %d bytes", p, e.Size(), len(b))
			}
			we.Data = string(b)
		}
		if isDir := e.Kind() == KindDir; isDir != we.Dir {
			return fmt.Errorf("%s: Kind %v but IsDir %v", p, e.Kind(), we.Dir)
		}
		out = append(out, we)
		return nil
	}))
	return out
}

func wtCompareEntries(t testing.TB, what string, got, want []wtEntry) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d entries, want %d:\n got %v\nwant %v", what, len(got), len(want), wtPaths(got), wtPaths(want))
		return
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Path != w.Path || g.Dir != w.Dir || g.MTime != w.MTime || g.Data != w.Data {
			t.Errorf("%s: entry %d = {%q dir=%v mtime=%d %d bytes}, want {%q dir=%v mtime=%d %d bytes}",
				what, i, g.Path, g.Dir, g.MTime, len(g.Data), w.Path, w.Dir, w.MTime, len(w.Data))
		}
	}
}

func wtPaths(es []wtEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Path
	}
	return out
}

func wtWrite(t testing.TB, s *Source) []byte {
	t.Helper()
	var buf bytes.Buffer
	wtMust(t, WriteV3(&buf, s))
	return buf.Bytes()
}

func TestWriteV3RoundTrip(t *testing.T) {
	s := wtSource(t)
	file := wtWrite(t, s)
	c, err := ParseBytes(file)
	if err != nil {
		t.Fatalf("ParseBytes: %v", err)
	}
	if c.Format != FormatV3 {
		t.Errorf("Format = %v, want webc-v3", c.Format)
	}

	wantManifest, err := manifestForWrite(s)
	wtMust(t, err)
	if !bytes.Equal(mustRaw(t, c), wantManifest) {
		t.Errorf("RawManifest differs from the encoded manifest")
	}
	if c.Package != s.Package {
		t.Errorf("Package = %+v, want %+v", c.Package, s.Package)
	}
	wapm, err := c.Manifest.Wapm()
	wtMust(t, err)
	if wapm.Name != s.Package.Name || wapm.Version != s.Package.Version || wapm.Description != s.Package.Description || wapm.License != "MIT" {
		t.Errorf("wapm annotation = %+v, want the package identity and the license kept", wapm)
	}
	if _, ok := s.Manifest.Package["wapm"]; !ok {
		t.Fatal("the source's manifest lost its wapm annotation")
	}
	if w, _ := s.Manifest.Wapm(); w.Name != "" {
		t.Errorf("WriteV3 modified the source's manifest: wapm = %+v", w)
	}
	if !reflect.DeepEqual(c.Manifest.CommandNames(), []string{"hello", "second"}) || c.Manifest.Entrypoint != "hello" {
		t.Errorf("commands = %v, entrypoint %q", c.Manifest.CommandNames(), c.Manifest.Entrypoint)
	}
	fsm, ok, err := c.Manifest.Fs()
	wtMust(t, err)
	if !ok || len(fsm) != 2 || fsm[0].VolumeName != "/settings" || fsm[1].MountPath != "/data" {
		t.Errorf("fs = %+v", fsm)
	}

	if got := c.Atoms(); !reflect.DeepEqual(got, []string{"alpha", "beta"}) {
		t.Errorf("Atoms() = %v", got)
	}
	wtCompareEntries(t, "atoms", wtVolumeEntries(t, c.AtomsVolume()), wtTreeEntries(t, s.Atoms))
	for _, name := range c.Atoms() {
		if _, err := c.Atom(name); err != nil {
			t.Errorf("Atom(%q): %v", name, err)
		}
	}

	var names []string
	for _, v := range c.Volumes() {
		names = append(names, v.Name())
	}
	if want := []string{"/settings", "data", "empty-volume", "metadata"}; !reflect.DeepEqual(names, want) {
		t.Errorf("volumes = %q, want %q", names, want)
	}
	for name, tr := range s.Volumes {
		v, ok := c.Volume(name)
		if !ok {
			t.Errorf("volume %q missing", name)
			continue
		}
		wtMust(t, v.Verify())
		wtCompareEntries(t, "volume "+name, wtVolumeEntries(t, v), wtTreeEntries(t, tr))
	}

	// The stored hashes the reader exposes are the content hashes.
	v, _ := c.Volume("data")
	e, err := v.Lookup("a/b/c/deep.txt")
	wtMust(t, err)
	if h, ok := e.Hash(); !ok || h != sha256.Sum256([]byte("deep")) {
		t.Errorf("Hash() of deep.txt = %x, %v", h, ok)
	}
	e, err = v.Lookup("empty")
	wtMust(t, err)
	if h, ok := e.Hash(); ok && h != sha256.Sum256(nil) {
		t.Errorf("Hash() of an empty directory = %x, want sha256 of nothing", h)
	}
}

func TestWriteV3Deterministic(t *testing.T) {
	a := wtWrite(t, wtSource(t))
	for i := range 5 {
		if b := wtWrite(t, wtSource(t)); !bytes.Equal(a, b) {
			t.Fatalf("write %d differs from the first", i+1)
		}
	}
	s := wtSource(t)
	if !bytes.Equal(wtWrite(t, s), wtWrite(t, s)) {
		t.Fatal("two writes of the same Source differ")
	}
}

// TestWriteV3Layout checks the bytes with a parser of its own (wtParseFile and
// wtParseVolume), independent of the package's reader.
func TestWriteV3Layout(t *testing.T) {
	s := wtSource(t)
	file := wtWrite(t, s)
	f := wtParseFile(t, file)

	var top map[string]cbor.RawMessage
	wtMust(t, cbor.Unmarshal(f.indexCBOR, &top))
	if keys := sortedKeys(top); !reflect.DeepEqual(keys, []string{"atoms", "manifest", "signature", "volumes"}) {
		t.Errorf("index keys %q, want atoms, manifest, signature, volumes", keys)
	}
	if f.padding == 0 || f.padding > len(f.indexCBOR)/4+8 {
		t.Errorf("index: %d bytes of CBOR and %d of padding, want about 20%% padding", len(f.indexCBOR), f.padding)
	}
	wantOrder := []string{"manifest", "atoms", "/settings", "data", "empty-volume", "metadata"}
	if !reflect.DeepEqual(f.order, wantOrder) {
		t.Errorf("section order %q, want %q", f.order, wantOrder)
	}

	manifest, err := manifestForWrite(s)
	wtMust(t, err)
	if !bytes.Equal(f.data["manifest"], manifest) {
		t.Error("the manifest section does not hold the manifest")
	}

	name, atoms := wtParseVolume(t, f.data["atoms"], false)
	if name != "" {
		t.Errorf("atoms section has a name %q", name)
	}
	wtCompareEntries(t, "atoms", atoms, wtTreeEntries(t, s.Atoms))
	for vname, tr := range s.Volumes {
		name, got := wtParseVolume(t, f.data[vname], true)
		if name != vname {
			t.Errorf("volume section %q is named %q inside", vname, name)
		}
		wtCompareEntries(t, "volume "+vname, got, wtTreeEntries(t, tr))
	}
}

// TestWriteV3MatchesFixture rebuilds the real v3 package from what the reader makes
// of it and checks that the volume sections come out byte for byte as Wasmer wrote
// them.
func TestWriteV3MatchesFixture(t *testing.T) {
	raw, err := os.ReadFile(testfixtures.Path(t, "packages", wtV3Fixture))
	wtMust(t, err)
	c, err := ParseBytes(raw)
	if err != nil {
		t.Fatalf("ParseBytes(%s): %v", wtV3Fixture, err)
	}
	s := &Source{Manifest: c.Manifest, Package: c.Package, Atoms: wtTreeOf(t, c.AtomsVolume()), Volumes: map[string]*Tree{}}
	for _, v := range c.Volumes() {
		s.Volumes[v.Name()] = wtTreeOf(t, v)
	}
	out := wtWrite(t, s)

	want := wtParseFile(t, raw)
	got := wtParseFile(t, out)
	if !reflect.DeepEqual(got.order, want.order) {
		t.Errorf("section order %q, Wasmer's %q", got.order, want.order)
	}
	for _, name := range want.order {
		if name == "manifest" {
			continue // Wasmer writes struct order, wasirun sorted keys: compared as values below
		}
		if !bytes.Equal(got.framed[name], want.framed[name]) {
			t.Errorf("section %q: %d bytes, Wasmer's %d; they differ", name, len(got.framed[name]), len(want.framed[name]))
		}
	}
	if _, ok := want.framed["/settings"]; !ok {
		t.Fatal("the fixture has no /settings volume")
	}
	gm, err := ToJSONValue(got.data["manifest"])
	wtMust(t, err)
	wm, err := ToJSONValue(want.data["manifest"])
	wtMust(t, err)
	if !reflect.DeepEqual(gm, wm) {
		t.Errorf("manifest %v, Wasmer's %v", gm, wm)
	}

	c2, err := ParseBytes(out)
	if err != nil {
		t.Fatalf("ParseBytes of the rewritten package: %v", err)
	}
	for _, v := range c.Volumes() {
		v2, ok := c2.Volume(v.Name())
		if !ok {
			t.Errorf("volume %q lost", v.Name())
			continue
		}
		wtCompareEntries(t, "volume "+v.Name(), wtVolumeEntries(t, v2), wtVolumeEntries(t, v))
	}
}

// wtTreeOf copies a volume into a Tree, with modification times.
func wtTreeOf(t testing.TB, v *Volume) *Tree {
	t.Helper()
	tr := NewTree()
	wtMust(t, v.Walk(func(p string, e Entry) error {
		if e.IsDir() {
			return tr.AddDir(p)
		}
		b, err := e.Bytes()
		if err != nil {
			return err
		}
		return tr.AddFile(p, b, e.ModTime())
	}))
	return tr
}

func TestWriteV3Streams(t *testing.T) {
	const size = 32 << 20
	tr := NewTree()
	wtMust(t, tr.AddFile("big.bin", make([]byte, size), 0))
	s := &Source{Manifest: &Manifest{}, Volumes: map[string]*Tree{"data": tr}}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n, err := wtCount(s)
	runtime.ReadMemStats(&after)
	wtMust(t, err)
	if n < size {
		t.Fatalf("wrote %d bytes, want more than %d", n, size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
		t.Errorf("writing a %d MB volume allocated %d KB; the data should be streamed", size>>20, alloc>>10)
	}
}

func wtCount(s *Source) (int64, error) {
	var cw wtCountWriter
	err := WriteV3(&cw, s)
	return cw.n, err
}

type wtCountWriter struct{ n int64 }

func (w *wtCountWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// wtFailWriter fails once more than limit bytes were written.
type wtFailWriter struct{ n, limit int }

var errWtFail = errors.New("disk full")

func (w *wtFailWriter) Write(p []byte) (int, error) {
	if w.n+len(p) > w.limit {
		k := w.limit - w.n
		w.n = w.limit
		return k, errWtFail
	}
	w.n += len(p)
	return len(p), nil
}

func TestWriteV3WriterErrors(t *testing.T) {
	s := wtSource(t)
	size := len(wtWrite(t, s))
	for _, limit := range []int{0, 8, 100, 1000, size / 2, size - 1} {
		err := WriteV3(&wtFailWriter{limit: limit}, s)
		if !errors.Is(err, errWtFail) {
			t.Errorf("failing after %d bytes: err = %v, want the writer's error", limit, err)
		}
	}
}

func TestWriteV3Rejects(t *testing.T) {
	dirAtom := NewTree()
	wtMust(t, dirAtom.AddFile("dir/atom", []byte("x"), 0))
	for name, s := range map[string]*Source{
		"nil source":       nil,
		"atom directory":   {Manifest: &Manifest{}, Atoms: dirAtom},
		"empty volume":     {Manifest: &Manifest{}, Volumes: map[string]*Tree{"": NewTree()}},
		"bad UTF-8 volume": {Manifest: &Manifest{}, Volumes: map[string]*Tree{"\xff": NewTree()}},
		"dot-dot volume":   {Manifest: &Manifest{}, Volumes: map[string]*Tree{"a/../b": NewTree()}},
		"backslash volume": {Manifest: &Manifest{}, Volumes: map[string]*Tree{`a\b`: NewTree()}},
		"wapm not a map": {
			Manifest: &Manifest{Package: map[string]cbor.RawMessage{"wapm": wtEnc(t, "text")}},
			Package:  PackageInfo{Name: "x"},
		},
	} {
		err := WriteV3(io.Discard, s)
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: multi-line error %q", name, err)
		}
	}
}

func TestWriteV3Minimal(t *testing.T) {
	// No manifest, atoms or volumes: still a valid file.
	file := wtWrite(t, &Source{})
	f := wtParseFile(t, file)
	if !reflect.DeepEqual(f.order, []string{"manifest", "atoms"}) {
		t.Errorf("sections %q", f.order)
	}
	if _, err := ParseBytes(file); err != nil {
		t.Errorf("ParseBytes: %v", err)
	}
	// The atoms section of an empty package is byte-identical to Wasmer's (spec 3.5:
	// header = one empty directory record).
	wantAtoms := binary.LittleEndian.AppendUint64(nil, 65)
	wantAtoms = append(wantAtoms, 30)
	wantAtoms = binary.LittleEndian.AppendUint64(wantAtoms, 56)
	wantAtoms = append(wantAtoms, make([]byte, 24)...)
	empty := sha256.Sum256(nil)
	wantAtoms = append(wantAtoms, empty[:]...)
	wantAtoms = binary.LittleEndian.AppendUint64(wantAtoms, 0)
	if !bytes.Equal(f.data["atoms"], wantAtoms) {
		t.Errorf("empty atoms section\n% x\nwant\n% x", f.data["atoms"], wantAtoms)
	}
}

// wtFile is a v3 file as wtParseFile sees it.
type wtFile struct {
	indexCBOR []byte
	padding   int
	order     []string          // section names in file order: "manifest", "atoms", volume names
	data      map[string][]byte // section data by name
	framed    map[string][]byte // whole framed sections by name
}

type wtIndexEntry struct {
	Span struct {
		Start uint64 `cbor:"start"`
		Len   uint64 `cbor:"len"`
	} `cbor:"span"`
	Checksum struct {
		Tag   string          `cbor:"tag"`
		Value cbor.RawMessage `cbor:"value"`
	} `cbor:"checksum"`
}

type wtIndex struct {
	Manifest  wtIndexEntry            `cbor:"manifest"`
	Atoms     wtIndexEntry            `cbor:"atoms"`
	Volumes   map[string]wtIndexEntry `cbor:"volumes"`
	Signature struct {
		Tag   string          `cbor:"tag"`
		Value cbor.RawMessage `cbor:"value"`
	} `cbor:"signature"`
}

// wtParseFile reads a v3 file section by section from offset 8 to the end, checks
// every inline hash, and checks the index against what it found: each span starts
// at its section's tag byte and covers it whole, each checksum is a 32-byte CBOR byte
// string equal to the inline hash; the sections are contiguous, the index first,
// then the manifest, atoms and volumes in bytewise name order.
func wtParseFile(t testing.TB, b []byte) *wtFile {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\x00webc003")) || len(b) < 17 || b[8] != 2 {
		t.Fatalf("no v3 header and index section at offset 8: % x", b[:min(len(b), 17)])
	}
	reserved := binary.LittleEndian.Uint64(b[9:17])
	if reserved > uint64(len(b)-17) {
		t.Fatalf("index length %d runs past the end", reserved)
	}
	payload := b[17 : 17+reserved]
	var idx wtIndex
	rest, err := cbor.UnmarshalFirst(payload, &idx)
	if err != nil {
		t.Fatalf("index CBOR: %v", err)
	}
	if strings.Trim(string(rest), "\x00") != "" {
		t.Fatalf("the index is followed by non-zero bytes")
	}
	if idx.Signature.Tag != "signature-none" || !bytes.Equal(idx.Signature.Value, []byte{0x40}) {
		t.Errorf("signature = %q % x, want signature-none h''", idx.Signature.Tag, idx.Signature.Value)
	}
	f := &wtFile{
		indexCBOR: payload[:len(payload)-len(rest)],
		padding:   len(rest),
		data:      map[string][]byte{},
		framed:    map[string][]byte{},
	}

	type found struct {
		tag        byte
		start, len uint64
		sum        [32]byte
	}
	var secs []found
	for off := 17 + reserved; off < uint64(len(b)); {
		if uint64(len(b))-off < 41 {
			t.Fatalf("section at %d: framing cut short", off)
		}
		var s found
		s.tag, s.start = b[off], off
		copy(s.sum[:], b[off+1:off+33])
		n := binary.LittleEndian.Uint64(b[off+33 : off+41])
		if n > uint64(len(b))-off-41 {
			t.Fatalf("section at %d: length %d runs past the end", off, n)
		}
		s.len = 41 + n
		if got := sha256.Sum256(b[off+41 : off+41+n]); got != s.sum {
			t.Errorf("section at %d: inline hash %x, data hashes to %x", off, s.sum[:8], got[:8])
		}
		secs = append(secs, s)
		off += s.len
	}

	names := sortedKeys(idx.Volumes)
	if len(secs) != 2+len(names) {
		t.Fatalf("%d sections after the index, the index lists %d", len(secs), 2+len(names))
	}
	check := func(i int, name string, tag byte, e wtIndexEntry) {
		s := secs[i]
		if s.tag != tag {
			t.Errorf("section %d (%s) has tag %d, want %d", i, name, s.tag, tag)
		}
		if e.Span.Start != s.start || e.Span.Len != s.len {
			t.Errorf("%s: span {%d %d}, section found at {%d %d}", name, e.Span.Start, e.Span.Len, s.start, s.len)
		}
		if e.Checksum.Tag != "checksum-sha256" {
			t.Errorf("%s: checksum tag %q", name, e.Checksum.Tag)
		}
		if want := append([]byte{0x58, 0x20}, s.sum[:]...); !bytes.Equal(e.Checksum.Value, want) {
			t.Errorf("%s: checksum value % x, want the inline hash as a 32-byte byte string", name, e.Checksum.Value)
		}
		f.order = append(f.order, name)
		f.framed[name] = b[s.start : s.start+s.len]
		f.data[name] = b[s.start+41 : s.start+s.len]
	}
	check(0, "manifest", 1, idx.Manifest)
	check(1, "atoms", 3, idx.Atoms)
	for i, name := range names {
		check(2+i, name, 4, idx.Volumes[name])
	}
	return f
}

// wtParseVolume decodes a v3 volume section (named) or the atoms section, checking
// every record: tags, lengths, sorted unique names, every file's sha256, every child
// hash and directory hash, that the records tile the header and the file ranges tile
// the data area in depth-first order. It returns the entries in depth-first order.
func wtParseVolume(t testing.TB, b []byte, named bool) (string, []wtEntry) {
	t.Helper()
	r := &wtReader{t: t, b: b}
	var name string
	if named {
		name = string(r.bytes(r.u64()))
	}
	header := r.bytes(r.u64())
	data := r.bytes(r.u64())
	if r.off != len(b) {
		t.Fatalf("volume %q: %d bytes after the data", name, len(b)-r.off)
	}
	p := &wtHeaderParser{t: t, hdr: header, data: data}
	if len(header) == 0 || header[0] != 30 {
		t.Fatalf("volume %q: the root record is not a directory", name)
	}
	p.dir(0, "")
	if p.covered != len(header) {
		t.Errorf("volume %q: records cover %d of %d header bytes", name, p.covered, len(header))
	}
	if p.nextData != uint64(len(data)) {
		t.Errorf("volume %q: files cover %d of %d data bytes", name, p.nextData, len(data))
	}
	return name, p.entries
}

type wtReader struct {
	t   testing.TB
	b   []byte
	off int
}

func (r *wtReader) u64() uint64 {
	r.t.Helper()
	if len(r.b)-r.off < 8 {
		r.t.Fatalf("u64 at %d cut short", r.off)
	}
	v := binary.LittleEndian.Uint64(r.b[r.off:])
	r.off += 8
	return v
}

func (r *wtReader) bytes(n uint64) []byte {
	r.t.Helper()
	if n > uint64(len(r.b)-r.off) {
		r.t.Fatalf("%d bytes at %d run past the end", n, r.off)
	}
	out := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return out
}

type wtHeaderParser struct {
	t        testing.TB
	hdr      []byte
	data     []byte
	covered  int
	nextData uint64
	entries  []wtEntry
}

// dir checks the directory record at off and everything below it; it returns the
// directory hash.
func (p *wtHeaderParser) dir(off uint64, path string) [32]byte {
	t := p.t
	t.Helper()
	r := &wtReader{t: t, b: p.hdr, off: int(off)}
	if tag := r.bytes(1)[0]; tag != 30 {
		t.Fatalf("%q: record at %d has tag %d, want 30", path, off, tag)
	}
	bodyLen := r.u64()
	body := &wtReader{t: t, b: r.bytes(bodyLen)}
	p.covered += 9 + int(bodyLen)
	ts := [3]uint64{body.u64(), body.u64(), body.u64()}
	if ts[0] != 0 || ts[2] != 0 {
		t.Errorf("%q: accessed/created times %v, want 0", path, ts)
	}
	var stored [32]byte
	copy(stored[:], body.bytes(32))
	h := sha256.New()
	prev := ""
	for i := 0; body.off < len(body.b); i++ {
		childOff := body.u64()
		var childHash [32]byte
		copy(childHash[:], body.bytes(32))
		name := string(body.bytes(body.u64()))
		if i > 0 && name <= prev {
			t.Errorf("%q: entry %q after %q: not sorted", path, name, prev)
		}
		prev = name
		child := name
		if path != "" {
			child = path + "/" + name
		}
		if childOff >= uint64(len(p.hdr)) {
			t.Fatalf("%q: child offset %d past the header", child, childOff)
		}
		var got [32]byte
		switch p.hdr[childOff] {
		case 30:
			p.entries = append(p.entries, wtEntry{Path: child, Dir: true, MTime: p.mtime(childOff + 9)})
			got = p.dir(childOff, child)
		case 31:
			got = p.file(childOff, child)
		default:
			t.Fatalf("%q: record at %d has tag %d", child, childOff, p.hdr[childOff])
		}
		if got != childHash {
			t.Errorf("%q: entry hash %x, the record's hash is %x", child, childHash[:8], got[:8])
		}
		h.Write(got[:])
	}
	var sum [32]byte
	h.Sum(sum[:0])
	if sum != stored {
		t.Errorf("%q: directory hash %x, sha256 of the child hashes is %x", path, stored[:8], sum[:8])
	}
	return sum
}

func (p *wtHeaderParser) mtime(off uint64) int64 {
	ts := p.hdr[off : off+24]
	return int64(binary.LittleEndian.Uint64(ts[8:16]))
}

func (p *wtHeaderParser) file(off uint64, path string) [32]byte {
	t := p.t
	t.Helper()
	r := &wtReader{t: t, b: p.hdr, off: int(off) + 1}
	start, end := r.u64(), r.u64()
	var stored [32]byte
	copy(stored[:], r.bytes(32))
	ts := [3]uint64{r.u64(), r.u64(), r.u64()}
	p.covered += 1 + 16 + 32 + 24
	if ts[0] != 0 || ts[2] != 0 {
		t.Errorf("%q: accessed/created times %v, want 0", path, ts)
	}
	if start != p.nextData || end < start || end > uint64(len(p.data)) {
		t.Fatalf("%q: range [%d, %d), want it to start at %d within %d data bytes", path, start, end, p.nextData, len(p.data))
	}
	p.nextData = end
	content := p.data[start:end]
	if sum := sha256.Sum256(content); sum != stored {
		t.Errorf("%q: stored sha256 %x, content hashes to %x", path, stored[:8], sum[:8])
	}
	p.entries = append(p.entries, wtEntry{Path: path, Data: string(content), MTime: int64(ts[1])})
	return stored
}

// wtGenerated returns a package of about size bytes spread over a few volumes and
// directories.
func wtGenerated(t testing.TB, size int) (*Source, int64) {
	t.Helper()
	const fileSize = 64 << 10
	s := &Source{Manifest: &Manifest{}, Atoms: NewTree(), Volumes: map[string]*Tree{}}
	var total int64
	chunk := make([]byte, fileSize)
	for i := range chunk {
		chunk[i] = byte(i * 31)
	}
	wtMust(t, s.Atoms.AddFile("main", chunk, 0))
	total += fileSize
	for i := 0; total < int64(size); i++ {
		vname := fmt.Sprintf("vol%d", i%4)
		tr := s.Volumes[vname]
		if tr == nil {
			tr = NewTree()
			s.Volumes[vname] = tr
		}
		wtMust(t, tr.AddFile(fmt.Sprintf("d%d/sub%d/file%d.bin", i%3, i%5, i), chunk, int64(1700000000+i)))
		total += fileSize
	}
	return s, total
}

func BenchmarkWriteV3(b *testing.B) {
	s, total := wtGenerated(b, 4<<20)
	b.ReportAllocs()
	b.SetBytes(total)
	for b.Loop() {
		if err := WriteV3(io.Discard, s); err != nil {
			b.Fatal(err)
		}
	}
}
