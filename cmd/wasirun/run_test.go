package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestNewCmdRun: flags -> RunOptions, with the run function spied on.
func TestNewCmdRun(t *testing.T) {
	tests := []struct {
		name string
		args []string
		row  spyRow
		want RunOptions
	}{
		{name: "package alone", args: []string{"pkg.webc"}, want: RunOptions{Package: "pkg.webc"}},
		{name: "everything after PKG is the guest's", args: []string{"pkg.webc", "--env", "A=1", "-c", "x"},
			want: RunOptions{Package: "pkg.webc", Args: []string{"--env", "A=1", "-c", "x"}}},
		{name: "a first -- after PKG is dropped", args: []string{"pkg.webc", "--", "--help"},
			want: RunOptions{Package: "pkg.webc", Args: []string{"--help"}}},
		{name: "only the first --", args: []string{"pkg.webc", "--", "--"},
			want: RunOptions{Package: "pkg.webc", Args: []string{"--"}}},
		{name: "-- before PKG", args: []string{"--env", "A=1", "--", "pkg.webc", "x"},
			want: RunOptions{Package: "pkg.webc", Env: []string{"A=1"}, Args: []string{"x"}}},
		{name: "every flag", args: []string{"-c", "cmd", "-i", "add", "--env", "A=1", "--env", "HOME", "--forward-env",
			"--cwd", "/data", "--timeout", "2s", "--cache-dir", "/c", "--no-cache", "--volume", "/h:/g", "pkg.webc", "1"},
			want: RunOptions{Package: "pkg.webc", Args: []string{"1"}, Command: "cmd", Invoke: "add", Env: []string{"A=1", "HOME"},
				ForwardEnv: true, Cwd: "/data", Timeout: 2 * time.Second, CacheDir: "/c", NoCache: true,
				Mounts: mountFlags{Volumes: []string{"/h:/g"}, Conflict: "override"}}},
		{name: "Wasmer's spellings", args: []string{"--entrypoint", "a", "--forward-host-env", "pkg.webc"},
			want: RunOptions{Package: "pkg.webc", Command: "a", ForwardEnv: true}},
		{name: "--command-name", args: []string{"--command-name=b", "pkg.webc"}, want: RunOptions{Package: "pkg.webc", Command: "b"}},
		{name: "no package", args: nil, row: spyRow{wantUsage: true}},
		{name: "a bad duration", args: []string{"--timeout", "soon", "pkg.webc"}, row: spyRow{wantErr: true}},
		{name: "an unknown flag before PKG", args: []string{"--nosuch", "pkg.webc"}, row: spyRow{wantErr: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := Test()
			f := newFactory(ios, []string{"HOME=/root"}, "")
			got, ok := execSpy(t, f, newCmdRun, tt.args, tt.row)
			if !ok {
				return
			}
			want := tt.want
			if want.Mounts.Conflict == "" {
				want.Mounts.Conflict = "override"
			}
			if got.Package != want.Package || !slices.Equal(got.Args, want.Args) || got.Command != want.Command ||
				got.Invoke != want.Invoke || !slices.Equal(got.Env, want.Env) || got.ForwardEnv != want.ForwardEnv ||
				got.Cwd != want.Cwd || got.Timeout != want.Timeout || got.CacheDir != want.CacheDir || got.NoCache != want.NoCache ||
				!slices.Equal(got.Mounts.Volumes, want.Mounts.Volumes) || got.Mounts.Conflict != want.Mounts.Conflict {
				t.Errorf("options:\n got %+v\nwant %+v", *got, want)
			}
			if !slices.Equal(got.HostEnv, []string{"HOME=/root"}) {
				t.Errorf("HostEnv = %q, want the factory's environment", got.HostEnv)
			}
		})
	}
}

// TestBareRun: "wasirun PKG ..." is "wasirun run PKG ..."; commands, help and
// typos of commands are not.
func TestBareRun(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"pkg.webc", "a"}, []string{"run", "pkg.webc", "a"}},
		{[]string{"pkg.webc", "--", "-x"}, []string{"run", "pkg.webc", "--", "-x"}},
		{[]string{"--env", "A=1", "pkg.webc"}, []string{"run", "--env", "A=1", "pkg.webc"}},
		{[]string{"--log-level", "debug", "pkg.webc"}, []string{"run", "--log-level", "debug", "pkg.webc"}},
		{[]string{"--forward-env", "pkg.webc"}, []string{"run", "--forward-env", "pkg.webc"}},
		{[]string{"-c", "cmd", "pkg.webc"}, []string{"run", "-c", "cmd", "pkg.webc"}},
		{[]string{"inspect", "pkg.webc"}, []string{"inspect", "pkg.webc"}},
		{[]string{"run", "pkg.webc"}, []string{"run", "pkg.webc"}},
		{[]string{"--log-level", "debug", "version"}, []string{"--log-level", "debug", "version"}},
		{[]string{"help"}, []string{"help"}},
		{[]string{"completion", "bash"}, []string{"completion", "bash"}},
		{[]string{"__complete", "ins"}, []string{"__complete", "ins"}},
		{[]string{"verison"}, []string{"verison"}},
		{[]string{"--help"}, []string{"--help"}},
		{nil, nil},
	}
	for _, tt := range tests {
		ios, _, _, _ := Test()
		root := newCmdRoot(newFactory(ios, nil, ""))
		if got := bareRun(root, tt.args); !slices.Equal(got, tt.want) {
			t.Errorf("bareRun(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}

// TestCommandNames holds commandNames to the commands newCmdRoot builds.
func TestCommandNames(t *testing.T) {
	ios, _, _, _ := Test()
	root := newCmdRoot(newFactory(ios, nil, ""))
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var names []string
	for _, c := range root.Commands() {
		names = append(names, c.Name())
		names = append(names, c.Aliases...)
	}
	slices.Sort(names)
	if !slices.Equal(names, commandNames) {
		t.Errorf("root commands %q, commandNames %q", names, commandNames)
	}
}

// TestNewCmdRootFor: running a package builds only "run"; anything else, the
// whole tree.
func TestNewCmdRootFor(t *testing.T) {
	pkg := filepath.Join(t.TempDir(), "app.wasm")
	if err := os.WriteFile(pkg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		lean bool
	}{
		{[]string{"run", "x.wasm"}, true},
		{[]string{"--log-level", "debug", "run", "x.wasm"}, true},
		{[]string{pkg, "a"}, true},
		{[]string{"--env", "A=1", pkg}, true},
		{[]string{"nosuch.wasm"}, false}, // no file: the whole tree names the error
		{[]string{"inspect", pkg}, false},
		{[]string{"version"}, false},
		{[]string{"--help"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		ios, _, _, _ := Test()
		root := newCmdRootFor(newFactory(ios, nil, ""), tt.args)
		if lean := len(root.Commands()) == 1; lean != tt.lean {
			t.Errorf("newCmdRootFor(%q): %d commands, want lean %v", tt.args, len(root.Commands()), tt.lean)
		}
	}
}
