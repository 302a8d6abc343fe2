package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestNewCmdVersion checks flags -> options, with a spy in place of versionRun.
func TestNewCmdVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    VersionOptions // IO is not compared
		wantErr bool
	}{
		{name: "no flags", args: []string{}, want: VersionOptions{Build: buildInfo{Version: "v1"}}},
		{name: "json", args: []string{"--json"}, want: VersionOptions{JSON: true, Build: buildInfo{Version: "v1"}}},
		{name: "json=false", args: []string{"--json=false"}, want: VersionOptions{Build: buildInfo{Version: "v1"}}},
		{name: "argument", args: []string{"extra"}, wantErr: true},
		{name: "unknown flag", args: []string{"--yaml"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := Test()
			f := &factory{IO: ios, Build: func() buildInfo { return buildInfo{Version: "v1"} }}
			got, ok := execSpy(t, f, newCmdVersion, tt.args, spyRow{wantErr: tt.wantErr})
			if !ok {
				return
			}
			if got.IO != ios {
				t.Error("options do not carry the factory's streams")
			}
			if got.JSON != tt.want.JSON || got.Build != tt.want.Build {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// TestVersionRun checks options -> output.
func TestVersionRun(t *testing.T) {
	t.Parallel()
	build := buildInfo{Version: "v1.2.3", Go: "go1.26.8", Wazero: "v1.12.0"}
	tests := []struct {
		name string
		opts VersionOptions
		want string
	}{
		{"text", VersionOptions{Build: build}, "wasirun v1.2.3 (go1.26.8, wazero v1.12.0)\n"},
		{"json", VersionOptions{JSON: true, Build: build},
			`{"version":"v1.2.3","go":"go1.26.8","wazero":"v1.12.0","commit":"","commit_time":"","modified":false}` + "\n"},
		{"json with the commit", VersionOptions{JSON: true, Build: buildInfo{Version: "v1", Go: "go1", Wazero: "v2",
			Commit: "8db84981c3d2a1b0e5f6", CommitTime: "2026-05-01T12:00:00Z", Modified: true}},
			`{"version":"v1","go":"go1","wazero":"v2","commit":"8db84981c3d2a1b0e5f6","commit_time":"2026-05-01T12:00:00Z","modified":true}` + "\n"},
		{"text with the commit", VersionOptions{Build: buildInfo{Version: "v1", Go: "go1", Wazero: "v2",
			Commit: "8db84981c3d2a1b0e5f6", CommitTime: "2026-05-01T12:00:00Z"}},
			"wasirun v1 (go1, wazero v2, commit 8db84981c3d2 of 2026-05-01T12:00:00Z)\n"},
		{"text, nothing known", VersionOptions{Build: buildInfo{Version: "(devel)", Go: "go1.26.8", Wazero: "unknown"}},
			"wasirun (devel) (go1.26.8, wazero unknown)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, out, errOut := Test()
			tt.opts.IO = ios
			if err := versionRun(&tt.opts); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want || errOut.Len() != 0 {
				t.Errorf("stdout %q, stderr %q; want %q and nothing", out.String(), errOut.String(), tt.want)
			}
		})
	}
}

func TestVersionText(t *testing.T) {
	t.Parallel()
	const rev = "8db84981c3d2a1b0e5f60718293a4b5c6d7e8f90"
	base := buildInfo{Version: "v1.2.3", Go: "go1.26.8", Wazero: "v1.12.0"}
	with := func(commit, at string, modified bool) buildInfo {
		b := base
		b.Commit, b.CommitTime, b.Modified = commit, at, modified
		return b
	}
	tests := []struct {
		name string
		b    buildInfo
		want string
	}{
		{"no commit", base, "wasirun v1.2.3 (go1.26.8, wazero v1.12.0)\n"},
		{"commit and time", with(rev, "2026-05-01T12:00:00Z", false),
			"wasirun v1.2.3 (go1.26.8, wazero v1.12.0, commit 8db84981c3d2 of 2026-05-01T12:00:00Z)\n"},
		{"modified", with(rev, "2026-05-01T12:00:00Z", true),
			"wasirun v1.2.3 (go1.26.8, wazero v1.12.0, commit 8db84981c3d2 of 2026-05-01T12:00:00Z, modified)\n"},
		{"commit without time", with(rev, "", true), "wasirun v1.2.3 (go1.26.8, wazero v1.12.0, commit 8db84981c3d2, modified)\n"},
		{"short revision kept whole", with("abc123", "", false), "wasirun v1.2.3 (go1.26.8, wazero v1.12.0, commit abc123)\n"},
		{"modified means nothing without a commit", with("", "", true), "wasirun v1.2.3 (go1.26.8, wazero v1.12.0)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := versionText(tt.b); got != tt.want {
				t.Errorf("versionText = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadBuildInfo(t *testing.T) {
	t.Parallel()
	wazero := func(version string, replace *debug.Module) *debug.Module {
		return &debug.Module{Path: wazeroModule, Version: version, Replace: replace}
	}
	vcs := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	goVersion := runtime.Version()
	tests := []struct {
		name        string
		linkVersion string
		bi          *debug.BuildInfo
		want        buildInfo
	}{
		{"no build info", "", nil, buildInfo{Version: "(devel)", Go: goVersion, Wazero: "unknown"}},
		{"no build info, link version", "v9", nil, buildInfo{Version: "v9", Go: goVersion, Wazero: "unknown"}},
		{"module version and wazero", "", &debug.BuildInfo{
			GoVersion: "go1.99",
			Main:      debug.Module{Path: "github.com/wasirun/wasirun", Version: "v1.2.3"},
			Deps:      []*debug.Module{{Path: "github.com/spf13/cobra", Version: "v1.10.2"}, wazero("v1.12.0", nil)},
		}, buildInfo{Version: "v1.2.3", Go: "go1.99", Wazero: "v1.12.0"}},
		{"link version wins", "v2.0.0", &debug.BuildInfo{
			GoVersion: "go1.99", Main: debug.Module{Version: "v1.2.3"},
		}, buildInfo{Version: "v2.0.0", Go: "go1.99", Wazero: "unknown"}},
		{"devel build", "", &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Version: "(devel)"}},
			buildInfo{Version: "(devel)", Go: "go1.99", Wazero: "unknown"}},
		{"wazero replaced by a version", "", &debug.BuildInfo{
			Deps: []*debug.Module{wazero("v1.12.0", &debug.Module{Path: "example.com/fork", Version: "v1.12.1-fork"})},
		}, buildInfo{Version: "(devel)", Go: goVersion, Wazero: "v1.12.1-fork"}},
		{"wazero replaced by a directory", "", &debug.BuildInfo{
			Deps: []*debug.Module{wazero("v1.12.0", &debug.Module{Path: "../wazero"})},
		}, buildInfo{Version: "(devel)", Go: goVersion, Wazero: "(devel)"}},
		{"vcs settings", "", &debug.BuildInfo{
			Main: debug.Module{Version: "(devel)"},
			Settings: vcs("-compiler", "gc", "vcs", "git", "vcs.revision", "8db84981c3d2a1b0",
				"vcs.time", "2026-05-01T12:00:00Z", "vcs.modified", "true"),
		}, buildInfo{Version: "(devel)", Go: goVersion, Wazero: "unknown", Commit: "8db84981c3d2a1b0",
			CommitTime: "2026-05-01T12:00:00Z", Modified: true}},
		{"vcs settings of a clean tree, and a link version", "v0.3.0-2-g8db8498", &debug.BuildInfo{
			Main:     debug.Module{Version: "v0.0.0-20260501120000-8db84981c3d2"},
			Settings: vcs("vcs.revision", "8db84981c3d2a1b0", "vcs.time", "2026-05-01T12:00:00Z", "vcs.modified", "false"),
		}, buildInfo{Version: "v0.3.0-2-g8db8498", Go: goVersion, Wazero: "unknown", Commit: "8db84981c3d2a1b0",
			CommitTime: "2026-05-01T12:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := readBuildInfo(tt.linkVersion, tt.bi, tt.bi != nil); got != tt.want {
				t.Errorf("readBuildInfo = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestRootVersionFlag: "wasirun --version" prints what "wasirun version" prints,
// before any configuration is read (a broken --config does not stop it).
func TestRootVersionFlag(t *testing.T) {
	t.Parallel()
	want, _, code := runTest(t, hermeticEnv(t), nil, "version")
	if code != 0 {
		t.Fatalf("version: exit code %d", code)
	}
	bad := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(bad, []byte("this is not toml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--version"},
		{"--version=true"},
		{"--log-level", "debug", "--version"},
		{"--config", bad, "--version"},
	} {
		stdout, stderr, code := runTest(t, hermeticEnv(t), nil, args...)
		if code != 0 || stdout != want || stderr != "" {
			t.Errorf("%q: code %d, stdout %q, stderr %q; want 0, %q, nothing", args, code, stdout, stderr, want)
		}
	}
	// An unknown flag before --version is a usage error, as cobra gives it.
	if _, stderr, code := runTest(t, hermeticEnv(t), nil, "--bogus", "--version"); code != 125 || stderr != "wasirun: unknown flag: --bogus\n" {
		t.Errorf("--bogus --version: code %d, stderr %q", code, stderr)
	}
	// --version=false is no request: the root prints its help.
	stdout, _, code := runTest(t, hermeticEnv(t), nil, "--version=false")
	if code != 0 || !strings.Contains(stdout, "Usage:") {
		t.Errorf("--version=false: code %d, stdout %q", code, stdout)
	}
	// It is the root's flag, not every command's.
	_, stderr, code := runTest(t, hermeticEnv(t), nil, "inspect", "--version", "x.webc")
	if code != 125 || stderr != "wasirun: unknown flag: --version\n" {
		t.Errorf("inspect --version: code %d, stderr %q", code, stderr)
	}
	// A config key "version" is unknown: the flag is not configurable.
	cfg := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(cfg, []byte("version = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runTest(t, hermeticEnv(t), nil, "--config", cfg, "version")
	if want := "wasirun: config file " + cfg + ": unknown key \"version\"\n"; code != 125 || stderr != want {
		t.Errorf("version = true in the config: code %d, stderr %q, want %q", code, stderr, want)
	}
}

// TestRunVersion runs "wasirun version" through run, with this test binary's build
// info.
func TestRunVersion(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := runTest(t, hermeticEnv(t), nil, "version")
	if code != 0 || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	if !regexp.MustCompile(`^wasirun \S+ \(go\S+, wazero \S+\)\n$`).MatchString(stdout) {
		t.Errorf("stdout %q", stdout)
	}

	stdout, _, code = runTest(t, hermeticEnv(t), nil, "version", "--json")
	var got buildInfo
	if err := json.NewDecoder(bytes.NewReader([]byte(stdout))).Decode(&got); err != nil || code != 0 {
		t.Fatalf("exit code %d, %v: %q", code, err, stdout)
	}
	if got.Version == "" || got.Go != runtime.Version() || got.Wazero == "" {
		t.Errorf("version --json = %+v", got)
	}
}
