// Package webctest generates WebC packages for tests and benchmarks.
//
// It is a normal (non-test) package so that the tests of any package can import it,
// internal/webc's own external tests (package webc_test) included; it imports only
// internal/webc, the standard library and the CBOR encoder.
package webctest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"os"

	"github.com/fxamacker/cbor/v2"

	"github.com/wasirun/wasirun/internal/webc"
)

// Pattern returns n bytes of a xorshift64 stream. Its period is 2^64-1, so two
// windows of it at different offsets differ: files cut from one pattern at
// different offsets have different hashes while sharing memory.
func Pattern(n int) []byte {
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

// Module returns a valid core module of size bytes (at least its 95-byte
// prologue): the header, a type section, an import section importing
// wasi_snapshot_preview1.fd_write and proc_exit, then a custom section "filler"
// padding it to size, as debug info would. The filler is Pattern's first 64 KiB,
// repeated.
func Module(size int) []byte {
	var m []byte
	m = append(m, "\x00asm\x01\x00\x00\x00"...)
	types := []byte{2, // two function types
		0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f, // (i32 i32 i32 i32) -> i32: fd_write
		0x60, 1, 0x7f, 0} // (i32) -> (): proc_exit
	m = section(m, 1, types)
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
	m = section(m, 2, imps)

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
			copy(fill, Pattern(min(len(fill), 1<<16)))
			for n := 1 << 16; n < len(fill); n *= 2 {
				copy(fill[n:], fill[:n])
			}
			return out[:size]
		}
	}
	return m
}

// section appends a section of the given id and body to the module m.
func section(m []byte, id byte, body []byte) []byte {
	m = append(m, id)
	m = binary.AppendUvarint(m, uint64(len(body)))
	return append(m, body...)
}

// encMode encodes annotations as webc encodes manifests: map keys in bytewise
// order, so that a generated package is the same bytes every time.
var encMode = func() cbor.EncMode {
	em, err := cbor.EncOptions{Sort: cbor.SortBytewiseLexical, NilContainers: cbor.NilContainerAsEmpty}.EncMode()
	if err != nil {
		panic(err)
	}
	return em
}()

// Source builds a package whose one atom "main" is a valid wasm module of atomSize
// bytes importing WASI (Module), and whose volume "/data" holds files files of
// fileSize bytes spread over about sqrt(files) directories (10,000 files: 100
// directories of 100), named "d%04d/f%06d.bin" (file i in directory i mod dirs).
// It has one WASI command, the entrypoint, which mounts /data.
//
// The files are windows of one shared Pattern at different offsets, so they differ
// (and hash differently) but the Source takes little memory: only the atom is
// allocated in full. 50 MiB atom, 10,000 files of 15,728 bytes: a 200 MiB package.
func Source(atomSize, files, fileSize int) (*webc.Source, error) {
	atom := Module(atomSize)
	atoms := webc.NewTree()
	if err := atoms.AddFile("main", atom, 1700000000); err != nil {
		return nil, err
	}
	data := webc.NewTree()
	dirs := max(1, int(math.Sqrt(float64(files))))
	pool := Pattern(fileSize + files)
	for i := range files {
		if err := data.AddFile(fmt.Sprintf("d%04d/f%06d.bin", i%dirs, i), pool[i:i+fileSize], 1700000000+int64(i)); err != nil {
			return nil, err
		}
	}
	wasi, err := encMode.Marshal(map[string]any{"atom": "main"})
	if err != nil {
		return nil, err
	}
	fs, err := encMode.Marshal([]map[string]any{{"from": nil, "volume_name": "/data", "mount_path": "/data"}})
	if err != nil {
		return nil, err
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
				Annotations: map[string]cbor.RawMessage{"wasi": wasi},
			}},
			Package:    map[string]cbor.RawMessage{"fs": fs},
			Entrypoint: "main",
		},
		Package: webc.PackageInfo{Name: "bench/generated", Version: "1.0.0"},
		Atoms:   atoms,
		Volumes: map[string]*webc.Tree{"/data": data},
	}, nil
}

// Write writes s as a v3 file at path, creating or truncating it.
func Write(path string, s *webc.Source) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := webc.WriteV3(f, s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
