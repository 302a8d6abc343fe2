package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasirun/wasirun/internal/fsprep"
	"github.com/wasirun/wasirun/internal/vfs"
)

func TestParseMountFlags(t *testing.T) {
	type um = fsprep.UserMount
	tests := []struct {
		flag  string
		value string
		want  mountSpec
		err   string
	}{
		{"volume", "./data:/data", mountSpec{UserMount: um{Host: "./data", Guest: "/data"}}, ""},
		{"volume", "/srv/data:/data:ro", mountSpec{UserMount: um{Host: "/srv/data", Guest: "/data", ReadOnly: true}}, ""},
		{"volume", "/srv/data:/data:rw", mountSpec{UserMount: um{Host: "/srv/data", Guest: "/data"}}, ""},
		{"volume", "/srv/data", mountSpec{UserMount: um{Host: "/srv/data"}, atHostPath: true}, ""},
		{"volume", ".", mountSpec{UserMount: um{Host: "."}, atHostPath: true}, ""},
		{"volume", `C:\data:/data`, mountSpec{UserMount: um{Host: `C:\data`, Guest: "/data"}}, ""},
		{"volume", `c:/data:/data:ro`, mountSpec{UserMount: um{Host: `c:/data`, Guest: "/data", ReadOnly: true}}, ""},
		{"volume", `D:`, mountSpec{UserMount: um{Host: `D:`}, atHostPath: true}, ""},
		{"volume", "data:/data:rx", mountSpec{}, `--volume "data:/data:rx": unknown option "rx" (want ro or rw)`},
		{"volume", "data:", mountSpec{}, `--volume "data:": the guest path is empty`},
		{"volume", ":/data", mountSpec{}, `--volume ":/data": the host directory is empty`},
		{"mapdir", "/data:./data", mountSpec{UserMount: um{Host: "./data", Guest: "/data"}}, ""},
		{"mapdir", "/data::./data", mountSpec{UserMount: um{Host: "./data", Guest: "/data"}}, ""},
		{"mapdir", `/data:C:\data`, mountSpec{UserMount: um{Host: `C:\data`, Guest: "/data"}}, ""},
		{"mapdir", `/data::C:\data`, mountSpec{UserMount: um{Host: `C:\data`, Guest: "/data"}}, ""},
		{"mapdir", ".:data", mountSpec{UserMount: um{Host: "data", Guest: "."}}, ""},
		{"mapdir", "data", mountSpec{}, `--mapdir "data": want GUEST:HOST`},
		{"mapdir", ":x", mountSpec{}, `--mapdir ":x": the guest path is empty`},
		{"mapdir", "/x:", mountSpec{}, `--mapdir "/x:": the host directory is empty`},
		{"dir", ".", mountSpec{UserMount: um{Host: "."}, atHostPath: true}, ""},
		{"dir", "data", mountSpec{UserMount: um{Host: "data"}, atHostPath: true}, ""},
		{"dir", "data:ro", mountSpec{UserMount: um{Host: "data", ReadOnly: true}, atHostPath: true}, ""},
		{"dir", "data:rw", mountSpec{UserMount: um{Host: "data"}, atHostPath: true}, ""},
		{"dir", `C:\data:ro`, mountSpec{UserMount: um{Host: `C:\data`, ReadOnly: true}, atHostPath: true}, ""},
		{"dir", "", mountSpec{}, `--dir "": the host directory is empty`},
		{"dir", "data:x", mountSpec{}, `--dir "data:x": unknown option "x" (want ro or rw)`},
	}
	parse := map[string]func(string) (mountSpec, error){"volume": parseVolume, "mapdir": parseMapdir, "dir": parseDir}
	for _, tt := range tests {
		got, err := parse[tt.flag](tt.value)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("--%s %q: %+v, %v; want error %q", tt.flag, tt.value, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("--%s %q = %+v, %v; want %+v", tt.flag, tt.value, got, err, tt.want)
		}
	}
}

