package webc

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// This file converts a wasmer.toml (or a legacy wapm.toml) and the files beside it
// into a Source, as Wasmer does for a package directory or a wapm tarball (spec 6.5).
//
// Decisions where Wasmer's behaviour is not one we want to copy, or where the spec
// is silent:
//
//   - Paths in wasmer.toml (module sources, readme, license-file, binding files,
//     [fs] host directories) are relative to the package root; leading slashes are
//     ignored and a path that climbs out of the package with ".." is an error
//     (Wasmer would read the host's file system).
//   - A readme, license-file or binding file that is missing or outside the package
//     is left out silently, as Wasmer's default (lossy) strictness does.
//   - Files of the metadata volume and of [fs] volumes keep their package-relative
//     paths; modification times are not recorded (0), so builds are reproducible.
//   - Symbolic links inside an [fs] directory are not followed: one that points
//     outside the package is an error, any other is left out (as in a tarball).
//   - The "fs" package annotation is sorted by mount path (a TOML table has no
//     order once decoded); two host paths may not share a mount path.
//   - User [command.annotations] are merged over the generated ones key by key,
//     recursively; where both hold a value that is not a table, the user's wins
//     (Wasmer refuses differing scalars and concatenates arrays).
//   - Dependency version requirements are kept as written ("ns/name@^1"); Wasmer
//     re-prints them through its semver parser.
//   - Module bindings are not written into the manifest's "bindings" (the reference
//     decoder does not either); their files go into the metadata volume. A module's
//     own [module.annotations] and Wasmer's detected "wasm" features are not written.
//   - main_args and package are read only from v1 commands (no runner), as Wasmer
//     does; a command's annotations table is taken literally (Wasmer's form that
//     names a JSON or YAML file instead is not supported).

// Atom kinds (spec 5.2).
const (
	atomKindWasm       = "https://webc.org/kind/wasm"
	atomKindTensorflow = "https://webc.org/kind/tensorflow-SavedModel"
	runnerPrefix       = "https://webc.org/runner/"
	metadataVolume     = "metadata"
)

// wasmerToml is the part of wasmer.toml (v1 and v2 syntax) the conversion reads.
// Keys it does not know are ignored: real manifests carry many.
type wasmerToml struct {
	Package      *tomlPackage      `toml:"package"`
	Dependencies map[string]string `toml:"dependencies"`
	Modules      []tomlModule      `toml:"module"`
	Commands     []tomlCommand     `toml:"command"`
	Fs           map[string]string `toml:"fs"`
}

type tomlPackage struct {
	Name        string `toml:"name"`
	Version     string `toml:"version"`
	Description string `toml:"description"`
	License     string `toml:"license"`
	LicenseFile string `toml:"license-file"`
	Readme      string `toml:"readme"`
	Repository  string `toml:"repository"`
	Homepage    string `toml:"homepage"`
	Entrypoint  string `toml:"entrypoint"`
	Private     bool   `toml:"private"`
}

type tomlModule struct {
	Name       string            `toml:"name"`
	Source     string            `toml:"source"`
	Abi        string            `toml:"abi"`
	Kind       string            `toml:"kind"`
	Interfaces map[string]string `toml:"interfaces"`
	Bindings   *tomlBindings     `toml:"bindings"`
}

// tomlBindings holds both binding forms: wit (wit-exports, wit-bindgen) and wai
// (wai-version, exports, imports).
type tomlBindings struct {
	WitExports string   `toml:"wit-exports"`
	WitBindgen string   `toml:"wit-bindgen"`
	WaiVersion string   `toml:"wai-version"`
	Exports    string   `toml:"exports"`
	Imports    []string `toml:"imports"`
}

// tomlCommand is a [[command]] in either syntax: v2 has a runner (and annotations),
// v1 has none and may have main_args and package.
type tomlCommand struct {
	Name        string         `toml:"name"`
	Module      string         `toml:"module"`
	Runner      *string        `toml:"runner"`
	MainArgs    *string        `toml:"main_args"`
	Package     *string        `toml:"package"`
	Annotations map[string]any `toml:"annotations"`
}

// convertWasmerToml converts the manifest text data, read from the file called name
// ("wasmer.toml" or "wapm.toml"), and the package files in files (rooted at the
// package root) into a Source. Errors are *FormatError with Section name and, where
// it is known, the line.
func convertWasmerToml(name string, data []byte, files fs.FS) (*Source, error) {
	var m wasmerToml
	if err := toml.NewDecoder(bytes.NewReader(data)).Decode(&m); err != nil {
		return nil, tomlDecodeError(name, err)
	}
	cv := &tomlConverter{name: name, m: &m, files: files, lines: indexTomlLines(data)}
	return cv.convert()
}

