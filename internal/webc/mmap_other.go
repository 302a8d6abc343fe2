//go:build !unix

package webc

import "os"

// mapping reads through the file where memory mapping is not implemented.
type mapping struct {
	f *os.File
}

func mapFile(f *os.File, size int64) (*mapping, error) { return &mapping{f: f}, nil }

// Bytes returns nil: the file is not mapped.
func (m *mapping) Bytes() []byte { return nil }

// ReadAt reads from the file.
func (m *mapping) ReadAt(p []byte, off int64) (int, error) { return m.f.ReadAt(p, off) }

// Close closes the file.
func (m *mapping) Close() error { return m.f.Close() }
