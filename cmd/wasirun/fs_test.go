package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/wasirun/wasirun/internal/fsprep"
)

// fsVerb adapts newCmdFsVerb to execSpy's constructor shape.
func fsVerb(verb string, needPath bool) func(*factory, func(*FsOptions) error) *cobra.Command {
	return func(f *factory, run func(*FsOptions) error) *cobra.Command {
		return newCmdFsVerb(f, verb, verb, needPath, func(_ string, o *FsOptions) error { return run(o) })
	}
}

func TestNewCmdFs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		verb     string
		needPath bool
		args     []string
		want     FsOptions
		row      spyRow
	}{
		{name: "ls defaults to /", verb: "ls", args: []string{"pkg.webc"}, want: FsOptions{Package: "pkg.webc", Path: "/"}},
		{name: "ls flags", verb: "ls", args: []string{"-lR", "--json", "--volume", "a:/b:ro", "--mapdir", "/c:d", "--dir", "e", "--mount-conflict", "fail", "--fs-memory-limit", "1M", "pkg", "/x"},
			want: FsOptions{Package: "pkg", Path: "/x", Long: true, Recursive: true, JSON: true, Mounts: mountFlags{Volumes: []string{"a:/b:ro"}, Mapdirs: []string{"/c:d"}, Dirs: []string{"e"}, Conflict: "fail", MemoryLimit: "1M"}}},
		{name: "stat json", verb: "stat", needPath: true, args: []string{"--json", "pkg", "/f"}, want: FsOptions{Package: "pkg", Path: "/f", JSON: true}},
		{name: "cat needs a path", verb: "cat", needPath: true, args: []string{"pkg"}, row: spyRow{wantUsage: true}},
		{name: "ls takes two arguments at most", verb: "ls", args: []string{"pkg", "/a", "/b"}, row: spyRow{wantUsage: true}},
		{name: "cat has no -l", verb: "cat", needPath: true, args: []string{"-l", "pkg", "/f"}, row: spyRow{wantErr: true}},
		{name: "cat --max-bytes", verb: "cat", needPath: true, args: []string{"--max-bytes", "1M", "pkg", "/dev/zero"}, want: FsOptions{Package: "pkg", Path: "/dev/zero", MaxBytes: "1M"}},
		{name: "ls has no --max-bytes", verb: "ls", args: []string{"--max-bytes", "1", "pkg"}, row: spyRow{wantErr: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := Test()
			got, ok := execSpy(t, newFactory(ios, nil, ""), fsVerb(tt.verb, tt.needPath), tt.args, tt.row)
			if !ok {
				return
			}
			if tt.want.Mounts.Conflict == "" {
				tt.want.Mounts.Conflict = "override"
			}
			g := *got
			g.IO, g.Cwd = nil, ""
			gj, _ := json.Marshal(g)
			wj, _ := json.Marshal(tt.want)
			if string(gj) != string(wj) {
				t.Errorf("options\n got %s\nwant %s", gj, wj)
			}
		})
	}
}