// tomlConverter holds the state of one conversion.
type tomlConverter struct {
	name  string
	m     *wasmerToml
	files fs.FS
	lines tomlLines

	meta    *Tree // the metadata volume; nil until a file goes in
	volumes map[string]*Tree
}

// errAt returns a *FormatError about line (0 when unknown).
func (cv *tomlConverter) errAt(line int, format string, args ...any) error {
	return &FormatError{Section: cv.name, Line: line, Offset: -1, Err: fmt.Errorf(format, args...)}
}

// convert builds the Source: dependencies, atoms, commands, [fs], the "wapm"
// annotation, the entrypoint and the volumes.
func (cv *tomlConverter) convert() (*Source, error) {
	man := &Manifest{}
	src := &Source{Manifest: man, Atoms: NewTree()}
	cv.volumes = map[string]*Tree{}

	use, err := cv.dependencies()
	if err != nil {
		return nil, err
	}
	man.Use = use
	modules, err := cv.modules(man, src.Atoms)
	if err != nil {
		return nil, err
	}
	if man.Commands, err = cv.commands(modules); err != nil {
		return nil, err
	}
	pkg := map[string]cbor.RawMessage{}
	if err := cv.fsTable(pkg); err != nil {
		return nil, err
	}
	if p := cv.m.Package; p != nil {
		if err := cv.wapm(pkg); err != nil {
			return nil, err
		}
		src.Package = PackageInfo{Name: p.Name, Version: p.Version, Description: p.Description}
		man.Entrypoint = p.Entrypoint
	}
	if len(pkg) > 0 {
		man.Package = pkg
	}
	if man.Entrypoint == "" && len(cv.m.Commands) == 1 {
		man.Entrypoint = cv.m.Commands[0].Name
	}
	if cv.meta != nil {
		cv.volumes[metadataVolume] = cv.meta
	}
	if len(cv.volumes) > 0 {
		src.Volumes = cv.volumes
	}
	return src, nil
}

// depName is the "namespace/name" form Wasmer requires of a dependency.
var depName = lazyRegexp{pattern: `^[A-Za-z0-9_-]+/[A-Za-z0-9_-]+$`}

// dependencies converts [dependencies] into the manifest's `use` map.
func (cv *tomlConverter) dependencies() (map[string]cbor.RawMessage, error) {
	if len(cv.m.Dependencies) == 0 {
		return nil, nil
	}
	use := make(map[string]cbor.RawMessage, len(cv.m.Dependencies))
	for _, dep := range sortedKeys(cv.m.Dependencies) {
		line := cv.lines.at("dependencies", -1, dep)
		if !depName.get().MatchString(dep) {
			return nil, cv.errAt(line, "dependency %q is not in the \"namespace/name\" form", dep)
		}
		req := strings.TrimSpace(cv.m.Dependencies[dep])
		if req == "" {
			return nil, cv.errAt(line, "dependency %q has an empty version requirement", dep)
		}
		raw, err := encodeValue(dep + "@" + req)
		if err != nil {
			return nil, cv.errAt(line, "dependency %q: %v", dep, err)
		}
		use[dep] = raw
	}
	return use, nil
}

