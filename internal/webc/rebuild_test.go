package webc_test

// The wasmer.toml that Unpack writes is tested by what it is for: a package built
// from the unpacked directory (ReadDirSource, as `wasirun package build` does) is
// equivalent to the one unpacked (webctest.Differences), and what it cannot carry
// is in the notes.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/wasirun/wasirun/internal/webc"
	"github.com/wasirun/wasirun/internal/webc/webctest"
)

// rtModule hand-assembles a core module importing one function from each of the
// given modules.
func rtModule(modules ...string) []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	b = append(b, 1, 4, 1, 0x60, 0, 0) // type section: func () -> ()
	if len(modules) == 0 {
		return b
	}
	body := []byte{byte(len(modules))}
	for _, m := range modules {
		body = append(body, byte(len(m)))
		body = append(body, m...)
		body = append(body, 1, 'f', 0, 0)
	}
	b = append(b, 2, byte(len(body)))
	return append(b, body...)
}

func rtEnc(t *testing.T, v any) cbor.RawMessage {
	t.Helper()
	b, err := cbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func rtSig(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + base64.StdEncoding.EncodeToString(sum[:])
}

func rtMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// rtTree builds a tree of files (path -> content); a path ending in "/" is an
// empty directory.
func rtTree(t *testing.T, files map[string]string) *webc.Tree {
	t.Helper()
	tr := webc.NewTree()
	for p, content := range files {
		if d, ok := strings.CutSuffix(p, "/"); ok {
			rtMust(t, tr.AddDir(d))
			continue
		}
		rtMust(t, tr.AddFile(p, []byte(content), 1700000000))
	}
	return tr
}

// rtParse writes s as v3 and reads it back.
func rtParse(t *testing.T, s *webc.Source) *webc.Container {
	t.Helper()
	var buf bytes.Buffer
	rtMust(t, webc.WriteV3(&buf, s))
	c, err := webc.ParseBytes(buf.Bytes())
	rtMust(t, err)
	return c
}

// rtRebuild unpacks c into a new directory, builds that directory back and
// returns the rebuilt package, the directory and the notes.
func rtRebuild(t *testing.T, c *webc.Container) (*webc.Container, string, []string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	notes, err := webc.Unpack(c, out, webc.UnpackOptions{})
	if err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	src, err := webc.ReadDirSource(out)
	if err != nil {
		toml, _ := os.ReadFile(filepath.Join(out, "wasmer.toml"))
		t.Fatalf("building the unpacked directory: %v\nwasmer.toml:\n%s", err, toml)
	}
	// Through the v3 writer, as package build does.
	return rtParse(t, src), out, notes
}

// rtFull is a package that uses every part of the manifest a wasmer.toml can say.
func rtFull(t *testing.T) *webc.Source {
	app := rtModule("wasi_snapshot_preview1", "env")
	pure := rtModule()
	lib := rtModule("canonical_abi")
	old := rtModule("wasi_unstable")
	atoms := webc.NewTree()
	for name, b := range map[string][]byte{"app": app, "pure": pure, "lib": lib, "old": old} {
		rtMust(t, atoms.AddFile(name, b, 0))
	}
	sig := func(b []byte) webc.AtomSpec {
		return webc.AtomSpec{Kind: "https://webc.org/kind/wasm", Signature: rtSig(b)}
	}
	return &webc.Source{
		Manifest: &webc.Manifest{
			Use: map[string]cbor.RawMessage{"ns/dep": rtEnc(t, "ns/dep@^1.2")},
			Atoms: map[string]webc.AtomSpec{
				"app": sig(app), "pure": sig(pure), "lib": sig(lib), "old": sig(old),
			},
			Commands: map[string]webc.CommandSpec{
				"run": {Runner: webc.RunnerWasi, Annotations: map[string]cbor.RawMessage{
					"wasi": rtEnc(t, map[string]any{"atom": "app", "main-args": []string{"--x", "y z"}, "env": []string{"A=1", "B"},
						"exec-name": "app-bin", "cwd": "/data", "package": "ns/pkg"}),
				}},
				"tool": {Runner: webc.RunnerWasi, Annotations: map[string]cbor.RawMessage{
					"atom": rtEnc(t, map[string]any{"name": "pure"}),
				}},
				"legacy": {Runner: webc.RunnerWasi, Annotations: map[string]cbor.RawMessage{
					"wasi": rtEnc(t, map[string]any{"atom": "old", "main_args": []string{"-v"}, "exec_name": "o"}),
				}},
				"remote": {Runner: webc.RunnerWasi, Annotations: map[string]cbor.RawMessage{
					"atom": rtEnc(t, map[string]any{"name": "tool", "dependency": "ns/dep"}),
					"wasi": rtEnc(t, map[string]any{"atom": "ns/dep:tool", "env": []string{"R=1"}}),
				}},
				"web": {Runner: webc.RunnerWcgi, Annotations: map[string]cbor.RawMessage{
					"atom": rtEnc(t, map[string]any{"name": "app"}),
					"wcgi": rtEnc(t, map[string]any{"dialect": "rfc-3875", "workers": 4, "ratio": 0.5, "on": true, "list": []any{1, "two"}}),
				}},
			},
			Package: map[string]cbor.RawMessage{
				"wapm": rtEnc(t, map[string]any{
					"license": "MIT", "repository": "https://example.com/r", "homepage": "https://example.com", "private": true,
					"readme":       map[string]string{"volume": "metadata", "path": "/README.md"},
					"license-file": map[string]string{"volume": "metadata", "path": "/docs/LICENSE"},
				}),
				"fs": rtEnc(t, []map[string]any{
					{"volume_name": "/data", "mount_path": "/data"},
					{"volume_name": "assets", "host_path": "/img", "mount_path": "/static/img"},
					{"volume_name": "/data", "mount_path": "/again"},
				}),
			},
			Entrypoint: "run",
		},
		Package: webc.PackageInfo{Name: "test/full", Version: "1.2.3", Description: "every part"},
		Atoms:   atoms,
		Volumes: map[string]*webc.Tree{
			"/data":    rtTree(t, map[string]string{"a.txt": "alpha", "sub/b.txt": "beta", "empty/": "", "zero": ""}),
			"assets":   rtTree(t, map[string]string{"img/x.png": "png", "img/deep/y.png": "y", "other.txt": "not mounted"}),
			"metadata": rtTree(t, map[string]string{"README.md": "# full\n", "docs/LICENSE": "MIT\n"}),
			"empty":    webc.NewTree(),
		},
	}
}

// TestUnpackRebuild: a package that a wasmer.toml can describe whole comes back
// equivalent, with no notes; the wasmer.toml names its parts as expected.
func TestUnpackRebuild(t *testing.T) {
	c := rtParse(t, rtFull(t))
	rebuilt, out, notes := rtRebuild(t, c)
	if len(notes) != 0 {
		t.Errorf("notes %q, want none", notes)
	}
	if d := webctest.Differences(c, rebuilt); len(d) > 0 {
		t.Errorf("the rebuilt package differs:\n%s", strings.Join(d, "\n"))
	}
	toml, err := os.ReadFile(filepath.Join(out, "wasmer.toml"))
	rtMust(t, err)
	for _, want := range []string{
		"[package]\nname = 'test/full'\nversion = '1.2.3'\ndescription = 'every part'\nlicense = 'MIT'\nlicense-file = 'docs/LICENSE'\nreadme = 'README.md'\n",
		"[dependencies]\n'ns/dep' = '^1.2'\n",
		"[fs]\n'/again' = 'volumes/data'\n'/data' = 'volumes/data'\n'/static/img' = 'volumes/assets/img'\n",
		"[[module]]\nname = 'app'\nsource = 'atoms/app'\nabi = 'wasi'\n",
		"[[module]]\nname = 'lib'\nsource = 'atoms/lib'\n\n",
		"[[module]]\nname = 'old'\nsource = 'atoms/old'\nabi = 'wasi'\n",
		"[[module]]\nname = 'pure'\nsource = 'atoms/pure'\nabi = 'none'\n",
		"[[command]]\nname = 'remote'\nmodule = 'ns/dep:tool'\nrunner = 'https://webc.org/runner/wasi'\n",
		"[command.annotations.wasi]\ncwd = '/data'\nenv = ['A=1', 'B']\nexec-name = 'app-bin'\nmain-args = ['--x', 'y z']\npackage = 'ns/pkg'\n",
	} {
		if !strings.Contains(string(toml), want) {
			t.Errorf("wasmer.toml does not hold\n%s\nwasmer.toml:\n%s", want, toml)
		}
	}
	// The readme and license file are copied beside wasmer.toml, where it names
	// them, and come back at their paths in the metadata volume.
	for p, want := range map[string]string{"README.md": "# full\n", "docs/LICENSE": "MIT\n"} {
		if b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(p))); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", p, b, err, want)
		}
	}
	meta, ok := rebuilt.Volume("metadata")
	if !ok {
		t.Fatal("the rebuilt package has no metadata volume")
	}
	var got []string
	rtMust(t, meta.Walk(func(p string, e webc.Entry) error {
		if !e.IsDir() {
			got = append(got, p)
		}
		return nil
	}))
	if want := []string{"README.md", "docs/LICENSE"}; !reflect.DeepEqual(got, want) {
		t.Errorf("rebuilt metadata volume holds %q, want %q", got, want)
	}
	// A second round trip gives the same wasmer.toml but for the volume
	// directories, which now carry the first rebuild's names.
	if _, _, notes := rtRebuild(t, rebuilt); len(notes) != 0 {
		t.Errorf("second round trip: notes %q", notes)
	}
}

