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
	b    []byte
	ra   io.ReaderAt
	size int64
}

// newSource returns a source over r; if r can expose its bytes (a mapping or a
// bytes.Reader-like type implementing Bytes), reads become slices of them.
func newSource(r io.ReaderAt, size int64) *source {
	if bb, ok := r.(interface{ Bytes() []byte }); ok {
		if b := bb.Bytes(); int64(len(b)) == size {
			return &source{b: b, ra: r, size: size}
		}
	}
	return &source{ra: r, size: size}
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
	want := len(p)
	if int64(want) > end-off {
		p = p[:end-off]
	}
	var n int
	var err error
	if s.b != nil {
		n = copy(p, s.b[off:end])
	} else {
		n, err = s.ra.ReadAt(p, off)
		if err == io.EOF && n == len(p) {
			err = nil
		}
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
