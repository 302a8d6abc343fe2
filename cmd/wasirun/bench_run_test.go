package main

// wasirun run against the wazero CLI (v1.12, installed by the benchmark with go
// install; both built with cgo off, both run from a fresh copy: see benchTools),
// side by side in one run: each iteration runs both, alternately, and the figures
// reported are the medians of each and their ratio ("x-wazero", wasirun's over
// wazero's). make bench runs
//
//	go test -run '^$' -bench 'Startup(Warm|Cold)/tiny' -benchtime 200x ./cmd/wasirun
//	go test -run '^$' -bench 'Startup(Warm|Cold)/go|VolumeRead' -benchtime 30x ./cmd/wasirun
//
// The cases, as the issue sets them:
//   - StartupWarm: the compilation cache filled; a tiny module (testguest.Hello,
//     well under 1 KiB) and a 2-3 MB Go module (the probe).
//   - StartupCold: an empty compilation cache every time, so each run compiles.
//   - VolumeRead: the probe stats and reads 5,000 files; wasirun from a package
//     volume, wazero from the same files in a host directory.
//
// Time is reported, never asserted.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasirun/wasirun/internal/testguest"
)

// wazeroVersion is the wazero CLI the issue compares against.
const wazeroVersion = "v1.12.0"

// wazeroCLI installs the wazero CLI once per process, into the user's cache so
// that later runs reuse it, and returns its path. It is built with cgo off, as
// wasirun is (buildBinary, make build): with cgo, go install links it against
// libc, which costs every start about a millisecond, and the comparison would
// measure the linking rather than the two programs.
var wazeroCLI = sync.OnceValues(func() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	bin := filepath.Join(cache, "wasirun-bench", "wazero-"+wazeroVersion+"-nocgo")
	exe := filepath.Join(bin, "wazero")
	if _, err := os.Stat(exe); err == nil {
		return exe, nil
	}
	cmd := exec.Command("go", "install", "github.com/tetratelabs/wazero/cmd/wazero@"+wazeroVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install wazero@%s: %v\n%s", wazeroVersion, err, out)
	}
	return exe, nil
})

// contender is one side of a comparison: a command line, and what it must print.
type contender struct {
	name string
	argv func(cacheDir string) []string
	want string
}

// compare runs both contenders b.N times each, alternately (which goes first
// alternates too), and reports the medians and their ratio. cold gives every run an empty compilation cache;
// otherwise each side's cache is filled by a first, unmeasured run.
func compare(b *testing.B, cold bool, ours, theirs contender) {
	b.Helper()
	sides := []contender{ours, theirs}
	caches := []string{b.TempDir(), b.TempDir()}
	env := []string{"XDG_CONFIG_HOME=" + b.TempDir(), "HOME=" + b.TempDir()}
	for i, c := range sides {
		runOnce(b, c, caches[i], env) // fill the cache, check the output
	}
	times := [2][]time.Duration{}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		// Alternate which side goes first, so that neither always runs right
		// after the other (or after the benchmark's own work).
		order := []int{0, 1}
		if n%2 == 1 {
			order = []int{1, 0}
		}
		for _, i := range order {
			c := sides[i]
			dir := caches[i]
			if cold {
				b.StopTimer()
				dir = b.TempDir()
				b.StartTimer()
			}
			times[i] = append(times[i], runOnce(b, c, dir, env))
		}
	}
	b.StopTimer()
	mo, mt := median(times[0]), median(times[1])
	b.ReportMetric(float64(mo)/1e6, "wasirun-ms")
	b.ReportMetric(float64(mt)/1e6, "wazero-ms")
	b.ReportMetric(float64(mo)/float64(mt), "x-wazero")
}

// runOnce runs one contender and returns its wall time.
func runOnce(b *testing.B, c contender, cacheDir string, env []string) time.Duration {
	argv := c.argv(cacheDir)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil || out.String() != c.want {
		b.Fatalf("%s: %v, stdout %q (want %q), stderr %q", c.name, err, out.String(), c.want, errOut.String())
	}
	return d
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// benchTools returns both binaries, each a fresh copy in a directory of the
// benchmark's, or stops b.
//
// The copies are what make the comparison fair. How a file's pages came into the
// page cache changes how fast a program starts from it: a binary the linker has
// just written (through a memory mapping) or go install has renamed into place
// started 9-11% slower on the project's machine than a copy of the same file
// written in one go, and one read back from disk somewhere between. Without the
// copies, wasirun, linked afresh for every benchmark run, was measured against a
// wazero CLI whose state depended on what had happened to its file since it was
// installed.
func benchTools(b *testing.B) (wasirun, wazero string) {
	b.Helper()
	built, err := buildOnce()
	if err != nil {
		b.Fatal(err)
	}
	installed, err := wazeroCLI()
	if err != nil {
		b.Skipf("the wazero CLI is not available: %v", err)
	}
	dir := b.TempDir()
	wasirun, wazero = filepath.Join(dir, "wasirun"), filepath.Join(dir, "wazero")
	for _, c := range [][2]string{{built, wasirun}, {installed, wazero}} {
		if err := copyFile(c[0], c[1]); err != nil {
			b.Fatal(err)
		}
	}
	return wasirun, wazero
}

// copyFile writes a copy of the executable src at dst with one write.
func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o755)
}

// startupCases are the modules of the start-up benchmarks.
func startupCases(b *testing.B) []struct {
	name, path string
	args       []string
	want       string
} {
	dir := b.TempDir()
	tiny := filepath.Join(dir, "hello.wasm")
	if err := os.WriteFile(tiny, testguest.Hello(), 0o644); err != nil {
		b.Fatal(err)
	}
	return []struct {
		name, path string
		args       []string
		want       string
	}{
		{"tiny", tiny, nil, "hello\n"},
		{"go", testguest.Build(b, "probe"), []string{"exit", "0"}, ""},
	}
}

