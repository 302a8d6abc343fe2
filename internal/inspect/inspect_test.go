package inspect

// Inspect is tested on containers generated here: sources built with webc.NewTree,
// written with webc.WriteV3 and read back with webc.ParseBytes (or converted in
// memory, or a bare module). The text and JSON of one representative package are
// golden files in testdata/golden; run
//
//	go test ./internal/inspect -update
//
// to rewrite them after a deliberate change, and review the diff.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/wasirun/wasirun/internal/webc"
)

// update rewrites the golden files instead of comparing with them.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// checkGolden compares got with testdata/golden/<name>, or writes it there with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// testModule hand-assembles a core wasm module with one function type and one
// function import per "module.name" in imports, in order.
func testModule(imports ...string) []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	b = append(b, 1, 4, 1, 0x60, 0, 0) // type section: one type, func () -> ()
	if len(imports) == 0 {
		return b
	}
	body := []byte{byte(len(imports))}
	for _, imp := range imports {
		mod, name, _ := strings.Cut(imp, ".")
		body = append(body, byte(len(mod)))
		body = append(body, mod...)
		body = append(body, byte(len(name)))
		body = append(body, name...)
		body = append(body, 0, 0) // a function of type 0
	}
	b = append(b, 2, byte(len(body)))
	return append(b, body...)
}

