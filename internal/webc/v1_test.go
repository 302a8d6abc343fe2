package webc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// tinyWasm is the smallest valid module: magic and version.
var tinyWasm = []byte("\x00asm\x01\x00\x00\x00")

func mustCBOR(t testing.TB, v any) []byte {
	t.Helper()
	b, err := encMode.get().Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sampleV1(t testing.TB) *v1Builder {
	return &v1Builder{
		manifest: mustCBOR(t, map[string]any{
			"package": map[string]any{"wapm": map[string]any{"name": "ns/sample", "version": "1.2.3"}},
			"atoms":   map[string]any{"hello": map[string]any{"kind": "https://webc.org/kind/wasm", "signature": ""}},
			"commands": map[string]any{"hello": map[string]any{
				"runner":      "https://webc.org/runner/wasi",
				"annotations": map[string]any{"wasi": map[string]any{"atom": "hello", "main_args": nil, "package": nil}},
			}},
		}),
		atoms: map[string][]byte{"hello": tinyWasm},
		volumes: []v1Vol{
			{name: "atom", files: map[string][]byte{"a.txt": []byte("alpha"), "b.txt": []byte("beta"), "dir/c.txt": []byte("gamma"), "empty/": nil}},
			{name: "metadata", files: nil},
		},
	}
}

// loadAll parses a container and decodes every volume, as inspect does.
func loadAll(b []byte) (*Container, error) {
	c, err := ParseBytes(b)
	if err != nil {
		return nil, err
	}
	for _, v := range c.Volumes() {
		if err := v.Load(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func TestV1Read(t *testing.T) {
	c, err := loadAll(sampleV1(t).bytes())
	if err != nil {
		t.Fatal(err)
	}
	if c.Format != FormatV1 || c.Package.Name != "ns/sample" || c.Package.Version != "1.2.3" {
		t.Errorf("format %v package %+v", c.Format, c.Package)
	}
	v, _ := c.Volume("atom")
	for path, want := range map[string]string{"a.txt": "alpha", "/dir/c.txt": "gamma", "./b.txt": "beta"} {
		e, err := v.Lookup(path)
		if err != nil {
			t.Fatalf("Lookup(%q): %v", path, err)
		}
		got, err := e.Bytes()
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", path, got, err, want)
		}
	}
	if e, err := v.Lookup("empty"); err != nil || !e.IsDir() || e.Len() != 0 {
		t.Errorf("empty dir: %v %v", e, err)
	}
	if _, err := v.Lookup("a.txt/x"); !errors.Is(err, ErrNotDir) {
		t.Errorf("file as dir: %v", err)
	}
	if _, err := v.Lookup("nope"); err == nil {
		t.Error("missing path found")
	}
	cmd, err := c.Command("")
	if err != nil || cmd.Atom != "hello" || cmd.Wasi == nil || cmd.Wasi.MainArgs != nil {
		t.Fatalf("command: %+v %v", cmd, err)
	}
	if m := c.Mounts(); len(m) != 1 || m[0].VolumeName != "atom" || m[0].Guest != "/" {
		t.Errorf("mounts = %+v, want atom at /", m)
	}
	if err := c.Verify(); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

func TestV1Checksum(t *testing.T) {
	b := sampleV1(t)
	b.kind = v1SumSHA256
	file := b.bytes()
	c, err := ParseBytes(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Verify(); err != nil {
		t.Fatalf("Verify of a good checksum: %v", err)
	}
	if got := c.Integrity(); got.Checksum != "sha256" {
		t.Errorf("integrity = %+v", got)
	}
	bad := replaceOnce(t, file, "alpha", "alphA")
	c, err = ParseBytes(bad)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Verify()
	assertErr(t, err, `header: the file's sha256 `, "does not match the", "stored in its header")
	if !errors.Is(err, ErrChecksum) {
		t.Errorf("%v is not ErrChecksum", err)
	}

	b.kind, b.sig = v1SumSigned, []byte("-----BEGIN PGP SIGNATURE-----")
	c, err = ParseBytes(b.bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Integrity(); got.Checksum != "sha256-signed" || got.SignatureBytes != len(b.sig) {
		t.Errorf("integrity = %+v", got)
	}
}

// patchV1Entry finds the listing entry named name in a v1 file and lets fn change
// its packed word, start and end.
func patchV1Entry(t *testing.T, file []byte, name string, fn func(word, start, end *uint64)) []byte {
	t.Helper()
	file = bytes.Clone(file)
	i := bytes.Index(file[v1HeaderSize:], []byte(name))
	if i < 0 {
		t.Fatalf("no entry %q", name)
	}
	at := v1HeaderSize + i - v1EntrySize
	w := binary.LittleEndian.Uint64(file[at:])
	s := binary.LittleEndian.Uint64(file[at+8:])
	e := binary.LittleEndian.Uint64(file[at+16:])
	fn(&w, &s, &e)
	binary.LittleEndian.PutUint64(file[at:], w)
	binary.LittleEndian.PutUint64(file[at+8:], s)
	binary.LittleEndian.PutUint64(file[at+16:], e)
	return file
}

func replaceOnce(t *testing.T, file []byte, old, new string) []byte {
	t.Helper()
	if len(old) != len(new) {
		t.Fatal("replacement must keep the length")
	}
	i := bytes.Index(file[v1HeaderSize:], []byte(old))
	if i < 0 {
		t.Fatalf("no %q", old)
	}
	file = bytes.Clone(file)
	copy(file[v1HeaderSize+i:], new)
	return file
}

// assertErr checks that err is a one-line message containing every part.
func assertErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one containing %q", parts)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r") {
		t.Errorf("error is not one line: %q", msg)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("error %q does not contain %q", msg, p)
		}
	}
}

func TestV1Malformed(t *testing.T) {
	good := sampleV1(t).bytes()
	manifestLenAt := v1HeaderSize
	tests := []struct {
		name string
		file func() []byte
		want []string
	}{
		{"empty file", func() []byte { return nil }, []string{"header: the file is empty"}},
		{"unknown magic", func() []byte { return []byte("PK\x03\x04 zip file") }, []string{"header: unknown magic 50 4b 03 04", "not a WebC package"}},
		{"unknown version", func() []byte { b := bytes.Clone(good); copy(b[5:], "009"); return b }, []string{`header: unsupported WebC version "009" (at byte 5)`}},
		{"short magic", func() []byte { return []byte("\x00webc0") }, []string{"header: the 8-byte header is cut short"}},
		{"header cut", func() []byte { return good[:1000] }, []string{"header: the 1308-byte v1 header is cut short at 1000 bytes"}},
		{"checksum kind", func() []byte { b := bytes.Clone(good); copy(b[8:], "md5-------------"); return b }, []string{`header: unknown checksum kind "md5-------------" (at byte 8)`}},
		{"manifest length past EOF", func() []byte {
			b := bytes.Clone(good[:manifestLenAt])
			return append(b, uleb(1<<40)...)
		}, []string{"manifest: length 1099511627776 runs past the end of the file"}},
		{"manifest length overflows", func() []byte {
			return append(bytes.Clone(good[:manifestLenAt]), bytes.Repeat([]byte{0xff}, 11)...)
		}, []string{"manifest: length: LEB128 number overflows 64 bits (at byte 1308)"}},
		{"manifest not CBOR", func() []byte {
			b := append(bytes.Clone(good[:manifestLenAt]), 2, 0xff, 0xff)
			return b
		}, []string{"manifest: cbor:"}},
		{"manifest wrong shape", func() []byte {
			b := sampleV1(t)
			b.manifest = mustCBOR(t, map[string]any{"commands": []any{"a", "b"}})
			return b.bytes()
		}, []string{"manifest: cbor: cannot unmarshal array", "commands"}},
		{"annotation wrong shape", func() []byte {
			b := sampleV1(t)
			b.manifest = mustCBOR(t, map[string]any{"atoms": map[string]any{"hello": map[string]any{}}, "commands": map[string]any{"hello": map[string]any{
				"runner": RunnerWasi, "annotations": map[string]any{"wasi": map[string]any{"atom": "hello", "main-args": "not a list"}}}}})
			return b.bytes()
		}, []string{`manifest: command "hello": annotation "wasi": cbor: cannot unmarshal UTF-8 text string`, "main-args"}},
		{"duplicate manifest key", func() []byte {
			b := sampleV1(t)
			// {"entrypoint": "a", "entrypoint": "b"}
			b.manifest = append([]byte{0xa2, 0x6a}, "entrypoint\x61a\x6aentrypoint\x61b"...)
			return b.bytes()
		}, []string{"manifest: cbor: found duplicate map key"}},
		{"command names a missing atom", func() []byte {
			b := sampleV1(t)
			b.manifest = mustCBOR(t, map[string]any{"commands": map[string]any{"run": map[string]any{
				"runner": RunnerWasi, "annotations": map[string]any{"wasi": map[string]any{"atom": "nope"}}}}})
			return b.bytes()
		}, []string{`manifest: command "run": names atom "nope", which is not in the package (atoms: hello)`}},
		{"atoms cut short", func() []byte { return good[:manifestLenAt+len(uleb(0))+len(sampleV1(t).manifest)+2] }, []string{"atoms: length", "runs past the end of the file"}},
		{"volume cut short", func() []byte { return good[:len(good)-4] }, []string{`volume name: length 8 runs past the end of the file (6 bytes left)`}},
		{"file data past the end", func() []byte {
			return patchV1Entry(t, good, "b.txt", func(_, _, e *uint64) { *e = 999 })
		}, []string{`volume "atom": entry "/b.txt" data 5..999 runs past the end of the section (14 bytes)`}},
		{"start after end", func() []byte {
			return patchV1Entry(t, good, "b.txt", func(_, s, _ *uint64) { *s = 50 })
		}, []string{`volume "atom": entry "/b.txt" has start 50 after end 9`}},
		{"unknown entry type", func() []byte {
			return patchV1Entry(t, good, "b.txt", func(w, _, _ *uint64) { *w = 5 | 7<<56 })
		}, []string{`volume "atom": entry "/b.txt" has unknown entry type 7`}},
		{"name length past listing", func() []byte {
			return patchV1Entry(t, good, "b.txt", func(w, _, _ *uint64) { *w = 500 | 1<<56 })
		}, []string{`volume "atom": entry "/" entry name of 500 bytes runs past the end of the section`}},
		{"directory listing past header", func() []byte {
			return patchV1Entry(t, good, "dir", func(_, _, e *uint64) { *e = 5000 })
		}, []string{`volume "atom": entry "/dir" directory listing at`, "runs past the end of the section"}},
		{"directory listing loops to the root", func() []byte {
			return patchV1Entry(t, good, "dir", func(_, s, e *uint64) { *s = 0; *e = 8 + 4*24 + 5 + 5 + 3 + 5 })
		}, []string{`volume "atom"`, "overlap"}},
		{"name with slash", func() []byte { return replaceOnce(t, good, "b.txt", "b/txt") }, []string{`volume "atom": entry "/b/txt" has a name with a "/", NUL or backslash`}},
		{"name with NUL", func() []byte { return replaceOnce(t, good, "b.txt", "b\x00txt") }, []string{`volume "atom": entry "/b\x00txt" has a name with`}},
		{"invalid UTF-8 name", func() []byte { return replaceOnce(t, good, "b.txt", "b\xfftxt") }, []string{`volume "atom": entry "/b?txt" has a name that is not valid UTF-8`}},
		{"duplicate names", func() []byte { return replaceOnce(t, good, "b.txt", "a.txt") }, []string{`volume "atom": entry "/a.txt" is a duplicate name in its directory`}},
		{"duplicate volume", func() []byte { return replaceOnce(t, good, "metadata", "atom\x00\x00\x00\x00") }, []string{`volume name`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadAll(tt.file())
			assertErr(t, err, tt.want...)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("%T is not a *FormatError", err)
			}
		})
	}
}

func TestV1DotDotName(t *testing.T) {
	b := sampleV1(t)
	b.volumes = []v1Vol{{name: "atom", files: map[string][]byte{"ab": []byte("x")}}}
	file := replaceOnce(t, b.bytes(), "ab", "..")
	_, err := loadAll(file)
	assertErr(t, err, `volume "atom": entry "/.." has the name ".."`)
}

// TestV1Truncated cuts a valid file at every length: each prefix must give an
// error (or, where the cut falls between volumes, a smaller valid container), never
// a panic.
func TestV1Truncated(t *testing.T) {
	good := sampleV1(t).bytes()
	for n := range len(good) {
		c, err := loadAll(good[:n])
		if err == nil && n < len(good) && len(c.Volumes()) == 2 {
			t.Errorf("cut at %d of %d: read the whole container", n, len(good))
		}
	}
}