// TestUnpackRebuildDifferences runs Differences on a changed copy, so that the
// round-trip tests above can fail.
func TestUnpackRebuildDifferences(t *testing.T) {
	want := rtParse(t, rtFull(t))
	s := rtFull(t)
	s.Package.Version = "9"
	s.Manifest.Commands["run"] = webc.CommandSpec{Runner: webc.RunnerWasi, Annotations: map[string]cbor.RawMessage{
		"wasi": rtEnc(t, map[string]any{"atom": "app", "main-args": []string{"--x"}}),
	}}
	s.Volumes["/data"] = rtTree(t, map[string]string{"a.txt": "ALPHA", "sub/b.txt": "beta", "empty/": "", "zero": ""})
	d := webctest.Differences(want, rtParse(t, s))
	joined := strings.Join(d, "\n")
	for _, part := range []string{"package {", `command "run"`, "mount /data:", "mount /again:"} {
		if !strings.Contains(joined, part) {
			t.Errorf("differences do not mention %q:\n%s", part, joined)
		}
	}
	if len(d) != 4 {
		t.Errorf("%d differences, want 4:\n%s", len(d), joined)
	}
}

// TestUnpackRebuildNotes: what a wasmer.toml cannot say is named, one note each,
// in the notes and at the top of wasmer.toml; the rest still rebuilds.
func TestUnpackRebuildNotes(t *testing.T) {
	s := rtFull(t)
	m := s.Manifest
	m.Use["coreutils"] = rtEnc(t, "sharrattj/coreutils@1")
	m.Use["web"] = rtEnc(t, "https://example.com/pkg.webc")
	m.Commands["ls"] = webc.CommandSpec{Runner: webc.RunnerWasi, Annotations: map[string]cbor.RawMessage{
		"atom": rtEnc(t, map[string]any{"name": "ls", "dependency": "coreutils"}),
	}}
	m.Commands["fetch"] = webc.CommandSpec{Runner: webc.RunnerWasi, Annotations: map[string]cbor.RawMessage{
		"atom": rtEnc(t, map[string]any{"name": "get", "dependency": "web"}),
	}}
	m.Commands["unstable"] = webc.CommandSpec{Runner: webc.RunnerWasi + "@unstable_", Annotations: map[string]cbor.RawMessage{
		"atom":  rtEnc(t, map[string]any{"name": "old"}),
		"blob":  rtEnc(t, map[string]any{"data": []byte{1, 2}}),
		"nulls": rtEnc(t, []any{nil}),
	}}
	m.Commands["python"] = webc.CommandSpec{Runner: "https://example.com/runner/python", Annotations: map[string]cbor.RawMessage{}}
	spec := m.Atoms["lib"]
	spec.Annotations = map[string]cbor.RawMessage{"wasm": rtEnc(t, map[string]any{"features": []string{"simd"}})}
	spec.Kind = "not a url"
	m.Atoms["lib"] = spec
	m.Bindings = rtEnc(t, []any{map[string]any{"name": "b"}})
	m.Package["extra"] = rtEnc(t, "x")
	m.Package["wapm"] = rtEnc(t, map[string]any{
		"license": "MIT", "keywords": []string{"k"},
		"readme":       map[string]string{"volume": "assets", "path": "/other.txt"},
		"license-file": map[string]string{"volume": "metadata", "path": "/wasmer.toml"},
	})
	m.Package["fs"] = rtEnc(t, []map[string]any{
		{"volume_name": "/data", "mount_path": "/data"},
		{"volume_name": "/data", "mount_path": "data/"},
		{"volume_name": "/data", "host_path": "/a.txt", "mount_path": "/file"},
		{"from": "coreutils", "volume_name": "atom", "mount_path": "/usr"},
		{"volume_name": "/data", "host_path": "/zero", "mount_path": "/red\x1b[31m\nline"},
	})
	s.Volumes["metadata"] = rtTree(t, map[string]string{"README.md": "# full\n", "docs/LICENSE": "MIT\n", "wasmer.toml": "[package]\n", "a": "", "b": "", "c": ""})
	s.Volumes["cache"] = rtTree(t, map[string]string{"x": "not mounted"})

	c := rtParse(t, s)
	rebuilt, out, notes := rtRebuild(t, c)
	want := []string{
		`dependency "coreutils" becomes "sharrattj/coreutils": wasmer.toml names a dependency by its package`,
		`dependency "web" (https://example.com/pkg.webc) is not a registry name and version: wasmer.toml cannot name it, so it is left out`,
		`the second mount at data/ (volume "/data") is left out: wasmer.toml mounts one directory at a path`,
		`the mount at /file of "/a.txt" in volume "/data" is left out: that is no directory of the volume`,
		`the mount at /usr of volume "atom" of the dependency "coreutils" is left out: wasmer.toml cannot mount a dependency's volume`,
		`the mount at /red\x1b[31m\nline of "/zero" in volume "/data" is left out: that is no directory of the volume`,
		`the readme /other.txt comes back in the metadata volume, not in volume "assets"`,
		`the license-file /wasmer.toml of volume "metadata" comes back as /volumes/metadata/wasmer.toml in the metadata volume: its own path is one unpack writes`,
		`the package annotation "extra" is left out: wasmer.toml has no place for it`,
		`the package annotation wapm.keywords is left out: [package] has no place for it`,
		`volume "assets" is left out: the package does not mount it, and wasmer.toml makes volumes only of mounted directories (and the metadata volume of the readme and license file)`,
		`volume "cache" is left out: the package does not mount it, and wasmer.toml makes volumes only of mounted directories (and the metadata volume of the readme and license file)`,
		`the metadata volume's /README.md, /a, /b and 2 more are left out: only the readme and license file are rebuilt into it`,
		`atom "lib": its kind "not a url" is left out: wasmer.toml takes a kind that is a URL`,
		`atom "lib": its annotations (wasm) are left out: package build does not write module annotations`,
		`command "fetch" is left out: its atom is in the dependency "web", which is left out`,
		`command "python" is left out: its runner https://example.com/runner/python names no atom, and wasmer.toml needs a module for every command`,
		`command "unstable": its runner https://webc.org/runner/wasi@unstable_ comes back as https://webc.org/runner/wasi`,
		`command "unstable": its annotation "blob" is left out: TOML has no byte strings`,
		`command "unstable": its annotation "nulls" is left out: TOML has no null`,
		`the manifest's bindings are left out: package build does not write them`,
	}
	if !reflect.DeepEqual(notes, want) {
		t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(notes, "\n"), strings.Join(want, "\n"))
	}
	toml, err := os.ReadFile(filepath.Join(out, "wasmer.toml"))
	rtMust(t, err)
	for _, n := range want {
		if !strings.Contains(string(toml), "\n#   - "+n+"\n") {
			t.Errorf("wasmer.toml does not list %q:\n%s", n, toml)
		}
	}
	// What is left is the same: "ls" keeps its atom in the renamed dependency.
	ls, err := rebuilt.Command("ls")
	if err != nil || ls.Atom != "ls" || ls.Dependency != "sharrattj/coreutils" {
		t.Errorf("rebuilt command ls = %+v, %v", ls, err)
	}
	if _, err := rebuilt.Command("fetch"); err == nil {
		t.Error("the rebuilt package has the command fetch, whose dependency was left out")
	}
	if r, err := rebuilt.Command("run"); err != nil || !reflect.DeepEqual(r.Wasi.MainArgs, []string{"--x", "y z"}) {
		t.Errorf("rebuilt command run = %+v, %v", r, err)
	}
}

