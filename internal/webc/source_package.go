package webc

import "fmt"

// Source is a package held in memory: what a wasmer.toml directory, a wapm tarball or
// a bare module converts to, and what WriteV3 writes.
type Source struct {
	Manifest *Manifest
	// Package is the identity from wasmer.toml; the manifest's "wapm" annotation may
	// not carry it (current Wasmer strips name, version and description).
	Package PackageInfo
	// Atoms holds one file per atom at its root, named by the atom.
	Atoms *Tree
	// Volumes maps a volume name to its contents.
	Volumes map[string]*Tree
}

// Container returns a Container over the source, as if read from a file of the given
// form; the source's byte slices are shared, not copied.
func (s *Source) Container(format Format) (*Container, error) {
	atoms := s.Atoms
	if atoms == nil {
		atoms = NewTree()
	}
	c := &Container{
		Format:   format,
		Manifest: s.Manifest,
		Package:  s.Package,
		atoms:    atoms.volume("", "atoms"),
		// The manifest was made from these very atoms: checking their
		// signatures again would only hash them twice.
		signed: true,
	}
	for _, name := range sortedKeys(s.Volumes) {
		c.volumes = append(c.volumes, s.Volumes[name].volume(name, fmt.Sprintf("volume %q", name)))
	}
	if err := c.finish(); err != nil {
		return nil, err
	}
	return c, nil
}
