package webc

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// wtModule is a tiny valid module used as the source of test modules.
var wtModule = []byte("\x00asm\x01\x00\x00\x00")

// wtFiles returns a package file system holding wasmer.toml text and a module at
// app.wasm, plus extra files.
func wtFiles(extra map[string]string) fstest.MapFS {
	files := fstest.MapFS{"app.wasm": {Data: wtModule}}
	for name, data := range extra {
		files[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return files
}

// wtManifestJSON converts text and returns the manifest as a JSON value.
func wtManifestJSON(t *testing.T, text string, files fstest.MapFS) (map[string]any, *Source) {
	t.Helper()
	src, err := convertWasmerToml("wasmer.toml", []byte(text), files)
	if err != nil {
		t.Fatalf("convertWasmerToml: %v", err)
	}
	raw, err := src.Manifest.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	v, err := ToJSONValue(raw)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m, src
}

// wtJSON parses a JSON literal of a test's expectation.
func wtJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad expectation %s: %v", s, err)
	}
	return v
}

func wtAssertEqual(t *testing.T, what string, got any, want string) {
	t.Helper()
	w := wtJSON(t, want)
	gb, _ := json.Marshal(got)
	var g any
	_ = json.Unmarshal(gb, &g)
	if !reflect.DeepEqual(g, w) {
		wb, _ := json.Marshal(w)
		t.Errorf("%s:\n got %s\nwant %s", what, gb, wb)
	}
}

const wtModuleToml = `
[[module]]
name = "app"
source = "app.wasm"
abi = "wasi"
`

func TestConvertWasmerTomlErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		line int
		want string
	}{
		{"bad syntax", "[package]\nname = \"a\"\n[module\n", 3, "expected ']'"},
		{"wrong type", "[package]\nname = \"a\"\nversion = 3\n", 3, "package.version: expected a string, found an integer"},
		{"wrong type bool", "[package]\nprivate = \"yes\"\n", 2, "package.private: expected a boolean, found a string"},
		{"wrong type table", "module = 5\n", 1, "module: expected an array, found an integer"},
		{"fs value", "[fs]\n\"/a\" = 1\n", 2, "fs./a: expected a string, found an integer"},
		{"duplicate key", "[package]\nname = \"a\"\nname = \"b\"\n", 3, "name"},
		{"missing source", wtModuleToml + "\n[[module]]\nname = \"b\"\nsource = \"nope.wasm\"\n", 9, `module "b": source file "nope.wasm" not found`},
		{"source is a dir", "[[module]]\nname = \"b\"\nsource = \"dir\"\n", 3, `module "b": source "dir" is a directory`},
		{"source outside", "[[module]]\nname = \"b\"\nsource = \"../b.wasm\"\n", 3, `module "b": source "../b.wasm" is outside the package`},
		{"no source", "[[module]]\nname = \"b\"\n", 2, `module "b" has no source`},
		{"no module name", "[[module]]\nsource = \"app.wasm\"\n", 1, `[[module]] number 1 has no name`},
		{"bad module name", "[[module]]\nname = \"a/b\"\nsource = \"app.wasm\"\n", 2, `module "a/b" has a name with a "/"`},
		{"duplicate module", wtModuleToml + "[[module]]\nname = \"app\"\nsource = \"app.wasm\"\n", 7, `duplicate module "app"`},
		{"unknown abi", "[[module]]\nname = \"a\"\nsource = \"app.wasm\"\nabi = \"posix\"\n", 4, `module "a": unknown abi "posix"`},
		{"unknown kind", "[[module]]\nname = \"a\"\nsource = \"app.wasm\"\nkind = \"zip\"\n", 4, `module "a": unknown kind "zip"`},
		{"missing module", wtModuleToml + "\n[[command]]\nname = \"run\"\nmodule = \"nope\"\n", 9, `command "run": module "nope" is not a [[module]] of the package`},
		{"no command module", wtModuleToml + "[[command]]\nname = \"run\"\n", 7, `command "run" has no module`},
		{"bad module ref", wtModuleToml + "[[command]]\nname = \"run\"\nmodule = \"a:b:c\"\n", 8, `command "run": module "a:b:c" is not`},
		{"undeclared dependency", wtModuleToml + "[[command]]\nname = \"run\"\nmodule = \"ns/dep:tool\"\n", 8, `names the dependency "ns/dep", which is not in [dependencies]`},
		{"duplicate command", wtModuleToml + "[[command]]\nname = \"run\"\nmodule = \"app\"\n\n[[command]]\nname = \"run\"\nmodule = \"app\"\n", 11, `duplicate command "run"`},
		{"no command name", wtModuleToml + "[[command]]\nmodule = \"app\"\n", 6, `[[command]] number 1 has no name`},
		{"unknown runner", wtModuleToml + "[[command]]\nname = \"run\"\nmodule = \"app\"\nrunner = \"my runner\"\n", 9, `command "run": unknown runner "my runner"`},
		{"fs missing", "[fs]\n\"/data\" = \"data\"\n", 2, `[fs] "/data": host directory "data" not found`},
		{"fs escapes", "[fs]\n\"/data\" = \"../data\"\n", 2, `[fs] "/data": host directory "../data" is outside the package`},
		{"fs escapes deep", "[fs]\n\"/x\" = \"a/../../data\"\n", 2, `host directory "a/../../data" is outside the package`},
		{"fs file", "[fs]\n\"/x\" = \"app.wasm\"\n", 2, `[fs] "/x": host path "app.wasm" is not a directory`},
		{"fs same mount", "[fs]\n\"/x\" = \"dir\"\n\"x\" = \"dir\"\n", 3, `both mount at "/x"`},
		{"bad dependency", "[dependencies]\n\"nonamespace\" = \"1\"\n", 2, `dependency "nonamespace" is not in the "namespace/name" form`},
		{"empty requirement", "[dependencies]\n\"ns/a\" = \" \"\n", 2, `dependency "ns/a" has an empty version requirement`},
	}
	files := wtFiles(map[string]string{"dir/f.txt": "x"})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := convertWasmerToml("wasmer.toml", []byte(tc.text), files)
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a *FormatError", err, err)
			}
			msg := err.Error()
			if fe.Section != "wasmer.toml" || fe.Line != tc.line || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q (line %d), want line %d and %q", msg, fe.Line, tc.line, tc.want)
			}
			if strings.ContainsAny(msg, "\r\n") || strings.HasSuffix(msg, ".") {
				t.Errorf("error %q is not one line without a trailing period", msg)
			}
			if want := "wasmer.toml: line "; !strings.HasPrefix(msg, want) {
				t.Errorf("error %q does not start with %q", msg, want)
			}
		})
	}
}