func TestResolveHostPaths(t *testing.T) {
	cwd := t.TempDir()
	if err := os.Mkdir(filepath.Join(cwd, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cwd, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	mounts := []mountSpec{
		{UserMount: fsprep.UserMount{Host: "data", Guest: "/data"}},
		{UserMount: fsprep.UserMount{Host: cwd, Guest: "/home"}},
		{UserMount: fsprep.UserMount{Host: "."}, atHostPath: true},
		{UserMount: fsprep.UserMount{Host: "data/../data/"}, atHostPath: true},
	}
	if err := resolveHostPaths(mounts, cwd); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(cwd, "data")
	for i, want := range []fsprep.UserMount{{Host: data, Guest: "/data"}, {Host: cwd, Guest: "/home"}, {Host: cwd, Guest: filepath.ToSlash(cwd)}, {Host: data, Guest: filepath.ToSlash(data)}} {
		if mounts[i].UserMount != want {
			t.Errorf("mount %d = %+v, want %+v", i, mounts[i].UserMount, want)
		}
	}
	for _, tt := range []struct{ host, want string }{
		{"nope", "host directory nope (" + filepath.Join(cwd, "nope") + "): no such file or directory"},
		{"file", "host directory file (" + filepath.Join(cwd, "file") + "): not a directory"},
		{filepath.Join(cwd, "gone"), "host directory " + filepath.Join(cwd, "gone") + ": no such file or directory"},
	} {
		err := resolveHostPaths([]mountSpec{{UserMount: fsprep.UserMount{Host: tt.host, Guest: "/x"}}}, cwd)
		if err == nil || err.Error() != tt.want || strings.ContainsRune(err.Error(), '\n') {
			t.Errorf("%q: %v; want %q", tt.host, err, tt.want)
		}
	}
}

// A directory mapped at its own path needs a guest path that spells it.
func TestHostGuestPath(t *testing.T) {
	for _, tt := range []struct{ abs, want, err string }{
		{"/home/me/proj", "/home/me/proj", ""},
		{"/srv/a b", "/srv/a b", ""},
		{`C:\proj`, "", `C:\proj has a drive letter or a share name, which no guest path has: give the guest path with --volume HOST:GUEST`},
		{`d:/proj`, "", `d:/proj has a drive letter or a share name, which no guest path has: give the guest path with --volume HOST:GUEST`},
		{`\\server\share`, "", `\\server\share has a drive letter or a share name, which no guest path has: give the guest path with --volume HOST:GUEST`},
		{"/", "", "the host's root directory cannot be mapped at the guest's root, whose writes stay in memory: map it elsewhere (--volume /:/host), or give --volume /:/ for a copy-on-write view"},
	} {
		got, err := hostGuestPath(tt.abs)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: %q, %v; want error %q", tt.abs, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q = %q, %v; want %q", tt.abs, got, err, tt.want)
		}
	}
}

// --dir DIR and --volume DIR map DIR at its own absolute path, and the guest's
// writes there reach the host: a file created through the prepared root is a file
// of the host directory. The host's root is refused with a message naming the
// flag. (Before, --dir . was a copy-on-write layer at / that dropped every write.)
func TestDirMountWritesReachHost(t *testing.T) {
	t.Parallel()
	cwd := t.TempDir()
	if err := os.Mkdir(filepath.Join(cwd, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		flags mountFlags
		host  string // the host directory written through
	}{
		{"--dir .", mountFlags{Dirs: []string{"."}}, cwd},
		{"--dir sub", mountFlags{Dirs: []string{"sub"}}, filepath.Join(cwd, "sub")},
		{"--dir ABS", mountFlags{Dirs: []string{filepath.Join(cwd, "sub")}}, filepath.Join(cwd, "sub")},
		{"--volume .", mountFlags{Volumes: []string{"."}}, cwd},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.flags.Conflict = "override"
			opts, err := tt.flags.options(cwd)
			if err != nil {
				t.Fatal(err)
			}
			guest := filepath.ToSlash(tt.host)
			if len(opts.User) != 1 || opts.User[0].Host != tt.host || opts.User[0].Guest != guest {
				t.Fatalf("user mounts %+v, want %s at %s", opts.User, tt.host, guest)
			}
			root, err := fsprep.Prepare(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			name := strings.ReplaceAll(tt.name, " ", "_") + ".txt"
			f, errno := root.OpenFile(guest+"/"+name, vfs.OFlagWrite|vfs.OFlagCreate, 0o644)
			if errno != vfs.ESUCCESS {
				t.Fatalf("create %s/%s: %v", guest, name, errno)
			}
			if _, errno := f.Write([]byte("written by the guest")); errno != vfs.ESUCCESS {
				t.Fatalf("write: %v", errno)
			}
			f.Close()
			if b, err := os.ReadFile(filepath.Join(tt.host, name)); err != nil || string(b) != "written by the guest" {
				t.Errorf("on the host: %q, %v", b, err)
			}
			if e, err := root.Describe(guest); err != nil || e.Writes != fsprep.WritesHost || e.Mount != guest {
				t.Errorf("describe %s = %+v, %v", guest, e, err)
			}
		})
	}

	root := mountFlags{Dirs: []string{"/"}, Conflict: "override"}
	_, err := root.options(cwd)
	if want := `--dir "/": the host's root directory cannot be mapped at the guest's root, whose writes stay in memory: map it elsewhere (--volume /:/host), or give --volume /:/ for a copy-on-write view`; err == nil || err.Error() != want {
		t.Errorf("--dir /: %v; want %q", err, want)
	}
}
