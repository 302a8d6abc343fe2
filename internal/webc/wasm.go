package webc

// A bare WebAssembly module is read as a package of one atom and one WASI command,
// both called "main" until Open renames them after the file (spec 1: "\0asm").

// wasmDefaultName names the atom and command of a bare module read by Parse.
const wasmDefaultName = "main"

// parseWasm reads a bare module: the whole of src is the atom.
func parseWasm(src *source, name string) (*Container, error) {
	b, err := src.slice(0, src.size)
	if err != nil {
		return nil, formatErrAt("wasm", "", 0, err)
	}
	if name == "" {
		name = wasmDefaultName
	}
	s, err := wasmSource(name, b)
	if err != nil {
		return nil, err
	}
	return s.Container(FormatWasm)
}

// wasmSource builds the package of a bare module: atom and command name, the
// command the entrypoint, run by the WASI runner. The command has no annotations:
// a WASI command without them runs the atom of its own name (spec 6.1), and
// leaving them out spares starting a module any CBOR work.
func wasmSource(name string, module []byte) (*Source, error) {
	atoms := NewTree()
	if err := atoms.AddFile(name, module, 0); err != nil {
		return nil, formatErr("wasm", name, err)
	}
	return &Source{
		Manifest: &Manifest{
			Atoms: map[string]AtomSpec{name: {
				// No signature: it would be the hash of these very bytes, and
				// computing it would cost every start of a large module.
				Kind: atomKindWasm,
			}},
			Commands:   map[string]CommandSpec{name: {Runner: RunnerWasi}},
			Entrypoint: name,
		},
		Atoms: atoms,
	}, nil
}
