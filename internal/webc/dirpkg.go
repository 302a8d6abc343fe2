package webc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// LoadDir reads the package in the directory dir, which must hold a wasmer.toml
// (Wasmer's directory loader does not look for wapm.toml, spec 1), and converts it
// as Wasmer does (spec 6.5). The directory is read only through os.Root: no path
// or symbolic link leads out of it.
func LoadDir(dir string) (*Container, error) {
	src, err := ReadDirSource(dir)
	if err != nil {
		return nil, err
	}
	c, err := src.Container(FormatDir)
	if err != nil {
		return nil, withPath(err, dir)
	}
	return c, nil
}

// ReadDirSource reads the package in the directory dir (see LoadDir) into memory:
// its manifest, its atoms and its volumes, ready to be written by WriteV3. Errors
// about the package are *FormatError with Path dir and Section "wasmer.toml".
func ReadDirSource(dir string) (*Source, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	files := root.FS()
	data, err := fs.ReadFile(files, "wasmer.toml")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &FormatError{Path: dir, Section: "wasmer.toml", Offset: -1,
			Err: errors.New("not found: a package directory holds a wasmer.toml (wapm.toml is read only from tarballs)")}
	case err != nil:
		return nil, &FormatError{Path: dir, Section: "wasmer.toml", Offset: -1, Err: fmt.Errorf("cannot read it: %v", unwrapPathError(err))}
	}
	src, err := convertWasmerToml("wasmer.toml", data, files)
	if err != nil {
		return nil, withPath(err, dir)
	}
	return src, nil
}
