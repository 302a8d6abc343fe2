package fsprep

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
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
	if b, err := r.ReadFile("data/a/c.txt"); err != nil || len(b) != 0 {
		t.Errorf("ReadFile: %q %v", b, err)
	}
}
