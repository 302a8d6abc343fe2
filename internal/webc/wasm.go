package webc

import (
	"crypto/sha256"
	"encoding/base64"

	"github.com/fxamacker/cbor/v2"
)

// A bare WebAssembly module is read as a package of one atom and one WASI command,
// both called "main" until Open renames them after the file (spec 1: "\0asm").

// wasmDefaultName names the atom and command of a bare module read by Parse.
const wasmDefaultName = "main"

// parseWasm reads a bare module: the whole of src is the atom.
func parseWasm(src *source) (*Container, error) {
	b, err := src.slice(0, src.size)
	if err != nil {
		return nil, formatErrAt("wasm", "", 0, err)
	}
	s, err := wasmSource(wasmDefaultName, b)
	if err != nil {
		return nil, err
	}
	return s.Container(FormatWasm)
}

// wasmSource builds the package of a bare module: atom and command name, the
// command the entrypoint, run by the WASI runner.
func wasmSource(name string, module []byte) (*Source, error) {
	wasi, err := encodeValue(map[string]string{"atom": name})
	if err != nil {
		return nil, err
	}
	atoms := NewTree()
	if err := atoms.AddFile(name, module, 0); err != nil {
		return nil, formatErr("wasm", name, err)
	}
	sum := sha256.Sum256(module)
	return &Source{
		Manifest: &Manifest{
			Atoms: map[string]AtomSpec{name: {
				Kind:      atomKindWasm,
				Signature: "sha256:" + base64.StdEncoding.EncodeToString(sum[:]),
			}},
			Commands: map[string]CommandSpec{name: {
				Runner:      RunnerWasi,
				Annotations: map[string]cbor.RawMessage{"wasi": wasi},
			}},
			Entrypoint: name,
		},
		Atoms: atoms,
	}, nil
}

// renameWasm renames the atom, the command and the entrypoint of a bare module's
// container (Open calls it with the file name minus ".wasm"). It leaves any other
// container, and a bare module it cannot rename, unchanged.
func (c *Container) renameWasm(name string) {
	old := c.Manifest.Entrypoint
	if c.Format != FormatWasm || name == old || validName(name) != nil {
		return
	}
	e, ok := c.AtomEntry(old)
	if !ok {
		return
	}
	b, err := e.Bytes()
	if err != nil {
		return
	}
	s, err := wasmSource(name, b)
	if err != nil {
		return
	}
	nc, err := s.Container(FormatWasm)
	if err != nil {
		return
	}
	c.Manifest, c.ManifestRaw, c.atoms, c.commands = nc.Manifest, nc.ManifestRaw, nc.atoms, nc.commands
}
