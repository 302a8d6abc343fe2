package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/wasirun/wasirun/internal/testguest"
)

// cacheKey is a well-formed cache entry name (64 hex digits).
var cacheKey = strings.Repeat("0123456789abcdef", 4)

// writeCacheDir writes, under dir, two compiled modules of 1000 and 2000 bytes
// in wazero's layout beside a file of the user's, and returns the user's file.
func writeCacheDir(t *testing.T, dir string) string {
	t.Helper()
	for name, size := range map[string]int{
		"wazero-v1.12.0-amd64-linux/" + cacheKey: 1000,
		"wazero-v1.11.0-amd64-linux/" + cacheKey: 2000,
		"notes.txt":                              5,
	} {
		writeFile(t, dir, name, make([]byte, size))
	}
	return filepath.Join(dir, "notes.txt")
}

// TestNewCmdCache checks flags -> options for cache and cache clean, with spies
// in place of their run functions.
func TestNewCmdCache(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		want      CacheOptions // IO, Getenv and Now are not compared
		wantUsage bool
		wantErr   bool
	}{
		{name: "no flags", args: []string{}},
		{name: "--cache-dir and --json", args: []string{"--cache-dir", "/c", "--json"}, want: CacheOptions{CacheDir: "/c", JSON: true}},
		{name: "--cache-dir=", args: []string{"--cache-dir=rel/dir"}, want: CacheOptions{CacheDir: "rel/dir"}},
		{name: "an argument", args: []string{"extra"}, wantUsage: true},
		{name: "unknown flag", args: []string{"--all"}, wantErr: true},
	}
	for _, newCmd := range []struct {
		name string
		new  func(*factory, func(*CacheOptions) error) *cobra.Command
	}{{"cache", newCmdCache}, {"cache clean", newCmdCacheClean}} {
		for _, tt := range tests {
			t.Run(newCmd.name+": "+tt.name, func(t *testing.T) {
				t.Parallel()
				ios, _, _, _ := Test()
				f := newFactory(ios, []string{"HOME=/home/me"}, "")
				got, ok := execSpy(t, f, newCmd.new, tt.args, spyRow{wantUsage: tt.wantUsage, wantErr: tt.wantErr})
				if !ok {
					return
				}
				if got.IO != ios || got.Getenv == nil || got.Getenv("HOME") != "/home/me" || got.Now == nil {
					t.Error("options do not carry the factory's streams and environment, or a clock")
				}
				if got.CacheDir != tt.want.CacheDir || got.JSON != tt.want.JSON {
					t.Errorf("options %+v, want %+v", *got, tt.want)
				}
			})
		}
	}
}

// TestCacheRun checks options -> output for cache.
func TestCacheRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeCacheDir(t, filepath.Join(dir, "wasirun"))
	file := writeFile(t, dir, "file", nil)
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	tests := []struct {
		name    string
		opts    CacheOptions
		want    string
		wantErr string
	}{
		{"text", CacheOptions{CacheDir: filepath.Join(dir, "wasirun"), Getenv: env()},
			"Directory:  " + filepath.Join(dir, "wasirun") + "\nSize:       3000 bytes, 2.9 KiB\nEntries:    2 compiled modules\n", ""},
		{"json", CacheOptions{CacheDir: filepath.Join(dir, "wasirun"), JSON: true, Getenv: env()},
			`{"dir":"` + filepath.Join(dir, "wasirun") + `","bytes":3000,"entries":2}` + "\n", ""},
		{"default directory from XDG_CACHE_HOME", CacheOptions{Getenv: env("XDG_CACHE_HOME", dir, "HOME", "/nonexistent")},
			"Directory:  " + filepath.Join(dir, "wasirun") + "\nSize:       3000 bytes, 2.9 KiB\nEntries:    2 compiled modules\n", ""},
		{"default directory from HOME, missing", CacheOptions{Getenv: env("HOME", dir)},
			"Directory:  " + filepath.Join(dir, ".cache", "wasirun") + "\nSize:       0 bytes\nEntries:    0 compiled modules\n", ""},
		{"no directory known", CacheOptions{Getenv: env()}, "",
			"no compilation cache directory: neither XDG_CACHE_HOME nor HOME is set; give --cache-dir"},
		{"a file", CacheOptions{CacheDir: file, Getenv: env()}, "", "compilation cache " + file + ": not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, stdout, stderr := Test()
			tt.opts.IO = ios
			err := cacheRun(&tt.opts)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("error %v, want %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if stdout.String() != tt.want || stderr.Len() != 0 {
				t.Errorf("stdout %q, stderr %q; want %q and nothing", stdout, stderr, tt.want)
			}
		})
	}
}

