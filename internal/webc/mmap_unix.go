//go:build unix

package webc

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// mapping is a read-only memory mapping of a file; when the file cannot be mapped it
// falls back to reading through the file. A small file is read into memory
// instead (read is then true).
type mapping struct {
	f    *os.File
	b    []byte
	read bool
}

// readLimit is the size up to which a file is read rather than mapped. Mapping
// costs two more system calls, a page fault for every page touched (MADV_RANDOM
// turns off fault-around) and, when unmapped, a TLB shootdown on every CPU the
// process ran on: more than copying a few pages, which is all a bare module or a
// small package is.
const readLimit = 64 << 10

// mapFile maps size bytes of f; f is owned by the mapping from then on.
func mapFile(f *os.File, size int64) (*mapping, error) {
	m := &mapping{f: f}
	if size <= 0 || int64(int(size)) != size {
		return m, nil
	}
	if size <= readLimit {
		b := make([]byte, size)
		if _, err := f.ReadAt(b, 0); err != nil {
			return m, nil // read through the file, which reports the error where it is
		}
		m.b, m.read = b, true
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

// mappedFile returns the file that Bytes maps, for reads with pread(2) rather than
// page faults (see preadMin); nil when the file is not mapped (read into memory,
// or read through).
func (m *mapping) mappedFile() io.ReaderAt {
	if m.b == nil || m.read {
		return nil
	}
	return m.f
}

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
	if m.b != nil && !m.read {
		err = unix.Munmap(m.b)
	}
	m.b = nil
	if cerr := m.f.Close(); err == nil {
		err = cerr
	}
	return err
}
