package webc

import (
	"errors"
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"
	"unicode"

	"github.com/fxamacker/cbor/v2"
	"github.com/pelletier/go-toml/v2"
)

// This file writes the wasmer.toml that Unpack puts beside the files it unpacks, so
// that `wasirun package build DIR` (ReadDirSource) of the unpacked directory gives
// back an equivalent package:
//
//   - every atom becomes a [[module]] whose source is atoms/<atom>, with the abi its
//     imports imply (wasi for WASI, wasi_unstable and WASIX modules; none for a
//     module that imports nothing; left out otherwise) and its kind;
//   - every command a [[command]] with its runner, its module (its atom, or
//     "<dependency>:<atom>") and its annotations but "atom" (and the "atom" key of
//     "wasi"), which the build writes from the module;
//   - every mount of a volume of the package an [fs] entry from its guest path to
//     the volume's unpacked directory (volumes/<volume>, plus the mounted
//     directory inside it); the v1 and v2 default, the "atom" volume at /, included;
//   - the package's name, version, description, the "wapm" annotation's license,
//     repository, homepage and private, and the entrypoint go into [package]; the
//     readme and license file are written beside wasmer.toml, at the path they had
//     in the metadata volume, and named by it, so that the build puts them back;
//   - registry dependencies go into [dependencies].
//
// "Equivalent", not identical: the build names a volume after the directory it is
// built from, so "/data" comes back as "/volumes/data", mounted where it was; the
// guest sees the same files at the same paths. Whatever a wasmer.toml cannot say
// is listed in the notes (and in comments at the top of the file) instead of being
// lost silently: volumes the package does not mount, other files of the metadata
// volume, a dependency's volume mounted by the package, dependencies that are not
// registry names, a dependency alias that is not the dependency's name, runners
// the build spells differently, annotations TOML cannot hold, atom annotations,
// the manifest's bindings, and package annotations other than "wapm" and "fs".

// rebuild is what Unpack writes for a rebuild besides the unpacked files.
type rebuild struct {
	// toml is the text of wasmer.toml.
	toml []byte
	// files are written beside wasmer.toml: the readme and the license file.
	files []rebuildFile
	// notes say what a rebuild leaves out or changes, one sentence each.
	notes []string
}

// rebuildFile is a file written beside wasmer.toml, at path, with entry's bytes.
type rebuildFile struct {
	path  string
	entry Entry
}

// The wasmer.toml document, in the order its tables are written.
type rbDoc struct {
	Package      *rbPackage        `toml:"package,omitempty"`
	Dependencies map[string]string `toml:"dependencies,omitempty"`
	Fs           map[string]string `toml:"fs,omitempty"`
	Modules      []rbModule        `toml:"module,omitempty"`
	Commands     []rbCommand       `toml:"command,omitempty"`
}

type rbPackage struct {
	Name        string `toml:"name,omitempty"`
	Version     string `toml:"version,omitempty"`
	Description string `toml:"description,omitempty"`
	License     string `toml:"license,omitempty"`
	LicenseFile string `toml:"license-file,omitempty"`
	Readme      string `toml:"readme,omitempty"`
	Repository  string `toml:"repository,omitempty"`
	Homepage    string `toml:"homepage,omitempty"`
	Private     bool   `toml:"private,omitempty"`
	Entrypoint  string `toml:"entrypoint,omitempty"`
}

type rbModule struct {
	Name   string `toml:"name"`
	Source string `toml:"source"`
	Abi    string `toml:"abi,omitempty"`
	Kind   string `toml:"kind,omitempty"`
}

type rbCommand struct {
	Name        string         `toml:"name"`
	Module      string         `toml:"module"`
	Runner      string         `toml:"runner"`
	Annotations map[string]any `toml:"annotations,omitempty"`
}

// reservedUnpackPath reports whether p (slash-separated, relative) is, or is inside,
// a path Unpack writes for itself, where a readme or license file cannot go.
func reservedUnpackPath(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	switch first {
	case "manifest.json", "wasmer.toml", "atoms", "volumes":
		return true
	}
	return false
}

// rebuilder holds the state of one conversion.
type rebuilder struct {
	c     *Container
	dirs  map[*Volume]string // volume -> its directory under the unpack directory
	notes []string
	files []rebuildFile
	// kept holds the files of volumes that [package] names (readme, license file),
	// which the build puts in the metadata volume.
	kept map[Entry]bool
}

// note adds a note. Control characters, which names from the package may hold,
// are escaped: a note is printed to a terminal and written in a TOML comment,
// where they are not allowed.
func (rb *rebuilder) note(format string, args ...any) {
	rb.notes = append(rb.notes, escapeControls(fmt.Sprintf(format, args...)))
}

