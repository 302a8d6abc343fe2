package vfs

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// The benchmarks run the same operations on a tmpfs and, with plain os calls, on a
// real temporary directory holding the same tree: 100 directories of 100 files of
// 128 bytes (10,000 files), and /data.bin of 1 MiB for Pread.
const (
	tmpBenchDirs     = 100
	tmpBenchFiles    = 100
	tmpBenchFileSize = 128
	tmpBenchDataSize = 1 << 20
)

// tmpBenchPaths returns the tree's file paths.
func tmpBenchPaths() []string {
	paths := make([]string, 0, tmpBenchDirs*tmpBenchFiles)
	for d := range tmpBenchDirs {
		for f := range tmpBenchFiles {
			paths = append(paths, fmt.Sprintf("/d%03d/f%03d", d, f))
		}
	}
	return paths
}

// tmpBenchTmpfs builds the tree in a tmpfs.
func tmpBenchTmpfs(b *testing.B) FS {
	fsys := NewTmpFS(nil)
	for d := range tmpBenchDirs {
		tmpOK(b, fsys.Mkdir(fmt.Sprintf("/d%03d", d), 0o755), "mkdir")
	}
	content := make([]byte, tmpBenchFileSize)
	for _, p := range tmpBenchPaths() {
		f, errno := fsys.OpenFile(p, OFlagWrite|OFlagCreate, 0o644)
		tmpOK(b, errno, "create")
		f.Write(content)
		f.Close()
	}
	f, errno := fsys.OpenFile("/data.bin", OFlagWrite|OFlagCreate, 0o644)
	tmpOK(b, errno, "create")
	f.Write(make([]byte, tmpBenchDataSize))
	f.Close()
	return fsys
}

// tmpBenchOS builds the tree in a temporary directory and returns its path.
func tmpBenchOS(b *testing.B) string {
	root := b.TempDir()
	for d := range tmpBenchDirs {
		if err := os.Mkdir(filepath.Join(root, fmt.Sprintf("d%03d", d)), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	content := make([]byte, tmpBenchFileSize)
	for _, p := range tmpBenchPaths() {
		if err := os.WriteFile(filepath.Join(root, p), content, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "data.bin"), make([]byte, tmpBenchDataSize), 0o644); err != nil {
		b.Fatal(err)
	}
	return root
}

// tmpBenchOSPaths returns the tree's file paths on the host below root.
func tmpBenchOSPaths(root string) []string {
	paths := tmpBenchPaths()
	for i, p := range paths {
		paths[i] = filepath.Join(root, p)
	}
	return paths
}

func BenchmarkTmpfsLstat(b *testing.B) {
	fsys, paths := tmpBenchTmpfs(b), tmpBenchPaths()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, errno := fsys.Lstat(paths[i%len(paths)]); errno != 0 {
			b.Fatal(errno)
		}
		i += 37
	}
}

func BenchmarkOSLstat(b *testing.B) {
	paths := tmpBenchOSPaths(tmpBenchOS(b))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := os.Lstat(paths[i%len(paths)]); err != nil {
			b.Fatal(err)
		}
		i += 37
	}
}

func BenchmarkTmpfsOpenClose(b *testing.B) {
	fsys, paths := tmpBenchTmpfs(b), tmpBenchPaths()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f, errno := fsys.OpenFile(paths[i%len(paths)], OFlagRead, 0)
		if errno != 0 {
			b.Fatal(errno)
		}
		f.Close()
		i += 37
	}
}

func BenchmarkOSOpenClose(b *testing.B) {
	paths := tmpBenchOSPaths(tmpBenchOS(b))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f, err := os.Open(paths[i%len(paths)])
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
		i += 37
	}
}

func BenchmarkTmpfsPread4K(b *testing.B) {
	f, errno := tmpBenchTmpfs(b).OpenFile("/data.bin", OFlagRead, 0)
	if errno != 0 {
		b.Fatal(errno)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	var off int64
	for b.Loop() {
		if n, errno := f.Pread(buf, off); n != len(buf) || errno != 0 {
			b.Fatal(n, errno)
		}
		off = (off + 4096) % tmpBenchDataSize
	}
}

func BenchmarkOSPread4K(b *testing.B) {
	f, err := os.Open(filepath.Join(tmpBenchOS(b), "data.bin"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	var off int64
	for b.Loop() {
		if n, err := f.ReadAt(buf, off); n != len(buf) || err != nil {
			b.Fatal(n, err)
		}
		off = (off + 4096) % tmpBenchDataSize
	}
}

// BenchmarkTmpfsReaddir lists the whole tree (the root and its 100 directories, 128
// entries per call): one op is 10,101 entries.
func BenchmarkTmpfsReaddir(b *testing.B) {
	fsys := tmpBenchTmpfs(b)
	dirs := []string{"/"}
	for d := range tmpBenchDirs {
		dirs = append(dirs, fmt.Sprintf("/d%03d", d))
	}
	buf := make([]Dirent, 128)
	b.ReportAllocs()
	for b.Loop() {
		total := 0
		for _, dir := range dirs {
			f, errno := fsys.OpenFile(dir, OFlagRead|OFlagDirectory, 0)
			if errno != 0 {
				b.Fatal(errno)
			}
			var cookie uint64
			for {
				n, _ := f.Readdir(cookie, buf)
				total += n
				if n < len(buf) {
					break
				}
				cookie = buf[n-1].Next
			}
			f.Close()
		}
		if total != tmpBenchDirs*tmpBenchFiles+tmpBenchDirs+1 {
			b.Fatal(total)
		}
	}
}

func BenchmarkOSReaddir(b *testing.B) {
	root := tmpBenchOS(b)
	dirs := []string{root}
	for d := range tmpBenchDirs {
		dirs = append(dirs, filepath.Join(root, fmt.Sprintf("d%03d", d)))
	}
	b.ReportAllocs()
	for b.Loop() {
		total := 0
		for _, dir := range dirs {
			f, err := os.Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			for {
				ents, err := f.ReadDir(128)
				total += len(ents)
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			f.Close()
		}
		if total != tmpBenchDirs*tmpBenchFiles+tmpBenchDirs+1 {
			b.Fatal(total)
		}
	}
}
