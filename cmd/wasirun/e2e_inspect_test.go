package main

// End-to-end tests of inspect and package build/unpack: the built binary on the real
// packages of ../shared/fixtures, on damaged and malformed inputs (each error
// message is a golden file), and a round trip of testdata/demo. Temporary paths in
// what the binary prints are replaced by $TMP before comparing with golden files.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wasirun/wasirun/internal/testfixtures"
	"github.com/wasirun/wasirun/internal/testguest"
)

// fixturePackages returns the absolute path of the folder of real packages in the
// shared fixtures, or stops the test when it is absent (testfixtures.Path).
func fixturePackages(t *testing.T) string {
	t.Helper()
	return testfixtures.Path(t, "packages")
}

// fixtures returns the paths of the real packages (every file in fixturePackages
// but the reference decoder's .json descriptions), or stops the test when there
// are none.
func fixtures(t *testing.T) []string {
	t.Helper()
	dir := fixturePackages(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasSuffix(e.Name(), ".json") {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	if len(paths) == 0 {
		testfixtures.Unavailable(t, "no real packages in %s", dir)
	}
	return paths
}

// goldenFixturePackages is how golden files spell the folder of the real
// packages: its default place seen from this package's directory, whatever
// WASIRUN_FIXTURES says, so that the golden files are the same on every machine.
const goldenFixturePackages = "../../../shared/fixtures/packages"

// fixtureOutput returns what the binary printed about the real package at path,
// with the folder of the path spelled as in golden files.
func fixtureOutput(s, path string) string {
	return strings.ReplaceAll(s, filepath.Dir(path), goldenFixturePackages)
}

// normalise replaces the temporary directory dir in s with $TMP.
func normalise(s, dir string) string {
	return strings.ReplaceAll(s, dir, "$TMP")
}

// checkFailure checks what the binary printed when it failed: exit code 125,
// nothing on stdout, one line on stderr that is no Go panic.
func checkFailure(t *testing.T, stdout, stderr string, code int) {
	t.Helper()
	if code != 125 {
		t.Errorf("exit code %d, want 125", code)
	}
	if stdout != "" {
		t.Errorf("stdout not empty: %q", stdout)
	}
	oneLineOnly(t, "stderr", stderr)
	for _, bad := range []string{"goroutine", "panic", "internal error"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr mentions %q: %q", bad, stderr)
		}
	}
}

// TestE2EInspectFixtures inspects every real package, as text and as JSON, and
// compares both with golden files.
func TestE2EInspectFixtures(t *testing.T) {
	t.Parallel()
	for _, path := range fixtures(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := runBinary(t, nil, "inspect", path)
			if code != 0 || stderr != "" {
				t.Fatalf("inspect: exit code %d, stderr %q", code, stderr)
			}
			golden(t, "inspect-"+name+".txt", fixtureOutput(stdout, path))

			stdout, stderr, code = runBinary(t, nil, "inspect", "--json", path)
			if code != 0 || stderr != "" {
				t.Fatalf("inspect --json: exit code %d, stderr %q", code, stderr)
			}
			var report map[string]any
			if err := json.Unmarshal([]byte(stdout), &report); err != nil {
				t.Fatalf("inspect --json is not JSON: %v\n%s", err, stdout)
			}
			if report["file"] != path {
				t.Errorf("file = %v, want %q", report["file"], path)
			}
			golden(t, "inspect-"+name+".json", fixtureOutput(stdout, path))

			// Every real package passes --verify; only those that carry hashes of
			// their own (v1 with a checksum, v2, v3) are reported verified, the
			// others say why not.
			stdout, stderr, code = runBinary(t, nil, "inspect", "--json", "--verify", path)
			if code != 0 || stderr != "" {
				t.Fatalf("inspect --json --verify: exit code %d, stderr %q", code, stderr)
			}
			report = nil
			if err := json.Unmarshal([]byte(stdout), &report); err != nil {
				t.Fatalf("inspect --json --verify is not JSON: %v\n%s", err, stdout)
			}
			integrity, _ := report["integrity"].(map[string]any)
			hashed := integrity["checksum"] == "sections" || integrity["checksum"] == "sha256" || integrity["checksum"] == "sha256-signed"
			note, hasNote := report["verify_note"].(string)
			if report["verified"] != hashed || hasNote == hashed || (hasNote && note == "") {
				t.Errorf("inspect --verify: verified = %v, verify_note = %v for checksum %v; want verified %v and a note only when false",
					report["verified"], report["verify_note"], integrity["checksum"], hashed)
			}
			stdout, stderr, code = runBinary(t, nil, "inspect", "--verify", path)
			if code != 0 || stderr != "" {
				t.Fatalf("inspect --verify: exit code %d, stderr %q", code, stderr)
			}
			golden(t, "inspect-verify-"+name+".txt", fixtureOutput(stdout, path))
		})
	}
}

