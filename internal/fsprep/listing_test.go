package fsprep

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wasirun/wasirun/internal/vfs"
)

// TestDescribeSources: every entry says where it comes from and under which mount.
func TestDescribeSources(t *testing.T) {
	pkg := testPackage(t,
		pkgVolume{name: "/data", guest: "/data", files: map[string]string{"a.txt": "alpha", "sub/": ""}},
		pkgVolume{name: "atom", guest: "/", files: map[string]string{"lib/x.py": ""}},
	)
	host := hostDir(t, map[string]string{"h.txt": "h"})
	r := prepare(t, Options{User: []UserMount{{Host: host, Guest: "/mnt/host"}}, Container: pkg})
	if errno := writeFile(r, "/data/new.txt", "n"); errno != 0 {
		t.Fatal(errno)
	}
	if errno := r.Symlink("a.txt", "/data/link"); errno != 0 {
		t.Fatal(errno)
	}
	for _, tt := range []struct {
		path, typ, source, mount string
	}{
		{"/data", "dir", "volume:/data", "/data"},
		{"/data/a.txt", "file", "volume:/data", "/data"},
		{"/data/new.txt", "file", "tmp", "/data"},
		{"/data/link", "symlink", "tmp", "/data"},
		{"/lib/x.py", "file", "volume:atom", "/"},
		{"/tmp", "dir", "tmp", "/"},
		{"/dev/null", "device", "tmp", "/"},
		{"/mnt/host", "dir", "host:" + host, "/mnt/host"},
		{"/mnt/host/h.txt", "file", "host:" + filepath.Join(host, "h.txt"), "/mnt/host"},
	} {
		e, err := r.Describe(tt.path)
		if err != nil {
			t.Errorf("%s: %v", tt.path, err)
			continue
		}
		if e.Path != tt.path || e.Type != tt.typ || e.Source != tt.source || e.Mount != tt.mount {
			t.Errorf("%s = %+v; want type %s source %s mount %s", tt.path, e, tt.typ, tt.source, tt.mount)
		}
	}
	if e, _ := r.Describe("/data/link"); e.Target != "a.txt" {
		t.Errorf("link target %q", e.Target)
	}
	_, err := r.Describe("/nope")
	var pe *PathError
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) || err.Error() != "guest path /nope: no such file or directory" {
		t.Errorf("missing path: %v", err)
	}
}

func TestList(t *testing.T) {
	pkg := testPackage(t, pkgVolume{name: "/data", guest: "/data", files: map[string]string{"b.txt": "", "a/c.txt": "", "a/d/": ""}})
	r := prepare(t, Options{Container: pkg})
	var paths []string
	entries, err := r.List("/data", true)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		paths = append(paths, e.Path)
	}
	want := []string{"/data/a", "/data/a/c.txt", "/data/a/d", "/data/b.txt"}
	if len(paths) != len(want) {
		t.Fatalf("List -R = %q, want %q", paths, want)
	}
	for i := range want {
		if paths[i] != want[i] {
			t.Errorf("List -R = %q, want %q", paths, want)
		}
	}
	if entries, _ := r.List("/data", false); len(entries) != 2 {
		t.Errorf("List = %+v, want a and b.txt", entries)
	}
	if entries, _ := r.List("/data/b.txt", false); len(entries) != 1 || entries[0].Path != "/data/b.txt" {
		t.Errorf("List of a file = %+v", entries)
	}
	var b strings.Builder
	if n, err := r.Copy(&b, "data/a/c.txt", -1); err != nil || n != 0 || b.Len() != 0 {
		t.Errorf("Copy: %d %q %v", n, b.String(), err)
	}
}

// A host directory at "/" is a copy-on-write root layer: its entries name the host
// file below the directory, and their writes go to memory.
func TestDescribeHostAtRoot(t *testing.T) {
	host := hostDir(t, map[string]string{"abc/dirf.txt": "f", "top.txt": "t"})
	r := prepare(t, Options{User: []UserMount{{Host: host, Guest: "/"}}})
	for _, tt := range []struct{ path, source string }{
		{"/abc", "host:" + filepath.Join(host, "abc")},
		{"/abc/dirf.txt", "host:" + filepath.Join(host, "abc", "dirf.txt")},
		{"/top.txt", "host:" + filepath.Join(host, "top.txt")},
		{"/", "tmp"},
		{"/tmp", "tmp"},
	} {
		e, err := r.Describe(tt.path)
		if err != nil {
			t.Errorf("%s: %v", tt.path, err)
			continue
		}
		if e.Source != tt.source || e.Mount != "/" || e.Writes != WritesMemory {
			t.Errorf("%s = %+v; want source %s, mount /, writes memory", tt.path, e, tt.source)
		}
	}
}

