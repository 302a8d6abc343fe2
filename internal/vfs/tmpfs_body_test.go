package vfs

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"testing"
)

// tmpC is the size of a chunk, short for the tables.
const tmpC = tmpChunkSize

// tmpBodyFile returns a tmpfs with limiter l and the node and a read-write handle
// of its file /f.
func tmpBodyFile(t testing.TB, l *Limiter) (*tmpNode, File) {
	t.Helper()
	fsys := NewTmpFS(l).(*tmpfs)
	f, errno := fsys.OpenFile("/f", OFlagRead|OFlagWrite|OFlagCreate, 0o644)
	tmpOK(t, errno, "create")
	t.Cleanup(func() { f.Close() })
	return fsys.root.dir.lookup("f"), f
}

// tmpBodyCheck checks the invariants of b against the model: the size, every byte,
// and that a chunk is never longer than a chunk, nor stores past the size, and the
// index has no trailing hole.
func tmpBodyCheck(t testing.TB, b *tmpBody, model []byte) {
	t.Helper()
	if b.size != int64(len(model)) {
		t.Fatalf("size %d, model %d", b.size, len(model))
	}
	got := make([]byte, len(model)+7)
	if k := b.readAt(got, 0); k != len(model) || !bytes.Equal(got[:k], model) {
		t.Fatalf("contents differ from the model (read %d of %d)", k, len(model))
	}
	for i, c := range b.chunks {
		if len(c) > tmpC || int64(i)*tmpC+int64(len(c)) > b.size {
			t.Fatalf("chunk %d: length %d past a chunk or the size %d", i, len(c), b.size)
		}
	}
	if n := len(b.chunks); n > 0 && b.chunks[n-1] == nil {
		t.Fatalf("the index ends with a hole (%d entries)", n)
	}
}

// TestTmpfsChunkBoundaries writes, reads and truncates across and at the chunk
// boundaries, checks each result against a []byte model, and what the limiter
// counts: the size less the whole chunks no write has reached.
func TestTmpfsChunkBoundaries(t *testing.T) {
	type op struct {
		op   string // "pwrite", "trunc", "pread"
		off  int64
		n    int
		used int64 // what the limiter counts after
	}
	for _, tt := range []struct {
		name string
		ops  []op
	}{
		{"write ending at a boundary", []op{{"pwrite", 0, tmpC, tmpC}, {"pread", tmpC - 3, 10, tmpC}}},
		{"write starting at a boundary", []op{{"pwrite", tmpC, 5, 5}, {"pread", tmpC - 2, 10, 5}}},
		{"write spanning a boundary", []op{{"pwrite", tmpC - 3, 6, tmpC + 3}, {"pread", tmpC - 4, 8, tmpC + 3}}},
		{"write spanning three chunks", []op{{"pwrite", tmpC - 1, tmpC + 2, 2*tmpC + 1}, {"pread", 0, 3 * tmpC, 2*tmpC + 1}}},
		{"sparse: a hole of whole chunks", []op{{"pwrite", 0, 1, 1}, {"pwrite", 3*tmpC + 10, 4, 15}, {"pread", 0, 4 * tmpC, 15}}},
		{"write into a hole below the size", []op{{"pwrite", 3 * tmpC, 1, 1}, {"pwrite", tmpC + 1, 1, 3}, {"pread", tmpC - 1, 4, 3}}},
		{"grow by truncation: zeros to the chunk's end, then holes", []op{{"pwrite", 0, 10, 10}, {"trunc", 5 * tmpC, 0, tmpC}, {"pread", 0, 5 * tmpC, tmpC}}},
		{"grow by truncation within a chunk", []op{{"pwrite", 0, 10, 10}, {"trunc", 100, 0, 100}}},
		{"grow by truncation from a boundary", []op{{"pwrite", 0, tmpC, tmpC}, {"trunc", 3 * tmpC, 0, tmpC}}},
		{"grow by truncation from a hole", []op{{"trunc", tmpC + 5, 0, 0}, {"trunc", 3 * tmpC, 0, 0}}},
		{"truncate into the middle of a chunk", []op{{"pwrite", 0, 3 * tmpC, 3 * tmpC}, {"trunc", tmpC + 7, 0, tmpC + 7}, {"trunc", 3 * tmpC, 0, 2 * tmpC}, {"pread", tmpC, 2 * tmpC, 2 * tmpC}}},
		{"truncate at a boundary", []op{{"pwrite", 0, 2*tmpC + 1, 2*tmpC + 1}, {"trunc", tmpC, 0, tmpC}, {"pwrite", 2 * tmpC, 1, tmpC + 1}, {"pread", 0, 2*tmpC + 1, tmpC + 1}}},
		{"truncate to a hole", []op{{"pwrite", 3 * tmpC, 5, 5}, {"trunc", tmpC + 1, 0, 0}, {"pread", 0, tmpC + 1, 0}}},
		{"shrink then overwrite the tail", []op{{"pwrite", 0, tmpC, tmpC}, {"trunc", 10, 0, 10}, {"pwrite", 20, 1, 21}, {"pread", 0, 21, 21}}},
		{"read ending past the size", []op{{"pwrite", tmpC - 2, 4, tmpC + 2}, {"pread", tmpC, 100, tmpC + 2}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLimiter(0)
			n, f := tmpBodyFile(t, l)
			var model []byte
			for i, o := range tt.ops {
				switch o.op {
				case "pwrite":
					p := make([]byte, o.n)
					for j := range p {
						p[j] = byte(i + j%251 + 1)
					}
					if k, errno := f.Pwrite(p, o.off); k != o.n || errno != 0 {
						t.Fatalf("op %d: Pwrite = %d %v", i, k, errno)
					}
					if end := int(o.off) + o.n; end > len(model) {
						model = append(model, make([]byte, end-len(model))...)
					}
					copy(model[o.off:], p)
				case "trunc":
					tmpOK(t, f.Truncate(o.off), "truncate")
					if int(o.off) < len(model) {
						model = model[:o.off]
					} else {
						model = append(model, make([]byte, int(o.off)-len(model))...)
					}
				case "pread":
					got := make([]byte, o.n)
					k, errno := f.Pread(got, o.off)
					want := model[min(int(o.off), len(model)):min(int(o.off)+o.n, len(model))]
					if errno != 0 || !bytes.Equal(got[:k], want) {
						t.Fatalf("op %d: Pread(%d, %d) = %d bytes %v, want %d bytes of the model", i, o.n, o.off, k, errno, len(want))
					}
				}
				tmpBodyCheck(t, &n.data, model)
				if l.Used() != o.used || n.data.stored() != o.used {
					t.Fatalf("op %d %s: the limiter counts %d, the file stores %d, want %d", i, o.op, l.Used(), n.data.stored(), o.used)
				}
			}
		})
	}
}