// escapeControls writes every control character of s as Go escapes it ("\n",
// "\x1b").
func escapeControls(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// planRebuild makes the wasmer.toml that rebuilds c from the files Unpack writes,
// the volumes going to the directories vols names.
func planRebuild(c *Container, vols []unpackVolume) (*rebuild, error) {
	rb := &rebuilder{c: c, dirs: make(map[*Volume]string, len(vols)), kept: map[Entry]bool{}}
	for _, vd := range vols {
		rb.dirs[vd.v] = path.Join("volumes", vd.dir)
	}
	doc := rbDoc{}
	aliases := rb.dependencies(&doc)
	mounted := rb.fs(&doc)
	pkg, err := rb.pkg()
	if err != nil {
		return nil, err
	}
	doc.Package = pkg
	rb.unmountedVolumes(mounted)
	if err := rb.modules(&doc); err != nil {
		return nil, err
	}
	if err := rb.commands(&doc, aliases); err != nil {
		return nil, err
	}
	if len(c.Manifest.Bindings) > 0 && !isCBORNull(c.Manifest.Bindings) {
		rb.note("the manifest's bindings are left out: package build does not write them")
	}

	body, err := toml.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("writing wasmer.toml: %w", err)
	}
	var head strings.Builder
	head.WriteString("# Written by `wasirun package unpack`: `wasirun package build` of this directory\n")
	head.WriteString("# rebuilds the package from the atoms and volumes unpacked beside it. A volume is\n")
	head.WriteString("# named after its directory when rebuilt (\"/data\" becomes \"/volumes/data\"); the\n")
	head.WriteString("# guest sees the same files at the same paths.\n")
	if len(rb.notes) > 0 {
		head.WriteString("#\n# What a rebuild leaves out or changes:\n")
		for _, n := range rb.notes {
			head.WriteString("#   - " + n + "\n")
		}
	}
	head.WriteString("\n")
	return &rebuild{toml: append([]byte(head.String()), body...), files: rb.files, notes: rb.notes}, nil
}

// dependencies fills [dependencies] from the manifest's `use` map and returns the
// name each alias gets in the rebuilt package ("" for one that cannot be
// written).
func (rb *rebuilder) dependencies(doc *rbDoc) map[string]string {
	aliases := map[string]string{}
	for _, alias := range sortedKeys(rb.c.Manifest.Use) {
		ref, _ := rb.c.Manifest.Dependency(alias)
		name, req, found := strings.Cut(ref, "@")
		if !found {
			req = "*"
		}
		switch {
		case ref == "(embedded)" || strings.Contains(ref, "://") || !depName.get().MatchString(name) || strings.TrimSpace(req) == "":
			rb.note("dependency %q (%s) is not a registry name and version: wasmer.toml cannot name it, so it is left out", alias, ref)
			aliases[alias] = ""
			continue
		case doc.Dependencies[name] != "":
			rb.note("dependency %q names %s, as another alias does: wasmer.toml names a dependency once, so it is left out", alias, ref)
			aliases[alias] = ""
			continue
		case alias != name:
			rb.note("dependency %q becomes %q: wasmer.toml names a dependency by its package", alias, name)
		}
		if doc.Dependencies == nil {
			doc.Dependencies = map[string]string{}
		}
		doc.Dependencies[name] = req
		aliases[alias] = name
	}
	return aliases
}

// fs fills [fs] from the package's mounts and returns the volumes they mount.
func (rb *rebuilder) fs(doc *rbDoc) map[*Volume]bool {
	mounted := map[*Volume]bool{}
	for _, m := range rb.c.Mounts() {
		guest := path.Clean("/" + m.Guest)
		switch {
		case m.From != "":
			rb.note("the mount at %s of volume %q of the dependency %q is left out: wasmer.toml cannot mount a dependency's volume", m.Guest, m.VolumeName, m.From)
			continue
		case m.Volume == nil || rb.dirs[m.Volume] == "":
			rb.note("the mount at %s of volume %q is left out: the volume is not unpacked", m.Guest, m.VolumeName)
			continue
		}
		if _, dup := doc.Fs[guest]; dup {
			rb.note("the second mount at %s (volume %q) is left out: wasmer.toml mounts one directory at a path", m.Guest, m.VolumeName)
			continue
		}
		if e, err := m.Volume.Lookup(m.Path); err != nil || !e.IsDir() {
			rb.note("the mount at %s of %q in volume %q is left out: that is no directory of the volume", m.Guest, m.Path, m.VolumeName)
			continue
		}
		if doc.Fs == nil {
			doc.Fs = map[string]string{}
		}
		doc.Fs[guest] = path.Join(rb.dirs[m.Volume], strings.TrimLeft(m.Path, "/"))
		mounted[m.Volume] = true
	}
	return mounted
}

