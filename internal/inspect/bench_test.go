package inspect_test

// BenchmarkOpenInspect measures what `wasirun inspect` does with a package, in
// process: webc.Open, inspect.Inspect, Close. The target is that a 200 MiB
// v3 package (a 50 MiB atom, 10,000 files) costs at most 2x a 3 KB one. Run
//
//	go test -run '^$' -bench OpenInspect -benchmem ./internal/inspect
//
// The large run logs (and reports as the "x-small" metric) its time per operation
// divided by that of the small run of the same process; -bench must select both
// (run small first, as the default order does). The generated packages are written
// to the benchmark's temporary directory and removed at its end. Peak RSS needs a
// process of its own: see BenchmarkInspectProcess in cmd/wasirun.
//
// The generator is a copy of internal/webc's genPackage (and cmd/wasirun's) written
// against webc's exported API: an in-package test helper of webc cannot be imported
// here.

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/wasirun/wasirun/internal/inspect"
	"github.com/wasirun/wasirun/internal/webc"
)

// benchPattern returns n bytes of a xorshift64 stream: windows of it at different
// offsets differ, so files cut from it hash differently while sharing memory.
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

// benchWasm returns a valid core module of size bytes (at least its prologue): a
// type section, an import section importing wasi_snapshot_preview1.fd_write and
// proc_exit, and a custom section "filler" padding it to size.
func benchWasm(size int) []byte {
	section := func(m []byte, id byte, body []byte) []byte {
		m = append(m, id)
		m = binary.AppendUvarint(m, uint64(len(body)))
		return append(m, body...)
	}
	m := []byte("\x00asm\x01\x00\x00\x00")
	m = section(m, 1, []byte{2, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f, 0x60, 1, 0x7f, 0})
	imps := []byte{2}
	for i, name := range []string{"fd_write", "proc_exit"} {
		imps = append(imps, byte(len("wasi_snapshot_preview1")))
		imps = append(imps, "wasi_snapshot_preview1"...)
		imps = append(imps, byte(len(name)))
		imps = append(imps, name...)
		imps = append(imps, 0, byte(i))
	}
	m = section(m, 2, imps)
	const name = "filler"
	left := size - len(m) - 2 - len(name)
	for k := 1; k <= 5 && left > 5; k++ {
		n := uint64(1 + len(name) + left - k)
		if len(binary.AppendUvarint(nil, n)) != k {
			continue
		}
		out := make([]byte, len(m), size)
		copy(out, m)
		out = append(out, 0)
		out = binary.AppendUvarint(out, n)
		out = append(out, byte(len(name)))
		out = append(out, name...)
		fill := out[len(out):size]
		copy(fill, benchPattern(min(len(fill), 1<<16)))
		for n := 1 << 16; n < len(fill); n *= 2 {
			copy(fill[n:], fill[:n])
		}
		return out[:size]
	}
	return m
}

func benchEnc(tb testing.TB, v any) cbor.RawMessage {
	tb.Helper()
	raw, err := cbor.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// genPackage builds a package: one atom "main", a wasm module of atomSize bytes
// importing WASI; a volume "/data" of files files of fileSize bytes in about
// sqrt(files) directories; one WASI command, the entrypoint, mounting /data.
func genPackage(tb testing.TB, atomSize, files, fileSize int) *webc.Source {
	tb.Helper()
	atom := benchWasm(atomSize)
	atoms := webc.NewTree()
	if err := atoms.AddFile("main", atom, 1700000000); err != nil {
		tb.Fatal(err)
	}
	data := webc.NewTree()
	dirs := max(1, int(math.Sqrt(float64(files))))
	pool := benchPattern(fileSize + files)
	for i := range files {
		if err := data.AddFile(fmt.Sprintf("d%04d/f%06d.bin", i%dirs, i), pool[i:i+fileSize], 1700000000+int64(i)); err != nil {
			tb.Fatal(err)
		}
	}
	sum := sha256.Sum256(atom)
	return &webc.Source{
		Manifest: &webc.Manifest{
			Atoms: map[string]webc.AtomSpec{"main": {
				Kind:      "https://webc.org/kind/wasm",
				Signature: "sha256:" + base64.StdEncoding.EncodeToString(sum[:]),
			}},
			Commands: map[string]webc.CommandSpec{"main": {
				Runner:      webc.RunnerWasi,
				Annotations: map[string]cbor.RawMessage{"wasi": benchEnc(tb, map[string]any{"atom": "main"})},
			}},
			Package: map[string]cbor.RawMessage{
				"fs": benchEnc(tb, []map[string]any{{"from": nil, "volume_name": "/data", "mount_path": "/data"}}),
			},
			Entrypoint: "main",
		},
		Package: webc.PackageInfo{Name: "bench/generated", Version: "1.0.0"},
		Atoms:   atoms,
		Volumes: map[string]*webc.Tree{"/data": data},
	}
}

// writePackage writes s as a v3 file in dir and returns its path.
func writePackage(tb testing.TB, dir string, s *webc.Source) string {
	tb.Helper()
	path := filepath.Join(dir, "pkg.webc")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := webc.WriteV3(f, s); err != nil {
		f.Close()
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// The packages of the issue: about 3 KB, and 200 MiB (a 50 MiB atom and 10,000
// files of 15,728 bytes, 150 MiB, in 100 directories).
var benchPackages = []struct {
	name                     string
	atomSize, files, fileLen int
}{
	{"small", 512, 4, 128},
	{"large", 50 << 20, 10_000, (150 << 20) / 10_000},
}

// smallNsPerOp is the time per operation of the last small run, for the large run's
// ratio.
var smallNsPerOp float64

func BenchmarkOpenInspect(b *testing.B) {
	for _, p := range benchPackages {
		b.Run(p.name, func(b *testing.B) {
			path := writePackage(b, b.TempDir(), genPackage(b, p.atomSize, p.files, p.fileLen))
			st, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() { // the timer starts here: generating is not measured
				c, err := webc.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := inspect.Inspect(c, path, inspect.Options{}); err != nil {
					b.Fatal(err)
				}
				if err := c.Close(); err != nil {
					b.Fatal(err)
				}
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(float64(st.Size()), "pkg-bytes")
			switch p.name {
			case "small":
				smallNsPerOp = ns
			case "large":
				if smallNsPerOp > 0 {
					b.ReportMetric(ns/smallNsPerOp, "x-small")
					b.Logf("%d-byte package: %v per open+inspect, %.1fx the small package's %v (target: at most 2x)",
						st.Size(), time.Duration(ns), ns/smallNsPerOp, time.Duration(smallNsPerOp))
				}
			}
		})
	}
}