// TestConvertWasmerTomlFull converts a manifest using every part of the schema and
// compares the whole manifest.
func TestConvertWasmerTomlFull(t *testing.T) {
	text := `
[package]
name = "ns/full"
version = "1.2.3"
description = "all of it"
license = "MIT"
license-file = "./LICENSE"
readme = "docs/README.md"
repository = "https://example.com/repo"
homepage = "https://example.com"
entrypoint = "serve"
private = true
extra-key = "ignored"

[dependencies]
"ns/dep" = "^1.2"

[[module]]
name = "app"
source = "app.wasm"
abi = "wasi"
interfaces = { wasi = "0.1.0-unstable" }

[[module]]
name = "lib"
source = "./lib/lib.wasm"
kind = "https://example.com/kind/custom"
[module.bindings]
wit-exports = "lib.wit"
wit-bindgen = "0.1.0"

[[command]]
name = "serve"
module = "app"
runner = "wcgi"

[[command]]
name = "tool"
module = "ns/dep:tool"
runner = "https://webc.org/runner/wasi/command@unstable_"

[[command]]
name = "em"
module = "app"
runner = "emscripten"

[fs]
"/settings" = "settings"
"data" = "./data/"
`
	files := wtFiles(map[string]string{
		"LICENSE":             "license text",
		"docs/README.md":      "# readme",
		"lib/lib.wasm":        "\x00asm\x01\x00\x00\x00lib",
		"lib.wit":             "interface x {}",
		"settings/config.yml": "a: 1",
		"data/sub/b.txt":      "b",
	})
	files["data/empty"] = &fstest.MapFile{Mode: 0o755 | 1<<31} // fs.ModeDir
	m, src := wtManifestJSON(t, text, files)
	wtAssertEqual(t, "manifest", m, `{
		"use": {"ns/dep": "ns/dep@^1.2"},
		"package": {
			"wapm": {
				"license": "MIT",
				"license-file": {"volume": "metadata", "path": "/LICENSE"},
				"readme": {"volume": "metadata", "path": "/docs/README.md"},
				"repository": "https://example.com/repo",
				"homepage": "https://example.com",
				"private": true
			},
			"fs": [
				{"from": null, "volume_name": "/data", "mount_path": "/data"},
				{"from": null, "volume_name": "/settings", "mount_path": "/settings"}
			]
		},
		"atoms": {
			"app": {"kind": "https://webc.org/kind/wasm", "signature": "sha256:k6RLu5bHUSGOTADUeeTBQ1gSKjiazKFiBbHk0NxflHY="},
			"lib": {"kind": "https://example.com/kind/custom", "signature": "sha256:snksQwLyxSlShbw1ayyOfWBhW9xJwQZohHsjiLqzDgQ="}
		},
		"commands": {
			"serve": {"runner": "https://webc.org/runner/wcgi", "annotations": {"atom": {"name": "app"}, "wasi": {"atom": "app"}}},
			"tool": {"runner": "https://webc.org/runner/wasi", "annotations": {"atom": {"name": "tool", "dependency": "ns/dep"}, "wasi": {"atom": "ns/dep:tool"}}},
			"em": {"runner": "https://webc.org/runner/emscripten", "annotations": {"atom": {"name": "app"}}}
		},
		"entrypoint": "serve"
	}`)
	if want := (PackageInfo{Name: "ns/full", Version: "1.2.3", Description: "all of it"}); src.Package != want {
		t.Errorf("package = %+v, want %+v", src.Package, want)
	}
	trees := map[string][]string{}
	for name, tr := range src.Volumes {
		_ = tr.Walk(func(e TreeEntry) error {
			s := e.Path
			if e.Dir {
				s += "/"
			} else if e.ModTime != 0 {
				t.Errorf("volume %q: %s has mtime %d, want 0", name, e.Path, e.ModTime)
			}
			trees[name] = append(trees[name], s)
			return nil
		})
	}
	wtAssertEqual(t, "volumes", trees, `{
		"metadata": ["LICENSE", "docs/", "docs/README.md", "lib.wit"],
		"/settings": ["config.yml"],
		"/data": ["empty/", "sub/", "sub/b.txt"]
	}`)
	var atoms []string
	_ = src.Atoms.Walk(func(e TreeEntry) error { atoms = append(atoms, e.Path); return nil })
	if !reflect.DeepEqual(atoms, []string{"app", "lib"}) {
		t.Errorf("atoms = %q", atoms)
	}
	// The Source must make a valid container (the "tool" command's atom lives in a
	// dependency, which is not in the package).
	c, err := src.Container(FormatDir)
	if err != nil {
		t.Fatalf("Container: %v", err)
	}
	if got, _ := c.DefaultCommand(); got != "serve" {
		t.Errorf("default command = %q, want serve", got)
	}
	if len(c.Mounts()) != 2 {
		t.Errorf("mounts = %+v", c.Mounts())
	}
}