// TestCacheCleanRun checks options -> output for cache clean: the entries go,
// the user's file stays, and a second clean finds nothing.
func TestCacheCleanRun(t *testing.T) {
	t.Parallel()
	for _, asJSON := range []bool{false, true} {
		dir := t.TempDir()
		notes := writeCacheDir(t, dir)
		ios, _, stdout, stderr := Test()
		opts := &CacheOptions{IO: ios, CacheDir: dir, JSON: asJSON, Getenv: func(string) string { return "" }, Now: time.Now}
		if err := cacheCleanRun(opts); err != nil {
			t.Fatal(err)
		}
		want := "removed 2 compiled modules (3000 bytes, 2.9 KiB) from " + dir + "\n"
		if asJSON {
			want = `{"dir":"` + dir + `","bytes":3000,"entries":2}` + "\n"
		}
		if stdout.String() != want || stderr.Len() != 0 {
			t.Errorf("stdout %q, stderr %q; want %q and nothing", stdout, stderr, want)
		}
		if _, err := os.Stat(notes); err != nil {
			t.Errorf("the user's file is gone: %v", err)
		}
		stdout.Reset()
		if err := cacheCleanRun(opts); err != nil {
			t.Fatal(err)
		}
		want = "removed 0 compiled modules (0 bytes) from " + dir + "\n"
		if asJSON {
			want = `{"dir":"` + dir + `","bytes":0,"entries":0}` + "\n"
		}
		if stdout.String() != want {
			t.Errorf("second clean: stdout %q, want %q", stdout, want)
		}
	}

	file := writeFile(t, t.TempDir(), "file", nil)
	ios, _, stdout, _ := Test()
	err := cacheCleanRun(&CacheOptions{IO: ios, CacheDir: file, Now: time.Now})
	if want := "compilation cache " + file + ": not a directory"; err == nil || err.Error() != want || stdout.Len() != 0 {
		t.Errorf("clean of a file: %v, stdout %q; want %q and nothing", err, stdout, want)
	}
}

func TestBytesText(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{
		0: "0 bytes", 1: "1 byte", 1023: "1023 bytes", 1024: "1024 bytes, 1.0 KiB",
		10531596: "10531596 bytes, 10.0 MiB", 3 << 30: "3221225472 bytes, 3.0 GiB",
	} {
		if got := bytesText(n); got != want {
			t.Errorf("bytesText(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestE2ECache runs a module with the default cache directory (XDG_CACHE_HOME),
// then shows and cleans the cache with the binary; WASIRUN_CACHE_DIR names the
// same directory for both commands as it does for run.
func TestE2ECache(t *testing.T) {
	t.Parallel()
	xdg := t.TempDir()
	dir := filepath.Join(xdg, "wasirun")
	module := writeFile(t, t.TempDir(), "hello.wasm", testguest.Hello())
	env := []string{"XDG_CACHE_HOME=" + xdg}
	if stdout, stderr, code := runBinary(t, env, "run", module); code != 0 || stdout != "hello\n" {
		t.Fatalf("run: exit code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	notes := writeFile(t, dir, "notes.txt", []byte("mine"))

	stdout, stderr, code := runBinary(t, env, "cache", "--json")
	var u struct {
		Dir     string `json:"dir"`
		Bytes   int64  `json:"bytes"`
		Entries int    `json:"entries"`
	}
	if err := json.Unmarshal([]byte(stdout), &u); err != nil || code != 0 || stderr != "" {
		t.Fatalf("cache --json: exit code %d, stderr %q, %v: %q", code, stderr, err, stdout)
	}
	if u.Dir != dir || u.Entries != 1 || u.Bytes <= 0 {
		t.Errorf("cache --json = %+v, want one entry in %s", u, dir)
	}

	// WASIRUN_CACHE_DIR wins over XDG_CACHE_HOME, as for run.
	other := t.TempDir()
	stdout, _, code = runBinary(t, append(env, "WASIRUN_CACHE_DIR="+other), "cache")
	if want := "Directory:  " + other + "\n"; code != 0 || !strings.HasPrefix(stdout, want) {
		t.Errorf("cache with WASIRUN_CACHE_DIR: exit code %d, stdout %q; want it to start with %q", code, stdout, want)
	}

	stdout, stderr, code = runBinary(t, env, "cache", "clean")
	if want := "removed 1 compiled module (" + bytesText(u.Bytes) + ") from " + dir + "\n"; code != 0 || stdout != want || stderr != "" {
		t.Errorf("cache clean: exit code %d, stdout %q, stderr %q; want %q", code, stdout, stderr, want)
	}
	if b, err := os.ReadFile(notes); err != nil || string(b) != "mine" {
		t.Errorf("cache clean touched a file of the user's: %q, %v", b, err)
	}
	stdout, _, _ = runBinary(t, env, "cache")
	if want := "Entries:    0 compiled modules\n"; !strings.HasSuffix(stdout, want) {
		t.Errorf("cache after clean: %q, want it to end with %q", stdout, want)
	}
	// The cache still works after a clean.
	if stdout, stderr, code := runBinary(t, env, "run", module); code != 0 || stdout != "hello\n" {
		t.Errorf("run after clean: exit code %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	file := writeFile(t, t.TempDir(), "file", nil)
	stdout, stderr, code = runBinary(t, nil, "cache", "--cache-dir", file)
	checkFailure(t, stdout, stderr, code)
	if want := "wasirun: compilation cache " + file + ": not a directory\n"; stderr != want {
		t.Errorf("cache --cache-dir FILE: stderr %q, want %q", stderr, want)
	}
}
