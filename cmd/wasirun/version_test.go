package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"runtime"
	"runtime/debug"
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
			`{"version":"v1.2.3","go":"go1.26.8","wazero":"v1.12.0"}` + "\n"},
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

func TestReadBuildInfo(t *testing.T) {
	t.Parallel()
	wazero := func(version string, replace *debug.Module) *debug.Module {
		return &debug.Module{Path: wazeroModule, Version: version, Replace: replace}
	}
	tests := []struct {
		name        string
		linkVersion string
		bi          *debug.BuildInfo
		want        buildInfo
	}{
		{"no build info", "", nil, buildInfo{"(devel)", runtime.Version(), "unknown"}},
		{"no build info, link version", "v9", nil, buildInfo{"v9", runtime.Version(), "unknown"}},
		{"module version and wazero", "", &debug.BuildInfo{
			GoVersion: "go1.99",
			Main:      debug.Module{Path: "github.com/wasirun/wasirun", Version: "v1.2.3"},
			Deps:      []*debug.Module{{Path: "github.com/spf13/cobra", Version: "v1.10.2"}, wazero("v1.12.0", nil)},
		}, buildInfo{"v1.2.3", "go1.99", "v1.12.0"}},
		{"link version wins", "v2.0.0", &debug.BuildInfo{
			GoVersion: "go1.99", Main: debug.Module{Version: "v1.2.3"},
		}, buildInfo{"v2.0.0", "go1.99", "unknown"}},
		{"devel build", "", &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Version: "(devel)"}},
			buildInfo{"(devel)", "go1.99", "unknown"}},
		{"wazero replaced by a version", "", &debug.BuildInfo{
			Deps: []*debug.Module{wazero("v1.12.0", &debug.Module{Path: "example.com/fork", Version: "v1.12.1-fork"})},
		}, buildInfo{"(devel)", runtime.Version(), "v1.12.1-fork"}},
		{"wazero replaced by a directory", "", &debug.BuildInfo{
			Deps: []*debug.Module{wazero("v1.12.0", &debug.Module{Path: "../wazero"})},
		}, buildInfo{"(devel)", runtime.Version(), "(devel)"}},
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
