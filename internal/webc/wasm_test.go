package webc

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// wsCheck checks that c is a bare module's package named name.
func wsCheck(t *testing.T, c *Container, name string, module []byte) {
	t.Helper()
	if c.Format != FormatWasm {
		t.Errorf("format %v", c.Format)
	}
	m, err := ToJSONValue(mustRaw(t, c))
	if err != nil {
		t.Fatal(err)
	}
	wtAssertEqual(t, "manifest", m, `{
		"atoms": {"`+name+`": {"kind": "https://webc.org/kind/wasm", "signature": ""}},
		"commands": {"`+name+`": {"runner": "https://webc.org/runner/wasi", "annotations": {}}},
		"entrypoint": "`+name+`"
	}`)
	if got := c.Atoms(); !reflect.DeepEqual(got, []string{name}) {
		t.Errorf("atoms %q", got)
	}
	cmd, err := c.Command("")
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Name != name || cmd.Atom != name || !cmd.IsWasi() {
		t.Errorf("command %+v", cmd)
	}
	if b, err := c.CommandAtom(cmd); err != nil || !bytes.Equal(b, module) {
		t.Errorf("atom %q, %v", b, err)
	}
	if len(c.Volumes()) != 0 || len(c.Mounts()) != 0 {
		t.Errorf("volumes %v, mounts %v", c.Volumes(), c.Mounts())
	}
}

func TestParseWasm(t *testing.T) {
	c, err := ParseBytes(wtModule)
	if err != nil {
		t.Fatal(err)
	}
	wsCheck(t, c, "main", wtModule)
}

func TestOpenWasmNaming(t *testing.T) {
	tests := []struct{ file, want string }{
		{"hello.wasm", "hello"},
		{"tool.v2.wasm", "tool.v2"},
		{"noext", "noext"},
		{"..wasm", "main"}, // "." is no name: the default stays
	}
	dir := t.TempDir()
	for _, tc := range tests {
		p := filepath.Join(dir, tc.file)
		if err := os.WriteFile(p, wtModule, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Open(p)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		wsCheck(t, c, tc.want, wtModule)
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	}
}

// mustRaw returns the container's manifest CBOR, or fails the test.
func mustRaw(t *testing.T, c *Container) []byte {
	t.Helper()
	raw, err := c.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
