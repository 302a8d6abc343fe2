package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/wasirun/wasirun/internal/webc"
	"github.com/wasirun/wasirun/internal/webc/webctest"
)

// smallWasm is a hand-assembled core module that imports
// wasi_snapshot_preview1.proc_exit: one type section (func (i32)), one import.
var smallWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
	0x01, 0x05, 0x01, 0x60, 0x01, 0x7f, 0x00, // type section: func (i32) -> ()
	0x02, 0x24, 0x01, // import section, 36 bytes, one import
	0x16, 'w', 'a', 's', 'i', '_', 's', 'n', 'a', 'p', 's', 'h', 'o', 't', '_', 'p', 'r', 'e', 'v', 'i', 'e', 'w', '1',
	0x09, 'p', 'r', 'o', 'c', '_', 'e', 'x', 'i', 't',
	0x00, 0x00, // a function of type 0
}

// smallData is the content of data/greeting.txt in the small package; it occurs
// once in a package built from it, so tests can find and damage it.
const smallData = "small package data: flip me\n"

// writeSmallPackageDir writes a package directory under dir: wasmer.toml, the
// module small.wasm, and data/greeting.txt mounted at /data. It returns the
// directory's path.
func writeSmallPackageDir(t *testing.T, dir string) string {
	t.Helper()
	pkg := filepath.Join(dir, "small")
	files := map[string]string{
		"wasmer.toml": `[package]
name = "test/small"
version = "0.2.0"
description = "a small package for the CLI tests"

[[module]]
name = "small"
source = "small.wasm"
abi = "wasi"

[[command]]
name = "small"
module = "small"
runner = "wasi"

[command.annotations.wasi]
main-args = ["--quiet"]

[fs]
"/data" = "data"
`,
		"small.wasm":        string(smallWasm),
		"data/greeting.txt": smallData,
	}
	for name, content := range files {
		p := filepath.Join(pkg, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return pkg
}

// buildSmallPackage writes the small package directory under dir and builds it
// into dir/small.webc with packageBuildRun; it returns the package file's path.
func buildSmallPackage(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "small.webc")
	ios, _, _, _ := Test()
	if err := packageBuildRun(&PackageBuildOptions{IO: ios, Dir: writeSmallPackageDir(t, dir), Output: out}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNewCmdPackageBuild checks flags -> options, with a spy in place of
// packageBuildRun.
func TestNewCmdPackageBuild(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		want      PackageBuildOptions // IO is not compared
		wantUsage bool                // an error, and a *usageError
		wantErr   bool                // an error of any kind
	}{
		{name: "dir and -o", args: []string{"./pkg", "-o", "out.webc"}, want: PackageBuildOptions{Dir: "./pkg", Output: "out.webc"}},
		{name: "--output= before the dir", args: []string{"--output=a/b.webc", "pkg"}, want: PackageBuildOptions{Dir: "pkg", Output: "a/b.webc"}},
		{name: "no -o", args: []string{"pkg"}, want: PackageBuildOptions{Dir: "pkg"}},
		{name: "no dir", args: []string{}, wantUsage: true},
		{name: "only -o", args: []string{"-o", "x.webc"}, wantUsage: true},
		{name: "two dirs", args: []string{"a", "b", "-o", "x.webc"}, wantUsage: true},
		{name: "-o without value", args: []string{"pkg", "-o"}, wantErr: true},
		{name: "unknown flag", args: []string{"pkg", "--sign"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := Test()
			f := newFactory(ios, nil, "")
			got, ok := execSpy(t, f, newCmdPackageBuild, tt.args, spyRow{wantUsage: tt.wantUsage, wantErr: tt.wantErr})
			if !ok {
				return
			}
			if got.IO != ios {
				t.Error("options do not carry the factory's streams")
			}
			if got.Dir != tt.want.Dir || got.Output != tt.want.Output {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// TestNewCmdPackageUnpack checks flags -> options, with a spy in place of
// packageUnpackRun.
func TestNewCmdPackageUnpack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		want      PackageUnpackOptions // IO is not compared
		wantUsage bool
		wantErr   bool
	}{
		{name: "package and -o", args: []string{"pkg.webc", "-o", "out"}, want: PackageUnpackOptions{Package: "pkg.webc", Output: "out"}},
		{name: "-o first", args: []string{"-o", "out/", "pkg.tar.gz"}, want: PackageUnpackOptions{Package: "pkg.tar.gz", Output: "out/"}},
		{name: "--output=", args: []string{"pkg.webc", "--output=d"}, want: PackageUnpackOptions{Package: "pkg.webc", Output: "d"}},
		{name: "--overwrite", args: []string{"pkg.webc", "-o", "d", "--overwrite"}, want: PackageUnpackOptions{Package: "pkg.webc", Output: "d", Overwrite: true}},
		{name: "no -o", args: []string{"pkg.webc"}, wantErr: true},
		{name: "no package", args: []string{"-o", "out"}, wantUsage: true},
		{name: "two packages", args: []string{"a.webc", "b.webc", "-o", "out"}, wantUsage: true},
		{name: "unknown flag", args: []string{"pkg.webc", "-o", "out", "--force"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := Test()
			f := newFactory(ios, nil, "")
			got, ok := execSpy(t, f, newCmdPackageUnpack, tt.args, spyRow{wantUsage: tt.wantUsage, wantErr: tt.wantErr})
			if !ok {
				return
			}
			if got.IO != ios {
				t.Error("options do not carry the factory's streams")
			}
			if got.Package != tt.want.Package || got.Output != tt.want.Output || got.Overwrite != tt.want.Overwrite {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// TestPackageBuildRun checks options -> output for package build.
func TestPackageBuildRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := writeSmallPackageDir(t, dir)
	out := filepath.Join(dir, "out", "a.webc")
	if err := os.Mkdir(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}

	ios, _, stdout, stderr := Test()
	if err := packageBuildRun(&PackageBuildOptions{IO: ios, Dir: src, Output: out}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := "wrote " + out + " (" + strconv.FormatInt(st.Size(), 10) + " bytes)\n"; stdout.String() != want || stderr.Len() != 0 {
		t.Errorf("stdout %q, stderr %q; want %q and nothing", stdout, stderr, want)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o644 {
		t.Errorf("package file mode %v, want -rw-r--r--", st.Mode().Perm())
	}
	// Nothing but the package is left beside it (no temporary file).
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
		t.Errorf("the output directory holds %d entries, want only a.webc", len(entries))
	}

	c, err := webc.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Format != webc.FormatV3 || c.Package.Name != "test/small" || c.Package.Version != "0.2.0" {
		t.Errorf("built %s %+v, want webc-v3 test/small 0.2.0", c.Format, c.Package)
	}
	if err := c.Verify(); err != nil {
		t.Errorf("the built package does not verify: %v", err)
	}
	atom, err := c.Atom("small")
	if err != nil || !bytes.Equal(atom, smallWasm) {
		t.Errorf("atom small = %d bytes, %v; want the module's %d bytes", len(atom), err, len(smallWasm))
	}

	// The same input gives the same bytes.
	again := filepath.Join(dir, "out", "b.webc")
	ios, _, _, _ = Test()
	if err := packageBuildRun(&PackageBuildOptions{IO: ios, Dir: src, Output: again}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Error("two builds of the same directory differ")
	}
}

func TestPackageBuildRunErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := writeSmallPackageDir(t, dir)
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		opts       PackageBuildOptions
		wantErr    string
		wantPrefix string
		wantIs     error
	}{
		{"no wasmer.toml", PackageBuildOptions{Dir: empty, Output: filepath.Join(dir, "x.webc")},
			empty + ": wasmer.toml: not found: a package directory holds a wasmer.toml (wapm.toml is read only from tarballs)", "", nil},
		{"no such directory", PackageBuildOptions{Dir: filepath.Join(dir, "nope"), Output: filepath.Join(dir, "x.webc")}, "", "", fs.ErrNotExist},
		// The message names the file asked for, not the temporary file written first.
		{"output directory missing", PackageBuildOptions{Dir: src, Output: filepath.Join(dir, "nodir", "x.webc")},
			"", "writing " + filepath.Join(dir, "nodir", "x.webc") + ": ", fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, stdout, _ := Test()
			tt.opts.IO = ios
			err := packageBuildRun(&tt.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.wantErr != "" && err.Error() != tt.wantErr {
				t.Errorf("error %q, want %q", err, tt.wantErr)
			}
			if tt.wantPrefix != "" && !strings.HasPrefix(err.Error(), tt.wantPrefix) {
				t.Errorf("error %q does not start with %q", err, tt.wantPrefix)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %q is not %v", err, tt.wantIs)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout not empty: %q", stdout)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "x.webc")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed build left x.webc: %v", err)
	}
}

func TestDefaultPackageFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    webc.PackageInfo
		want string
	}{
		{webc.PackageInfo{Name: "wasmer/hello", Version: "0.1.0"}, "hello-0.1.0.webc"},
		{webc.PackageInfo{Name: "hello", Version: "1.0.0"}, "hello-1.0.0.webc"},
		{webc.PackageInfo{Name: "hello"}, "hello.webc"},
		{webc.PackageInfo{}, "package.webc"},
		{webc.PackageInfo{Name: "ns/", Version: "1.0.0"}, "package.webc"},
	}
	for _, tt := range tests {
		if got := defaultPackageFile(tt.p); got != tt.want {
			t.Errorf("defaultPackageFile(%+v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

// TestPackageUnpackRun checks options -> output for package unpack.
func TestPackageUnpackRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pkg := buildSmallPackage(t, dir)
	out := filepath.Join(dir, "out")

	ios, _, stdout, stderr := Test()
	if err := packageUnpackRun(&PackageUnpackOptions{IO: ios, Package: pkg, Output: out}); err != nil {
		t.Fatal(err)
	}
	if want := "unpacked " + pkg + " into " + out + "\n"; stdout.String() != want || stderr.Len() != 0 {
		t.Errorf("stdout %q, stderr %q; want %q and nothing", stdout, stderr, want)
	}
	for name, want := range map[string]string{
		"atoms/small":               string(smallWasm),
		"volumes/data/greeting.txt": smallData,
	} {
		got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(name)))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	if m, err := os.ReadFile(filepath.Join(out, "manifest.json")); err != nil || !bytes.Contains(m, []byte(`"--quiet"`)) {
		t.Errorf("manifest.json = %s, %v; want the manifest with main-args --quiet", m, err)
	}

	// A second unpack into the same directory refuses to overwrite.
	ios, _, stdout, _ = Test()
	err := packageUnpackRun(&PackageUnpackOptions{IO: ios, Package: pkg, Output: out})
	if want := "unpacking into " + out + ": manifest.json already exists; refusing to overwrite it (--overwrite replaces it)"; err == nil || err.Error() != want {
		t.Errorf("second unpack: %v, want %q", err, want)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout not empty: %q", stdout)
	}
	// With --overwrite it replaces the files.
	if err := os.WriteFile(filepath.Join(out, "atoms", "small"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, stdout, _ = Test()
	if err := packageUnpackRun(&PackageUnpackOptions{IO: ios, Package: pkg, Output: out, Overwrite: true}); err != nil {
		t.Fatalf("unpack --overwrite: %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(out, "atoms", "small")); err != nil || !bytes.Equal(got, smallWasm) {
		t.Errorf("atoms/small after --overwrite = %q, %v; want the module", got, err)
	}
	if want := "unpacked " + pkg + " into " + out + "\n"; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}

	// package build of the unpacked directory gives back an equivalent package.
	rebuilt := filepath.Join(dir, "rebuilt.webc")
	ios, _, _, _ = Test()
	if err := packageBuildRun(&PackageBuildOptions{IO: ios, Dir: out, Output: rebuilt}); err != nil {
		t.Fatalf("package build of the unpacked directory: %v", err)
	}
	if d := rebuildDifferences(t, pkg, rebuilt); len(d) > 0 {
		t.Errorf("the rebuilt package differs:\n%s", strings.Join(d, "\n"))
	}
}

// rebuildDifferences opens the packages at want and got and returns how they
// differ (webctest.Differences).
func rebuildDifferences(t *testing.T, want, got string) []string {
	t.Helper()
	w, err := webc.Open(want)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	g, err := webc.Open(got)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	return webctest.Differences(w, g)
}

// TestPackageUnpackRebuildFixtures unpacks every real package, builds the
// unpacked directory back and compares the two. A package unpack reports nothing
// about must come back equivalent; for the others, what unpack said and how the
// rebuilt package differs are kept in a golden file, for review.
func TestPackageUnpackRebuildFixtures(t *testing.T) {
	t.Parallel()
	var report strings.Builder
	for _, path := range fixtures(t) {
		name := filepath.Base(path)
		dir := t.TempDir()
		out := filepath.Join(dir, "out")
		ios, _, stdout, _ := Test()
		if err := packageUnpackRun(&PackageUnpackOptions{IO: ios, Package: path, Output: out}); err != nil {
			t.Errorf("%s: unpack: %v", name, err)
			continue
		}
		rebuilt := filepath.Join(dir, "rebuilt.webc")
		ios, _, _, _ = Test()
		if err := packageBuildRun(&PackageBuildOptions{IO: ios, Dir: out, Output: rebuilt}); err != nil {
			t.Errorf("%s: package build of the unpacked directory: %v", name, err)
			continue
		}
		d := rebuildDifferences(t, path, rebuilt)
		notes := strings.TrimPrefix(stdout.String(), "unpacked "+path+" into "+out+"\n")
		if notes == "" && len(d) > 0 {
			t.Errorf("%s: unpack said nothing, but the rebuilt package differs:\n%s", name, strings.Join(d, "\n"))
		}
		switch {
		case notes == "" && len(d) == 0:
			fmt.Fprintf(&report, "%s: rebuilds equivalent\n", name)
		default:
			fmt.Fprintf(&report, "%s: rebuilds with differences; unpack says:\n%s", name, strings.ReplaceAll(notes, out, "$OUT"))
			if len(d) > 0 {
				fmt.Fprintf(&report, "differences found:\n  - %s\n", strings.Join(d, "\n  - "))
			}
		}
	}
	golden(t, "package-unpack-rebuild-fixtures.txt", report.String())
}

// TestPackageUnpackRunDamaged checks that a damaged file is refused with an error
// that names the package, and that a missing package is a not-found error.
func TestPackageUnpackRunDamaged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pkg := buildSmallPackage(t, dir)
	b, err := os.ReadFile(pkg)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte(smallData))
	if i < 0 {
		t.Fatal("the data file is not in the package")
	}
	b[i] ^= 0x20
	if err := os.WriteFile(pkg, b, 0o644); err != nil {
		t.Fatal(err)
	}

	ios, _, _, _ := Test()
	err = packageUnpackRun(&PackageUnpackOptions{IO: ios, Package: pkg, Output: filepath.Join(dir, "out")})
	if !errors.Is(err, webc.ErrChecksum) || !strings.HasPrefix(err.Error(), pkg+": ") {
		t.Errorf("unpack of a damaged package: %v; want a checksum mismatch naming %s", err, pkg)
	}

	err = packageUnpackRun(&PackageUnpackOptions{IO: ios, Package: filepath.Join(dir, "nope.webc"), Output: filepath.Join(dir, "out2")})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unpack of a missing package: %v, want not found", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out2")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unpack of a missing package created the output directory: %v", err)
	}
}