// modules converts [[module]] into atoms; it returns the modules by name.
func (cv *tomlConverter) modules(man *Manifest, atoms *Tree) (map[string]*tomlModule, error) {
	byName := make(map[string]*tomlModule, len(cv.m.Modules))
	for i := range cv.m.Modules {
		mod := &cv.m.Modules[i]
		head := cv.lines.at("module", i, "")
		line := cv.lines.or("module", i, "name", head)
		switch {
		case mod.Name == "":
			return nil, cv.errAt(head, "[[module]] number %d has no name", i+1)
		case validName(mod.Name) != nil:
			return nil, cv.errAt(line, "module %q %v", mod.Name, validName(mod.Name))
		case byName[mod.Name] != nil:
			return nil, cv.errAt(line, "duplicate module %q", mod.Name)
		}
		byName[mod.Name] = mod
		switch mod.Abi {
		case "", "wasi", "emscripten", "none", "generic", "wasm4":
		default:
			return nil, cv.errAt(cv.lines.or("module", i, "abi", line), "module %q: unknown abi %q (want wasi, emscripten, none, generic or wasm4)", mod.Name, mod.Abi)
		}
		kind, ok := atomKind(mod.Kind)
		if !ok {
			return nil, cv.errAt(cv.lines.or("module", i, "kind", line), "module %q: unknown kind %q (want wasm, tensorflow-SavedModel or a URL)", mod.Name, mod.Kind)
		}
		srcLine := cv.lines.or("module", i, "source", line)
		if mod.Source == "" {
			return nil, cv.errAt(srcLine, "module %q has no source", mod.Name)
		}
		p, ok := packagePath(mod.Source)
		if !ok {
			return nil, cv.errAt(srcLine, "module %q: source %q is outside the package", mod.Name, mod.Source)
		}
		b, err := cv.readFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, cv.errAt(srcLine, "module %q: source file %q not found", mod.Name, mod.Source)
		} else if st, serr := fs.Stat(cv.files, p); serr == nil && st.IsDir() {
			return nil, cv.errAt(srcLine, "module %q: source %q is a directory", mod.Name, mod.Source)
		} else if err != nil {
			return nil, cv.errAt(srcLine, "module %q: reading source %q: %v", mod.Name, mod.Source, unwrapPathError(err))
		}
		if err := atoms.AddFile(mod.Name, b, 0); err != nil {
			return nil, cv.errAt(line, "module %q: %v", mod.Name, err)
		}
		if man.Atoms == nil {
			man.Atoms = map[string]AtomSpec{}
		}
		man.Atoms[mod.Name] = AtomSpec{Kind: kind, Signature: atomSignature(b)}
		if bd := mod.Bindings; bd != nil {
			for _, f := range append([]string{bd.WitExports, bd.Exports}, bd.Imports...) {
				if f != "" {
					cv.metadataFile(f)
				}
			}
		}
	}
	return byName, nil
}

// atomKind maps a module's kind to the atom kind URI (spec 6.5).
func atomKind(kind string) (string, bool) {
	switch kind {
	case "", "wasm":
		return atomKindWasm, true
	case "tensorflow-SavedModel":
		return atomKindTensorflow, true
	}
	return kind, isURI(kind)
}

// uriScheme matches the start of an absolute URI: a scheme and a colon.
var uriScheme = lazyRegexp{pattern: `^[A-Za-z][A-Za-z0-9+.-]*:\S+$`}

func isURI(s string) bool { return uriScheme.get().MatchString(s) }

// runnerWord is a runner given by name ("wasi", "wcgi", "emscripten").
var runnerWord = lazyRegexp{pattern: `^[A-Za-z0-9][A-Za-z0-9._@+-]*$`}

// runnerURI maps a v2 command's runner to its URI (spec 6.5).
func runnerURI(runner string) (string, error) {
	switch {
	case runner == "wasi", runner == "wasi@unstable_", runner == "generic", strings.HasPrefix(runner, RunnerWasi):
		return RunnerWasi, nil
	case runner == "wcgi", runner == RunnerWcgi:
		return RunnerWcgi, nil
	case isURI(runner):
		return runner, nil
	case runnerWord.get().MatchString(runner):
		return runnerPrefix + runner, nil
	}
	return "", fmt.Errorf("unknown runner %q", runner)
}

// abiRunner is the runner of a v1 command, decided by its module's abi.
func abiRunner(abi string) string {
	switch abi {
	case "emscripten":
		return RunnerEmscripten
	case "wasm4":
		return runnerPrefix + "wasm4"
	}
	return RunnerWasi // wasi, none, generic
}

// splitModuleRef splits a command's module reference: "mod" or "dependency:mod".
func splitModuleRef(ref string) (dep, mod string, err error) {
	dep, mod, found := strings.Cut(ref, ":")
	if !found {
		return "", ref, nil
	}
	if dep == "" || mod == "" || strings.Contains(mod, ":") {
		return "", "", errors.New(`is not "module" or "dependency:module"`)
	}
	return dep, mod, nil
}

