package webc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// source is the bytes a container is read from: a memory mapping or an in-memory
// buffer (b != nil), from which reads are zero-copy slices, or any io.ReaderAt.
type source struct {
	b  []byte
	ra io.ReaderAt
	// file reads the bytes of the file that b maps with pread(2); nil when b is not
	// a mapping of a file (an in-memory buffer, or a file too small to map). Large
	// files are read through it (see preadMin).
	file io.ReaderAt
	size int64
}

// newSource returns a source over r; if r can expose its bytes (a mapping or a
// bytes.Reader-like type implementing Bytes), reads become slices of them, and if
// r is a mapping of a file, large files are read from the file (see preadMin).
func newSource(r io.ReaderAt, size int64) *source {
	if bb, ok := r.(interface{ Bytes() []byte }); ok {
		if b := bb.Bytes(); int64(len(b)) == size {
			s := &source{b: b, ra: r, size: size}
			if mf, ok := r.(interface{ mappedFile() io.ReaderAt }); ok {
				s.file = mf.mappedFile()
			}
			return s
		}
	}
	return &source{ra: r, size: size}
}

// preadMin is the size from which a file of a mapped container is read with
// pread(2) from the container's file rather than copied from the mapping. Copying
// from the mapping faults in every page on first touch, one fault per page (the
// mapping is MADV_RANDOM), which made reading a 25 MiB file 5 to 10 times slower
// than read(2) of the same bytes from the page cache, and the faulted pages stay
// in the process's resident set until the container is closed. pread(2) copies
// from the page cache with no fault and leaves nothing resident. Below it, a file
// is a few pages that the mapping serves without a system call, and a file read
// again is served from pages already faulted in; BenchmarkVolumeBigRead in
// internal/vfs measures both sides.
const preadMin = 256 << 10

// readFileAt is readAt for the bytes of a file of the container that is preadMin
// or more long: from the container's file with pread(2) when the container is
// mapped, else as readAt.
func (s *source) readFileAt(p []byte, off, end int64) (int, error) {
	if s.file == nil {
		return s.readAt(p, off, end)
	}
	return readAtLimit(s.file, p, off, end)
}

// bytesSource returns a source over b.
func bytesSource(b []byte) *source { return &source{b: b, size: int64(len(b))} }

// inRange reports whether [off, off+n) lies within [0, limit).
func inRange(off, n, limit int64) bool {
	return off >= 0 && n >= 0 && off <= limit && n <= limit-off
}

// slice returns n bytes at off: a sub-slice of the mapping when there is one, else a
// fresh buffer filled by ReadAt. The caller has checked the range against size.
func (s *source) slice(off, n int64) ([]byte, error) {
	if !inRange(off, n, s.size) {
		return nil, fmt.Errorf("span %d+%d past the end of the %d-byte file: %w", off, n, s.size, ErrTruncated)
	}
	if s.b != nil {
		return s.b[off : off+n : off+n], nil
	}
	p := make([]byte, n)
	if _, err := s.ra.ReadAt(p, off); err != nil && !(err == io.EOF && int64(len(p)) == n) {
		return nil, err
	}
	return p, nil
}

// readAt reads into p from absolute offset off, limited to end (exclusive).
func (s *source) readAt(p []byte, off, end int64) (int, error) {
	if off >= end {
		return 0, io.EOF
	}
	if s.b != nil {
		want := len(p)
		if int64(want) > end-off {
			p = p[:end-off]
		}
		n := copy(p, s.b[off:end])
		if n < want {
			return n, io.EOF
		}
		return n, nil
	}
	return readAtLimit(s.ra, p, off, end)
}

// readAtLimit reads into p from r at absolute offset off < end, limited to end
// (exclusive). The bytes up to end must be there: a file that ends before them
// (cut short since it was opened) gives io.ErrUnexpectedEOF rather than a short
// read that looks like the end of the entry.
func readAtLimit(r io.ReaderAt, p []byte, off, end int64) (int, error) {
	want := len(p)
	if int64(want) > end-off {
		p = p[:end-off]
	}
	n, err := r.ReadAt(p, off)
	switch {
	case n < len(p) && (err == nil || err == io.EOF):
		return n, io.ErrUnexpectedEOF
	case n == len(p) && err == io.EOF:
		err = nil
	}
	if err == nil && n < want {
		err = io.EOF
	}
	return n, err
}

// readAtBytes implements io.ReaderAt over b.
func readAtBytes(b, p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errNegativeOffset
	}
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

var errNegativeOffset = errors.New("negative offset")

// uvarint reads an unsigned LEB128 number at off, which must end before limit.
func (s *source) uvarint(off, limit int64) (uint64, int64, error) {
	n := min(int64(binary.MaxVarintLen64+1), limit-off) // one more byte shows an overflow
	if n <= 0 {
		return 0, 0, ErrTruncated
	}
	b, err := s.slice(off, n)
	if err != nil {
		return 0, 0, err
	}
	v, k := binary.Uvarint(b)
	switch {
	case k == 0:
		return 0, 0, ErrTruncated
	case k < 0:
		return 0, 0, errors.New("LEB128 number overflows 64 bits")
	}
	return v, int64(k), nil
}

// u64 reads a little-endian u64 at off, which must end before limit.
func (s *source) u64(off, limit int64) (uint64, error) {
	if !inRange(off, 8, limit) {
		return 0, ErrTruncated
	}
	b, err := s.slice(off, 8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}