// TestConvertWasmerTomlMainArgs covers the v1 command syntax: runner from the
// module's abi, main_args split on white space, package.
func TestConvertWasmerTomlMainArgs(t *testing.T) {
	text := `
[[module]]
name = "app"
source = "app.wasm"
abi = "wasi"

[[command]]
name = "a"
module = "app"
main_args = "  -v  --color\tauto  x "
package = "ns/pkg"

[[command]]
name = "b"
module = "app"
main_args = ""
`
	m, _ := wtManifestJSON(t, text, wtFiles(nil))
	wtAssertEqual(t, "commands", m["commands"], `{
		"a": {"runner": "https://webc.org/runner/wasi", "annotations": {"atom": {"name": "app"}, "wasi": {"atom": "app", "main-args": ["-v", "--color", "auto", "x"], "package": "ns/pkg"}}},
		"b": {"runner": "https://webc.org/runner/wasi", "annotations": {"atom": {"name": "app"}, "wasi": {"atom": "app", "main-args": []}}}
	}`)
	if _, ok := m["entrypoint"]; ok {
		t.Errorf("entrypoint %v with two commands", m["entrypoint"])
	}
}

func TestTomlRunnerMapping(t *testing.T) {
	tests := []struct{ runner, want string }{
		{"wasi", RunnerWasi},
		{"wasi@unstable_", RunnerWasi},
		{"generic", RunnerWasi},
		{"https://webc.org/runner/wasi", RunnerWasi},
		{"https://webc.org/runner/wasi@unstable_", RunnerWasi},
		{"https://webc.org/runner/wasi/command@unstable_", RunnerWasi},
		{"wcgi", RunnerWcgi},
		{"https://webc.org/runner/wcgi", RunnerWcgi},
		{"emscripten", RunnerEmscripten},
		{"wasm4", "https://webc.org/runner/wasm4"},
		{"https://example.com/runner/x", "https://example.com/runner/x"},
		{"urn:x:y", "urn:x:y"},
		{"my-runner_2", "https://webc.org/runner/my-runner_2"},
	}
	for _, tc := range tests {
		got, err := runnerURI(tc.runner)
		if err != nil || got != tc.want {
			t.Errorf("runnerURI(%q) = %q, %v; want %q", tc.runner, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "two words", "-x", "a/b"} {
		if got, err := runnerURI(bad); err == nil {
			t.Errorf("runnerURI(%q) = %q, want an error", bad, got)
		}
	}

	// v1 syntax: the module's abi decides; a module of a dependency runs on WASI.
	abis := []struct{ abi, want string }{
		{"wasi", RunnerWasi}, {"none", RunnerWasi}, {"generic", RunnerWasi}, {"", RunnerWasi},
		{"emscripten", RunnerEmscripten}, {"wasm4", "https://webc.org/runner/wasm4"},
	}
	for _, tc := range abis {
		text := "[dependencies]\n\"ns/d\" = \"1\"\n[[module]]\nname = \"m\"\nsource = \"app.wasm\"\nabi = \"" + tc.abi + "\"\n" +
			"[[command]]\nname = \"c\"\nmodule = \"m\"\n[[command]]\nname = \"d\"\nmodule = \"ns/d:m\"\n"
		m, _ := wtManifestJSON(t, text, wtFiles(nil))
		cmds := m["commands"].(map[string]any)
		if got := cmds["c"].(map[string]any)["runner"]; got != tc.want {
			t.Errorf("abi %q: runner %v, want %s", tc.abi, got, tc.want)
		}
		if got := cmds["d"].(map[string]any)["runner"]; got != RunnerWasi {
			t.Errorf("abi %q: dependency runner %v, want %s", tc.abi, got, RunnerWasi)
		}
		_, hasWasi := cmds["c"].(map[string]any)["annotations"].(map[string]any)["wasi"]
		if hasWasi != (tc.want == RunnerWasi) {
			t.Errorf("abi %q: wasi annotation present = %v", tc.abi, hasWasi)
		}
	}
}

// TestTomlAnnotationsMerge merges user annotations over the generated ones: tables
// key by key and recursively, other values replaced, dates as text.
func TestTomlAnnotationsMerge(t *testing.T) {
	text := wtModuleToml + `
[[command]]
name = "run"
module = "app"
runner = "wasi"

[command.annotations]
custom = { deep = { a = 1, list = [1, "two", 3.5, true] } }
when = 1979-05-27

[command.annotations.wasi]
env = ["A=1", "B=2"]
main-args = ["-w", "/settings/config.toml"]
exec-name = "srv"
cwd = "/app"

[command.annotations.atom]
dependency = "ns/x"
`
	m, _ := wtManifestJSON(t, text, wtFiles(nil))
	wtAssertEqual(t, "command", m["commands"].(map[string]any)["run"], `{
		"runner": "https://webc.org/runner/wasi",
		"annotations": {
			"atom": {"name": "app", "dependency": "ns/x"},
			"wasi": {"atom": "app", "env": ["A=1", "B=2"], "main-args": ["-w", "/settings/config.toml"], "exec-name": "srv", "cwd": "/app"},
			"custom": {"deep": {"a": 1, "list": [1, "two", 3.5, true]}},
			"when": "1979-05-27"
		}
	}`)

	dst := map[string]any{"a": map[string]any{"x": 1, "y": map[string]any{"z": 1}}, "b": 1, "c": map[string]any{"k": 1}}
	deepMerge(dst, map[string]any{"a": map[string]any{"y": map[string]any{"w": 2}, "x": 3}, "b": map[string]any{"n": 1}, "c": "flat", "d": 4})
	wtAssertEqual(t, "deepMerge", dst, `{"a": {"x": 3, "y": {"z": 1, "w": 2}}, "b": {"n": 1}, "c": "flat", "d": 4}`)
}

// TestConvertWasmerTomlMinimal: no [package], no commands; a missing readme is left
// out; one command becomes the entrypoint.
func TestConvertWasmerTomlMinimal(t *testing.T) {
	m, src := wtManifestJSON(t, wtModuleToml, wtFiles(nil))
	if _, ok := m["package"]; ok || src.Volumes != nil {
		t.Errorf("package %v, volumes %v: want none", m["package"], src.Volumes)
	}
	m, src = wtManifestJSON(t, "[package]\nname = \"a/b\"\nreadme = \"README.md\"\n"+wtModuleToml+"[[command]]\nname = \"c\"\nmodule = \"app\"\n", wtFiles(nil))
	wtAssertEqual(t, "package", m["package"], `{"wapm": {}}`)
	if m["entrypoint"] != "c" || src.Volumes != nil {
		t.Errorf("entrypoint %v, volumes %v: want c and none", m["entrypoint"], src.Volumes)
	}
}

func TestTomlLines(t *testing.T) {
	text := "# comment\n[package]\nname = \"x\"\n\n[[module]]\nname = \"a\"\n[[module]]\n  name = \"b\"\nsource.x = 1\n[fs]\n\"/a.b\" = \"c\"\n"
	l := indexTomlLines([]byte(text))
	tests := []struct {
		table string
		index int
		key   string
		want  int
	}{
		{"package", -1, "", 2}, {"package", -1, "name", 3},
		{"module", 0, "", 5}, {"module", 0, "name", 6},
		{"module", 1, "", 7}, {"module", 1, "name", 8},
		{"module.source", -1, "x", 9},
		{"fs", -1, "/a.b", 11}, {"fs", -1, "nope", 0},
	}
	for _, tc := range tests {
		if got := l.at(tc.table, tc.index, tc.key); got != tc.want {
			t.Errorf("line of %s[%d].%s = %d, want %d", tc.table, tc.index, tc.key, got, tc.want)
		}
	}
}

func FuzzConvertWasmerToml(f *testing.F) {
	f.Add(wtModuleToml)
	f.Add("[package]\nname = \"a/b\"\nversion = \"1.0.0\"\nreadme = \"README.md\"\n" + wtModuleToml +
		"[[command]]\nname = \"c\"\nmodule = \"app\"\nmain_args = \"-a b\"\n[fs]\n\"/d\" = \"dir\"\n")
	f.Add(wtModuleToml + "[dependencies]\n\"ns/d\" = \"1\"\n[[command]]\nname = \"c\"\nmodule = \"ns/d:x\"\nrunner = \"wasi\"\n" +
		"[command.annotations.wasi]\nenv = [\"A=1\"]\nwhen = 1979-05-27T07:32:00Z\n")
	f.Add("[[module]]\nname = \"x\"\nsource = \"../x\"\n")
	f.Add("[package\n")
	files := wtFiles(map[string]string{"README.md": "r", "dir/a/b.txt": "b"})
	f.Fuzz(func(t *testing.T, text string) {
		src, err := convertWasmerToml("wasmer.toml", []byte(text), files)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FormatError", err, err)
			}
			if msg := err.Error(); strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("error %q is not one line", msg)
			}
			return
		}
		if _, err := src.Manifest.Marshal(); err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		_, _ = src.Container(FormatDir) // may fail (e.g. a user annotation of the wrong shape), must not panic
	})
}