// cborOf encodes v as an annotation value.
func cborOf(t *testing.T, v any) cbor.RawMessage {
	t.Helper()
	b, err := cbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signature is the manifest signature of an atom's bytes.
func signature(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + base64.StdEncoding.EncodeToString(sum[:])
}

// hexSum is the hex sha256 of b, as the report gives it.
func hexSum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// The atoms of the full package, one per ABI class.
var (
	atomApp    = testModule("wasi_snapshot_preview1.fd_write", "env.abort", "wasi_snapshot_preview1.proc_exit")
	atomLegacy = testModule("wasi_unstable.fd_write")
	atomWx     = testModule("wasix_32v1.fd_dup", "wasi_snapshot_preview1.fd_write")
	atomPure   = testModule()
	atomLib    = testModule("canonical_abi.resource_drop")
	atomJunk   = []byte("not a wasm module")
)

// fullSource is a package that sets every field the report shows: identity, an
// entrypoint, commands with and without a wasi annotation (kebab-case and
// snake_case keys) and one in a dependency, an atom of each ABI class, volumes with
// nested and no files, and mounts of a volume's root, of a directory of a volume and
// of a dependency's volume.
func fullSource(t *testing.T) *webc.Source {
	t.Helper()
	atoms := webc.NewTree()
	atomBytes := map[string][]byte{"app": atomApp, "legacy": atomLegacy, "wx": atomWx, "pure": atomPure, "lib": atomLib, "junk": atomJunk}
	specs := map[string]webc.AtomSpec{}
	for name, b := range atomBytes {
		if err := atoms.AddFile(name, b, 0); err != nil {
			t.Fatal(err)
		}
		specs[name] = webc.AtomSpec{Kind: "https://webc.org/kind/wasm", Signature: signature(b)}
	}
	data := webc.NewTree()
	for p, content := range map[string]string{"a.txt": "hello", "sub/b.txt": "goodbye"} {
		if err := data.AddFile(p, []byte(content), 0); err != nil {
			t.Fatal(err)
		}
	}
	assets := webc.NewTree()
	if err := assets.AddFile("img/logo.png", []byte("png"), 0); err != nil {
		t.Fatal(err)
	}
	if err := assets.AddDir("empty"); err != nil {
		t.Fatal(err)
	}
	wasi := func(v map[string]any) map[string]cbor.RawMessage {
		return map[string]cbor.RawMessage{"wasi": cborOf(t, v)}
	}
	return &webc.Source{
		Manifest: &webc.Manifest{
			Use: map[string]cbor.RawMessage{"dep": cborOf(t, "ns/dep@^1")},
			Package: map[string]cbor.RawMessage{"fs": cborOf(t, []map[string]any{
				{"volume_name": "/data", "host_path": "/", "mount_path": "/data"},
				{"volume_name": "assets", "host_path": "/img", "mount_path": "/static/img"},
				{"from": "dep", "volume_name": "shared", "mount_path": "/shared"},
			})},
			Atoms: specs,
			Commands: map[string]webc.CommandSpec{
				"run": {Runner: webc.RunnerWasi, Annotations: wasi(map[string]any{
					"atom": "app", "main-args": []string{"--x", "y z"}, "env": []string{"A=1", "B"}, "exec-name": "app-bin",
				})},
				"old": {Runner: webc.RunnerWasi + "@unstable_", Annotations: wasi(map[string]any{
					"atom": "legacy", "main_args": []string{"-v"}, "exec_name": "legacy-bin",
				})},
				"remote": {Runner: webc.RunnerWasi, Annotations: map[string]cbor.RawMessage{
					"atom": cborOf(t, map[string]string{"name": "tool", "dependency": "dep"}),
				}},
				"wx":   {Runner: webc.RunnerWasi, Annotations: wasi(map[string]any{"atom": "wx"})},
				"pure": {Runner: webc.RunnerWasi, Annotations: map[string]cbor.RawMessage{}},
			},
			Entrypoint: "run",
		},
		Package: webc.PackageInfo{Name: "test/full", Version: "1.2.3", Description: "every field of the report"},
		Atoms:   atoms,
		Volumes: map[string]*webc.Tree{"/data": data, "assets": assets, "empty": webc.NewTree()},
	}
}

// fullReport is what Inspect says about fullSource written as v3 and read back from
// the file full.webc.
func fullReport() *Report {
	ep := "run"
	return &Report{
		File:       "full.webc",
		Format:     "webc-v3",
		Package:    Package{Name: "test/full", Version: "1.2.3", Description: "every field of the report"},
		Entrypoint: &ep,
		Commands: []Command{
			{Name: "old", Runner: webc.RunnerWasi + "@unstable_", Atom: "legacy", MainArgs: []string{"-v"}, Env: []string{}, ExecName: "legacy-bin"},
			{Name: "pure", Runner: webc.RunnerWasi, Atom: "pure", MainArgs: []string{}, Env: []string{}},
			{Name: "remote", Runner: webc.RunnerWasi, Atom: "tool", Dependency: "dep", MainArgs: []string{}, Env: []string{}},
			{Name: "run", Runner: webc.RunnerWasi, Atom: "app", MainArgs: []string{"--x", "y z"}, Env: []string{"A=1", "B"}, ExecName: "app-bin"},
			{Name: "wx", Runner: webc.RunnerWasi, Atom: "wx", MainArgs: []string{}, Env: []string{}},
		},
		Atoms: []Atom{
			{Name: "app", Size: int64(len(atomApp)), SHA256: hexSum(atomApp), Imports: []string{"wasi_snapshot_preview1", "env"}, ABI: "wasi"},
			{Name: "junk", Size: int64(len(atomJunk)), SHA256: hexSum(atomJunk), Imports: []string{}, ABI: "other"},
			{Name: "legacy", Size: int64(len(atomLegacy)), SHA256: hexSum(atomLegacy), Imports: []string{"wasi_unstable"}, ABI: "wasi_unstable"},
			{Name: "lib", Size: int64(len(atomLib)), SHA256: hexSum(atomLib), Imports: []string{"canonical_abi"}, ABI: "other"},
			{Name: "pure", Size: int64(len(atomPure)), SHA256: hexSum(atomPure), Imports: []string{}, ABI: "none"},
			{Name: "wx", Size: int64(len(atomWx)), SHA256: hexSum(atomWx), Imports: []string{"wasix_32v1", "wasi_snapshot_preview1"}, ABI: "wasix"},
		},
		Volumes: []Volume{
			{Name: "/data", Files: 2, Bytes: 12},
			{Name: "assets", Files: 1, Bytes: 3},
			{Name: "empty", Files: 0, Bytes: 0},
		},
		Mounts: []Mount{
			{Volume: "/data", Guest: "/data"},
			{Volume: "assets", Guest: "/static/img", Path: "/img"},
			{Volume: "shared", Guest: "/shared", Path: "", From: "dep"},
		},
		Integrity: Integrity{Checksum: "sections", Signature: "none"},
	}
}

// writeV3 writes s as WebC v3 and returns the bytes.
func writeV3(t *testing.T, s *webc.Source) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := webc.WriteV3(&buf, s); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// parse reads a container from b.
func parse(t *testing.T, b []byte) *webc.Container {
	t.Helper()
	c, err := webc.ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// oneCommand is a package with one command and no entrypoint in the manifest.
func oneCommand(t *testing.T) *webc.Source {
	t.Helper()
	atoms := webc.NewTree()
	if err := atoms.AddFile("tool", atomApp, 0); err != nil {
		t.Fatal(err)
	}
	return &webc.Source{
		Manifest: &webc.Manifest{Commands: map[string]webc.CommandSpec{
			"tool": {Runner: webc.RunnerWasi, Annotations: map[string]cbor.RawMessage{"wasi": cborOf(t, map[string]string{"atom": "tool"})}},
		}},
		Atoms: atoms,
	}
}

func TestInspect(t *testing.T) {
	t.Parallel()
	str := func(s string) *string { return &s }
	// Each case builds a container and says how the report differs from want.
	tests := []struct {
		name      string
		container func(t *testing.T) *webc.Container
		file      string
		opts      Options
		want      func() *Report
	}{
		{
			name:      "v3, every field",
			container: func(t *testing.T) *webc.Container { return parse(t, writeV3(t, fullSource(t))) },
			file:      "full.webc",
			want:      fullReport,
		},
		{
			name:      "v3, verified",
			container: func(t *testing.T) *webc.Container { return parse(t, writeV3(t, fullSource(t))) },
			file:      "full.webc",
			opts:      Options{Verify: true},
			want: func() *Report {
				r := fullReport()
				r.Verified = true
				return r
			},
		},
		{
			name: "v3, no entrypoint and several commands",
			container: func(t *testing.T) *webc.Container {
				s := fullSource(t)
				s.Manifest.Entrypoint = ""
				return parse(t, writeV3(t, s))
			},
			file: "full.webc",
			want: func() *Report {
				r := fullReport()
				r.Entrypoint = nil
				return r
			},
		},
		{
			name: "v3, one command and no entrypoint: the command is the entrypoint",
			container: func(t *testing.T) *webc.Container {
				return parse(t, writeV3(t, oneCommand(t)))
			},
			file: "one.webc",
			want: func() *Report {
				return &Report{
					File: "one.webc", Format: "webc-v3", Entrypoint: str("tool"),
					Commands: []Command{{Name: "tool", Runner: webc.RunnerWasi, Atom: "tool", MainArgs: []string{}, Env: []string{}}},
					Atoms: []Atom{{Name: "tool", Size: int64(len(atomApp)), SHA256: hexSum(atomApp),
						Imports: []string{"wasi_snapshot_preview1", "env"}, ABI: "wasi"}},
					Volumes:   []Volume{},
					Mounts:    []Mount{},
					Integrity: Integrity{Checksum: "sections", Signature: "none"},
				}
			},
		},
		{
			name: "in-memory directory form",
			container: func(t *testing.T) *webc.Container {
				c, err := fullSource(t).Container(webc.FormatDir)
				if err != nil {
					t.Fatal(err)
				}
				return c
			},
			file: "pkgdir",
			want: func() *Report {
				r := fullReport()
				r.File, r.Format = "pkgdir", "dir"
				r.Integrity = Integrity{Checksum: "", Signature: "none"}
				return r
			},
		},
		{
			name:      "bare module with WASI imports",
			container: func(t *testing.T) *webc.Container { return parse(t, atomApp) },
			file:      "app.wasm",
			opts:      Options{Verify: true},
			want: func() *Report {
				return &Report{
					File: "app.wasm", Format: "wasm", Entrypoint: str("main"),
					Commands: []Command{{Name: "main", Runner: webc.RunnerWasi, Atom: "main", MainArgs: []string{}, Env: []string{}}},
					Atoms: []Atom{{Name: "main", Size: int64(len(atomApp)), SHA256: hexSum(atomApp),
						Imports: []string{"wasi_snapshot_preview1", "env"}, ABI: "wasi"}},
					Volumes:    []Volume{},
					Mounts:     []Mount{},
					Integrity:  Integrity{Checksum: "", Signature: "none"},
					VerifyNote: "the wasm form carries no hashes",
				}
			},
		},
		{
			name: "in-memory directory form, --verify: nothing to verify",
			container: func(t *testing.T) *webc.Container {
				c, err := fullSource(t).Container(webc.FormatDir)
				if err != nil {
					t.Fatal(err)
				}
				return c
			},
			file: "pkgdir",
			opts: Options{Verify: true},
			want: func() *Report {
				r := fullReport()
				r.File, r.Format = "pkgdir", "dir"
				r.Integrity = Integrity{Checksum: "", Signature: "none"}
				r.VerifyNote = "the dir form carries no hashes"
				return r
			},
		},
		{
			name:      "bare module without imports",
			container: func(t *testing.T) *webc.Container { return parse(t, atomPure) },
			file:      "pure.wasm",
			want: func() *Report {
				return &Report{
					File: "pure.wasm", Format: "wasm", Entrypoint: str("main"),
					Commands: []Command{{Name: "main", Runner: webc.RunnerWasi, Atom: "main", MainArgs: []string{}, Env: []string{}}},
					Atoms: []Atom{{Name: "main", Size: int64(len(atomPure)), SHA256: hexSum(atomPure),
						Imports: []string{}, ABI: "none"}},
					Volumes:   []Volume{},
					Mounts:    []Mount{},
					Integrity: Integrity{Checksum: "", Signature: "none"},
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Inspect(tt.container(t), tt.file, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want()
			if !reflect.DeepEqual(got, want) {
				gj, _ := json.MarshalIndent(got, "", "  ")
				wj, _ := json.MarshalIndent(want, "", "  ")
				t.Errorf("report:\n%s\nwant:\n%s", gj, wj)
			}
		})
	}
}

// TestInspectAtomHashes checks that the sha256 of an atom is the stored one where
// the container stores it (v3), the computed one otherwise (a bare module), and that
// both are the sha256 of the atom's bytes.
func TestInspectAtomHashes(t *testing.T) {
	t.Parallel()
	v3 := parse(t, writeV3(t, fullSource(t)))
	e, ok := v3.AtomEntry("app")
	if !ok {
		t.Fatal("no atom app in the v3 container")
	}
	stored, ok := e.Hash()
	if !ok {
		t.Fatal("the v3 container stores no hash for atom app")
	}
	if hex.EncodeToString(stored[:]) != hexSum(atomApp) {
		t.Fatalf("stored hash %x is not the sha256 of the atom", stored)
	}
	r, err := Inspect(v3, "full.webc", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Atoms[0].Name != "app" || r.Atoms[0].SHA256 != hex.EncodeToString(stored[:]) {
		t.Errorf("atom %+v, want app with the stored hash %x", r.Atoms[0], stored)
	}

	bare := parse(t, atomApp)
	e, _ = bare.AtomEntry("main")
	if _, ok := e.Hash(); ok {
		t.Fatal("a bare module stores a hash: this test no longer covers the computed one")
	}
	r, err = Inspect(bare, "app.wasm", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Atoms[0].SHA256 != hexSum(atomApp) {
		t.Errorf("computed sha256 %s, want %s", r.Atoms[0].SHA256, hexSum(atomApp))
	}
}

// TestInspectVerifyMismatch flips a byte of a volume file: --verify fails with a
// checksum error, without it the report is made (the bytes are not read).
func TestInspectVerifyMismatch(t *testing.T) {
	t.Parallel()
	b := writeV3(t, fullSource(t))
	i := bytes.Index(b, []byte("goodbye"))
	if i < 0 || bytes.Index(b[i+1:], []byte("goodbye")) >= 0 {
		t.Fatal("the file content goodbye is not in the package exactly once")
	}
	b[i] ^= 0x20

	_, err := Inspect(parse(t, b), "bad.webc", Options{Verify: true})
	var fe *webc.FormatError
	if !errors.Is(err, webc.ErrChecksum) || !errors.As(err, &fe) {
		t.Fatalf("Inspect --verify = %v, want a *webc.FormatError with webc.ErrChecksum", err)
	}
	if !strings.Contains(err.Error(), `volume "/data"`) {
		t.Errorf("error %q does not name the volume", err)
	}

	r, err := Inspect(parse(t, b), "bad.webc", Options{})
	if err != nil {
		t.Fatalf("Inspect without --verify: %v", err)
	}
	if r.Verified {
		t.Error("verified is true without --verify")
	}
}

// TestReportJSON checks the JSON field names, null and empty values.
func TestReportJSON(t *testing.T) {
	t.Parallel()
	c := parse(t, writeV3(t, oneCommand(t)))
	r, err := Inspect(c, "one.webc", Options{})
	if err != nil {
		t.Fatal(err)
	}
	r.Entrypoint = nil
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) []string {
		var k []string
		for key := range m {
			k = append(k, key)
		}
		return k
	}
	wantTop := []string{"file", "format", "package", "entrypoint", "commands", "atoms", "volumes", "mounts", "integrity", "verified"}
	if !sameSet(keys(got), wantTop) {
		t.Errorf("top-level keys %v, want %v", keys(got), wantTop)
	}
	if v, ok := got["entrypoint"]; !ok || v != nil {
		t.Errorf("entrypoint = %v (present %v), want null", v, ok)
	}
	for _, k := range []string{"volumes", "mounts"} {
		if v, ok := got[k].([]any); !ok || len(v) != 0 {
			t.Errorf("%s = %#v, want []", k, got[k])
		}
	}
	cmd := got["commands"].([]any)[0].(map[string]any)
	if want := []string{"name", "runner", "atom", "dependency", "main_args", "env", "exec_name"}; !sameSet(keys(cmd), want) {
		t.Errorf("command keys %v, want %v", keys(cmd), want)
	}
	atom := got["atoms"].([]any)[0].(map[string]any)
	if want := []string{"name", "size", "sha256", "imports", "abi"}; !sameSet(keys(atom), want) {
		t.Errorf("atom keys %v, want %v", keys(atom), want)
	}
	if pkg := got["package"].(map[string]any); !sameSet(keys(pkg), []string{"name", "version"}) {
		t.Errorf("package of an unnamed package %v, want name and version only (no empty description)", pkg)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]bool{}
	for _, s := range a {
		seen[s] = true
	}
	for _, s := range b {
		if !seen[s] {
			return false
		}
	}
	return true
}

// TestGolden compares the text and JSON reports of the full package (verified) with
// testdata/golden/full.txt and full.json.
func TestGolden(t *testing.T) {
	t.Parallel()
	r, err := Inspect(parse(t, writeV3(t, fullSource(t))), "full.webc", Options{Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "full.txt", text.Bytes())

	// As cmd/wasirun prints it.
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "full.json", js.Bytes())

	// An unverified package with no entrypoint and no commands says so in words.
	r, err = Inspect(parse(t, writeV3(t, &webc.Source{Manifest: &webc.Manifest{}})), "empty.webc", Options{})
	if err != nil {
		t.Fatal(err)
	}
	text.Reset()
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "empty.txt", text.Bytes())
}

func TestHumanBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"},
		{1 << 20, "1.0 MiB"}, {3<<30 + 1<<29, "3.5 GiB"},
	}
	for _, tt := range tests {
		if got := humanBytes(tt.n); got != tt.want {
			t.Errorf("humanBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// TestInspectVerifyUnhashed: --verify of a form that carries no hashes of its own
// reports verified false and says why, in the JSON and in the text.
func TestInspectVerifyUnhashed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		open     func(t *testing.T) *webc.Container
		wantNote string
	}{
		{"bare module", func(t *testing.T) *webc.Container { return parse(t, atomApp) }, "the wasm form carries no hashes"},
		{"tar.gz", func(t *testing.T) *webc.Container { return parse(t, tarGz(t)) }, "the tar.gz form carries no hashes"},
		{"v1, checksum none, a signed atom", func(t *testing.T) *webc.Container {
			return fixture(t, "dash-1.0.18-f0d13233-bcda-4cf1-9a23-3460bffaae2a.webc")
		},
			"this webc-v1 file has no checksum; only its atoms' signatures were checked, and matched"},
		{"v1, checksum none, no atoms", func(t *testing.T) *webc.Container {
			return fixture(t, "hello-0.1.0-665d2ddc-80e6-4845-85d3-4587b1693bb7.webc")
		},
			"this webc-v1 file has no checksum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tt.open(t)
			r, err := Inspect(c, "pkg", Options{Verify: true})
			if err != nil {
				t.Fatal(err)
			}
			if r.Verified || r.VerifyNote != tt.wantNote {
				t.Errorf("verified %v, note %q; want false, %q", r.Verified, r.VerifyNote, tt.wantNote)
			}
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if want := `"verified":false,"verify_note":` + strconvQuote(tt.wantNote) + "}"; !strings.HasSuffix(string(b), want) {
				t.Errorf("JSON ends %q, want %q", b[max(0, len(b)-len(want)):], want)
			}
			var text bytes.Buffer
			if err := r.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if want := "(not verified: " + tt.wantNote + ")\n"; !strings.Contains(text.String(), want) {
				t.Errorf("text report does not say %q:\n%s", want, text.String())
			}

			// Without --verify there is no note.
			r, err = Inspect(c, "pkg", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Verified || r.VerifyNote != "" {
				t.Errorf("without --verify: verified %v, note %q; want false and none", r.Verified, r.VerifyNote)
			}
		})
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// tarGz is a small wapm tarball: a wasmer.toml and one module.
func tarGz(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct{ name, data string }{
		{"wasmer.toml", "[package]\nname = \"t/tgz\"\nversion = \"0.1.0\"\n[[module]]\nname = \"app\"\nsource = \"app.wasm\"\n"},
		{"app.wasm", string(atomApp)},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fixture opens a real package from the shared fixtures beside the project, or
// skips the test when it is absent.
func fixture(t *testing.T, name string) *webc.Container {
	t.Helper()
	c, err := webc.Open(filepath.Join("..", "..", "..", "shared", "fixtures", "packages", name))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("real package %s not available: it lives in ../shared/fixtures/packages beside the project", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