// commands converts [[command]].
func (cv *tomlConverter) commands(modules map[string]*tomlModule) (map[string]CommandSpec, error) {
	if len(cv.m.Commands) == 0 {
		return nil, nil
	}
	out := make(map[string]CommandSpec, len(cv.m.Commands))
	for i := range cv.m.Commands {
		cmd := &cv.m.Commands[i]
		head := cv.lines.at("command", i, "")
		line := cv.lines.or("command", i, "name", head)
		switch {
		case cmd.Name == "":
			return nil, cv.errAt(head, "[[command]] number %d has no name", i+1)
		case hasKey(out, cmd.Name):
			return nil, cv.errAt(line, "duplicate command %q", cmd.Name)
		case cmd.Module == "":
			return nil, cv.errAt(line, "command %q has no module", cmd.Name)
		}
		modLine := cv.lines.or("command", i, "module", line)
		dep, mod, err := splitModuleRef(cmd.Module)
		if err != nil {
			return nil, cv.errAt(modLine, "command %q: module %q %v", cmd.Name, cmd.Module, err)
		}
		if dep != "" {
			if _, ok := cv.m.Dependencies[dep]; !ok {
				return nil, cv.errAt(modLine, "command %q: module %q names the dependency %q, which is not in [dependencies]", cmd.Name, cmd.Module, dep)
			}
		} else if modules[mod] == nil {
			return nil, cv.errAt(modLine, "command %q: module %q is not a [[module]] of the package", cmd.Name, mod)
		}
		var runner string
		switch {
		case cmd.Runner != nil:
			if runner, err = runnerURI(*cmd.Runner); err != nil {
				return nil, cv.errAt(cv.lines.or("command", i, "runner", line), "command %q: %v", cmd.Name, err)
			}
		case dep != "":
			runner = RunnerWasi // v1 syntax: Wasmer cannot see the dependency's abi either
		default:
			runner = abiRunner(modules[mod].Abi)
		}

		atom := map[string]any{"name": mod}
		if dep != "" {
			atom["dependency"] = dep
		}
		ann := map[string]any{"atom": atom}
		if runner == RunnerWasi || runner == RunnerWcgi {
			wasi := map[string]any{"atom": cmd.Module}
			if cmd.Runner == nil { // v1 syntax
				if cmd.MainArgs != nil {
					wasi["main-args"] = strings.Fields(*cmd.MainArgs)
				}
				if cmd.Package != nil {
					wasi["package"] = *cmd.Package
				}
			}
			ann["wasi"] = wasi
		}
		if user, ok := tomlValue(cmd.Annotations).(map[string]any); ok {
			deepMerge(ann, user)
		}
		spec := CommandSpec{Runner: runner, Annotations: make(map[string]cbor.RawMessage, len(ann))}
		for k, v := range ann {
			raw, err := encodeValue(v)
			if err != nil {
				return nil, cv.errAt(line, "command %q: annotation %q: %v", cmd.Name, k, err)
			}
			spec.Annotations[k] = raw
		}
		out[cmd.Name] = spec
	}
	return out, nil
}

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// tomlValue turns a decoded TOML value into one that encodes to CBOR as Wasmer
// writes it: dates and times become text.
func tomlValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = tomlValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = tomlValue(e)
		}
		return out
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case toml.LocalDate, toml.LocalTime, toml.LocalDateTime:
		return fmt.Sprint(x)
	}
	return v
}

