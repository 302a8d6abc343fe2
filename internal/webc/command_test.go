package webc

import (
	"errors"
	"github.com/wasirun/wasirun/internal/testfixtures"
	"reflect"
	"testing"

	"github.com/fxamacker/cbor/v2"
)

// manifestSource is a package with the given commands (runner, annotations) over
// atoms "a" and "b".
func manifestSource(t *testing.T, entrypoint string, cmds map[string]CommandSpec) *Source {
	t.Helper()
	atoms := NewTree()
	for _, name := range []string{"a", "b"} {
		if err := atoms.AddFile(name, tinyWasm, 0); err != nil {
			t.Fatal(err)
		}
	}
	return &Source{
		Manifest: &Manifest{
			Atoms:      map[string]AtomSpec{"a": {Kind: atomKindWasm}, "b": {Kind: atomKindWasm}},
			Commands:   cmds,
			Entrypoint: entrypoint,
			Use:        map[string]cbor.RawMessage{"dep": mustCBOR(t, "ns/dep@^1")},
		},
		Atoms: atoms,
	}
}

func ann(t *testing.T, kv ...any) map[string]cbor.RawMessage {
	t.Helper()
	m := map[string]cbor.RawMessage{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = mustCBOR(t, kv[i+1])
	}
	return m
}

// TestResolveCommands covers spec 6.1: which atom, in which package, runs a command.
func TestResolveCommands(t *testing.T) {
	tests := []struct {
		name       string
		spec       CommandSpec
		atom, dep  string
		wantErr    string
		wantNoAtom bool
	}{
		{name: "atom annotation", spec: CommandSpec{Runner: RunnerWasi, Annotations: ann(t, "atom", map[string]any{"name": "b"})}, atom: "b"},
		{name: "atom annotation with dependency", spec: CommandSpec{Runner: RunnerWasi, Annotations: ann(t, "atom", map[string]any{"name": "x", "dependency": "dep"})}, atom: "x", dep: "dep"},
		{name: "wasi atom", spec: CommandSpec{Runner: RunnerWasi, Annotations: ann(t, "wasi", map[string]any{"atom": "b"})}, atom: "b"},
		{name: "wasi atom in a dependency", spec: CommandSpec{Runner: RunnerWasi, Annotations: ann(t, "wasi", map[string]any{"atom": "dep:x"})}, atom: "x", dep: "dep"},
		{name: "emscripten atom", spec: CommandSpec{Runner: RunnerEmscripten, Annotations: ann(t, "emscripten", map[string]any{"atom": "a"})}, atom: "a"},
		{name: "runner prefix names the atom after the command", spec: CommandSpec{Runner: "https://webc.org/runner/wasi@unstable_", Annotations: map[string]cbor.RawMessage{}}, atom: "a"},
		{name: "missing atom, no annotations: the first atom", spec: CommandSpec{Runner: RunnerWasi}, atom: "a"},
		{name: "unknown runner: no atom", spec: CommandSpec{Runner: "https://example.org/runner/x"}, wantNoAtom: true},
		{name: "two colons", spec: CommandSpec{Runner: RunnerWasi, Annotations: ann(t, "wasi", map[string]any{"atom": "a:b:c"})}, wantErr: `manifest: command "c": atom reference "a:b:c" has more than one ":"`},
		{name: "missing atom with annotations", spec: CommandSpec{Runner: RunnerWasi, Annotations: ann(t, "wasi", map[string]any{"atom": "zz"})}, wantErr: `manifest: command "c": names atom "zz", which is not in the package (atoms: a, b)`},
		{name: "atom annotation of the wrong shape", spec: CommandSpec{Runner: RunnerWasi, Annotations: ann(t, "atom", "a")}, wantErr: `manifest: command "c": annotation "atom": cbor: cannot unmarshal UTF-8 text string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "c"
			if tt.name == "runner prefix names the atom after the command" {
				name = "a"
			}
			c, err := manifestSource(t, "", map[string]CommandSpec{name: tt.spec}).Container(FormatV3)
			if tt.wantErr != "" {
				assertErr(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cmd, err := c.Command(name)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantNoAtom {
				if cmd.Atom != "" {
					t.Errorf("atom %q, want none", cmd.Atom)
				}
				_, err := c.CommandAtom(cmd)
				assertErr(t, err, `command "c" uses the runner "https://example.org/runner/x", which wasirun cannot run`)
				return
			}
			if cmd.Atom != tt.atom || cmd.Dependency != tt.dep {
				t.Errorf("atom %q dependency %q, want %q %q", cmd.Atom, cmd.Dependency, tt.atom, tt.dep)
			}
			b, err := c.CommandAtom(cmd)
			if tt.dep != "" {
				assertErr(t, err, `command "c": atom "x" is in the dependency "dep" (ns/dep@^1), which is not in this file`)
				var de *DependencyError
				if !errors.As(err, &de) {
					t.Errorf("%T is not a *DependencyError", err)
				}
				return
			}
			if err != nil || len(b) != len(tinyWasm) {
				t.Errorf("CommandAtom: %d bytes, %v", len(b), err)
			}
		})
	}
}

// TestDefaultCommand covers spec 6.2: the entrypoint, else the only command, else
// an error listing the commands.
func TestDefaultCommand(t *testing.T) {
	wasi := CommandSpec{Runner: RunnerWasi}
	tests := []struct {
		name       string
		entrypoint string
		cmds       []string
		ask        string
		want       string
		wantErr    string
	}{
		{name: "entrypoint", entrypoint: "b", cmds: []string{"a", "b"}, want: "b"},
		{name: "only command", cmds: []string{"a"}, want: "a"},
		{name: "named", cmds: []string{"a", "b"}, ask: "b", want: "b"},
		{name: "ambiguous", cmds: []string{"b", "a"}, wantErr: "the package has no entrypoint; choose a command with --command: a, b"},
		{name: "none", wantErr: "the package has no commands"},
		{name: "no such command", cmds: []string{"a", "b"}, ask: "x", wantErr: `no command "x" in the package (commands: a, b)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmds := map[string]CommandSpec{}
			for _, n := range tt.cmds {
				cmds[n] = wasi
			}
			c, err := manifestSource(t, tt.entrypoint, cmds).Container(FormatV3)
			if err != nil {
				t.Fatal(err)
			}
			cmd, err := c.Command(tt.ask)
			if tt.wantErr != "" {
				assertErr(t, err, tt.wantErr)
				var nf *CommandNotFoundError
				if !errors.As(err, &nf) {
					t.Errorf("%T is not a *CommandNotFoundError", err)
				}
				return
			}
			if err != nil || cmd.Name != tt.want {
				t.Errorf("command %v, %v; want %q", cmd, err, tt.want)
			}
		})
	}
}

