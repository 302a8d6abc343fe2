package webc

import (
	"encoding/hex"
	"fmt"
	"reflect"
	"sort"

	"github.com/fxamacker/cbor/v2"
)

// Manifest is a package's manifest (spec section 5). Annotations stay as raw CBOR
// and are decoded on demand by the typed accessors, so an annotation wasirun does
// not know survives a read and a write unchanged.
type Manifest struct {
	Use     map[string]cbor.RawMessage `cbor:"use,omitempty"`
	Package map[string]cbor.RawMessage `cbor:"package,omitempty"`
	Atoms   map[string]AtomSpec        `cbor:"atoms,omitempty"`
	// Commands is written even when empty, as Wasmer writes it.
	Commands   map[string]CommandSpec `cbor:"commands"`
	Bindings   cbor.RawMessage        `cbor:"bindings,omitempty"`
	Entrypoint string                 `cbor:"entrypoint,omitempty"`
}

// AtomSpec describes an atom in the manifest.
type AtomSpec struct {
	Kind        string                     `cbor:"kind"`
	Signature   string                     `cbor:"signature"`
	Annotations map[string]cbor.RawMessage `cbor:"annotations,omitempty"`
}

// CommandSpec is a command as the manifest stores it.
type CommandSpec struct {
	Runner      string                     `cbor:"runner"`
	Annotations map[string]cbor.RawMessage `cbor:"annotations"`
}

// WasiAnnotation is the "wasi" annotation of a command. Keys are read in current
// Wasmer's kebab-case and in the snake_case of old converters; null means absent.
type WasiAnnotation struct {
	Atom              string
	Package           string
	Env               []string
	MainArgs          []string
	ExecName          string
	Cwd               string
	MountAtomInVolume string
}

type wasiWire struct {
	Atom                   *string  `cbor:"atom"`
	Package                *string  `cbor:"package"`
	Env                    []string `cbor:"env"`
	MainArgs               []string `cbor:"main-args"`
	MainArgsSnake          []string `cbor:"main_args"`
	ExecName               *string  `cbor:"exec-name"`
	ExecNameSnake          *string  `cbor:"exec_name"`
	Cwd                    *string  `cbor:"cwd"`
	MountAtomInVolume      *string  `cbor:"mount-atom-in-volume"`
	MountAtomInVolumeSnake *string  `cbor:"mount_atom_in_volume"`
}

// AtomAnnotation is the "atom" annotation of a command.
type AtomAnnotation struct {
	Name       string `cbor:"name"`
	Dependency string `cbor:"dependency"`
}

// WapmAnnotation is the "wapm" package annotation.
type WapmAnnotation struct {
	Name        string   `cbor:"name,omitempty"`
	Version     string   `cbor:"version,omitempty"`
	Description string   `cbor:"description,omitempty"`
	License     string   `cbor:"license,omitempty"`
	LicenseFile *FileRef `cbor:"license-file,omitempty"`
	Readme      *FileRef `cbor:"readme,omitempty"`
	Repository  string   `cbor:"repository,omitempty"`
	Homepage    string   `cbor:"homepage,omitempty"`
	Private     bool     `cbor:"private,omitempty"`
}

// FileRef names a file in one of the package's volumes.
type FileRef struct {
	Volume string `cbor:"volume"`
	Path   string `cbor:"path"`
}

// FsMapping is one entry of the "fs" package annotation: a volume mounted into the
// guest.
type FsMapping struct {
	// From is the `use` alias of the dependency that owns the volume; "" for this package.
	From string
	// VolumeName names the volume.
	VolumeName string
	// HostPath is the path inside the volume that is mounted; "" means its root.
	HostPath string
	// MountPath is the guest path.
	MountPath string
}

type fsWire struct {
	From         *string `cbor:"from"`
	VolumeName   string  `cbor:"volume_name"`
	HostPath     *string `cbor:"host_path"`
	OriginalPath *string `cbor:"original_path"`
	MountPath    string  `cbor:"mount_path"`
}

func deref(ps ...*string) string {
	for _, p := range ps {
		if p != nil {
			return *p
		}
	}
	return ""
}

// decMode decodes manifests: duplicate map keys are errors, sizes are bounded.
// Built on first use, as encMode is, so that starting wasirun on a bare module
// does not pay for them.
var decMode = lazy[cbor.DecMode]{make: newDecMode}

func newDecMode() cbor.DecMode {
	dm, err := cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:  64,
		MaxArrayElements: 1 << 20,
		MaxMapPairs:      1 << 20,
		IndefLength:      cbor.IndefLengthAllowed,
		DefaultMapType:   nil,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}

// encMode encodes manifests deterministically (map keys in bytewise order).
var encMode = lazy[cbor.EncMode]{make: newEncMode}

