package webc

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
)

// Format is the form a package came in.
type Format int

// The package forms wasirun reads.
const (
	FormatV1 Format = iota + 1
	FormatV2
	FormatV3
	FormatTarGz
	FormatDir
	FormatWasm
)

// String returns the name used by `wasirun inspect`: "webc-v1", "webc-v2", "webc-v3",
// "tar.gz", "dir" or "wasm".
func (f Format) String() string {
	switch f {
	case FormatV1:
		return "webc-v1"
	case FormatV2:
		return "webc-v2"
	case FormatV3:
		return "webc-v3"
	case FormatTarGz:
		return "tar.gz"
	case FormatDir:
		return "dir"
	case FormatWasm:
		return "wasm"
	}
	return fmt.Sprintf("format(%d)", int(f))
}

// PackageInfo is a package's identity, as far as the container knows it.
type PackageInfo struct {
	Name        string
	Version     string
	Description string
}

// Container is a package read from any form: its manifest, its atoms and its volumes.
// A Container from Open must be closed; its byte slices are valid until then.
type Container struct {
	Format   Format
	Manifest *Manifest
	Package  PackageInfo

	// manifestRaw is the manifest's CBOR as stored; for a converted package
	// (tarball, directory, bare module) it is encoded on first use (RawManifest).
	manifestRaw []byte

	atoms   *Volume
	volumes []*Volume // in container order
	src     *source
	closer  io.Closer

	commands []Command
	// path is the file the container was opened from, for errors ("" after Parse).
	path string
	// signed: the manifest's atom signatures were computed by this process from
	// the atoms it holds (a converted tarball or directory), so Atom does not
	// check them again.
	signed bool

	// integrity records what can be verified and how (see verify.go).
	integrity integrity
}

// Close releases the file mapping; byte slices from the container become invalid.
func (c *Container) Close() error {
	if c.closer == nil {
		return nil
	}
	err := c.closer.Close()
	c.closer = nil
	return err
}

// Open reads the package at path: a WebC file (any version), a legacy wapm .tar.gz, a
// directory holding a wasmer.toml, or a bare .wasm module. The form is told by the
// file's first bytes, never by its name. Files are memory-mapped where the platform
// allows it; a path that is not a regular file (a pipe such as /dev/stdin, a FIFO,
// a device) is read into memory instead, up to 1 GiB (see streamLimit).
func Open(path string) (*Container, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	if st.IsDir() {
		c, err := LoadDir(path)
		if err != nil {
			return nil, withPath(err, path)
		}
		c.setPath(path)
		return c, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	if !st.Mode().IsRegular() {
		return openStream(f, path)
	}
	m, err := mapFile(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c, err := parse(m, st.Size(), wasmName(path))
	if err != nil {
		m.Close()
		return nil, withPath(err, path)
	}
	c.setPath(path)
	if c.Format == FormatTarGz {
		m.Close() // a tarball is decompressed into memory: the file is no longer needed
	} else {
		c.closer = m
	}
	return c, nil
}

// setPath records the package's path, which errors found later (while a volume is
// first decoded, a hash is checked) name.
func (c *Container) setPath(path string) {
	c.path = path
	for _, v := range append([]*Volume{c.atoms}, c.volumes...) {
		v.file = path
	}
}

// fileError turns an *fs.PathError from opening the package into "path: reason",
// without the name of the system call.
func fileError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", path, pe.Err)
	}
	return err
}

// Parse reads a package from r, which holds size bytes: a WebC file of any version,
// a gzip-compressed wapm tarball or a bare wasm module. If r exposes its bytes
// (Bytes() []byte, as a memory mapping does), entries are slices of them.
func Parse(r io.ReaderAt, size int64) (*Container, error) {
	return parse(r, size, "")
}

// parse is Parse; a bare module's atom and command are called wasmName ("main"
// when empty).
func parse(r io.ReaderAt, size int64, wasmName string) (*Container, error) {
	var magic [8]byte
	n, err := r.ReadAt(magic[:], 0)
	if n < len(magic) && err != nil && err != io.EOF {
		return nil, err
	}
	head := magic[:n]
	switch {
	case size == 0:
		return nil, formatErr("header", "", errors.New("the file is empty"))
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return parseTarGz(io.NewSectionReader(r, 0, size))
	case bytes.HasPrefix(head, []byte("\x00webc")):
		if n < 8 {
			return nil, formatErrAt("header", "", int64(n), fmt.Errorf("the 8-byte header is cut short: %w", ErrTruncated))
		}
		src := newSource(r, size)
		switch string(head[5:8]) {
		case "001":
			return parseV1(src)
		case "002":
			return parseSectioned(src, FormatV2)
		case "003":
			return parseSectioned(src, FormatV3)
		}
		return nil, formatErrAt("header", "", 5, fmt.Errorf("unsupported WebC version %q", head[5:8]))
	case bytes.HasPrefix(head, []byte("\x00asm")):
		return parseWasm(newSource(r, size), wasmName)
	}
	return nil, formatErrAt("header", "", 0, fmt.Errorf("unknown magic % x: %w", head[:min(n, 4)], ErrUnknownFormat))
}

