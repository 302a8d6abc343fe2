//go:build unix

package webc

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapping is a read-only memory mapping of a file; when the file cannot be mapped it
// falls back to reading through the file.
type mapping struct {
	f *os.File
	b []byte
}

// mapFile maps size bytes of f; f is owned by the mapping from then on.
func mapFile(f *os.File, size int64) (*mapping, error) {
	m := &mapping{f: f}
	if size <= 0 || int64(int(size)) != size {
		return m, nil
	}
	b, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return m, nil // e.g. a pipe or a special file system: read through the file
	}
	_ = unix.Madvise(b, unix.MADV_RANDOM)
	m.b = b
	return m, nil
}

// Bytes returns the mapped bytes, or nil when the file is read instead.
func (m *mapping) Bytes() []byte { return m.b }

// ReadAt reads from the mapping or the file.
func (m *mapping) ReadAt(p []byte, off int64) (int, error) {
	if m.b == nil {
		return m.f.ReadAt(p, off)
	}
	return readAtBytes(m.b, p, off)
}

// Close unmaps the file and closes it.
func (m *mapping) Close() error {
	var err error
	if m.b != nil {
		err = unix.Munmap(m.b)
		m.b = nil
	}
	if cerr := m.f.Close(); err == nil {
		err = cerr
	}
	return err
}
