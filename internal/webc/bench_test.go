package webc

// Benchmarks and allocation budgets of reading a volume (STYLE.md habit 8, DESIGN.md
// "Performance principles"): path lookup, pread, zero-copy Bytes, and the one-time
// decode of a volume header. Run them with
//
//	go test -run '^$' -bench 'Lookup|ReadAt|Bytes|VolumeDecode' -benchmem ./internal/webc
//
// The tests here assert allocations only; time is reported (t.Log with -v), never
// asserted. The package-level benchmark of `wasirun inspect` is in internal/inspect
// (it cannot be here: inspect imports webc), the process-level one (time and peak
// RSS) in cmd/wasirun.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// benchPattern returns n bytes of a xorshift64 stream. Its period is 2^64-1, so two
// windows of it at different offsets differ: files cut from one pattern at
// different offsets have different hashes while sharing memory.
func benchPattern(n int) []byte {
	b := make([]byte, n+8)
	x := uint64(0x9e3779b97f4a7c15)
	for i := 0; i < n; i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(b[i:], x)
	}
	return b[:n:n]
}

// benchWasm returns a valid core module of size bytes (at least its ~90-byte
// prologue): the header, a type section, an import section importing
// wasi_snapshot_preview1.fd_write and proc_exit, then a custom section "filler"
// padding it to size, as debug info would.
func benchWasm(size int) []byte {
	var m []byte
	m = append(m, "\x00asm\x01\x00\x00\x00"...)
	types := []byte{2, // two function types
		0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f, // (i32 i32 i32 i32) -> i32: fd_write
		0x60, 1, 0x7f, 0} // (i32) -> (): proc_exit
	m = benchWasmSection(m, 1, types)
	var imps []byte
	imps = append(imps, 2)
	for _, imp := range []struct {
		name string
		typ  byte
	}{{"fd_write", 0}, {"proc_exit", 1}} {
		imps = append(imps, byte(len("wasi_snapshot_preview1")))
		imps = append(imps, "wasi_snapshot_preview1"...)
		imps = append(imps, byte(len(imp.name)))
		imps = append(imps, imp.name...)
		imps = append(imps, 0, imp.typ) // a function of type typ
	}
	m = benchWasmSection(m, 2, imps)

	const name = "filler"
	// id, LEB128 size (at most 5 bytes), name length, name.
	left := size - len(m) - 1 - 1 - len(name)
	if left <= 5 {
		return m
	}
	for k := 1; k <= 5; k++ { // the size field's own length changes what is left
		body := left - k
		if len(binary.AppendUvarint(nil, uint64(1+len(name)+body))) == k {
			out := make([]byte, len(m), size)
			copy(out, m)
			out = append(out, 0)
			out = binary.AppendUvarint(out, uint64(1+len(name)+body))
			out = append(out, byte(len(name)))
			out = append(out, name...)
			fill := out[len(out):size]
			copy(fill, benchPattern(min(len(fill), 1<<16)))
			for n := 1 << 16; n < len(fill); n *= 2 {
				copy(fill[n:], fill[:n])
			}
			return out[:size]
		}
	}
	return m
}

func benchWasmSection(m []byte, id byte, body []byte) []byte {
	m = append(m, id)
	m = binary.AppendUvarint(m, uint64(len(body)))
	return append(m, body...)
}