// knownWapm are the keys of the "wapm" annotation that [package] carries.
var knownWapm = map[string]bool{
	"name": true, "version": true, "description": true, "license": true, "license-file": true,
	"readme": true, "repository": true, "homepage": true, "private": true,
}

// pkg builds [package], with the readme and license file written beside it.
func (rb *rebuilder) pkg() (*rbPackage, error) {
	c := rb.c
	w, err := c.Manifest.Wapm()
	if err != nil {
		return nil, formatErr("manifest", "", err)
	}
	p := &rbPackage{
		Name: c.Package.Name, Version: c.Package.Version, Description: c.Package.Description,
		License: w.License, Repository: w.Repository, Homepage: w.Homepage, Private: w.Private,
		Entrypoint: c.Manifest.Entrypoint,
	}
	p.Readme = rb.metadataFile("readme", w.Readme)
	p.LicenseFile = rb.metadataFile("license-file", w.LicenseFile)
	for _, key := range sortedKeys(c.Manifest.Package) {
		switch key {
		case "wapm":
			var all map[string]cbor.RawMessage
			if _, err := annotation(c.Manifest.Package, "wapm", &all); err == nil {
				for _, k := range sortedKeys(all) {
					if !knownWapm[k] {
						rb.note("the package annotation wapm.%s is left out: [package] has no place for it", k)
					}
				}
			}
		case "fs":
		default:
			rb.note("the package annotation %q is left out: wasmer.toml has no place for it", key)
		}
	}
	if *p == (rbPackage{}) {
		return nil, nil
	}
	return p, nil
}

// metadataFile returns the path, beside wasmer.toml, of a copy of the file ref
// names (the readme, the license file), which it plans to write; "" when there is
// none or it cannot be placed.
func (rb *rebuilder) metadataFile(key string, ref *FileRef) string {
	if ref == nil {
		return ""
	}
	v, ok := rb.c.Volume(ref.Volume)
	if !ok {
		rb.note("the %s %s is left out: volume %q is not in the package", key, ref.Path, ref.Volume)
		return ""
	}
	e, err := v.Lookup(ref.Path)
	if err != nil || e.IsDir() {
		rb.note("the %s %s is left out: it is no file of volume %q", key, ref.Path, ref.Volume)
		return ""
	}
	rb.kept[e] = true
	p := strings.TrimLeft(path.Clean("/"+ref.Path), "/")
	switch {
	case p == "" || reservedUnpackPath(p):
		// Name it in its unpacked volume: the build copies it into the metadata
		// volume under that longer path.
		p = path.Join(rb.dirs[v], p)
		rb.note("the %s %s of volume %q comes back as %s in the metadata volume: its own path is one unpack writes", key, ref.Path, ref.Volume, "/"+p)
		return p
	case ref.Volume != metadataVolume:
		rb.note("the %s %s comes back in the metadata volume, not in volume %q", key, ref.Path, ref.Volume)
	}
	for _, f := range rb.files {
		if f.path == p {
			return p // the readme is the license file
		}
	}
	rb.files = append(rb.files, rebuildFile{path: p, entry: e})
	return p
}

// unmountedVolumes notes the volumes a rebuild cannot make: those the package does
// not mount, but for the files of the metadata volume that [package] names.
func (rb *rebuilder) unmountedVolumes(mounted map[*Volume]bool) {
	for _, v := range rb.c.Volumes() {
		if mounted[v] {
			continue
		}
		if v.Name() != metadataVolume {
			if files, _, err := v.Summary(); err == nil && files == 0 {
				continue // nothing is lost with an empty volume but its name
			}
			rb.note("volume %q is left out: the package does not mount it, and wasmer.toml makes volumes only of mounted directories (and the metadata volume of the readme and license file)", v.Name())
			continue
		}
		var lost []string
		_ = v.Walk(func(p string, e Entry) error {
			if !e.IsDir() && !rb.kept[e] {
				lost = append(lost, "/"+p)
			}
			return nil
		})
		if len(lost) > 0 {
			more := ""
			if len(lost) > 3 {
				more = fmt.Sprintf(" and %d more", len(lost)-3)
				lost = lost[:3]
			}
			rb.note("the metadata volume's %s%s %s left out: only the readme and license file are rebuilt into it", strings.Join(lost, ", "), more, map[bool]string{true: "is", false: "are"}[len(lost) == 1 && more == ""])
		}
	}
}