// TestTmpfsChunkedWriteWhatFits: a write under a limit stores what fits, and a
// hole it skips over counts nothing.
func TestTmpfsChunkedWriteWhatFits(t *testing.T) {
	for _, tt := range []struct {
		name    string
		limit   int64
		off     int64
		n       int
		written int
		want    Errno
	}{
		{"in a chunk past holes", 100, 5 * tmpC, 150, 100, 0},
		{"its gap in the chunk does not fit", 100, 5*tmpC + 100, 1, 0, ENOSPC},
		// The first chunk stores its gap of zeros: tmpC, and 10 of the second.
		{"gap and data across a boundary", tmpC + 10, tmpC - 5, 20, 15, 0},
		{"across a boundary, part of the second", tmpC + 10, 0, tmpC + 20, tmpC + 10, 0},
		{"from a boundary past holes", 10, 3 * tmpC, 20, 10, 0},
		{"the gap before a boundary does not fit", 10, 3*tmpC - 4, 20, 0, ENOSPC},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLimiter(tt.limit)
			n, f := tmpBodyFile(t, l)
			k, errno := f.Pwrite(bytes.Repeat([]byte("x"), tt.n), tt.off)
			if k != tt.written || errno != tt.want || l.Used() != n.data.stored() || l.Used() > tt.limit {
				t.Errorf("Pwrite = %d %v (used %d, stored %d), want %d %v", k, errno, l.Used(), n.data.stored(), tt.written, tt.want)
			}
			if want := tt.off + int64(k); k > 0 && n.data.size != want {
				t.Errorf("size %d, want %d", n.data.size, want)
			}
		})
	}
}

