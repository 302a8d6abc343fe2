package webc

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// sampleSource is a small package with two volumes, nested and empty directories.
func sampleSource(t testing.TB) *Source {
	t.Helper()
	atoms := NewTree()
	vol := NewTree()
	meta := NewTree()
	for _, err := range []error{
		atoms.AddFile("hello", tinyWasm, 0),
		vol.AddFile("a.txt", []byte("alpha"), 1700000000),
		vol.AddFile("b.txt", []byte("beta"), 0),
		vol.AddFile("dir/c.txt", []byte("gamma"), 0),
		vol.AddDir("empty"),
		meta.AddFile("README.md", []byte("# sample\n"), 0),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	wasi := mustCBOR(t, map[string]any{"atom": "hello", "main-args": []string{"-v"}, "env": []string{"A=1", "B"}})
	return &Source{
		Manifest: &Manifest{
			Atoms: map[string]AtomSpec{"hello": {Kind: "https://webc.org/kind/wasm", Signature: atomSignature(tinyWasm)}},
			Commands: map[string]CommandSpec{"hello": {Runner: RunnerWasi, Annotations: map[string]cbor.RawMessage{
				"wasi": wasi,
			}}},
			Package: map[string]cbor.RawMessage{
				"fs": mustCBOR(t, []any{map[string]any{"from": nil, "volume_name": "/data", "mount_path": "/data"}}),
			},
			Entrypoint: "hello",
		},
		Package: PackageInfo{Name: "ns/sample", Version: "1.2.3"},
		Atoms:   atoms,
		Volumes: map[string]*Tree{"/data": vol, "metadata": meta},
	}
}

func writeV3(t testing.TB, s *Source) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteV3(&buf, s); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// v3Sections returns the index of a v3 file, as the tests' own decoding.
func v3Index(t *testing.T, file []byte) indexWire {
	t.Helper()
	n := binary.LittleEndian.Uint64(file[9:])
	var idx indexWire
	if _, err := decMode.get().UnmarshalFirst(file[17:17+n], &idx); err != nil {
		t.Fatal(err)
	}
	return idx
}

// rehash recomputes every section's inline and index sha256 after a test changed
// bytes inside a section, so that the reader gets past the section checks.
func rehash(t *testing.T, file []byte) []byte {
	t.Helper()
	idx := v3Index(t, file)
	entries := []indexEntry{*idx.Manifest, *idx.Atoms}
	for _, e := range idx.Volumes {
		entries = append(entries, e)
	}
	for _, e := range entries {
		start, n := e.Span.Start, e.Span.Len
		sum := sha256.Sum256(file[start+41 : start+n])
		old := bytes.Clone(file[start+1 : start+33])
		copy(file[start+1:], sum[:])
		i := bytes.Index(file[17:start], old)
		if i < 0 {
			t.Fatal("index checksum not found")
		}
		copy(file[17+i:], sum[:])
	}
	return file
}

func TestV3Read(t *testing.T) {
	c, err := loadAll(writeV3(t, sampleSource(t)))
	if err != nil {
		t.Fatal(err)
	}
	if c.Format != FormatV3 || c.Package != (PackageInfo{Name: "ns/sample", Version: "1.2.3"}) {
		t.Errorf("format %v package %+v", c.Format, c.Package)
	}
	v, ok := c.Volume("/data")
	if !ok {
		t.Fatal("no /data volume")
	}
	e, err := v.Lookup("a.txt")
	if err != nil || e.ModTime() != 1700000000 {
		t.Fatalf("a.txt: %v mtime %d", err, e.ModTime())
	}
	if _, ok := e.Hash(); !ok {
		t.Error("a v3 file has no hash")
	}
	cmd, err := c.Command("")
	if err != nil || cmd.Wasi == nil || len(cmd.Wasi.MainArgs) != 1 || len(cmd.Wasi.Env) != 2 {
		t.Fatalf("command %+v: %v", cmd, err)
	}
	if m := c.Mounts(); len(m) != 1 || m[0].Volume != v || m[0].Guest != "/data" {
		t.Errorf("mounts = %+v", m)
	}
	if err := c.Verify(); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if got := c.Integrity(); got.Checksum != "sections" || got.Sections != 4 {
		t.Errorf("integrity = %+v", got)
	}
}

// TestV3Malformed changes one thing in a valid v3 file and checks the message. Hash
// mismatches in data are found by Verify (inspect --verify); those in the manifest
// and in volume headers as soon as they are read.
func TestV3Malformed(t *testing.T) {
	good := writeV3(t, sampleSource(t))
	idx := v3Index(t, good)
	manifestAt := idx.Manifest.Span.Start
	dataAt := idx.Volumes["/data"].Span.Start
	// patch returns a copy of good with fn applied.
	patch := func(fn func(b []byte) []byte) func() []byte {
		return func() []byte { return fn(bytes.Clone(good)) }
	}
	at := func(b []byte, s string) int {
		i := bytes.Index(b[dataAt:], []byte(s))
		if i < 0 {
			t.Fatalf("%q not in /data", s)
		}
		return int(dataAt) + i
	}
	tests := []struct {
		name   string
		file   func() []byte
		verify bool
		want   []string
	}{
		{"index missing", patch(func(b []byte) []byte { return b[:12] }), false, []string{"index: section header runs past the end of the section (at byte 8)"}},
		{"first section is not the index", patch(func(b []byte) []byte { b[8] = tagManifest; return b }), false, []string{"index: the first section has tag 1, not the index (2) (at byte 8)"}},
		{"index length past EOF", patch(func(b []byte) []byte { binary.LittleEndian.PutUint64(b[9:], 1<<50); return b }), false, []string{"index: length 1125899906842624 runs past the end of the file (at byte 8)"}},
		{"index not CBOR", patch(func(b []byte) []byte { b[17] = 0xff; return b }), false, []string{"index: cbor:"}},
		{"index of the wrong shape", patch(func(b []byte) []byte {
			n := binary.LittleEndian.Uint64(b[9:])
			copy(b[17:17+n], append(mustCBOR(t, map[string]any{"manifest": "here"}), make([]byte, n)...))
			return b
		}), false, []string{"index: cbor: cannot unmarshal UTF-8 text string into Go struct field", "manifest"}},
		{"index without manifest", patch(func(b []byte) []byte {
			n := binary.LittleEndian.Uint64(b[9:])
			copy(b[17:17+n], append(mustCBOR(t, map[string]any{}), make([]byte, n)...))
			return b
		}), false, []string{"index: has no manifest entry"}},
		{"truncated in the volume", patch(func(b []byte) []byte { return b[:dataAt+50] }), false, []string{`volume "/data": index span`, "runs past the end of the", "-byte file"}},
		{"truncated in the manifest", patch(func(b []byte) []byte { return b[:manifestAt+45] }), false, []string{`manifest: index span`, "runs past the end"}},
		{"section tag mismatch", patch(func(b []byte) []byte { b[manifestAt] = tagVolume; return b }), false, []string{"manifest: the index points at a section with tag 4, want 1"}},
		{"section length disagrees with span", patch(func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[manifestAt+33:], 3)
			return b
		}), false, []string{"manifest: the section holds 3 bytes but its index span leaves room for"}},
		{"manifest inline hash", patch(func(b []byte) []byte { b[manifestAt+1] ^= 1; return b }), false, []string{"manifest: the section's sha256", "stored before it", "checksum mismatch"}},
		{"manifest index checksum", patch(func(b []byte) []byte {
			b[manifestAt+41] ^= 0 // unchanged data; corrupt the index copy instead
			i := bytes.Index(b[17:manifestAt], b[manifestAt+1:manifestAt+33])
			b[17+i] ^= 1
			return b
		}), false, []string{"manifest: the section's sha256", "stored in the index"}},
		{"volume inline hash (verify)", patch(func(b []byte) []byte { b[dataAt+1] ^= 1; return b }), true, []string{`volume "/data": the section's sha256`, "stored before it", "checksum mismatch"}},
		{"volume data changed (verify)", patch(func(b []byte) []byte { b[at(b, "alpha")] = 'A'; return b }), true, []string{`volume "/data": entry "/a.txt" content's sha256`}},
		{"file hash (verify)", patch(func(b []byte) []byte { b[at(b, "alpha")] = 'A'; return rehash(t, b) }), true, []string{`volume "/data": entry "/a.txt" content's sha256`, "does not match the stored", "checksum mismatch"}},
		{"volume name mismatch", patch(func(b []byte) []byte { copy(b[at(b, "/data"):], "/date"); return rehash(t, b) }), false, []string{`volume "/data": the section is named "/date"`}},
		{"entry name with slash", patch(func(b []byte) []byte { copy(b[at(b, "b.txt"):], "b/txt"); return rehash(t, b) }), false, []string{`volume "/data": entry "/b/txt" has a name with a "/"`}},
		{"entry name NUL", patch(func(b []byte) []byte { copy(b[at(b, "b.txt"):], "b\x00txt"); return rehash(t, b) }), false, []string{`volume "/data": entry "/b\x00txt" has a name with`}},
		{"entry name invalid UTF-8", patch(func(b []byte) []byte { copy(b[at(b, "b.txt"):], "\xffb.tx"); return rehash(t, b) }), false, []string{`volume "/data": entry "/?b.tx" has a name that is not valid UTF-8`}},
		{"duplicate entry names", patch(func(b []byte) []byte { copy(b[at(b, "b.txt"):], "a.txt"); return rehash(t, b) }), false, []string{`volume "/data": entry "/a.txt" is a duplicate name in its directory`}},
		{"record offset past the header", patch(func(b []byte) []byte {
			i := at(b, "b.txt") - 8 - 32 - 8
			binary.LittleEndian.PutUint64(b[i:], 1<<20)
			return rehash(t, b)
		}), false, []string{`volume "/data": entry "/b.txt" record at header offset 1048576 runs past the end of the`}},
		{"two entries share a record", patch(func(b []byte) []byte {
			a := at(b, "a.txt") - 8 - 32 - 8
			bb := at(b, "b.txt") - 8 - 32 - 8
			copy(b[bb:bb+40], b[a:a+40]) // same record, same hash
			return rehash(t, b)
		}), false, []string{`volume "/data"`, "directory hash", "checksum mismatch"}},
		{"file data past the data area", patch(func(b []byte) []byte {
			i := at(b, "b.txt") - 8 - 32 - 8
			rec := int(dataAt) + 41 + 8 + len("/data") + 8 + int(binary.LittleEndian.Uint64(b[i:]))
			binary.LittleEndian.PutUint64(b[rec+9:], 1<<30)
			return rehash(t, b)
		}), false, []string{`volume "/data": entry "/b.txt" data`, "runs past the end of the", "data area"}},
		{"directory hash", patch(func(b []byte) []byte {
			i := at(b, "b.txt") - 8 - 32
			b[i] ^= 1 // the child hash the root lists for b.txt
			return rehash(t, b)
		}), false, []string{`volume "/data": entry "/b.txt" file hash`, "does not match", "its directory lists"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadAll(tt.file())
			if tt.verify {
				if err != nil {
					t.Fatalf("the change should be found by Verify, but parsing failed: %v", err)
				}
				err = c.Verify()
			}
			assertErr(t, err, tt.want...)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("%T is not a *FormatError", err)
			}
		})
	}
}