func newEncMode() cbor.EncMode {
	em, err := cbor.EncOptions{Sort: cbor.SortBytewiseLexical, NilContainers: cbor.NilContainerAsEmpty}.EncMode()
	if err != nil {
		panic(err)
	}
	return em
}

// parseManifest decodes manifest CBOR.
func parseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	if err := decMode.get().Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// annotation decodes the annotation key of annotations into v; it reports whether the
// key is present and not null.
func annotation(annotations map[string]cbor.RawMessage, key string, v any) (bool, error) {
	raw, ok := annotations[key]
	if !ok || len(raw) == 0 || raw[0] == 0xf6 || raw[0] == 0xf7 { // null, undefined
		return false, nil
	}
	if err := decMode.get().Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("annotation %q: %w", key, err)
	}
	return true, nil
}

// Wasi returns the command's "wasi" annotation, or nil when it has none.
func (c CommandSpec) Wasi() (*WasiAnnotation, error) {
	var w wasiWire
	if ok, err := annotation(c.Annotations, "wasi", &w); !ok || err != nil {
		return nil, err
	}
	a := &WasiAnnotation{
		Atom:              deref(w.Atom),
		Package:           deref(w.Package),
		Env:               w.Env,
		MainArgs:          w.MainArgs,
		ExecName:          deref(w.ExecName, w.ExecNameSnake),
		Cwd:               deref(w.Cwd),
		MountAtomInVolume: deref(w.MountAtomInVolume, w.MountAtomInVolumeSnake),
	}
	if a.MainArgs == nil {
		a.MainArgs = w.MainArgsSnake
	}
	return a, nil
}

// AtomAnnotation returns the command's "atom" annotation, or nil when it has none.
func (c CommandSpec) AtomAnnotation() (*AtomAnnotation, error) {
	var a AtomAnnotation
	if ok, err := annotation(c.Annotations, "atom", &a); !ok || err != nil {
		return nil, err
	}
	return &a, nil
}

// Wapm returns the "wapm" package annotation (zero when absent).
func (m *Manifest) Wapm() (WapmAnnotation, error) {
	var w WapmAnnotation
	_, err := annotation(m.Package, "wapm", &w)
	return w, err
}

// Fs returns the "fs" package annotation and whether the manifest has one.
func (m *Manifest) Fs() ([]FsMapping, bool, error) {
	var wire []fsWire
	ok, err := annotation(m.Package, "fs", &wire)
	if !ok || err != nil {
		return nil, ok, err
	}
	out := make([]FsMapping, len(wire))
	for i, w := range wire {
		out[i] = FsMapping{
			From:       deref(w.From),
			VolumeName: w.VolumeName,
			HostPath:   deref(w.HostPath, w.OriginalPath),
			MountPath:  w.MountPath,
		}
	}
	return out, true, nil
}

// Dependency returns the package a `use` alias refers to as text: the registry
// reference ("ns/name@^1") or URL; an embedded (vendored) manifest is "(embedded)".
func (m *Manifest) Dependency(alias string) (string, bool) {
	raw, ok := m.Use[alias]
	if !ok {
		return "", false
	}
	var s string
	if err := decMode.get().Unmarshal(raw, &s); err == nil {
		return s, true
	}
	return "(embedded)", true
}

// CommandNames returns the names of the manifest's commands, sorted.
func (m *Manifest) CommandNames() []string {
	names := make([]string, 0, len(m.Commands))
	for n := range m.Commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// MarshalCBOR-free helpers for writers.

// Marshal encodes the manifest as deterministic CBOR.
func (m *Manifest) Marshal() ([]byte, error) { return encMode.get().Marshal(m) }

// encodeValue encodes any value as deterministic CBOR, for building annotations.
func encodeValue(v any) (cbor.RawMessage, error) { return encMode.get().Marshal(v) }

// ToJSONValue converts CBOR to a value encoding/json can marshal: maps with text
// keys, byte strings as {"$bytes": "<hex>"}.
func ToJSONValue(raw []byte) (any, error) {
	var v any
	dm, err := cbor.DecOptions{DefaultMapType: mapStringAny, MaxNestedLevels: 64}.DecMode()
	if err != nil {
		return nil, err
	}
	if err := dm.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return jsonable(v), nil
}

var mapStringAny = reflect.TypeOf(map[string]any(nil))

// jsonable replaces byte strings (which encoding/json would write as base64) with
// {"$bytes": "<hex>"} and CBOR tags with their content, recursively.
func jsonable(v any) any {
	switch x := v.(type) {
	case []byte:
		return map[string]any{"$bytes": hex.EncodeToString(x)}
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
		return x
	case cbor.Tag:
		return jsonable(x.Content)
	}
	return v
}