func benchStartup(b *testing.B, cold bool) {
	wasirun, wazero := benchTools(b)
	for _, m := range startupCases(b) {
		b.Run(m.name, func(b *testing.B) {
			args := func(a []string) []string { return append(a, m.args...) }
			compare(b, cold,
				contender{"wasirun", func(cache string) []string {
					return args([]string{wasirun, "run", "--cache-dir", cache, m.path})
				}, m.want},
				contender{"wazero", func(cache string) []string {
					return args([]string{wazero, "run", "-cachedir", cache, m.path})
				}, m.want})
		})
	}
}

func BenchmarkStartupWarm(b *testing.B) { benchStartup(b, false) }
func BenchmarkStartupCold(b *testing.B) { benchStartup(b, true) }

// volumeFiles is how many files the volume benchmark reads.
const volumeFiles = 5000

// BenchmarkVolumeRead: the probe stats and reads 5,000 files (50 directories of
// 100, 1 KiB each): wasirun from a package volume, wazero from a host directory
// holding the same files.
func BenchmarkVolumeRead(b *testing.B) {
	wasirun, wazero := benchTools(b)
	probe := testguest.Build(b, "probe")
	dir := b.TempDir()
	data := filepath.Join(dir, "pkg", "data")
	content := bytes.Repeat([]byte("0123456789abcdef"), 64)
	for i := range volumeFiles {
		sub := filepath.Join(data, fmt.Sprintf("d%02d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("f%03d.txt", i%100)), content, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	wasm, err := os.ReadFile(probe)
	if err != nil {
		b.Fatal(err)
	}
	manifest := "[package]\nname = \"bench/volume\"\nversion = \"0.1.0\"\n\n[[module]]\nname = \"probe\"\nsource = \"probe.wasm\"\nabi = \"wasi\"\n\n" +
		"[[command]]\nname = \"probe\"\nmodule = \"probe\"\nrunner = \"wasi\"\n\n[fs]\n\"/data\" = \"data\"\n"
	writeFile(b, filepath.Join(dir, "pkg"), "wasmer.toml", []byte(manifest))
	writeFile(b, filepath.Join(dir, "pkg"), "probe.wasm", wasm)
	pkg := filepath.Join(dir, "volume.webc")
	if out, err := exec.Command(wasirun, "package", "build", filepath.Join(dir, "pkg"), "-o", pkg).CombinedOutput(); err != nil {
		b.Fatalf("package build: %v\n%s", err, out)
	}
	want := fmt.Sprintf("%d files %d bytes\n", volumeFiles, volumeFiles*len(content))
	compare(b, false,
		contender{"wasirun", func(cache string) []string {
			return []string{wasirun, "run", "--cache-dir", cache, pkg, "readall", "/data"}
		}, want},
		contender{"wazero", func(cache string) []string {
			return []string{wazero, "run", "-cachedir", cache, "-mount", data + ":/data", probe, "readall", "/data"}
		}, want})
}

// hostStatOpens is how many times the "cat" case of BenchmarkHostStat opens the
// file in one process.
const hostStatOpens = 200

// BenchmarkHostStat: the probe looks at a file at depth 1, 5 and 20 ("/h/d1/.../f",
// the depth counted below the mount) of a host directory mapped at /h, in both
// CLIs. The probe has no sub-command that repeats a stat, so "stat" times whole
// processes doing one stat each: start-up plus one resolution, which the
// start-up dominates. "cat" opens and reads the same file 200 times in one
// process (probe cat PATH PATH ...), so that the resolutions show:
//
//	go test -run '^$' -bench 'HostStat' -benchtime 30x ./cmd/wasirun
func BenchmarkHostStat(b *testing.B) {
	wasirun, wazero := benchTools(b)
	probe := testguest.Build(b, "probe")
	for _, depth := range []int{1, 5, 20} {
		dir := b.TempDir()
		comps := []string{}
		for i := 1; i < depth; i++ {
			comps = append(comps, fmt.Sprintf("d%d", i))
		}
		host := filepath.Join(append([]string{dir}, comps...)...)
		if err := os.MkdirAll(host, 0o755); err != nil {
			b.Fatal(err)
		}
		// 0600: the mode Go's wasip1 port reports for any file when the host
		// gives no permission bits, so that both print the same line.
		if err := os.WriteFile(filepath.Join(host, "f"), []byte("deep"), 0o600); err != nil {
			b.Fatal(err)
		}
		guest := "/h/" + strings.Join(append(comps, "f"), "/")
		for _, c := range []struct {
			name string
			args []string
			want string
		}{
			{"stat", []string{"stat", guest}, "f 4 file 0600\n"},
			{"cat", append([]string{"cat"}, slices.Repeat([]string{guest}, hostStatOpens)...), strings.Repeat("deep", hostStatOpens)},
		} {
			b.Run(fmt.Sprintf("%s/depth=%d", c.name, depth), func(b *testing.B) {
				compare(b, false,
					contender{"wasirun", func(cache string) []string {
						return append([]string{wasirun, "run", "--cache-dir", cache, "--volume", dir + ":/h", probe}, c.args...)
					}, c.want},
					contender{"wazero", func(cache string) []string {
						return append([]string{wazero, "run", "-cachedir", cache, "-mount", dir + ":/h", probe}, c.args...)
					}, c.want})
			})
		}
	}
}
