package runner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/wasirun/wasirun/internal/testguest"
	"github.com/wasirun/wasirun/internal/webc/webctest"
)

// key is a well-formed cache entry name.
var key = strings.Repeat("0123456789abcdef", 4)

func TestOpenCacheUnusable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A directory whose wazero subdirectory is a file: wazero refuses it.
	blocked := filepath.Join(dir, "blocked")
	sub := filepath.Join(blocked, wazeroCacheSubdir())
	if err := os.Mkdir(blocked, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sub, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	subAbs, err := filepath.Abs(sub)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, want string
		root            bool // the case needs a user whom permissions bind
	}{
		{"a file", file, "compilation cache " + file + ": not a directory", false},
		{"below a file", filepath.Join(file, "sub"), "compilation cache " + filepath.Join(file, "sub") + ": not a directory", false},
		{"wazero's subdirectory is a file", blocked, "compilation cache " + blocked + ": " + subAbs + " is not dir", false},
		{"not writable", readOnlyDir(t, dir), "compilation cache " + filepath.Join(dir, "ro") + ": cannot write to " + filepath.Join(dir, "ro", wazeroCacheSubdir()) + ": permission denied", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root && os.Geteuid() == 0 {
				t.Skip("running as root, whom permission bits do not stop")
			}
			if tt.root && runtime.GOOS == "windows" {
				t.Skip("permission bits do not make a directory read-only on Windows")
			}
			c, err := openCache(tt.dir)
			var unusable *CacheUnusableError
			if c != nil || !errors.As(err, &unusable) || unusable.Dir != tt.dir {
				t.Fatalf("openCache(%s) = %v, %v; want a *CacheUnusableError for it", tt.dir, c, err)
			}
			if err.Error() != tt.want {
				t.Errorf("error %q, want %q", err, tt.want)
			}
			if _, ok := caches.Load(tt.dir); ok {
				t.Error("an unusable cache was remembered")
			}
		})
	}
}

// readOnlyDir makes dir/ro, holding wazero's subdirectory, both read-only, and
// returns its path.
func readOnlyDir(t *testing.T, dir string) string {
	t.Helper()
	ro := filepath.Join(dir, "ro")
	sub := filepath.Join(ro, wazeroCacheSubdir())
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{sub, ro} {
		if err := os.Chmod(d, 0o555); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { os.Chmod(ro, 0o755); os.Chmod(sub, 0o755) })
	return ro
}

// TestCacheLayout checks that wasirun's idea of wazero's layout is wazero's: the
// subdirectory wazero makes is the one wazeroCacheSubdir names, a compiled
// module lands there as an entry CacheSize counts, and CleanCache removes it.
func TestCacheLayout(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "cache")
	cache, err := openCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	names, err := os.ReadDir(dir)
	if err != nil || len(names) != 1 || names[0].Name() != wazeroCacheSubdir() || !isWazeroCacheSubdir(names[0].Name()) {
		t.Fatalf("wazero made %v (%v) in the cache directory, want only %s", names, err, wazeroCacheSubdir())
	}
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("wazero interprets on %s and writes no compiled modules", runtime.GOARCH)
	}
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(cache))
	defer r.Close(ctx)
	if _, err := r.CompileModule(ctx, testguest.Hello()); err != nil {
		t.Fatal(err)
	}

	u, err := CacheSize(dir)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, wazeroCacheSubdir()))
	if err != nil || len(entries) != 1 {
		t.Fatalf("cache subdirectory holds %v (%v), want one entry", entries, err)
	}
	info, err := entries[0].Info()
	if err != nil {
		t.Fatal(err)
	}
	if temp, ok := cacheEntryName(entries[0].Name()); !ok || temp {
		t.Errorf("wazero's entry %q is not named as cacheEntryName expects", entries[0].Name())
	}
	if want := (CacheUsage{Dir: dir, Bytes: info.Size(), Entries: 1}); u != want || u.Bytes == 0 {
		t.Errorf("CacheSize = %+v, want %+v", u, want)
	}

	freed, err := CleanCache(dir, time.Now())
	if err != nil || freed != u {
		t.Errorf("CleanCache = %+v, %v; want %+v freed", freed, err, u)
	}
	if u, err := CacheSize(dir); err != nil || u.Entries != 0 || u.Bytes != 0 {
		t.Errorf("after CleanCache: %+v, %v; want nothing", u, err)
	}
	// The subdirectory stays, for a process that has the cache open.
	if st, err := os.Stat(filepath.Join(dir, wazeroCacheSubdir())); err != nil || !st.IsDir() {
		t.Errorf("the cache subdirectory is gone: %v", err)
	}
}