// TestMountsByForm covers spec 6.3: the fs annotation, else the atom volume at /
// for v1 and v2, nothing for v3.
func TestMountsByForm(t *testing.T) {
	s := sampleSource(t)
	delete(s.Manifest.Package, "fs")
	s.Volumes["atom"] = s.Volumes["/data"]
	for _, tt := range []struct {
		name  string
		file  []byte
		guest []string
	}{
		{"v3 without fs", writeV3(t, s), nil},
		{"v2 without fs", writeV2(t, s), []string{"/"}},
		{"v3 with fs", writeV3(t, sampleSource(t)), []string{"/data"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseBytes(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range c.Mounts() {
				got = append(got, m.Guest)
			}
			if !reflect.DeepEqual(got, tt.guest) {
				t.Errorf("mounts at %q, want %q", got, tt.guest)
			}
		})
	}
	bad := sampleSource(t)
	bad.Manifest.Package["fs"] = mustCBOR(t, []any{map[string]any{"volume_name": "nope", "mount_path": "/x"}})
	_, err := ParseBytes(writeV3(t, bad))
	assertErr(t, err, `manifest: fs mapping for "/x" names volume "nope", which is not in the package`)
}

// TestAtomSignature: --verify compares each atom with its manifest signature.
func TestAtomSignature(t *testing.T) {
	b := sampleV1(t)
	b.manifest = mustCBOR(t, map[string]any{"atoms": map[string]any{"hello": map[string]any{
		"kind": atomKindWasm, "signature": atomSignature([]byte("something else"))}}})
	c, err := ParseBytes(b.bytes())
	if err != nil {
		t.Fatal(err)
	}
	err = c.Verify()
	assertErr(t, err, `atoms: entry "hello" its sha256`, "does not match the manifest's signature sha256:", "checksum mismatch")
	if !errors.Is(err, ErrChecksum) {
		t.Errorf("%v is not ErrChecksum", err)
	}
	if _, err := c.Atom("hello"); err == nil {
		t.Error("Atom returned bytes that do not match their signature")
	}
}

// TestFixtureDependency: the real v3 sample's command lives in a registry package.
func TestFixtureDependency(t *testing.T) {
	c, err := Open(testfixtures.Path(t, "packages", "wasmer-tests--volume-static-webserver@0.1.0.webc"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cmd, err := c.Command("")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CommandAtom(cmd)
	assertErr(t, err, `command "script": atom "webserver" is in the dependency "wasmer/static-web-server" (wasmer/static-web-server@^1), which is not in this file`)
}
