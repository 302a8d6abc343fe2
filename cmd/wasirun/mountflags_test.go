package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasirun/wasirun/internal/fsprep"
)

func TestParseMountFlags(t *testing.T) {
	tests := []struct {
		flag  string
		value string
		want  fsprep.UserMount
		err   string
	}{
		{"volume", "./data:/data", fsprep.UserMount{Host: "./data", Guest: "/data"}, ""},
		{"volume", "/srv/data:/data:ro", fsprep.UserMount{Host: "/srv/data", Guest: "/data", ReadOnly: true}, ""},
		{"volume", "/srv/data:/data:rw", fsprep.UserMount{Host: "/srv/data", Guest: "/data"}, ""},
		{"volume", "/srv/data", fsprep.UserMount{Host: "/srv/data", Guest: "/srv/data"}, ""},
		{"volume", `C:\data:/data`, fsprep.UserMount{Host: `C:\data`, Guest: "/data"}, ""},
		{"volume", `c:/data:/data:ro`, fsprep.UserMount{Host: `c:/data`, Guest: "/data", ReadOnly: true}, ""},
		{"volume", `D:`, fsprep.UserMount{Host: `D:`, Guest: `D:`}, ""},
		{"volume", "data:/data:rx", fsprep.UserMount{}, `--volume "data:/data:rx": unknown option "rx" (want ro or rw)`},
		{"volume", "data:", fsprep.UserMount{}, `--volume "data:": the guest path is empty`},
		{"volume", ":/data", fsprep.UserMount{}, `--volume ":/data": the host directory is empty`},
		{"mapdir", "/data:./data", fsprep.UserMount{Host: "./data", Guest: "/data"}, ""},
		{"mapdir", "/data::./data", fsprep.UserMount{Host: "./data", Guest: "/data"}, ""},
		{"mapdir", `/data:C:\data`, fsprep.UserMount{Host: `C:\data`, Guest: "/data"}, ""},
		{"mapdir", `/data::C:\data`, fsprep.UserMount{Host: `C:\data`, Guest: "/data"}, ""},
		{"mapdir", "data", fsprep.UserMount{}, `--mapdir "data": want GUEST:HOST`},
		{"mapdir", ":x", fsprep.UserMount{}, `--mapdir ":x": the guest path is empty`},
		{"mapdir", "/x:", fsprep.UserMount{}, `--mapdir "/x:": the host directory is empty`},
		{"dir", "data", fsprep.UserMount{Host: "data", Guest: "data"}, ""},
		{"dir", "data:ro", fsprep.UserMount{Host: "data", Guest: "data", ReadOnly: true}, ""},
		{"dir", `C:\data:ro`, fsprep.UserMount{Host: `C:\data`, Guest: `C:\data`, ReadOnly: true}, ""},
		{"dir", "", fsprep.UserMount{}, `--dir "": the host directory is empty`},
	}
	parse := map[string]func(string) (fsprep.UserMount, error){"volume": parseVolume, "mapdir": parseMapdir, "dir": parseDir}
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
	mounts := []fsprep.UserMount{{Host: "data", Guest: "/data"}, {Host: cwd, Guest: "/home"}}
	if err := resolveHostPaths(mounts, cwd); err != nil {
		t.Fatal(err)
	}
	if mounts[0].Host != filepath.Join(cwd, "data") || mounts[1].Host != cwd {
		t.Errorf("hosts %q %q", mounts[0].Host, mounts[1].Host)
	}
	for _, tt := range []struct{ host, want string }{
		{"nope", "host directory nope (" + filepath.Join(cwd, "nope") + "): no such file or directory"},
		{"file", "host directory file (" + filepath.Join(cwd, "file") + "): not a directory"},
		{filepath.Join(cwd, "gone"), "host directory " + filepath.Join(cwd, "gone") + ": no such file or directory"},
	} {
		err := resolveHostPaths([]fsprep.UserMount{{Host: tt.host, Guest: "/x"}}, cwd)
		if err == nil || err.Error() != tt.want || strings.ContainsRune(err.Error(), '\n') {
			t.Errorf("%q: %v; want %q", tt.host, err, tt.want)
		}
	}
}