// TestFsRun checks options -> output on the small package with a host directory.
func TestFsRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pkg := buildSmallPackage(t, dir)
	host := filepath.Join(dir, "host")
	if err := os.MkdirAll(host, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(host, "h.txt"), []byte("from the host"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(verb string, o FsOptions) string {
		t.Helper()
		ios, _, out, _ := Test()
		o.IO, o.Package, o.Cwd = ios, pkg, dir
		if o.Mounts.Conflict == "" {
			o.Mounts.Conflict = "override"
		}
		if err := fsRun(verb, &o); err != nil {
			t.Fatalf("%s %s: %v", verb, o.Path, err)
		}
		return out.String()
	}
	mounts := mountFlags{Volumes: []string{"host:/mnt"}}
	ls := run("ls", FsOptions{Path: "/", Mounts: mounts})
	for _, want := range []string{"/data  volume:/data", "/mnt   host:" + host, "/tmp   tmp"} {
		if !strings.Contains(ls, want) {
			t.Errorf("ls / misses %q:\n%s", want, ls)
		}
	}
	var entries []fsprep.Entry
	if err := json.Unmarshal([]byte(run("ls", FsOptions{Path: "/", Recursive: true, JSON: true, Mounts: mounts})), &entries); err != nil {
		t.Fatal(err)
	}
	found := map[string]fsprep.Entry{}
	for _, e := range entries {
		found[e.Path] = e
	}
	if e := found["/mnt/h.txt"]; e.Source != "host:"+filepath.Join(host, "h.txt") || e.Size != 13 || e.Mount != "/mnt" {
		t.Errorf("/mnt/h.txt = %+v", e)
	}
	if e := found["/data/greeting.txt"]; e.Source != "volume:/data" || e.Type != "file" {
		t.Errorf("/data/greeting.txt = %+v", e)
	}
	if got := run("cat", FsOptions{Path: "/mnt/h.txt", Mounts: mounts}); got != "from the host" {
		t.Errorf("cat = %q", got)
	}
	var st fsprep.Entry
	if err := json.Unmarshal([]byte(run("stat", FsOptions{Path: "/data", JSON: true})), &st); err != nil || st.Type != "dir" || st.Source != "volume:/data" {
		t.Errorf("stat /data = %+v, %v", st, err)
	}
	tree := run("tree", FsOptions{Path: "/data"})
	if !strings.HasPrefix(tree, "/data\n└── greeting.txt  [volume:/data, copy-on-write]\n") {
		t.Errorf("tree:\n%s", tree)
	}
	if text := run("stat", FsOptions{Path: "/data/greeting.txt"}); !strings.Contains(text, "Source:    volume:/data\n") || !strings.Contains(text, "\nWrites:    memory (copy-on-write") {
		t.Errorf("stat text:\n%s", text)
	}
	if got := run("cat", FsOptions{Path: "/data/greeting.txt", MaxBytes: "5"}); got != smallData[:5] {
		t.Errorf("cat --max-bytes 5 = %q", got)
	}
	if got := run("cat", FsOptions{Path: "/dev/zero", MaxBytes: "2K"}); got != strings.Repeat("\x00", 2048) {
		t.Errorf("cat --max-bytes 2K /dev/zero: %d bytes", len(got))
	}
	ro := mountFlags{Volumes: []string{"host:/mnt:ro", "host:/"}}
	ls = columns(run("ls", FsOptions{Path: "/", Mounts: ro}))
	for _, want := range []string{"/mnt  host:" + host + "  (mount /mnt, read-only)\n", "/h.txt  host:" + filepath.Join(host, "h.txt") + "  (mount /, copy-on-write)\n", "/tmp  tmp  (mount /)\n"} {
		if !strings.Contains(ls, want) {
			t.Errorf("ls / with a read-only mount and a root layer misses %q:\n%s", want, ls)
		}
	}
}

// TestFsErrors: every bad input is one line, exit 125, naming what and where.
func TestFsErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pkg := buildSmallPackage(t, dir)
	host := t.TempDir()
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"missing host directory", []string{"fs", "ls", "--volume", filepath.Join(dir, "nope") + ":/x", pkg}, "wasirun: host directory " + filepath.Join(dir, "nope") + ": no such file or directory\n"},
		{"bad volume option", []string{"fs", "ls", "--volume", host + ":/x:rx", pkg}, `wasirun: --volume "` + host + `:/x:rx": unknown option "rx" (want ro or rw)` + "\n"},
		{"bad mapdir", []string{"fs", "ls", "--mapdir", "nocolon", pkg}, `wasirun: --mapdir "nocolon": want GUEST:HOST` + "\n"},
		{"bad conflict mode", []string{"fs", "ls", "--mount-conflict", "merge", pkg}, `wasirun: --mount-conflict: unknown mount conflict mode "merge" (want override or fail)` + "\n"},
		{"bad memory limit", []string{"fs", "ls", "--fs-memory-limit", "lots", pkg}, `wasirun: --fs-memory-limit: size "lots": want a number with an optional unit (512M, 1GiB)` + "\n"},
		{"escaping guest path", []string{"fs", "ls", "--volume", host + ":../../python", pkg}, `wasirun: mount of ` + host + `: guest path "../../python": parent traversal escapes the virtual root` + "\n"},
		{"clash in fail mode", []string{"fs", "ls", "--mount-conflict", "fail", "--volume", host + ":/data", pkg}, `wasirun: Unable to merge container mount "/data": a user mount is at the same path (--mount-conflict fail)` + "\n"},
		{"missing guest path", []string{"fs", "cat", pkg, "/nope"}, "wasirun: guest path /nope: no such file or directory\n"},
		{"cat of a directory", []string{"fs", "cat", pkg, "/data"}, "wasirun: guest path /data: is a directory\n"},
		{"cat of a device", []string{"fs", "cat", pkg, "/dev/urandom"}, "wasirun: guest path /dev/urandom: is a device, whose reads may never end (give --max-bytes SIZE to read its first SIZE bytes)\n"},
		{"bad --max-bytes", []string{"fs", "cat", "--max-bytes", "-1", pkg, "/dev/zero"}, `wasirun: --max-bytes: size "-1": want a number with an optional unit (512M, 1GiB)` + "\n"},
		{"--dir of the host root", []string{"fs", "ls", "--dir", "/", pkg}, `wasirun: --dir "/": the host's root directory cannot be mapped at the guest's root, whose writes stay in memory: map it elsewhere (--volume /:/host), or give --volume /:/ for a copy-on-write view` + "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runTest(t, hermeticEnv(t), nil, tt.args...)
			if code != 125 || stderr != tt.want {
				t.Errorf("exit %d, stderr %q; want 125, %q (stdout %q)", code, stderr, tt.want, stdout)
			}
		})
	}
}
