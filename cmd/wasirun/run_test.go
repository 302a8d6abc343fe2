package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/spf13/cobra"
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
		{name: "-e, Wasmer's shorthand of --entrypoint", args: []string{"-e", "x", "pkg.webc"}, want: RunOptions{Package: "pkg.webc", Command: "x"}},
		{name: "-e with its value attached", args: []string{"-ex", "pkg.webc"}, want: RunOptions{Package: "pkg.webc", Command: "x"}},
		{name: "--entrypoint=", args: []string{"--entrypoint=y", "pkg.webc"}, want: RunOptions{Package: "pkg.webc", Command: "y"}},
		{name: "-c and -e: the last wins", args: []string{"-c", "a", "-e", "b", "pkg.webc"}, want: RunOptions{Package: "pkg.webc", Command: "b"}},
		{name: "-e and -c: the last wins", args: []string{"-e", "b", "-c", "a", "pkg.webc"}, want: RunOptions{Package: "pkg.webc", Command: "a"}},
		{name: "-e without a value", args: []string{"-e"}, row: spyRow{wantErr: true}},
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
		// -e takes a value: "verison" is the command's name, not a typo of "version".
		{[]string{"-e", "verison", "pkg.webc"}, []string{"run", "-e", "verison", "pkg.webc"}},
		{[]string{"--entrypoint", "verison", "pkg.webc"}, []string{"run", "--entrypoint", "verison", "pkg.webc"}},
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
		{[]string{"-e", "cmd", pkg}, true},
		{[]string{"--entrypoint", "cmd", pkg}, true},
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

// TestBareRunMarksRunImplied: bareRun tells run that the word "run" was not typed.
func TestBareRunMarksRunImplied(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		implied bool
	}{
		{[]string{"journal", "x"}, true},
		{[]string{"--env", "A=1", "pkg.webc"}, true},
		{[]string{"run", "pkg.webc"}, false},
		{[]string{"version"}, false},
	} {
		ios, _, _, _ := Test()
		root := newCmdRoot(newFactory(ios, nil, ""))
		bareRun(root, tt.args)
		run, _, _ := root.Find([]string{"run"})
		if got := run.Annotations[impliedRun] != ""; got != tt.implied {
			t.Errorf("bareRun(%q): implied %v, want %v", tt.args, got, tt.implied)
		}
	}
}

// spyOnRun returns a hook that replaces "run" by one whose run function stores
// its options into *got instead of running anything.
func spyOnRun(got **RunOptions) func(*cobra.Command) {
	return func(root *cobra.Command) {
		for _, c := range root.Commands() {
			if c.Name() == "run" {
				root.RemoveCommand(c)
			}
		}
		root.AddCommand(newCmdRun(newFactory(&IOStreams{}, nil, ""), func(o *RunOptions) error { *got = o; return nil }))
	}
}

