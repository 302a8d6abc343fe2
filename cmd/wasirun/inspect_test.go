package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wasirun/wasirun/internal/inspect"
	"github.com/wasirun/wasirun/internal/webc"
)

// TestNewCmdInspect checks flags -> options, with a spy in place of inspectRun.
func TestNewCmdInspect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		want      InspectOptions // IO is not compared
		wantUsage bool           // an error, and a *usageError
		wantErr   bool           // an error of any kind
	}{
		{name: "package only", args: []string{"pkg.webc"}, want: InspectOptions{Package: "pkg.webc"}},
		{name: "json", args: []string{"--json", "pkg.webc"}, want: InspectOptions{Package: "pkg.webc", JSON: true}},
		{name: "verify", args: []string{"--verify", "./dir"}, want: InspectOptions{Package: "./dir", Verify: true}},
		{name: "flags after the package", args: []string{"a.wasm", "--verify", "--json"}, want: InspectOptions{Package: "a.wasm", JSON: true, Verify: true}},
		{name: "json=false", args: []string{"--json=false", "pkg.webc"}, want: InspectOptions{Package: "pkg.webc"}},
		{name: "no package", args: []string{}, wantUsage: true},
		{name: "only flags", args: []string{"--json"}, wantUsage: true},
		{name: "two packages", args: []string{"a.webc", "b.webc"}, wantUsage: true},
		{name: "unknown flag", args: []string{"--yaml", "pkg.webc"}, wantErr: true},
		{name: "bad boolean", args: []string{"--verify=maybe", "pkg.webc"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := Test()
			f := newFactory(ios, nil, "")
			got, ok := execSpy(t, f, newCmdInspect, tt.args, spyRow{wantUsage: tt.wantUsage, wantErr: tt.wantErr})
			if !ok {
				return
			}
			if got.IO != ios {
				t.Error("options do not carry the factory's streams")
			}
			if got.Package != tt.want.Package || got.JSON != tt.want.JSON || got.Verify != tt.want.Verify {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// TestInspectRun checks options -> output on generated packages: the small package
// as a directory and built as WebC v3, and its module alone.
func TestInspectRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	webcFile := buildSmallPackage(t, dir)
	pkgDir := filepath.Join(dir, "small")
	wasmFile := filepath.Join(pkgDir, "small.wasm")

	tests := []struct {
		name string
		opts InspectOptions
		// check looks at what inspectRun printed.
		check func(t *testing.T, stdout string)
	}{
		{
			name: "text",
			opts: InspectOptions{Package: webcFile},
			check: func(t *testing.T, stdout string) {
				for _, want := range []string{
					"Package:      test/small@0.2.0\n",
					"Description:  a small package for the CLI tests\n",
					"File:         " + webcFile + "\n",
					"Format:       webc-v3\n",
					"Entrypoint:   small\n",
					"(not verified: use --verify)\n",
					"  small  small  https://webc.org/runner/wasi\n",
					"args: --quiet\n",
					"  /data  <- volume /data\n",
				} {
					if !strings.Contains(stdout, want) {
						t.Errorf("text report does not contain %q:\n%s", want, stdout)
					}
				}
			},
		},
		{
			name: "text, verified",
			opts: InspectOptions{Package: webcFile, Verify: true},
			check: func(t *testing.T, stdout string) {
				if want := "Integrity:    sha256 of every section, file and directory (verified)\n"; !strings.Contains(stdout, want) {
					t.Errorf("text report does not contain %q:\n%s", want, stdout)
				}
			},
		},
		{
			name: "json",
			opts: InspectOptions{Package: webcFile, JSON: true},
			check: func(t *testing.T, stdout string) {
				r := decodeReport(t, stdout)
				if r.File != webcFile || r.Format != "webc-v3" || r.Verified {
					t.Errorf("file %q, format %q, verified %v", r.File, r.Format, r.Verified)
				}
				if r.Entrypoint == nil || *r.Entrypoint != "small" {
					t.Errorf("entrypoint %v, want small", r.Entrypoint)
				}
				wantCmd := []inspect.Command{{Name: "small", Runner: webc.RunnerWasi, Atom: "small", MainArgs: []string{"--quiet"}, Env: []string{}}}
				if !reflect.DeepEqual(r.Commands, wantCmd) {
					t.Errorf("commands %+v, want %+v", r.Commands, wantCmd)
				}
				if len(r.Atoms) != 1 || r.Atoms[0].ABI != "wasi" || r.Atoms[0].Size != int64(len(smallWasm)) {
					t.Errorf("atoms %+v, want one wasi atom of %d bytes", r.Atoms, len(smallWasm))
				}
				if want := []inspect.Mount{{Volume: "/data", Guest: "/data"}}; !reflect.DeepEqual(r.Mounts, want) {
					t.Errorf("mounts %+v, want %+v", r.Mounts, want)
				}
				if want := (inspect.Integrity{Checksum: "sections", Signature: "none"}); r.Integrity != want {
					t.Errorf("integrity %+v, want %+v", r.Integrity, want)
				}
			},
		},
		{
			name: "json, verified",
			opts: InspectOptions{Package: webcFile, JSON: true, Verify: true},
			check: func(t *testing.T, stdout string) {
				if r := decodeReport(t, stdout); !r.Verified {
					t.Error("verified is false with --verify")
				}
			},
		},
		{
			name: "directory",
			opts: InspectOptions{Package: pkgDir, JSON: true},
			check: func(t *testing.T, stdout string) {
				r := decodeReport(t, stdout)
				if r.Format != "dir" || r.Package.Name != "test/small" || len(r.Commands) != 1 || len(r.Mounts) != 1 {
					t.Errorf("report %+v, want the small package as a dir", r)
				}
			},
		},
		{
			name: "bare module",
			opts: InspectOptions{Package: wasmFile, JSON: true, Verify: true},
			check: func(t *testing.T, stdout string) {
				r := decodeReport(t, stdout)
				// A bare module carries no hashes: --verify has nothing to vouch for.
				if r.Format != "wasm" || r.Entrypoint == nil || *r.Entrypoint != "small" || r.Verified || r.VerifyNote != "the wasm form carries no hashes" {
					t.Errorf("report %+v, want a wasm module with entrypoint small, not verified, with a note that says why", r)
				}
				if len(r.Atoms) != 1 || !reflect.DeepEqual(r.Atoms[0].Imports, []string{"wasi_snapshot_preview1"}) {
					t.Errorf("atoms %+v, want one importing wasi_snapshot_preview1", r.Atoms)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, stdout, stderr := Test()
			tt.opts.IO = ios
			if err := inspectRun(&tt.opts); err != nil {
				t.Fatal(err)
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr not empty: %q", stderr)
			}
			tt.check(t, stdout.String())
		})
	}
}

// decodeReport parses inspect --json output, which must be one JSON object.
func decodeReport(t *testing.T, s string) *inspect.Report {
	t.Helper()
	var r inspect.Report
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("not a JSON report: %v\n%s", err, s)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value:\n%s", s)
	}
	return &r
}

// TestInspectRunErrors checks the errors of inspectRun: they name the package file,
// and nothing is printed on stdout.
func TestInspectRunErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	webcFile := buildSmallPackage(t, dir)
	b, err := os.ReadFile(webcFile)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), smallData)
	if i < 0 {
		t.Fatal("the data file is not in the package")
	}
	b[i] ^= 0x20
	damaged := filepath.Join(dir, "damaged.webc")
	if err := os.WriteFile(damaged, b, 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.webc")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		opts       InspectOptions
		wantIs     error
		wantPrefix string
	}{
		{"missing file", InspectOptions{Package: filepath.Join(dir, "nope.webc")}, fs.ErrNotExist, ""},
		{"empty file", InspectOptions{Package: empty}, nil, empty + ": header: the file is empty"},
		{"damaged, verify", InspectOptions{Package: damaged, Verify: true}, webc.ErrChecksum, damaged + `: volume "/data": `},
		{"damaged, verify, json", InspectOptions{Package: damaged, Verify: true, JSON: true}, webc.ErrChecksum, damaged + `: volume "/data": `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, stdout, _ := Test()
			tt.opts.IO = ios
			err := inspectRun(&tt.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %q is not %v", err, tt.wantIs)
			}
			if !strings.HasPrefix(err.Error(), tt.wantPrefix) {
				t.Errorf("error %q does not start with %q", err, tt.wantPrefix)
			}
			if code := exitCode(err); code != 125 {
				t.Errorf("exit code %d, want 125", code)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty: %q", stdout)
			}
		})
	}

	// Without --verify the damage is not seen: the report does not read file data.
	ios, _, stdout, _ := Test()
	if err := inspectRun(&InspectOptions{IO: ios, Package: damaged}); err != nil {
		t.Errorf("inspect without --verify: %v", err)
	}
	if !strings.Contains(stdout.String(), "(not verified: use --verify)") {
		t.Errorf("the report does not say it is not verified:\n%s", stdout)
	}
}