// modules fills [[module]] from the atoms.
func (rb *rebuilder) modules(doc *rbDoc) error {
	for _, name := range rb.c.Atoms() {
		m := rbModule{Name: name, Source: path.Join("atoms", name)}
		if e, ok := rb.c.AtomEntry(name); ok {
			if imps, err := ModuleImports(e, e.Size()); err == nil {
				switch ClassifyABI(ImportModules(imps)) {
				case ABIWasi, ABIWasiUnstable, ABIWasix:
					m.Abi = "wasi"
				case ABINone:
					m.Abi = "none"
				}
			}
		}
		spec := rb.c.Manifest.Atoms[name]
		switch spec.Kind {
		case "", atomKindWasm:
		case atomKindTensorflow:
			m.Kind = "tensorflow-SavedModel"
		default:
			if isURI(spec.Kind) {
				m.Kind = spec.Kind
			} else {
				rb.note("atom %q: its kind %q is left out: wasmer.toml takes a kind that is a URL", name, spec.Kind)
			}
		}
		if len(spec.Annotations) > 0 {
			rb.note("atom %q: its annotations (%s) are left out: package build does not write module annotations", name, strings.Join(sortedKeys(spec.Annotations), ", "))
		}
		doc.Modules = append(doc.Modules, m)
	}
	return nil
}

// commands fills [[command]]; aliases maps a dependency alias to its name in
// [dependencies].
func (rb *rebuilder) commands(doc *rbDoc, aliases map[string]string) error {
	for _, cmd := range rb.c.Commands() {
		module := cmd.Atom
		switch {
		case cmd.Atom == "":
			rb.note("command %q is left out: its runner %s names no atom, and wasmer.toml needs a module for every command", cmd.Name, cmd.Runner)
			continue
		case cmd.Dependency != "":
			dep := aliases[cmd.Dependency]
			if dep == "" {
				rb.note("command %q is left out: its atom is in the dependency %q, which is left out", cmd.Name, cmd.Dependency)
				continue
			}
			module = dep + ":" + cmd.Atom
		}
		rebuilt, err := runnerURI(cmd.Runner)
		if err != nil {
			rb.note("command %q is left out: package build refuses its runner: %v", cmd.Name, err)
			continue
		}
		if rebuilt != cmd.Runner {
			rb.note("command %q: its runner %s comes back as %s", cmd.Name, cmd.Runner, rebuilt)
		}
		rc := rbCommand{Name: cmd.Name, Module: module, Runner: cmd.Runner}
		for _, key := range sortedKeys(cmd.Spec.Annotations) {
			if key == "atom" {
				continue // written by the build from the module
			}
			v, err := tomlAnnotation(cmd.Spec.Annotations[key])
			if err != nil {
				rb.note("command %q: its annotation %q is left out: %v", cmd.Name, key, err)
				continue
			}
			if m, ok := v.(map[string]any); ok && key == "wasi" {
				delete(m, "atom") // written by the build from the module
				if len(m) == 0 {
					continue // the build writes {"atom": module}, all it held
				}
			}
			if v == nil {
				continue // null: absent
			}
			if rc.Annotations == nil {
				rc.Annotations = map[string]any{}
			}
			rc.Annotations[key] = v
		}
		doc.Commands = append(doc.Commands, rc)
	}
	return nil
}

// tomlAnnotation decodes an annotation's CBOR into a value TOML can write: tables
// with text keys, arrays, text, integers, floats and booleans. A null in a table
// is dropped (an annotation reads it as absent); a null elsewhere and a byte string
// are errors.
func tomlAnnotation(raw cbor.RawMessage) (any, error) {
	if isCBORNull(raw) {
		return nil, nil
	}
	var v any
	dm, err := cbor.DecOptions{DefaultMapType: mapStringAny, MaxNestedLevels: 64}.DecMode()
	if err != nil {
		return nil, err
	}
	if err := dm.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("TOML tables have text keys only: %w", err)
	}
	return tomlable(v)
}

func tomlable(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil {
				delete(x, k)
				continue
			}
			t, err := tomlable(e)
			if err != nil {
				return nil, err
			}
			x[k] = t
		}
		return x, nil
	case []any:
		for i, e := range x {
			if e == nil {
				return nil, errors.New("TOML has no null")
			}
			t, err := tomlable(e)
			if err != nil {
				return nil, err
			}
			x[i] = t
		}
		return x, nil
	case cbor.Tag:
		return tomlable(x.Content)
	case []byte:
		return nil, errors.New("TOML has no byte strings")
	case uint64:
		if x > math.MaxInt64 {
			return nil, fmt.Errorf("TOML integers stop at %d", int64(math.MaxInt64))
		}
		return int64(x), nil
	case string, int64, float64, bool:
		return x, nil
	}
	return nil, fmt.Errorf("TOML cannot hold %T", v)
}

// isCBORNull reports whether raw is CBOR null or undefined.
func isCBORNull(raw []byte) bool {
	return len(raw) == 1 && (raw[0] == 0xf6 || raw[0] == 0xf7)
}
