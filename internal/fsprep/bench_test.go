package fsprep

// Benchmarks of the guest root on a 10,000-file tree (100 directories of 100
// files of 128 bytes), mounted at /data as a package volume (an overlay of tmpfs
// over the volume view) or as a host directory, against plain os calls on the
// same tree on disk:
//
//	go test ./internal/fsprep -run '^$' -bench . -benchtime 2000x

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/wasirun/wasirun/internal/vfs"
	"github.com/wasirun/wasirun/internal/webc"
)

const (
	benchDirs     = 100
	benchFiles    = 100
	benchFileSize = 128
	// benchDir and benchFile are the directory and file every benchmark uses,
	// relative to the tree's top.
	benchDir  = "d42"
	benchFile = "d42/f42"
)

var benchContent = bytes.Repeat([]byte("x"), benchFileSize)

// benchNames calls fn with the relative path of every file of the tree.
func benchNames(fn func(rel string)) {
	for d := range benchDirs {
		for f := range benchFiles {
			fn(fmt.Sprintf("d%02d/f%02d", d, f))
		}
	}
}

// benchDiskTree writes the tree under a fresh temporary directory.
func benchDiskTree(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	for d := range benchDirs {
		if err := os.Mkdir(filepath.Join(dir, fmt.Sprintf("d%02d", d)), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	benchNames(func(rel string) {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(rel)), benchContent, 0o644); err != nil {
			b.Fatal(err)
		}
	})
	return dir
}

// benchPackage builds a v3 package whose volume "/data", mounted at /data, holds
// the tree (as prepare_test.go's testPackage does).
func benchPackage(b *testing.B) *webc.Container {
	b.Helper()
	tree := webc.NewTree()
	benchNames(func(rel string) {
		if err := tree.AddFile(rel, benchContent, 0); err != nil {
			b.Fatal(err)
		}
	})
	src := &webc.Source{Manifest: &webc.Manifest{Package: map[string]cbor.RawMessage{}}, Volumes: map[string]*webc.Tree{"/data": tree}}
	raw, err := cbor.Marshal([]map[string]any{{"from": nil, "volume_name": "/data", "mount_path": "/data"}})
	if err != nil {
		b.Fatal(err)
	}
	src.Manifest.Package["fs"] = raw
	var buf bytes.Buffer
	if err := webc.WriteV3(&buf, src); err != nil {
		b.Fatal(err)
	}
	c, err := webc.ParseBytes(buf.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// benchRoot prepares a guest root with the tree at /data: from a package volume
// when volume is set, else from a host directory.
func benchRoot(b *testing.B, volume bool) *Root {
	b.Helper()
	var opts Options
	if volume {
		opts.Container = benchPackage(b)
	} else {
		opts.User = []UserMount{{Host: benchDiskTree(b), Guest: "/data"}}
	}
	r, err := Prepare(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	return r
}

func benchRootLstat(b *testing.B, volume bool) {
	r := benchRoot(b, volume)
	p := "/data/" + benchFile
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if st, errno := r.Lstat(p); errno != vfs.ESUCCESS || st.Size != benchFileSize {
			b.Fatalf("lstat %s: %d bytes, %v", p, st.Size, errno)
		}
	}
}

func benchRootOpenClose(b *testing.B, volume bool) {
	r := benchRoot(b, volume)
	p := "/data/" + benchFile
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		f, errno := r.OpenFile(p, vfs.OFlagRead, 0)
		if errno != vfs.ESUCCESS {
			b.Fatalf("open %s: %v", p, errno)
		}
		if errno := f.Close(); errno != vfs.ESUCCESS {
			b.Fatalf("close %s: %v", p, errno)
		}
	}
}

func benchRootPread(b *testing.B, volume bool) {
	r := benchRoot(b, volume)
	p := "/data/" + benchFile
	f, errno := r.OpenFile(p, vfs.OFlagRead, 0)
	if errno != vfs.ESUCCESS {
		b.Fatalf("open %s: %v", p, errno)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if n, errno := f.Pread(buf, 0); errno != vfs.ESUCCESS || n != benchFileSize {
			b.Fatalf("pread %s: %d bytes, %v", p, n, errno)
		}
	}
}

func benchRootReaddir(b *testing.B, volume bool) {
	r := benchRoot(b, volume)
	p := "/data/" + benchDir
	d, errno := r.OpenFile(p, vfs.OFlagRead|vfs.OFlagDirectory, 0)
	if errno != vfs.ESUCCESS {
		b.Fatalf("open %s: %v", p, errno)
	}
	defer d.Close()
	buf := make([]vfs.Dirent, 2*benchFiles)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if n, errno := d.Readdir(0, buf); errno != vfs.ESUCCESS || n != benchFiles {
			b.Fatalf("readdir %s: %d entries, %v", p, n, errno)
		}
	}
}

func BenchmarkRootVolumeLstat(b *testing.B)     { benchRootLstat(b, true) }
func BenchmarkRootVolumeOpenClose(b *testing.B) { benchRootOpenClose(b, true) }
func BenchmarkRootVolumePread(b *testing.B)     { benchRootPread(b, true) }
func BenchmarkRootVolumeReaddir(b *testing.B)   { benchRootReaddir(b, true) }

func BenchmarkRootHostLstat(b *testing.B)     { benchRootLstat(b, false) }
func BenchmarkRootHostOpenClose(b *testing.B) { benchRootOpenClose(b, false) }
func BenchmarkRootHostPread(b *testing.B)     { benchRootPread(b, false) }
func BenchmarkRootHostReaddir(b *testing.B)   { benchRootReaddir(b, false) }

func BenchmarkOSLstat(b *testing.B) {
	p := filepath.Join(benchDiskTree(b), filepath.FromSlash(benchFile))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if st, err := os.Lstat(p); err != nil || st.Size() != benchFileSize {
			b.Fatalf("lstat %s: %v", p, err)
		}
	}
}

func BenchmarkOSOpenClose(b *testing.B) {
	p := filepath.Join(benchDiskTree(b), filepath.FromSlash(benchFile))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOSPread(b *testing.B) {
	f, err := os.Open(filepath.Join(benchDiskTree(b), filepath.FromSlash(benchFile)))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if n, err := f.ReadAt(buf, 0); n != benchFileSize || (err != nil && !errors.Is(err, io.EOF)) {
			b.Fatalf("pread: %d bytes, %v", n, err)
		}
	}
}

func BenchmarkOSReaddir(b *testing.B) {
	d, err := os.Open(filepath.Join(benchDiskTree(b), benchDir))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := d.Seek(0, io.SeekStart); err != nil {
			b.Fatal(err)
		}
		if names, err := d.ReadDir(-1); err != nil || len(names) != benchFiles {
			b.Fatalf("readdir: %d entries, %v", len(names), err)
		}
	}
}