// FuzzTmpfsChunks runs random writes, truncations and reads, at offsets near the
// chunk boundaries, on a file under a limit and on a []byte model, and checks that
// they agree, and that the limiter counts what the file stores.
func FuzzTmpfsChunks(f *testing.F) {
	f.Add([]byte{0, 1, 0, 10, 1, 2, 3, 200, 2, 0, 0, 50})
	f.Add([]byte{0, 3, 255, 200, 1, 1, 0, 7, 0, 0, 250, 9, 1, 2, 0, 0, 2, 1, 200, 255})
	f.Add([]byte{0, 5, 0, 1, 0, 2, 128, 255, 1, 4, 255, 255, 0, 4, 0, 4})
	f.Fuzz(func(t *testing.T, ops []byte) {
		l := NewLimiter(3 * tmpC)
		n, file := tmpBodyFile(t, l)
		var model []byte
		for step := 0; len(ops) >= 4 && step < 32; step++ {
			kind, chunk := ops[0]%3, int64(ops[1]%6)
			delta := int64(int16(binary.LittleEndian.Uint16(ops[2:4])))
			ops = ops[4:]
			off := max(0, chunk*tmpC+delta*64)
			switch kind {
			case 0:
				size := int(chunk+1)*int(delta&0x7ff) + 1
				p := bytes.Repeat([]byte{byte(step + 1)}, size)
				k, errno := file.Pwrite(p, off)
				if errno != 0 && (errno != ENOSPC || k != 0) {
					t.Fatalf("step %d: Pwrite(%d bytes at %d) = %d %v", step, size, off, k, errno)
				}
				if end := int(off) + k; k > 0 && end > len(model) {
					model = append(model, make([]byte, end-len(model))...)
				}
				copy(model[min(int(off), len(model)):], p[:k])
			case 1:
				errno := file.Truncate(off)
				if errno == ENOSPC && off > int64(len(model)) {
					break
				}
				tmpOK(t, errno, "truncate")
				if int(off) < len(model) {
					model = model[:off]
				} else {
					model = append(model, make([]byte, int(off)-len(model))...)
				}
			case 2:
				got := make([]byte, int(delta&0xfff)+tmpC/2)
				k, errno := file.Pread(got, off)
				want := model[min(int(off), len(model)):min(int(off)+len(got), len(model))]
				if errno != 0 || !bytes.Equal(got[:k], want) {
					t.Fatalf("step %d: Pread(%d at %d) = %d %v, want %d bytes of the model", step, len(got), off, k, errno, len(want))
				}
			}
			tmpBodyCheck(t, &n.data, model)
			if u, s := l.Used(), n.data.stored(); u != s || u > l.Limit() || s > int64(len(model)) {
				t.Fatalf("step %d: the limiter counts %d, the file stores %d of %d bytes", step, u, s, len(model))
			}
		}
	})
}

// TestTmpfsWriteAllocations: writing a file in order allocates about its size once
// (not a buffer regrown and copied), and a sparse file allocates only the chunks it
// stores, however big its holes.
func TestTmpfsWriteAllocations(t *testing.T) {
	const size = 16 << 20
	src := make([]byte, 64<<10)
	measure := func(fn func(f File)) uint64 {
		_, f := tmpBodyFile(t, nil)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		fn(f)
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	got := measure(func(f File) {
		for range size / len(src) {
			f.Write(src)
		}
	})
	if got > size*115/100 {
		t.Errorf("writing %d bytes in order allocated %d bytes, want at most 1.15x", size, got)
	}
	got = measure(func(f File) {
		f.Pwrite([]byte("x"), 3<<30)
		f.Pwrite([]byte("y"), 1<<30+5)
		f.Truncate(4 << 30)
	})
	if got > 1<<20 {
		t.Errorf("a 4 GiB file of two bytes allocated %d bytes", got)
	}
}

// TestTmpfsSparseMemory: a file with one byte at the start of each of many chunks
// counts a byte for each, and holds not much more, not a chunk each.
func TestTmpfsSparseMemory(t *testing.T) {
	l := NewLimiter(0)
	n, f := tmpBodyFile(t, l)
	for i := range int64(512) {
		if _, errno := f.Pwrite([]byte("x"), 2*i*tmpC); errno != 0 {
			t.Fatalf("pwrite at %d: %v", 2*i*tmpC, errno)
		}
	}
	var held int
	for _, c := range n.data.chunks {
		held += cap(c)
	}
	if l.Used() != 512 || held > 512*8 {
		t.Errorf("512 one-byte chunks: the limiter counts %d, the chunks hold %d bytes", l.Used(), held)
	}
}

// TestTmpfsTruncateAtLimit: at the limit, growing by truncation fails when the last
// chunk must store zeros, and succeeds when it adds only holes.
func TestTmpfsTruncateAtLimit(t *testing.T) {
	l := NewLimiter(tmpC + 10)
	n, f := tmpBodyFile(t, l)
	if k, errno := f.Pwrite(make([]byte, tmpC+10), 0); k != tmpC+10 || errno != 0 {
		t.Fatalf("Pwrite = %d %v", k, errno)
	}
	tmpWant(t, f.Truncate(tmpC+11), ENOSPC, "truncate within the last chunk")
	if n.data.size != tmpC+10 || l.Used() != tmpC+10 {
		t.Errorf("after a refused Truncate: size %d, used %d", n.data.size, l.Used())
	}
	tmpOK(t, f.Truncate(tmpC), "shrink to a boundary")
	tmpOK(t, f.Truncate(tmpMaxSize), "grow by holes")
	if n.data.size != tmpMaxSize || l.Used() != tmpC || len(n.data.chunks) != 1 {
		t.Errorf("after growing by holes: size %d, used %d, %d chunks", n.data.size, l.Used(), len(n.data.chunks))
	}
}