// ParseBytes is Parse over an in-memory package; entries are slices of b.
func ParseBytes(b []byte) (*Container, error) { return Parse(byteSlice(b), int64(len(b))) }

// byteSlice is an io.ReaderAt over a byte slice that exposes it through Bytes, so
// that Parse slices it instead of copying.
type byteSlice []byte

func (b byteSlice) ReadAt(p []byte, off int64) (int, error) { return readAtBytes(b, p, off) }

func (b byteSlice) Bytes() []byte { return b }

// Atoms returns the names of the atoms, sorted.
func (c *Container) Atoms() []string {
	root, err := c.atoms.Root()
	if err != nil {
		return nil
	}
	names := make([]string, root.Len())
	for i := range names {
		names[i] = root.Child(i).Name()
	}
	return names
}

// AtomEntry returns the file holding the named atom.
func (c *Container) AtomEntry(name string) (Entry, bool) {
	root, err := c.atoms.Root()
	if err != nil {
		return Entry{}, false
	}
	e, ok := root.Lookup(name)
	if !ok || e.IsDir() {
		return Entry{}, false
	}
	return e, true
}

// Atom returns the bytes of the named atom, checked against the hashes the container
// stores for it (the v2/v3 file hash, the manifest's sha256 signature) on first use.
func (c *Container) Atom(name string) ([]byte, error) {
	e, ok := c.AtomEntry(name)
	if !ok {
		return nil, &AtomNotFoundError{Atom: name, Atoms: c.Atoms()}
	}
	b, err := e.Bytes()
	if err != nil {
		return nil, err
	}
	if err := c.checkAtomSignature(name, b); err != nil {
		return nil, err
	}
	return b, nil
}

// checkAtomSignature compares an atom with the "sha256:<base64>" signature the
// manifest gives it, if any.
func (c *Container) checkAtomSignature(name string, b []byte) error {
	spec, ok := c.Manifest.Atoms[name]
	if !ok || c.signed {
		return nil
	}
	want, ok := strings.CutPrefix(spec.Signature, "sha256:")
	if !ok {
		return nil
	}
	sum := sha256.Sum256(b)
	if got := base64.StdEncoding.EncodeToString(sum[:]); got != want {
		fe := formatErr("atoms", name, fmt.Errorf("its sha256 %s does not match the manifest's signature %s: %w", got, spec.Signature, ErrChecksum))
		fe.Path = c.path
		return fe
	}
	return nil
}

// RawManifest returns the manifest's CBOR: as stored, or, for a package converted
// from a tarball, a directory or a bare module, as encoded from Manifest (once,
// on first use: running a module never needs it).
func (c *Container) RawManifest() ([]byte, error) {
	if c.manifestRaw == nil {
		raw, err := c.Manifest.Marshal()
		if err != nil {
			return nil, fmt.Errorf("encoding the manifest: %w", err)
		}
		c.manifestRaw = raw
	}
	return c.manifestRaw, nil
}

// AtomNotFoundError reports an atom that is not in the container.
type AtomNotFoundError struct {
	Atom  string
	Atoms []string
}

func (e *AtomNotFoundError) Error() string {
	return fmt.Sprintf("no atom %q in the package (atoms: %s)", e.Atom, listOrNone(e.Atoms))
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Volumes returns the named volumes in container order (the atoms are not one of them).
func (c *Container) Volumes() []*Volume { return c.volumes }

// Volume returns the volume called name.
func (c *Container) Volume(name string) (*Volume, bool) {
	for _, v := range c.volumes {
		if v.name == name {
			return v, true
		}
	}
	return nil, false
}

// AtomsVolume returns the atoms as a volume: one file per atom at its root.
func (c *Container) AtomsVolume() *Volume { return c.atoms }

// wasmName is the name Open gives the atom and command of a bare module: its file
// name without ".wasm", or "" (the default) when that is not a valid name.
func wasmName(path string) string {
	base := path
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	base = strings.TrimSuffix(base, ".wasm")
	if validName(base) != nil {
		return ""
	}
	return base
}

// finish derives what every form shares once the manifest and volumes are known:
// the package identity, the resolved commands, and the checks of the manifest
// against the container.
func (c *Container) finish() error {
	if c.Package.Name == "" {
		w, err := c.Manifest.Wapm()
		if err != nil {
			return formatErr("manifest", "", err)
		}
		c.Package = PackageInfo{Name: w.Name, Version: w.Version, Description: w.Description}
		if c.Package.Name == "" && c.Format == FormatV1 {
			var s string
			if _, err := annotation(c.Manifest.Package, "name", &s); err == nil {
				c.Package.Name = s
			}
			if _, err := annotation(c.Manifest.Package, "version", &s); err == nil {
				c.Package.Version = s
			}
		}
	}
	if err := c.atoms.load(); err != nil {
		return err
	}
	cmds, err := c.resolveCommands()
	if err != nil {
		return err
	}
	c.commands = cmds
	if _, err := c.mounts(); err != nil {
		return err
	}
	return nil
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// atomSignature is the manifest signature of an atom: "sha256:" and the base64 of
// the sha256 of its bytes (spec 5.2).
func atomSignature(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + base64.StdEncoding.EncodeToString(sum[:])
}