// deepMerge merges src into dst: tables are merged key by key, recursively; any
// other value of src replaces the one in dst.
func deepMerge(dst, src map[string]any) {
	for k, v := range src {
		if dm, ok := dst[k].(map[string]any); ok {
			if sm, ok := v.(map[string]any); ok {
				deepMerge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// fsMappingWire is an entry of the "fs" package annotation as Wasmer writes it.
type fsMappingWire struct {
	From       *string `cbor:"from"`
	VolumeName string  `cbor:"volume_name"`
	MountPath  string  `cbor:"mount_path"`
}

// fsTable converts [fs] into the "fs" package annotation and one volume per host
// directory, named by its normalised path ("settings" → "/settings").
func (cv *tomlConverter) fsTable(pkg map[string]cbor.RawMessage) error {
	if len(cv.m.Fs) == 0 {
		return nil
	}
	type mapping struct {
		guest string
		wire  fsMappingWire
	}
	var list []mapping
	for _, guest := range sortedKeys(cv.m.Fs) {
		host := cv.m.Fs[guest]
		line := cv.lines.at("fs", -1, guest)
		rel, ok := packagePath(host)
		if !ok {
			return cv.errAt(line, "[fs] %q: host directory %q is outside the package", guest, host)
		}
		st, err := fs.Stat(cv.files, rel)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return cv.errAt(line, "[fs] %q: host directory %q not found", guest, host)
		case err != nil:
			return cv.errAt(line, "[fs] %q: host directory %q: %v", guest, host, unwrapPathError(err))
		case !st.IsDir():
			return cv.errAt(line, "[fs] %q: host path %q is not a directory", guest, host)
		}
		volume := path.Join("/", rel)
		if cv.volumes[volume] == nil {
			t, err := cv.dirTree(rel)
			if err != nil {
				return cv.errAt(line, "[fs] %q: %v", guest, err)
			}
			cv.volumes[volume] = t
		}
		list = append(list, mapping{guest, fsMappingWire{VolumeName: volume, MountPath: path.Clean("/" + guest)}})
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].wire.MountPath < list[j].wire.MountPath })
	wire := make([]fsMappingWire, len(list))
	for i, m := range list {
		if i > 0 && m.wire.MountPath == list[i-1].wire.MountPath {
			return cv.errAt(cv.lines.at("fs", -1, m.guest), "[fs] %q and %q both mount at %q", list[i-1].guest, m.guest, m.wire.MountPath)
		}
		wire[i] = m.wire
	}
	raw, err := encodeValue(wire)
	if err != nil {
		return cv.errAt(0, "[fs]: %v", err)
	}
	pkg["fs"] = raw
	return nil
}

// dirTree reads the package directory rel (recursively: files and empty
// directories) into a tree rooted at rel.
func (cv *tomlConverter) dirTree(rel string) (*Tree, error) {
	t := NewTree()
	err := fs.WalkDir(cv.files, rel, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading %q: %v", p, unwrapPathError(err))
		}
		if p == rel {
			return nil
		}
		in := p
		if rel != "." {
			in = strings.TrimPrefix(p, rel+"/")
		}
		switch {
		case d.IsDir():
			return t.AddDir(in)
		case d.Type()&fs.ModeSymlink != 0:
			return cv.checkLink(p)
		case d.Type().IsRegular():
			b, err := cv.readFile(p)
			if err != nil {
				return fmt.Errorf("reading %q: %v", p, unwrapPathError(err))
			}
			return t.AddFile(in, b, 0)
		}
		return nil // sockets, devices, pipes: not package content
	})
	return t, err
}

// checkLink refuses the symbolic link at p (package-relative) when it points outside
// the package; links are never followed.
func (cv *tomlConverter) checkLink(p string) error {
	target, err := fs.ReadLink(cv.files, p)
	if err != nil {
		return nil // the file system cannot say: the link is left out either way
	}
	if linkClimbsOut(p, target) {
		return fmt.Errorf("%q is a symlink to %q, which points outside the package", p, target)
	}
	return nil
}

// linkClimbsOut reports whether a link at name (package-relative) with the given
// target points outside the package.
func linkClimbsOut(name, target string) bool {
	if path.IsAbs(target) {
		return true
	}
	j := path.Join(path.Dir(name), target)
	return j == ".." || strings.HasPrefix(j, "../")
}

// wapm builds the "wapm" package annotation; name, version and description are left
// out, as current Wasmer does (spec 5.1), and go into Source.Package instead.
func (cv *tomlConverter) wapm(pkg map[string]cbor.RawMessage) error {
	p := cv.m.Package
	w := WapmAnnotation{License: p.License, Repository: p.Repository, Homepage: p.Homepage, Private: p.Private}
	if p.Readme != "" {
		w.Readme = cv.metadataFile(p.Readme)
	}
	if p.LicenseFile != "" {
		w.LicenseFile = cv.metadataFile(p.LicenseFile)
	}
	raw, err := encodeValue(w)
	if err != nil {
		return cv.errAt(cv.lines.at("package", -1, ""), "[package]: %v", err)
	}
	pkg["wapm"] = raw
	return nil
}

// metadataFile copies the package file at p into the metadata volume and returns a
// reference to it, or nil when it is missing or outside the package.
func (cv *tomlConverter) metadataFile(p string) *FileRef {
	rel, ok := packagePath(p)
	if !ok || rel == "." {
		return nil
	}
	b, err := cv.readFile(rel)
	if err != nil {
		return nil
	}
	if cv.meta == nil {
		cv.meta = NewTree()
	}
	if err := cv.meta.AddFile(rel, b, 0); err != nil {
		return nil
	}
	return &FileRef{Volume: metadataVolume, Path: "/" + rel}
}

// sharedFileFS is implemented by in-memory file systems that can hand out a file's
// bytes without copying them.
type sharedFileFS interface {
	readFileShared(name string) ([]byte, error)
}

// readFile reads the package file at the package-relative path p.
func (cv *tomlConverter) readFile(p string) ([]byte, error) {
	if s, ok := cv.files.(sharedFileFS); ok {
		return s.readFileShared(p)
	}
	return fs.ReadFile(cv.files, p)
}