func benchEnc(tb testing.TB, v any) cbor.RawMessage {
	tb.Helper()
	raw, err := encodeValue(v)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// genPackage builds a package whose one atom "main" is a valid wasm module of
// atomSize bytes importing WASI, and whose volume "/data" holds files files of
// fileSize bytes spread over about sqrt(files) directories (10,000 files: 100
// directories of 100). It has one WASI command, the entrypoint, which mounts /data.
//
// The files are windows of one shared pattern at different offsets, so they differ
// (and hash differently) but the Source takes little memory: only the atom is
// allocated in full. 50 MiB atom, 10,000 files of 15,728 bytes: a 200 MiB package.
func genPackage(tb testing.TB, atomSize, files, fileSize int) *Source {
	tb.Helper()
	atom := benchWasm(atomSize)
	atoms := NewTree()
	if err := atoms.AddFile("main", atom, 1700000000); err != nil {
		tb.Fatal(err)
	}
	data := NewTree()
	dirs := max(1, int(math.Sqrt(float64(files))))
	pool := benchPattern(fileSize + files)
	for i := range files {
		if err := data.AddFile(fmt.Sprintf("d%04d/f%06d.bin", i%dirs, i), pool[i:i+fileSize], 1700000000+int64(i)); err != nil {
			tb.Fatal(err)
		}
	}
	sum := sha256.Sum256(atom)
	return &Source{
		Manifest: &Manifest{
			Atoms: map[string]AtomSpec{"main": {
				Kind:      "https://webc.org/kind/wasm",
				Signature: "sha256:" + base64.StdEncoding.EncodeToString(sum[:]),
			}},
			Commands: map[string]CommandSpec{"main": {
				Runner:      RunnerWasi,
				Annotations: map[string]cbor.RawMessage{"wasi": benchEnc(tb, map[string]any{"atom": "main"})},
			}},
			Package: map[string]cbor.RawMessage{
				"fs": benchEnc(tb, []map[string]any{{"from": nil, "volume_name": "/data", "mount_path": "/data"}}),
			},
			Entrypoint: "main",
		},
		Package: PackageInfo{Name: "bench/generated", Version: "1.0.0"},
		Atoms:   atoms,
		Volumes: map[string]*Tree{"/data": data},
	}
}

// benchWrite writes s as a v3 file in dir and returns its path.
func benchWrite(tb testing.TB, dir string, s *Source) string {
	tb.Helper()
	path := filepath.Join(dir, "pkg.webc")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := WriteV3(f, s); err != nil {
		f.Close()
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// benchOpen opens the file at path (memory-mapped), closes it when tb ends, and
// returns its volume "/data", decoded.
func benchOpen(tb testing.TB, path string) *Volume {
	tb.Helper()
	c, err := Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	v, ok := c.Volume("/data")
	if !ok {
		tb.Fatal("no volume /data")
	}
	if err := v.Load(); err != nil {
		tb.Fatal(err)
	}
	return v
}

// lookupVolume is a mapped volume of n 8-byte files, all in one directory (flat) or
// in sqrt(n) directories of sqrt(n) files (tree), with the paths of its files in a
// fixed random order.
func lookupVolume(tb testing.TB, n int, tree bool) (*Volume, []string) {
	tb.Helper()
	data := NewTree()
	pool := benchPattern(n + 8)
	dirs := max(1, int(math.Sqrt(float64(n))))
	paths := make([]string, n)
	for i := range n {
		p := fmt.Sprintf("f%07d", i)
		if tree {
			p = fmt.Sprintf("d%04d/%s", i%dirs, p)
		}
		paths[i] = p
		if err := data.AddFile(p, pool[i:i+8], 0); err != nil {
			tb.Fatal(err)
		}
	}
	s := &Source{Manifest: &Manifest{}, Volumes: map[string]*Tree{"/data": data}}
	v := benchOpen(tb, benchWrite(tb, tb.TempDir(), s))
	rand.New(rand.NewPCG(1, 2)).Shuffle(n, func(i, j int) { paths[i], paths[j] = paths[j], paths[i] })
	return v, paths
}

var lookupSizes = []int{100, 10_000, 100_000}

// BenchmarkLookup is Volume.Lookup of a path of a mapped v3 volume of n files, in
// random order. A lookup is one binary search per path component, so ns/op should
// grow like log n (plus cache misses once the node table outgrows the caches).
func BenchmarkLookup(b *testing.B) {
	for _, n := range lookupSizes {
		for _, layout := range []string{"flat", "tree"} {
			b.Run(fmt.Sprintf("n=%d/%s", n, layout), func(b *testing.B) {
				v, paths := lookupVolume(b, n, layout == "tree")
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if _, err := v.Lookup(paths[i]); err != nil {
						b.Fatal(err)
					}
					if i++; i == len(paths) {
						i = 0
					}
				}
			})
		}
	}
}

// TestLookupScales checks that a lookup allocates nothing at any size; with -v it
// also reports (never asserts) how the time of a lookup grows from 100 to 100,000
// files: O(log n) predicts about 2.5x (log 100000 / log 100), O(n) 1000x. The
// report times 200,000 lookups in random order per case, a fraction of a second;
// BenchmarkLookup is the real measurement.
func TestLookupScales(t *testing.T) {
	ns := map[string]float64{}
	for _, n := range []int{100, 100_000} {
		for _, tree := range []bool{false, true} {
			v, paths := lookupVolume(t, n, tree)
			i := 0
			lookup := func() {
				if _, err := v.Lookup(paths[i]); err != nil {
					t.Fatal(err)
				}
				if i++; i == len(paths) {
					i = 0
				}
			}
			if allocs := testing.AllocsPerRun(1000, lookup); allocs != 0 {
				t.Errorf("n=%d tree=%v: Lookup allocates %v times, want 0", n, tree, allocs)
			}
			if testing.Verbose() { // the report is only shown with -v
				const lookups = 200_000
				start := time.Now()
				for range lookups {
					lookup()
				}
				ns[fmt.Sprint(tree, n)] = float64(time.Since(start).Nanoseconds()) / lookups
				t.Logf("n=%d tree=%v: %.0f ns per lookup", n, tree, ns[fmt.Sprint(tree, n)])
			}
		}
	}
	for _, tree := range []bool{false, true} {
		if small := ns[fmt.Sprint(tree, 100)]; small > 0 {
			t.Logf("tree=%v: a lookup among 100,000 files takes %.1fx the time of one among 100 (log ratio 2.5, linear 1000)",
				tree, ns[fmt.Sprint(tree, 100_000)]/small)
		}
	}
}

// benchFile returns a mapped volume holding "f" (a size-byte file), and that file.
func benchFile(tb testing.TB, size int) Entry {
	tb.Helper()
	data := NewTree()
	if err := data.AddFile("dir/f", benchPattern(size), 0); err != nil {
		tb.Fatal(err)
	}
	s := &Source{Manifest: &Manifest{}, Volumes: map[string]*Tree{"/data": data}}
	v := benchOpen(tb, benchWrite(tb, tb.TempDir(), s))
	e, err := v.Lookup("dir/f")
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// BenchmarkReadAt is Entry.ReadAt of a whole 64 KiB file of a mapped volume into a
// reused buffer: one copy from the mapping, no allocation.
func BenchmarkReadAt(b *testing.B) {
	const size = 64 << 10
	e := benchFile(b, size)
	buf := make([]byte, size)
	b.ReportAllocs()
	b.SetBytes(size)
	for b.Loop() {
		if n, err := e.ReadAt(buf, 0); n != size || err != nil {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkBytes is Entry.Bytes of a 64 KiB file of a mapped volume once its hash
// was checked (by the call before the loop): a slice of the mapping, no copy and no
// allocation.
func BenchmarkBytes(b *testing.B) {
	const size = 64 << 10
	e := benchFile(b, size)
	if _, err := e.Bytes(); err != nil { // checks the hash, once
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if p, err := e.Bytes(); len(p) != size || err != nil {
			b.Fatal(len(p), err)
		}
	}
}

// BenchmarkVolumeDecode is the one-time cost of decoding the header of a volume of
// n files in sqrt(n) directories (the layout of genPackage): what the first Lookup,
// Walk or Summary of a freshly opened package pays. Opening and closing the file is
// outside the timer; page faults on the header are inside.
func BenchmarkVolumeDecode(b *testing.B) {
	for _, n := range []int{10_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			path := benchWrite(b, b.TempDir(), genPackage(b, 1<<10, n, 64))
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				c, err := Open(path)
				if err != nil {
					b.Fatal(err)
				}
				v, _ := c.Volume("/data")
				b.StartTimer()
				if err := v.Load(); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				c.Close()
				b.StartTimer()
			}
		})
	}
}

// TestVolumeReadAllocs is the allocation budget of reading a file of a mapped
// package: Lookup and ReadAt allocate nothing, and Bytes (after its first, hashing
// call) returns the same slice of the mapping every time rather than a copy.
func TestVolumeReadAllocs(t *testing.T) {
	const files, size = 400, 4 << 10
	path := benchWrite(t, t.TempDir(), genPackage(t, 4<<10, files, size))
	v := benchOpen(t, path)
	buf := make([]byte, size)
	paths := make([]string, 0, files)
	for i := range files {
		paths = append(paths, fmt.Sprintf("/d%04d/f%06d.bin", i%20, i))
	}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		e, err := v.Lookup(paths[i%files])
		if err != nil {
			t.Fatal(err)
		}
		if n, err := e.ReadAt(buf, 0); n != size || err != nil {
			t.Fatal(n, err)
		}
		i++
	})
	if allocs != 0 {
		t.Errorf("Lookup+ReadAt of a mapped package allocates %v times, want 0", allocs)
	}

	e, err := v.Lookup(paths[7])
	if err != nil {
		t.Fatal(err)
	}
	first, err := e.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	allocs = testing.AllocsPerRun(1000, func() {
		p, err := e.Bytes()
		if err != nil || len(p) != size || &p[0] != &first[0] {
			t.Fatalf("Bytes: %d bytes at %p, err %v; want the %d bytes at %p (the mapping)", len(p), p, err, size, first)
		}
	})
	if allocs != 0 {
		t.Errorf("Bytes of a mapped, verified file allocates %v times, want 0", allocs)
	}
}