// Every entry says where a change to it would go.
func TestDescribeWrites(t *testing.T) {
	pkg := testPackage(t,
		pkgVolume{name: "/data", guest: "/data", files: map[string]string{"a.txt": "alpha"}},
		pkgVolume{name: "atom", guest: "/", files: map[string]string{"lib/x.py": ""}},
	)
	rw := hostDir(t, map[string]string{"rw.txt": ""})
	ro := hostDir(t, map[string]string{"ro.txt": ""})
	layer := hostDir(t, map[string]string{"layer.txt": ""})
	r := prepare(t, Options{Container: pkg, User: []UserMount{
		{Host: rw, Guest: "/rw"}, {Host: ro, Guest: "/ro", ReadOnly: true}, {Host: layer, Guest: "/"},
	}})
	for _, tt := range []struct{ path, writes string }{
		{"/tmp", WritesMemory},
		{"/dev/null", WritesMemory},
		{"/layer.txt", WritesMemory},
		{"/lib/x.py", WritesMemory},
		{"/data", WritesMemory},
		{"/data/a.txt", WritesMemory},
		{"/rw", WritesHost},
		{"/rw/rw.txt", WritesHost},
		{"/ro", WritesRefused},
		{"/ro/ro.txt", WritesRefused},
	} {
		if e, err := r.Describe(tt.path); err != nil || e.Writes != tt.writes {
			t.Errorf("%s = %+v, %v; want writes %q", tt.path, e, err, tt.writes)
		}
	}
	if errno := writeFile(r, "/ro/new.txt", "x"); errno != vfs.EROFS {
		t.Errorf("write under a read-only mount: %v, want EROFS", errno)
	}
}

// Everything made in memory carries LayoutTime, so two listings of one package
// with the same mounts are identical.
func TestListingIsRepeatable(t *testing.T) {
	pkg := testPackage(t, pkgVolume{name: "/data", guest: "/data", files: map[string]string{"a.txt": "alpha"}})
	host := hostDir(t, map[string]string{"h.txt": "h"})
	listing := func() string {
		r := prepare(t, Options{Container: pkg, User: []UserMount{{Host: host, Guest: "/home/me/proj"}}})
		entries, err := r.List("/", true)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Source == SourceTmp && e.Mtime != LayoutTime {
				t.Errorf("%s: mtime %d, want LayoutTime", e.Path, e.Mtime)
			}
		}
		for _, p := range []string{"/", "/data", "/home/me", "/home/me/proj"} {
			if st, errno := r.Lstat(p); errno != vfs.ESUCCESS || (p != "/home/me/proj" && st.Mtim != LayoutTime) {
				t.Errorf("%s: mtime %d, %v; want LayoutTime", p, st.Mtim, errno)
			}
		}
		b, err := json.Marshal(entries)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	first, second := listing(), listing()
	if first != second {
		t.Errorf("two listings differ:\n%s\n%s", first, second)
	}
}

// chunkWriter records the size of every write.
type chunkWriter struct {
	bytes.Buffer
	writes []int
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, len(p))
	return w.Buffer.Write(p)
}

// Copy streams a file a chunk at a time, stops at max, and refuses a device
// unless max bounds it.
func TestCopy(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	host := hostDir(t, map[string]string{"big": big})
	r := prepare(t, Options{User: []UserMount{{Host: host, Guest: "/mnt"}}})
	if errno := r.Symlink("/dev/zero", "/tmp/zero"); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}

	var w chunkWriter
	if n, err := r.Copy(&w, "/mnt/big", -1); err != nil || n != int64(len(big)) || w.String() != big {
		t.Fatalf("Copy /mnt/big = %d, %v", n, err)
	}
	if len(w.writes) < 2 || slices.Max(w.writes) > copyChunk {
		t.Errorf("writes of %v bytes: want several of at most %d", w.writes, copyChunk)
	}

	for _, tt := range []struct {
		path string
		max  int64
		want string
	}{
		{"/mnt/big", 10, "0123456789"},
		{"/mnt/big", 0, ""},
		{"/dev/zero", 100_000, strings.Repeat("\x00", 100_000)},
		{"/tmp/zero", 3, "\x00\x00\x00"},
		{"/dev/null", 5, ""},
	} {
		var b bytes.Buffer
		if n, err := r.Copy(&b, tt.path, tt.max); err != nil || n != int64(len(tt.want)) || b.String() != tt.want {
			t.Errorf("Copy %s max %d = %d bytes, %v; want %d", tt.path, tt.max, n, err, len(tt.want))
		}
	}

	for _, tt := range []struct{ path, want string }{
		{"/dev/zero", "guest path /dev/zero: is a device, whose reads may never end"},
		{"/tmp/zero", "guest path /tmp/zero: is a device, whose reads may never end"},
		{"/dev/urandom", "guest path /dev/urandom: is a device, whose reads may never end"},
		{"/mnt", "guest path /mnt: is a directory"},
		{"/nope", "guest path /nope: no such file or directory"},
		{"../x", `guest path "../x": parent traversal escapes the virtual root`},
	} {
		var b bytes.Buffer
		_, err := r.Copy(&b, tt.path, -1)
		if err == nil || err.Error() != tt.want || b.Len() != 0 {
			t.Errorf("Copy %s: %v (%d bytes); want %q", tt.path, err, b.Len(), tt.want)
		}
	}
	var de *DeviceError
	if _, err := r.Copy(io.Discard, "/dev/zero", -1); !errors.As(err, &de) || de.Path != "/dev/zero" {
		t.Errorf("Copy /dev/zero: %v, want a *DeviceError", err)
	}
}