// TestEntrypointBeatsTheEnvironment: -e and --entrypoint set --command on the
// command line, so WASIRUN_COMMAND and the config file do not override them, and
// the alias itself is neither a variable nor a config key.
func TestEntrypointBeatsTheEnvironment(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"run", "-e", "flag", "pkg.wasm"}, {"run", "--entrypoint", "flag", "pkg.wasm"}} {
		var got *RunOptions
		_, stderr, code := runTest(t, append(hermeticEnv(t), "WASIRUN_COMMAND=env", "WASIRUN_ENTRYPOINT=alias"), spyOnRun(&got), args...)
		if code != 0 || got == nil || got.Command != "flag" {
			t.Errorf("%q: code %d, stderr %q, options %+v; want --command flag", args, code, stderr, got)
		}
	}
	var got *RunOptions
	_, _, code := runTest(t, append(hermeticEnv(t), "WASIRUN_COMMAND=env", "WASIRUN_ENTRYPOINT=alias"), spyOnRun(&got), "run", "pkg.wasm")
	if code != 0 || got == nil || got.Command != "env" {
		t.Errorf("WASIRUN_COMMAND: code %d, options %+v; want --command env", code, got)
	}
	cfg := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(cfg, []byte("entrypoint = \"x\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runTest(t, hermeticEnv(t), spyOnRun(&got), "--config", cfg, "run", "pkg.wasm")
	if want := "wasirun: config file " + cfg + ": unknown key \"entrypoint\"\n"; code != 125 || stderr != want {
		t.Errorf("entrypoint in the config: code %d, stderr %q", code, stderr)
	}
}

// TestRunEnvEntries: an --env entry with an empty name or a NUL byte is refused
// with one line naming the flag and the value, before the package is opened.
func TestRunEnvEntries(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(cfg, []byte("env = [\"OK=1\", \"A=\\u0000b\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"empty name", nil, []string{"run", "--env", "=x", "nosuch.wasm"}, `wasirun: --env "=x": the variable name is empty`},
		{"empty entry", nil, []string{"run", "--env=", "nosuch.wasm"}, `wasirun: --env "": the variable name is empty`},
		{"only =", nil, []string{"--env", "=", "nosuch.wasm"}, `wasirun: --env "=": the variable name is empty`},
		{"NUL in the value", nil, []string{"run", "--env", "A=1\x002", "nosuch.wasm"}, `wasirun: --env "A=1\x002": it contains a NUL byte`},
		{"NUL in the name", nil, []string{"run", "--env", "A\x00", "nosuch.wasm"}, `wasirun: --env "A\x00": it contains a NUL byte`},
		{"from the environment", []string{"WASIRUN_ENV=A=1,=2"}, []string{"run", "nosuch.wasm"}, `wasirun: --env "=2": the variable name is empty`},
		{"NUL from the config file", []string{"WASIRUN_CONFIG=" + cfg}, []string{"run", "nosuch.wasm"}, `wasirun: --env "A=\x00b": it contains a NUL byte`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := runTest(t, append(hermeticEnv(t), tt.env...), nil, tt.args...)
			if code != 125 || stderr != tt.want+"\n" || stdout != "" {
				t.Errorf("code %d, stdout %q, stderr %q; want 125, nothing, %q", code, stdout, stderr, tt.want)
			}
		})
	}
}

// TestMissingPackage: a first word that is neither a command nor a file, and a
// package argument shaped like a registry name, get told what wasirun does.
func TestMissingPackage(t *testing.T) {
	t.Parallel()
	const unknown = `wasirun: unknown command %q, and no file of that name (wasirun runs local packages only; it does not fetch registry names such as wasmer/cowsay)`
	const registry = `wasirun: no file %q, and wasirun does not fetch registry packages: download it first (wasmer package download %s -o %s.webc) and run the file`
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"journal", "x"}, fmt.Sprintf(unknown, "journal")},
		{[]string{"python"}, fmt.Sprintf(unknown, "python")},
		{[]string{"--env", "A=1", "-c", "x", "journal"}, fmt.Sprintf(unknown, "journal")},
		{[]string{"wasmer/cowsay"}, fmt.Sprintf(registry, "wasmer/cowsay", "wasmer/cowsay", "cowsay")},
		{[]string{"wasmer/cowsay@0.3.0", "hello"}, fmt.Sprintf(registry, "wasmer/cowsay@0.3.0", "wasmer/cowsay@0.3.0", "cowsay")},
		{[]string{"python@3.12"}, fmt.Sprintf(registry, "python@3.12", "python@3.12", "python")},
		{[]string{"https://wasmer.io/wasmer/cowsay"}, fmt.Sprintf(registry, "https://wasmer.io/wasmer/cowsay", "https://wasmer.io/wasmer/cowsay", "cowsay")},
		{[]string{"run", "wasmer/cowsay"}, fmt.Sprintf(registry, "wasmer/cowsay", "wasmer/cowsay", "cowsay")},
		// Typed "run": the word is a package, plainly missing.
		{[]string{"run", "journal"}, "wasirun: journal: no such file or directory"},
		// Shaped like paths: plainly missing.
		{[]string{"./nosuch"}, "wasirun: ./nosuch: no such file or directory"},
		{[]string{"nosuch.wasm"}, "wasirun: nosuch.wasm: no such file or directory"},
		{[]string{"dir/pkg.webc"}, "wasirun: dir/pkg.webc: no such file or directory"},
		{[]string{"a/b/c"}, "wasirun: a/b/c: no such file or directory"},
		{[]string{"cowsay-0.3.0.TAR.GZ"}, "wasirun: cowsay-0.3.0.TAR.GZ: no such file or directory"},
		// A typo of a command still gets cobra's suggestion.
		{[]string{"verison"}, `wasirun: unknown command "verison" for "wasirun"; did you mean "version"?`},
	}
	for _, tt := range tests {
		stdout, stderr, code := runTest(t, hermeticEnv(t), nil, tt.args...)
		if code != 125 || stderr != tt.want+"\n" || stdout != "" {
			t.Errorf("%q: code %d, stdout %q, stderr:\n%q\nwant 125, nothing and:\n%q", tt.args, code, stdout, stderr, tt.want)
		}
	}
}

func TestLooksLikePath(t *testing.T) {
	for word, want := range map[string]bool{
		"journal": false, "wasmer/cowsay": false, "cowsay@1.0": false, "wasmer/cowsay@0.3.0": false,
		"./x": true, "../x": true, "/abs": true, "~/x": true, `dir\x`: true, "C:x": true, "a/b/c": true,
		"x.wasm": true, "x.WEBC": true, "x.wasmer": true, "x.tar.gz": true, "x.tgz": true, "dir/wasmer.toml": true, "": true,
	} {
		if got := looksLikePath(word); got != want {
			t.Errorf("looksLikePath(%q) = %v, want %v", word, got, want)
		}
	}
}
