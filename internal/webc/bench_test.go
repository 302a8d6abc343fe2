package webc_test

// Benchmarks and allocation budgets of reading a volume (STYLE.md habit 8, DESIGN.md
// "Performance principles"): path lookup, pread, zero-copy Bytes, and the one-time
// decode of a volume header. Run them with
//
//	go test -run '^$' -bench 'Lookup|ReadAt|Bytes|VolumeDecode' -benchmem ./internal/webc
//
// The tests here assert allocations only; time is reported (t.Log with -v), never
// asserted. The package-level benchmark of `wasirun inspect` is in internal/inspect
// (it lives in internal/inspect, beside the code it measures), the process-level one (time and peak
// RSS) in cmd/wasirun.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasirun/wasirun/internal/webc"
	"github.com/wasirun/wasirun/internal/webc/webctest"
)

// genPackage is webctest.Source (one atom, a volume "/data" of files files in about
// sqrt(files) directories), stopping tb on error.
func genPackage(tb testing.TB, atomSize, files, fileSize int) *webc.Source {
	tb.Helper()
	s, err := webctest.Source(atomSize, files, fileSize)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// benchWrite writes s as a v3 file in dir and returns its path.
func benchWrite(tb testing.TB, dir string, s *webc.Source) string {
	tb.Helper()
	path := filepath.Join(dir, "pkg.webc")
	if err := webctest.Write(path, s); err != nil {
		tb.Fatal(err)
	}
	return path
}

// benchOpen opens the file at path (memory-mapped), closes it when tb ends, and
// returns its volume "/data", decoded.
func benchOpen(tb testing.TB, path string) *webc.Volume {
	tb.Helper()
	c, err := webc.Open(path)
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
func lookupVolume(tb testing.TB, n int, tree bool) (*webc.Volume, []string) {
	tb.Helper()
	data := webc.NewTree()
	pool := webctest.Pattern(n + 8)
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
	s := &webc.Source{Manifest: &webc.Manifest{}, Volumes: map[string]*webc.Tree{"/data": data}}
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
func benchFile(tb testing.TB, size int) webc.Entry {
	tb.Helper()
	data := webc.NewTree()
	if err := data.AddFile("dir/f", webctest.Pattern(size), 0); err != nil {
		tb.Fatal(err)
	}
	s := &webc.Source{Manifest: &webc.Manifest{}, Volumes: map[string]*webc.Tree{"/data": data}}
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
				c, err := webc.Open(path)
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