// packagePath turns a path written in wasmer.toml into a clean package-relative
// path ("." for the root); leading slashes are ignored. It reports false when the
// path climbs out of the package.
func packagePath(p string) (string, bool) {
	clean := path.Clean(strings.TrimLeft(p, "/"))
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", false
	}
	return clean, true
}

// unwrapPathError drops the *fs.PathError wrapper, whose path is already named.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// tomlDecodeError turns an error of the TOML decoder into a one-line *FormatError
// that names the line.
func tomlDecodeError(name string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) && len(strict.Errors) > 0 {
		row, _ := strict.Errors[0].Position()
		return &FormatError{Section: name, Line: row, Offset: -1, Err: fmt.Errorf("unknown key %s", strings.Join(strict.Errors[0].Key(), "."))}
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		return &FormatError{Section: name, Line: row, Offset: -1, Err: errors.New(tomlMessage(de))}
	}
	return &FormatError{Section: name, Offset: -1, Err: err}
}

// typeMismatch matches go-toml's message for a value of the wrong type.
var typeMismatch = lazyRegexp{pattern: `^cannot decode TOML (\w+) into (?:.* of type )?(\S+)$`}

// tomlMessage shortens a decoder message; a type mismatch reads
// `package.name: expected a string, found an integer`.
func tomlMessage(de *toml.DecodeError) string {
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	m := typeMismatch.get().FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	key := strings.Join(de.Key(), ".")
	if key == "" {
		key = "value"
	}
	return fmt.Sprintf("%s: expected %s, found %s", key, goTypeNoun(m[2]), withArticle(m[1]))
}

// goTypeNoun names, for a user, the Go type a TOML value was decoded into.
func goTypeNoun(t string) string {
	t = strings.TrimLeft(t, "*")
	switch {
	case t == "string":
		return "a string"
	case t == "bool":
		return "a boolean"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	}
	return "a table" // maps and the structs of this file
}

func withArticle(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

// tomlLines finds the line of a key of a wasmer.toml, for error messages: the key
// key of the table table ("package", "fs"), or of the index-th element of the array
// of tables table ("module", "command"); key "" is the table's header.
type tomlLines map[tomlKeyRef]int

type tomlKeyRef struct {
	table string
	index int
	key   string
}

// at returns the line of the key, or 0 when it is not known.
func (l tomlLines) at(table string, index int, key string) int {
	return l[tomlKeyRef{table, index, key}]
}

// or returns the line of the key, or def when it is not known.
func (l tomlLines) or(table string, index int, key string, def int) int {
	if n := l.at(table, index, key); n > 0 {
		return n
	}
	return def
}

// indexTomlLines records the line of every header and key of a document that the
// decoder accepted. Keys inside inline tables are not recorded.
func indexTomlLines(data []byte) tomlLines {
	lines := tomlLines{}
	var newlines []int
	for i, c := range data {
		if c == '\n' {
			newlines = append(newlines, i)
		}
	}
	lineOf := func(r unstable.Range) int {
		return sort.SearchInts(newlines, int(r.Offset)) + 1
	}
	keyOf := func(it unstable.Iterator) ([]string, int) {
		var parts []string
		line := 0
		for it.Next() {
			k := it.Node()
			if line == 0 {
				line = lineOf(k.Raw)
			}
			parts = append(parts, string(k.Data))
		}
		return parts, line
	}
	record := func(ref tomlKeyRef, line int) {
		if _, ok := lines[ref]; !ok {
			lines[ref] = line
		}
	}
	var p unstable.Parser
	p.Reset(data)
	counts := map[string]int{}
	var cur []string
	curTable, curIndex := "", -1
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			parts, line := keyOf(e.Key())
			cur, curTable, curIndex = parts, strings.Join(parts, "."), -1
			if e.Kind == unstable.ArrayTable {
				curIndex = counts[curTable]
				counts[curTable]++
			}
			record(tomlKeyRef{curTable, curIndex, ""}, line)
		case unstable.KeyValue:
			parts, line := keyOf(e.Key())
			if len(parts) == 0 {
				continue
			}
			full := append(append([]string(nil), cur...), parts...)
			table := strings.Join(full[:len(full)-1], ".")
			index := -1
			if table == curTable {
				index = curIndex
			}
			record(tomlKeyRef{table, index, full[len(full)-1]}, line)
		}
	}
	return lines
}