// TestV3Truncated cuts a valid file at every length: never a panic, and never the
// whole container.
func TestV3Truncated(t *testing.T) {
	good := writeV3(t, sampleSource(t))
	for n := range len(good) {
		if _, err := loadAll(good[:n]); err == nil {
			t.Errorf("cut at %d of %d bytes: no error", n, len(good))
		}
	}
}

func TestLookupAllocs(t *testing.T) {
	c, err := loadAll(writeV3(t, sampleSource(t)))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := c.Volume("/data")
	buf := make([]byte, 16)
	allocs := testing.AllocsPerRun(100, func() {
		e, err := v.Lookup("/dir/c.txt")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.ReadAt(buf, 0); err != nil && err.Error() != "EOF" {
			t.Fatal(err)
		}
		_ = e.Size()
	})
	if allocs != 0 {
		t.Errorf("Lookup+ReadAt allocates %v times, want 0", allocs)
	}
}

// fuzzSeeds returns generated containers of every form for FuzzParse.
func fuzzSeeds(t testing.TB) [][]byte {
	return [][]byte{writeV3(t, sampleSource(t)), writeV2(t, sampleSource(t))}
}

func writeV2(t testing.TB, s *Source) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := writeSectioned(&buf, s, FormatV2); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestV2Read reads the v2 layout (spec 3, "[src]": no real v2 file is at hand, so
// the writer's v2 mode makes one): no inline hashes, no timestamps, no directory
// hashes, file hashes and index checksums still checked.
func TestV2Read(t *testing.T) {
	file := writeV2(t, sampleSource(t))
	if string(file[:8]) != "\x00webc002" {
		t.Fatalf("header %q", file[:8])
	}
	c, err := loadAll(file)
	if err != nil {
		t.Fatal(err)
	}
	if c.Format != FormatV2 {
		t.Errorf("format %v", c.Format)
	}
	v, _ := c.Volume("/data")
	e, err := v.Lookup("dir/c.txt")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := e.Bytes(); err != nil || string(b) != "gamma" || e.ModTime() != 0 {
		t.Errorf("c.txt = %q, %v, mtime %d", b, err, e.ModTime())
	}
	// With an fs annotation, v2 mounts what it says (the atom-at-/ default is for
	// packages without one).
	if m := c.Mounts(); len(m) != 1 || m[0].Guest != "/data" {
		t.Errorf("mounts = %+v", m)
	}
	if err := c.Verify(); err != nil {
		t.Fatalf("Verify: %v", err)
	}

	// A changed byte of a directory entry, which no file hash covers: the index
	// checksum of the section catches it.
	bad := bytes.Clone(file)
	bad[bytes.Index(file, []byte("dir"))+2] = 's'
	c, err = loadAll(bad)
	if err != nil {
		t.Fatal(err)
	}
	assertErr(t, c.Verify(), `volume "/data": the section's sha256`, "stored in the index")
	// A changed byte of file data: reading the file checks its own hash.
	bad = bytes.Clone(file)
	bad[bytes.Index(file, []byte("alpha"))] = 'A'
	if c, err = loadAll(bad); err != nil {
		t.Fatal(err)
	}
	v, _ = c.Volume("/data")
	e, _ = v.Lookup("a.txt")
	_, err = e.Bytes()
	assertErr(t, err, `volume "/data": entry "/a.txt" content's sha256`, "checksum mismatch")

	for n := range len(file) {
		if _, err := loadAll(file[:n]); err == nil {
			t.Errorf("v2 cut at %d of %d bytes: no error", n, len(file))
		}
	}
}
