package vfs

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// hostDepths are the depths of the depth tests and benchmarks: a file at depth d
// is "/d1/d2/.../f", d components in all.
var hostDepths = []int{1, 5, 20}

// makeDeepFile makes the directories of a file at depth d under dir, and the file
// itself unless noFile, and returns its guest path.
func makeDeepFile(tb testing.TB, dir string, d int, noFile bool) string {
	tb.Helper()
	comps := make([]string, 0, d)
	for i := 1; i < d; i++ {
		comps = append(comps, "d"+strconv.Itoa(i))
	}
	mustHost(tb, os.MkdirAll(filepath.Join(append([]string{dir}, comps...)...), 0o755))
	comps = append(comps, "f")
	if !noFile {
		mustHost(tb, os.WriteFile(filepath.Join(append([]string{dir}, comps...)...), []byte("deep"), 0o644))
	}
	return "/" + strings.Join(comps, "/")
}

// BenchmarkHostDirDepth times Lstat, an open and close, Readlink and Chmod of a
// file (a symlink for Readlink) at depth 1, 5 and 20, as NewHostDir serves it
// (openat2 on Linux) and through os.Root alone:
//
//	go test ./internal/vfs -run '^$' -bench 'HostDirDepth' -benchtime 20000x
func BenchmarkHostDirDepth(b *testing.B) {
	for _, mode := range hostDirModes {
		for _, op := range []string{"Lstat", "OpenClose", "Readlink", "Chmod"} {
			for _, d := range hostDepths {
				b.Run(mode.name+"/"+op+"/depth="+strconv.Itoa(d), func(b *testing.B) {
					dir := b.TempDir()
					p := makeDeepFile(b, dir, d, false)
					mustHost(b, os.Symlink("f", filepath.Join(dir, filepath.FromSlash(p))+"-sym"))
					h := mode.open(b, dir, false)
					b.ReportAllocs()
					for b.Loop() {
						var errno Errno
						switch op {
						case "Lstat":
							_, errno = h.Lstat(p)
						case "OpenClose":
							var f File
							if f, errno = h.OpenFile(p, OFlagRead, 0); errno == ESUCCESS {
								f.Close()
							}
						case "Readlink":
							_, errno = h.Readlink(p + "-sym")
						case "Chmod":
							errno = h.Chmod(p, 0o644)
						}
						if errno != ESUCCESS {
							b.Fatal(errno)
						}
					}
				})
			}
		}
	}
}
