package vfs_test

import (
	"bytes"
	"testing"

	"github.com/wasirun/wasirun/internal/vfs"
	"github.com/wasirun/wasirun/internal/webc"
	"github.com/wasirun/wasirun/internal/webc/webctest"
)

// bigVolume returns the tree view of a generated volume of 10,000 files of 4 KiB
// (about 100 directories of 100), with the path of one file and one directory.
func bigVolume(b *testing.B) (fsys vfs.FS, file, dir string) {
	b.Helper()
	src, err := webctest.Source(1<<10, 10000, 4096)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := webc.WriteV3(&buf, src); err != nil {
		b.Fatal(err)
	}
	c, err := webc.ParseBytes(buf.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	v, ok := c.Volume("/data")
	if !ok {
		b.Fatal("no /data volume")
	}
	var files, dirs []string
	if err := v.Walk(func(p string, e webc.Entry) error {
		if e.IsDir() {
			dirs = append(dirs, "/"+p)
		} else {
			files = append(files, "/"+p)
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	root, err := v.Root()
	if err != nil {
		b.Fatal(err)
	}
	return vfs.NewTreeFS(root), files[len(files)/2], dirs[len(dirs)/2]
}

// BenchmarkVolume10000 measures the volume view on a 10,000-file tree: Lstat,
// OpenFile+Close, Pread 4 KiB and the Readdir of one directory.
func BenchmarkVolume10000(b *testing.B) {
	fsys, file, dir := bigVolume(b)
	b.Run("Lstat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, errno := fsys.Lstat(file); errno != 0 {
				b.Fatal(errno)
			}
		}
	})
	b.Run("OpenClose", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, errno := fsys.OpenFile(file, vfs.OFlagRead, 0)
			if errno != 0 {
				b.Fatal(errno)
			}
			f.Close()
		}
	})
	b.Run("Pread4K", func(b *testing.B) {
		f, _ := fsys.OpenFile(file, vfs.OFlagRead, 0)
		buf := make([]byte, 4096)
		b.SetBytes(4096)
		b.ReportAllocs()
		for b.Loop() {
			if _, errno := f.Pread(buf, 0); errno != 0 {
				b.Fatal(errno)
			}
		}
	})
	b.Run("Readdir", func(b *testing.B) {
		d, _ := fsys.OpenFile(dir, vfs.OFlagRead|vfs.OFlagDirectory, 0)
		ents := make([]vfs.Dirent, 128)
		b.ReportAllocs()
		for b.Loop() {
			if _, errno := d.Readdir(0, ents); errno != 0 {
				b.Fatal(errno)
			}
		}
	})
}
