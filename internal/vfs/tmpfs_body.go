package vfs

import "slices"

// tmpChunkShift sets the size of a chunk of a tmpfs file's contents: 256 KiB.
// Writing and reading back a 500 MiB file (BenchmarkTmpfsBigFile) ran within the
// noise of each other with chunks of 64 KiB, 256 KiB and 1 MiB; 256 KiB keeps the
// index of a 4 GiB file at 16,384 entries, and the memory a partly written chunk
// may hold beyond what the file counts at a quarter of 1 MiB's.
const (
	tmpChunkShift = 18
	tmpChunkSize  = 1 << tmpChunkShift
	tmpChunkMask  = tmpChunkSize - 1
)

// tmpBody is the contents of a regular tmpfs file: its size and the chunks that
// store it. Chunk i holds the bytes from i*tmpChunkSize; a nil chunk, and any
// chunk past the end of chunks, is a hole that reads as zeros and stores nothing.
// A chunk's length is how many of its bytes are stored (those past it read as
// zeros too), and what the limiter counts: a file counts all its bytes but its
// holes.
// The bytes of a chunk's capacity past its length are not kept zeroed; a chunk
// clears them as it grows over them.
//
// So that the memory stays close to the count, a chunk grows to about twice its
// length at most, except that one which follows a full chunk is made full at once
// (sequential writes then allocate every chunk once, and a sparse file cannot hold
// a full chunk's memory for one byte it counts), and a chunk that shrinks to under
// a quarter of its capacity is copied to a smaller one.
type tmpBody struct {
	size   int64
	chunks [][]byte
}

// stored returns how many bytes b stores, which is what the limiter counts for it.
func (b *tmpBody) stored() int64 {
	var n int64
	for _, c := range b.chunks {
		n += int64(len(c))
	}
	return n
}

// readAt copies the contents at off into p and returns how many bytes it copied
// (0 at or past the end).
func (b *tmpBody) readAt(p []byte, off int64) int {
	if off >= b.size {
		return 0
	}
	if rest := b.size - off; int64(len(p)) > rest {
		p = p[:rest]
	}
	k := len(p)
	for len(p) > 0 {
		i, at := off>>tmpChunkShift, int(off&tmpChunkMask)
		n := min(len(p), tmpChunkSize-at)
		var c []byte
		if i < int64(len(b.chunks)) {
			c = b.chunks[i]
		}
		m := 0
		if at < len(c) {
			m = copy(p[:n], c[at:])
		}
		clear(p[m:n])
		p, off = p[n:], off+int64(n)
	}
	return k
}

// growth returns how many more bytes b would store after a write of [off, end).
func (b *tmpBody) growth(off, end int64) int64 {
	var g int64
	for off < end {
		i, at := off>>tmpChunkShift, off&tmpChunkMask
		stop := min(end-off+at, tmpChunkSize) // the write's end within the chunk
		var have int64
		if i < int64(len(b.chunks)) {
			have = int64(len(b.chunks[i]))
		}
		g += max(0, stop-have)
		off += stop - at
	}
	return g
}

// fit returns the largest end e <= end such that a write of [off, e) grows b by at
// most budget, and that growth.
func (b *tmpBody) fit(off, end, budget int64) (int64, int64) {
	var g int64
	for off < end {
		i, at := off>>tmpChunkShift, off&tmpChunkMask
		stop := min(end-off+at, tmpChunkSize)
		var have int64
		if i < int64(len(b.chunks)) {
			have = int64(len(b.chunks[i]))
		}
		more := max(0, stop-have)
		if g+more > budget {
			// Only a part of this chunk fits: up to its stored length plus
			// what is left of the budget, which must reach past at.
			if e := have + budget - g; e > at {
				return off + e - at, budget
			}
			return off, g
		}
		g += more
		off += stop - at
	}
	return end, g
}

// writeAt stores p at off, growing the size to off+len(p) when it ends past it.
// The caller has reserved the growth.
func (b *tmpBody) writeAt(p []byte, off int64) {
	if end := off + int64(len(p)); end > b.size {
		b.size = end
	}
	for len(p) > 0 {
		i, at := int(off>>tmpChunkShift), int(off&tmpChunkMask)
		n := min(len(p), tmpChunkSize-at)
		copy(b.chunk(i, at+n)[at:], p[:n])
		p, off = p[n:], off+int64(n)
	}
}

// chunk returns chunk i grown to a length of at least n, the new bytes zeroed.
func (b *tmpBody) chunk(i, n int) []byte {
	if old := len(b.chunks); i >= old {
		b.chunks = slices.Grow(b.chunks, i+1-old)[:i+1]
		clear(b.chunks[old:])
	}
	c := b.chunks[i]
	switch old := len(c); {
	case n <= old:
		return c
	case n <= cap(c):
		c = c[:n]
		clear(c[old:])
	default:
		size := max(n, min(2*cap(c), tmpChunkSize))
		if i > 0 && len(b.chunks[i-1]) == tmpChunkSize {
			size = tmpChunkSize
		}
		grown := make([]byte, n, size)
		copy(grown, c)
		c = grown
	}
	b.chunks[i] = c
	return c
}

// tailGrowth returns how many more bytes b stores when truncate grows it to size:
// the chunk that holds the old end, if it stores anything, stores zeros up to the
// new end or its own, as a write's gap within a chunk is stored; whole chunks past
// it are holes.
func (b *tmpBody) tailGrowth(size int64) int64 {
	i := b.size >> tmpChunkShift
	if size <= b.size || b.size&tmpChunkMask == 0 || i >= int64(len(b.chunks)) || b.chunks[i] == nil {
		return 0
	}
	return max(0, min(size-i<<tmpChunkShift, tmpChunkSize)-int64(len(b.chunks[i])))
}

// truncate sets the size; it returns how many bytes b stores less (shrinking frees
// the chunks past the end and cuts the last one). Growing stores tailGrowth more,
// which the caller has reserved.
func (b *tmpBody) truncate(size int64) int64 {
	if size >= b.size {
		if g := b.tailGrowth(size); g > 0 {
			i := int(b.size >> tmpChunkShift)
			b.chunk(i, len(b.chunks[i])+int(g))
		}
		b.size = size
		return 0
	}
	b.size = size
	var freed int64
	// Chunks from keep on start at or past the new end.
	keep := int((size + tmpChunkMask) >> tmpChunkShift)
	for i := keep; i < len(b.chunks); i++ {
		freed += int64(len(b.chunks[i]))
		b.chunks[i] = nil
	}
	if keep < len(b.chunks) {
		b.chunks = b.chunks[:keep]
	}
	if at := int(size & tmpChunkMask); at != 0 && keep-1 < len(b.chunks) {
		c := b.chunks[keep-1]
		if len(c) > at {
			freed += int64(len(c) - at)
			c = c[:at]
			if cap(c) > 4<<10 && at < cap(c)/4 {
				c = append([]byte(nil), c...)
			}
			b.chunks[keep-1] = c
		}
	}
	// Trailing holes need no entries.
	for len(b.chunks) > 0 && b.chunks[len(b.chunks)-1] == nil {
		b.chunks = b.chunks[:len(b.chunks)-1]
	}
	if len(b.chunks) == 0 {
		b.chunks = nil
	}
	return freed
}