// TestCleanCacheLeavesOthers fills a directory with what a user might keep beside
// a cache, among wazero's files: CleanCache removes wazero's entries and its old
// temporary files, nothing else.
func TestCleanCacheLeavesOthers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	outside := t.TempDir()
	now := time.Now()
	sub := "wazero-v1.0.0-0.20240101-abcdef-amd64-linux" // a version with dashes
	write := func(name string, size int, age time.Duration) string {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
		return p
	}
	removed := []string{
		write(sub+"/"+key, 100, 0),
		write("wazero-dev-arm64-darwin/"+key, 20, 0),
		write(sub+"/"+key+".123456.tmp", 7, 2*time.Hour), // left by a crash
	}
	kept := []string{
		write(key, 1, 0),                               // not in a wazero directory
		write("notes.txt", 1, 0),                       // the user's
		write(sub+"/"+key+".123456.tmp.keep", 1, 0),    // not a name wazero makes
		write(sub+"/"+key+".654321.tmp", 3, 0),         // a write in progress
		write(sub+"/"+strings.ToUpper(key), 1, 0),      // not lower-case hex
		write(sub+"/"+key[:63], 1, 0),                  // too short
		write(sub+"/README", 1, 0),                     // the user's, in wazero's directory
		write("wazero-notes/"+key, 1, 0),               // not wazero-<version>-<arch>-<os>
		write("wazero-v1-AMD64-linux/"+key, 1, 0),      // not a GOARCH
		write("wazero--amd64-linux/"+key, 1, 0),        // no version
		write("wasirun-v1.0.0-amd64-linux/"+key, 1, 0), // not wazero's
		write(sub+"/"+key[:60]+"dir0/"+key, 1, 0),      // below a directory
	}
	userFile := filepath.Join(outside, key)
	if err := os.WriteFile(userFile, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	links := 0
	for _, l := range [][2]string{
		{userFile, filepath.Join(dir, sub, strings.Replace(key, "0", "f", 1))}, // an entry name, a link
		{outside, filepath.Join(dir, "wazero-v9.9.9-amd64-linux")},             // a wazero name, a link to a directory
	} {
		if err := os.Symlink(l[0], l[1]); err == nil {
			links++
		}
	}

	u, err := CacheSize(dir)
	if want := (CacheUsage{Dir: dir, Bytes: 130, Entries: 2}); err != nil || u != want {
		t.Errorf("CacheSize = %+v, %v; want %+v", u, err, want)
	}
	freed, err := CleanCache(dir, now)
	if want := (CacheUsage{Dir: dir, Bytes: 127, Entries: 2}); err != nil || freed != want {
		t.Errorf("CleanCache = %+v, %v; want %+v", freed, err, want)
	}
	for _, p := range removed {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was not removed: %v", p, err)
		}
	}
	for _, p := range kept {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
	if b, err := os.ReadFile(userFile); err != nil || string(b) != "mine" {
		t.Errorf("a file behind a symbolic link was touched: %q, %v", b, err)
	}
	if links == 2 {
		if _, err := os.Lstat(filepath.Join(dir, sub, strings.Replace(key, "0", "f", 1))); err != nil {
			t.Errorf("a symbolic link named as an entry was removed: %v", err)
		}
	}
	if u, err := CacheSize(dir); err != nil || u != (CacheUsage{Dir: dir, Bytes: 3}) {
		t.Errorf("after CleanCache: %+v, %v; want only the write in progress (3 bytes)", u, err)
	}
}

func TestCacheSizeErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	if u, err := CacheSize(missing); err != nil || u != (CacheUsage{Dir: missing}) {
		t.Errorf("CacheSize of a missing directory = %+v, %v; want nothing", u, err)
	}
	if u, err := CleanCache(missing, time.Now()); err != nil || u != (CacheUsage{Dir: missing}) {
		t.Errorf("CleanCache of a missing directory = %+v, %v; want nothing", u, err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	want := "compilation cache " + file + ": not a directory"
	if _, err := CacheSize(file); err == nil || err.Error() != want {
		t.Errorf("CacheSize of a file: %v, want %q", err, want)
	}
	if _, err := CleanCache(file, time.Now()); err == nil || err.Error() != want {
		t.Errorf("CleanCache of a file: %v, want %q", err, want)
	}
}

// TestCleanCacheRemoveError: a file that cannot be removed is named; the others
// are still removed and counted.
func TestCleanCacheRemoveError(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 || runtime.GOOS == "windows" {
		t.Skip("needs a user whom a read-only directory stops")
	}
	dir := t.TempDir()
	for _, sub := range []string{"wazero-a-amd64-linux", "wazero-b-amd64-linux"} {
		p := filepath.Join(dir, sub)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, key), make([]byte, 10), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	locked := filepath.Join(dir, "wazero-a-amd64-linux")
	if err := os.Chmod(locked, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	freed, err := CleanCache(dir, time.Now())
	want := "compilation cache " + dir + ": removing " + filepath.Join(locked, key) + ": permission denied"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	if freed != (CacheUsage{Dir: dir, Bytes: 10, Entries: 1}) {
		t.Errorf("freed %+v, want the other entry", freed)
	}
}

func TestCacheNames(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"wazero-v1.12.0-amd64-linux":                   true,
		"wazero-dev-arm64-darwin":                      true,
		"wazero-v1.12.1-0.20250101-abcdef-amd64-linux": true,
		"wazero-v1.12.0-amd64":                         false,
		"wazero-v1.12.0--linux":                        false,
		"wazero-v1.12.0-AMD64-linux":                   false,
		"wazero-v1.12.0-amd64-linux/":                  false,
		"wazero":                                       false,
		"wazero-":                                      false,
		"Wazero-v1.12.0-amd64-linux":                   false,
	} {
		if got := isWazeroCacheSubdir(name); got != want {
			t.Errorf("isWazeroCacheSubdir(%q) = %v, want %v", name, got, want)
		}
	}
	tests := []struct {
		name     string
		temp, ok bool
	}{
		{key, false, true},
		{key + ".123.tmp", true, true},
		{key + ".tmp", false, false},
		{key + "..tmp", false, false},
		{key + ".1.2.tmp", false, false},
		{key + ".1.tmp.x", false, false},
		{key + "0", false, false},
		{key[:63], false, false},
		{strings.ToUpper(key), false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		if temp, ok := cacheEntryName(tt.name); temp != tt.temp || ok != tt.ok {
			t.Errorf("cacheEntryName(%q) = %v, %v; want %v, %v", tt.name, temp, ok, tt.temp, tt.ok)
		}
	}
	if sub := wazeroCacheSubdir(); !isWazeroCacheSubdir(sub) || !strings.HasSuffix(sub, "-"+runtime.GOARCH+"-"+runtime.GOOS) {
		t.Errorf("wazeroCacheSubdir() = %q", sub)
	}
}

// TestInstrumentCache: a big module's rewrite is kept in the cache directory,
// read back by the next run, counted by CacheSize and removed by CleanCache; a
// small one is rewritten every time and never kept.
func TestInstrumentCache(t *testing.T) {
	dir := t.TempDir()
	big := webctest.Module(minCachedInstrument + 1)
	first, err := instrument(dir, big)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, instrumentedSubdir, "*"))
	if len(entries) != 1 {
		t.Fatalf("cache entries after the first rewrite: %v, want one", entries)
	}
	// The next call reads the entry: change it, and the change comes back.
	marked := append(append([]byte(nil), first...), 0)
	if err := os.WriteFile(entries[0], marked, 0o600); err != nil {
		t.Fatal(err)
	}
	second, err := instrument(dir, big)
	if err != nil || !bytes.Equal(second, marked) {
		t.Fatalf("second rewrite: %d bytes, %v; want the %d cached bytes", len(second), err, len(marked))
	}
	if u, err := CacheSize(dir); err != nil || u.Entries != 1 || u.Bytes != int64(len(marked)) {
		t.Errorf("CacheSize: %+v, %v; want the one entry of %d bytes", u, err, len(marked))
	}
	if freed, err := CleanCache(dir, time.Now()); err != nil || freed.Entries != 1 {
		t.Errorf("CleanCache: %+v, %v; want the entry removed", freed, err)
	}
	if _, err := instrument(dir, testguest.Hello()); err != nil {
		t.Fatal(err)
	}
	if entries, _ := filepath.Glob(filepath.Join(dir, instrumentedSubdir, "*")); len(entries) != 0 {
		t.Errorf("a small module's rewrite was kept: %v", entries)
	}
}

// TestDamagedInstrumentCache: a cached rewrite that does not compile is not
// trusted: the module as given decides (here it compiles, so the guest runs, and
// reports its missing _start), and the entry is removed.
func TestDamagedInstrumentCache(t *testing.T) {
	dir := t.TempDir()
	big := webctest.Module(minCachedInstrument + 1)
	if _, err := instrument(dir, big); err != nil {
		t.Fatal(err)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, instrumentedSubdir, "*"))
	if len(entries) != 1 {
		t.Fatalf("cache entries: %v, want one", entries)
	}
	if err := os.WriteFile(entries[0], append(big, "\x0b\x07garbage"...), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := NewSession(ctx, SessionConfig{CacheDir: dir})
	defer s.Close(ctx)
	code, err := s.Start(ctx, ProcessSpec{Name: "big", Module: big, Args: []string{"big"}}).Wait()
	var nf *NotFoundError
	if code != ExitNotFound || !errors.As(err, &nf) {
		t.Errorf("code %d, error %v; want %d and no entry function", code, err, ExitNotFound)
	}
	if _, err := os.Stat(entries[0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the damaged entry is still there (%v)", err)
	}
}