// TestE2EInspectVerifyV3 checks --verify on the real v3 package, which carries
// section, file and directory hashes.
func TestE2EInspectVerifyV3(t *testing.T) {
	t.Parallel()
	var v3 string
	for _, p := range fixtures(t) {
		if strings.Contains(filepath.Base(p), "volume-static-webserver") {
			v3 = p
		}
	}
	if v3 == "" {
		t.Skip("the v3 package wasmer-tests--volume-static-webserver is not among the fixtures")
	}
	stdout, stderr, code := runBinary(t, nil, "inspect", "--verify", "--json", v3)
	if code != 0 || stderr != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	var r struct {
		Format    string `json:"format"`
		Verified  bool   `json:"verified"`
		Integrity struct {
			Checksum string `json:"checksum"`
		} `json:"integrity"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if r.Format != "webc-v3" || r.Integrity.Checksum != "sections" || !r.Verified {
		t.Errorf("format %q, checksum %q, verified %v; want webc-v3, sections, true", r.Format, r.Integrity.Checksum, r.Verified)
	}
	stdout, _, code = runBinary(t, nil, "inspect", "--verify", v3)
	if want := "Integrity:   sha256 of every section, file and directory (verified)\n"; code != 0 || !strings.Contains(stdout, want) {
		t.Errorf("exit code %d; text report does not contain %q:\n%s", code, want, stdout)
	}
}

// writeTarGz writes a gzip-compressed tar archive of files (name -> content, in
// the order given by names) to path.
func writeTarGz(t *testing.T, path string, names []string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range names {
		content := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// e2eBuildSmall builds the small package under dir with the binary and returns the
// package file's path and bytes.
func e2eBuildSmall(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	out := filepath.Join(dir, "small.webc")
	_, stderr, code := runBinary(t, nil, "package", "build", writeSmallPackageDir(t, dir), "-o", out)
	if code != 0 {
		t.Fatalf("package build: exit code %d, stderr %q", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return out, b
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t testing.TB, dir, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestE2EInspectErrors runs the binary on inputs it must refuse: each gives exit
// code 125 and one line on stderr, compared (with $TMP for the temporary
// directory) with testdata/golden/<name>.stderr.
func TestE2EInspectErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// setup makes the input under dir and returns the command line.
		setup func(t *testing.T, dir string) []string
	}{
		{"inspect-empty-file", func(t *testing.T, dir string) []string {
			return []string{"inspect", writeFile(t, dir, "empty.webc", nil)}
		}},
		{"inspect-unknown-magic", func(t *testing.T, dir string) []string {
			return []string{"inspect", writeFile(t, dir, "notes.webc", []byte("just some notes, not a package\n"))}
		}},
		{"inspect-truncated-v3", func(t *testing.T, dir string) []string {
			_, b := e2eBuildSmall(t, dir)
			return []string{"inspect", writeFile(t, dir, "cut.webc", b[:len(b)/2])}
		}},
		{"inspect-verify-checksum-mismatch", func(t *testing.T, dir string) []string {
			_, b := e2eBuildSmall(t, dir)
			i := bytes.Index(b, []byte(smallData))
			if i < 0 || bytes.Count(b, []byte(smallData)) != 1 {
				t.Fatal("the data file is not in the package exactly once")
			}
			b[i] ^= 0x20 // "small" -> "Small"
			return []string{"inspect", "--verify", writeFile(t, dir, "flipped.webc", b)}
		}},
		{"inspect-missing-file", func(t *testing.T, dir string) []string {
			return []string{"inspect", filepath.Join(dir, "nope.webc")}
		}},
		{"inspect-dir-without-wasmer-toml", func(t *testing.T, dir string) []string {
			writeFile(t, dir, "pkg/wapm.toml", []byte("[package]\n"))
			return []string{"inspect", filepath.Join(dir, "pkg")}
		}},
		{"package-build-dir-without-wasmer-toml", func(t *testing.T, dir string) []string {
			if err := os.Mkdir(filepath.Join(dir, "pkg"), 0o755); err != nil {
				t.Fatal(err)
			}
			return []string{"package", "build", filepath.Join(dir, "pkg"), "-o", filepath.Join(dir, "x.webc")}
		}},
		{"inspect-wasmer-toml-syntax-error", func(t *testing.T, dir string) []string {
			writeFile(t, dir, "pkg/wasmer.toml", []byte("[package]\nname = \"test/broken\"\nversion = 0.1.0\"\n"))
			return []string{"inspect", filepath.Join(dir, "pkg")}
		}},
		{"inspect-gzip-not-tar", func(t *testing.T, dir string) []string {
			var buf bytes.Buffer
			gz := gzip.NewWriter(&buf)
			gz.Write([]byte("plain text, compressed, but no tar archive inside\n"))
			gz.Close()
			return []string{"inspect", writeFile(t, dir, "text.tar.gz", buf.Bytes())}
		}},
		{"inspect-tarball-escaping-entry", func(t *testing.T, dir string) []string {
			p := filepath.Join(dir, "evil.tar.gz")
			writeTarGz(t, p, []string{"wasmer.toml", "../evil"}, map[string]string{
				"wasmer.toml": "[package]\nname = \"test/evil\"\nversion = \"0.1.0\"\n",
				"../evil":     "outside\n",
			})
			return []string{"inspect", p}
		}},
		{"package-unpack-would-overwrite", func(t *testing.T, dir string) []string {
			pkg, _ := e2eBuildSmall(t, dir)
			out := filepath.Join(dir, "out")
			if _, stderr, code := runBinary(t, nil, "package", "unpack", pkg, "-o", out); code != 0 {
				t.Fatalf("first unpack: exit code %d, stderr %q", code, stderr)
			}
			return []string{"package", "unpack", pkg, "-o", out}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if testing.Short() {
				t.Skip("end-to-end test: skipped with -short")
			}
			dir := t.TempDir()
			args := tt.setup(t, dir)
			stdout, stderr, code := runBinary(t, nil, args...)
			checkFailure(t, stdout, stderr, code)
			golden(t, tt.name+".stderr", normalise(stderr, dir))
		})
	}
}

// TestE2EDemoRoundTrip builds testdata/demo (its Go guest compiled to wasm), packs
// it twice, inspects and unpacks it, and compares what comes out with what went in.
func TestE2EDemoRoundTrip(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	repo := filepath.Join("..", "..")
	demo := filepath.Join(repo, "testdata", "demo")
	tmp := t.TempDir()
	pkg := filepath.Join(tmp, "demo")

	// Copy the package directory, but not a hello.wasm left by make demo.
	err := filepath.WalkDir(demo, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(demo, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(pkg, rel), 0o755)
		}
		if rel == "hello.wasm" || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(pkg, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}

	// Build the guest from the module root into the copy.
	wasm := filepath.Join(pkg, "hello.wasm")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", wasm, "./testdata/demo")
	build.Dir = repo
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the demo guest: %v\n%s", err, out)
	}
	wasmBytes, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}

	// Two builds give the same bytes.
	a, b := filepath.Join(tmp, "a.webc"), filepath.Join(tmp, "b.webc")
	for _, out := range []string{a, b} {
		stdout, stderr, code := runBinary(t, nil, "package", "build", pkg, "-o", out)
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "wrote "+out+" (") {
			t.Fatalf("package build -o %s: exit code %d, stdout %q, stderr %q", out, code, stdout, stderr)
		}
	}
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if len(ab) == 0 || !bytes.Equal(ab, bb) {
		t.Errorf("two builds of the demo differ (%d and %d bytes)", len(ab), len(bb))
	}

	// inspect shows the command, its arguments, the mount and the atom's ABI.
	stdout, stderr, code := runBinary(t, nil, "inspect", "--json", "--verify", a)
	if code != 0 || stderr != "" {
		t.Fatalf("inspect: exit code %d, stderr %q", code, stderr)
	}
	type mount struct {
		Volume string `json:"volume"`
		Guest  string `json:"guest"`
	}
	var r struct {
		Format     string  `json:"format"`
		Entrypoint *string `json:"entrypoint"`
		Commands   []struct {
			Name     string   `json:"name"`
			Atom     string   `json:"atom"`
			MainArgs []string `json:"main_args"`
			Env      []string `json:"env"`
		} `json:"commands"`
		Atoms []struct {
			Name string `json:"name"`
			Size int64  `json:"size"`
			ABI  string `json:"abi"`
		} `json:"atoms"`
		Mounts   []mount `json:"mounts"`
		Verified bool    `json:"verified"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("inspect --json: %v\n%s", err, stdout)
	}
	if r.Format != "webc-v3" || !r.Verified || r.Entrypoint == nil || *r.Entrypoint != "hello" {
		t.Errorf("format %q, verified %v, entrypoint %v; want webc-v3, true, hello", r.Format, r.Verified, r.Entrypoint)
	}
	if len(r.Commands) != 1 || r.Commands[0].Name != "hello" || r.Commands[0].Atom != "hello" ||
		!reflect.DeepEqual(r.Commands[0].MainArgs, []string{"--from-package"}) ||
		!reflect.DeepEqual(r.Commands[0].Env, []string{"DEMO_GREETING_FILE=/data/greeting.txt"}) {
		t.Errorf("commands %+v, want hello with main_args [--from-package] and the greeting file's env", r.Commands)
	}
	if len(r.Atoms) != 1 || r.Atoms[0].Name != "hello" || r.Atoms[0].ABI != "wasi" || r.Atoms[0].Size != int64(len(wasmBytes)) {
		t.Errorf("atoms %+v, want hello, wasi, %d bytes", r.Atoms, len(wasmBytes))
	}
	if !slices.Contains(r.Mounts, mount{Volume: "/data", Guest: "/data"}) {
		t.Errorf("mounts %+v, want one at /data", r.Mounts)
	}

	// unpack gives back the data files and the module, byte for byte.
	out := filepath.Join(tmp, "out")
	stdout, stderr, code = runBinary(t, nil, "package", "unpack", a, "-o", out)
	if code != 0 || stderr != "" || stdout != "unpacked "+a+" into "+out+"\n" {
		t.Fatalf("package unpack: exit code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for got, want := range map[string]string{
		filepath.Join(out, "volumes", "data", "greeting.txt"): filepath.Join(pkg, "data", "greeting.txt"),
		filepath.Join(out, "volumes", "data", "README.md"):    filepath.Join(pkg, "data", "README.md"),
		filepath.Join(out, "atoms", "hello"):                  wasm,
	} {
		g, err := os.ReadFile(got)
		if err != nil {
			t.Errorf("unpacked file: %v", err)
			continue
		}
		w, err := os.ReadFile(want)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(g, w) {
			t.Errorf("%s (%d bytes) differs from %s (%d bytes)", got, len(g), want, len(w))
		}
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); errors.Is(err, fs.ErrNotExist) {
		t.Error("unpack wrote no manifest.json")
	}

	// package build of the unpacked directory gives back the same package: the
	// same commands with their annotations, atoms with the same sha256, the same
	// files under every mount, the same identity and readme (webctest.Differences).
	rebuilt := filepath.Join(tmp, "rebuilt.webc")
	stdout, stderr, code = runBinary(t, nil, "package", "build", out, "-o", rebuilt)
	if code != 0 || stderr != "" {
		toml, _ := os.ReadFile(filepath.Join(out, "wasmer.toml"))
		t.Fatalf("package build of the unpacked demo: exit code %d, stdout %q, stderr %q\nwasmer.toml:\n%s", code, stdout, stderr, toml)
	}
	if d := rebuildDifferences(t, a, rebuilt); len(d) > 0 {
		t.Errorf("the rebuilt demo differs:\n%s", strings.Join(d, "\n"))
	}
	// ... and the same guest: both run with the same output.
	var outputs []string
	for _, p := range []string{a, rebuilt} {
		stdout, stderr, code = runBinary(t, nil, "run", p, "Alice")
		if code != 0 || !strings.Contains(stdout, ", Alice!\n") || stderr != "" {
			t.Errorf("run %s: exit code %d, stdout %q, stderr %q", filepath.Base(p), code, stdout, stderr)
		}
		outputs = append(outputs, stdout)
	}
	if outputs[0] != outputs[1] {
		t.Errorf("the rebuilt demo prints\n%s\nwhere the demo prints\n%s", outputs[1], outputs[0])
	}
}

// runBinaryStdin is runBinary with stdin fed from a pipe that carries input.
func runBinaryStdin(t *testing.T, input []byte, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	// Not a bytes.Reader, which exec would also copy through a pipe, but a pipe
	// made here, so that the test does not depend on that detail.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		w.Write(input) // the binary may stop reading early; its output says so
		w.Close()
	}()
	return runBinaryWith(t, invocation{stdin: r}, args...)
}