// TestUnpackOverwrite: without Overwrite, an existing file stops Unpack before it
// writes anything, with an *ExistsError; with it, the files are replaced (a
// symbolic link in the way is replaced, not written through) and other files are
// left alone.
func TestUnpackOverwrite(t *testing.T) {
	c := rtParse(t, rtFull(t))
	out := t.TempDir()
	mine := filepath.Join(out, "mine.txt")
	rtMust(t, os.WriteFile(mine, []byte("keep"), 0o644))
	rtMust(t, os.MkdirAll(filepath.Join(out, "volumes", "data", "sub"), 0o755))
	rtMust(t, os.WriteFile(filepath.Join(out, "volumes", "data", "sub", "b.txt"), []byte("old"), 0o644))

	_, err := webc.Unpack(c, out, webc.UnpackOptions{})
	var exists *webc.ExistsError
	if !errors.As(err, &exists) || exists.Path != "volumes/data/sub/b.txt" ||
		err.Error() != "unpacking into "+out+": volumes/data/sub/b.txt already exists; refusing to overwrite it" {
		t.Fatalf("Unpack over an existing file: %v, want an *ExistsError naming volumes/data/sub/b.txt", err)
	}
	for _, p := range []string{"manifest.json", "wasmer.toml", "README.md", "atoms"} {
		if _, err := os.Lstat(filepath.Join(out, p)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a refused Unpack wrote %s: %v", p, err)
		}
	}

	// A symbolic link where an atom goes, pointing at the user's file.
	rtMust(t, os.MkdirAll(filepath.Join(out, "atoms"), 0o755))
	linked := os.Symlink(filepath.Join("..", "mine.txt"), filepath.Join(out, "atoms", "app")) == nil
	if _, err := webc.Unpack(c, out, webc.UnpackOptions{Overwrite: true}); err != nil {
		t.Fatalf("Unpack with Overwrite: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(out, "volumes", "data", "sub", "b.txt")); err != nil || string(b) != "beta" {
		t.Errorf("b.txt = %q, %v; want it replaced", b, err)
	}
	if b, err := os.ReadFile(mine); err != nil || string(b) != "keep" {
		t.Errorf("the user's file = %q, %v; want it untouched", b, err)
	}
	if linked {
		if st, err := os.Lstat(filepath.Join(out, "atoms", "app")); err != nil || !st.Mode().IsRegular() {
			t.Errorf("atoms/app is %v, %v; want the link replaced by a file", st, err)
		}
	}
	// Again, over a complete unpack.
	if _, err := webc.Unpack(c, out, webc.UnpackOptions{Overwrite: true}); err != nil {
		t.Fatalf("second Unpack with Overwrite: %v", err)
	}
	// A directory where a file goes is still an error, naming it.
	rtMust(t, os.Remove(filepath.Join(out, "wasmer.toml")))
	rtMust(t, os.MkdirAll(filepath.Join(out, "wasmer.toml", "x"), 0o755))
	_, err = webc.Unpack(c, out, webc.UnpackOptions{Overwrite: true})
	if err == nil || !strings.HasPrefix(err.Error(), "unpacking into "+out+": wasmer.toml: ") {
		t.Errorf("Unpack over a directory: %v, want an error naming wasmer.toml", err)
	}
}