// TestE2EStdin pipes a module and a package into the binary as /dev/stdin: it
// runs and inspects them, telling their form from their bytes.
func TestE2EStdin(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/stdin"); err != nil {
		t.Skipf("no /dev/stdin: %v", err)
	}
	hello := testguest.Hello()
	for _, args := range [][]string{{"run", "/dev/stdin"}, {"/dev/stdin"}} {
		stdout, stderr, code := runBinaryStdin(t, hello, args...)
		if code != 0 || stdout != "hello\n" || stderr != "" {
			t.Errorf("cat hello.wasm | wasirun %s: exit code %d, stdout %q, stderr %q; want 0, hello", strings.Join(args, " "), code, stdout, stderr)
		}
	}

	stdout, stderr, code := runBinaryStdin(t, hello, "inspect", "--json", "/dev/stdin")
	var r struct {
		File     string `json:"file"`
		Format   string `json:"format"`
		Commands []struct {
			Name string `json:"name"`
		} `json:"commands"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || code != 0 || stderr != "" {
		t.Fatalf("inspect /dev/stdin: exit code %d, stderr %q, %v: %s", code, stderr, err, stdout)
	}
	if r.File != "/dev/stdin" || r.Format != "wasm" || len(r.Commands) != 1 || r.Commands[0].Name != "stdin" {
		t.Errorf("inspect /dev/stdin of a module: %+v; want format wasm and one command, stdin", r)
	}

	_, pkg := e2eBuildSmall(t, t.TempDir())
	stdout, stderr, code = runBinaryStdin(t, pkg, "inspect", "--verify", "/dev/stdin")
	if code != 0 || stderr != "" || !strings.Contains(stdout, "Package:      test/small@0.2.0\n") || !strings.Contains(stdout, "Format:       webc-v3\n") {
		t.Errorf("inspect /dev/stdin of a package: exit code %d, stderr %q:\n%s", code, stderr, stdout)
	}

	stdout, stderr, code = runBinaryStdin(t, nil, "inspect", "/dev/stdin")
	checkFailure(t, stdout, stderr, code)
	if want := "wasirun: /dev/stdin: header: the file is empty\n"; stderr != want {
		t.Errorf("inspect of an empty pipe: stderr %q, want %q", stderr, want)
	}
}
