package runner

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/tetratelabs/wazero"
)

// DefaultCacheDir is where compiled modules are kept unless the user says
// otherwise: $XDG_CACHE_HOME/wasirun, else ~/.cache/wasirun. getenv reads the
// environment; "" is returned when neither is known.
func DefaultCacheDir(getenv func(string) string) string {
	if dir := getenv("XDG_CACHE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "wasirun")
	}
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".cache", "wasirun")
}

// caches holds the compilation cache of each directory this process has used:
// one per directory for the process's life, shared by every run, so that a
// second run in the same process finds its compiled code in memory and no run
// pays for tearing the engine down (the wazero CLI does not close its cache
// either).
var caches sync.Map // dir -> wazero.CompilationCache

// openCache returns the process's compilation cache over dir; wazero creates the
// directory. It writes each entry to a temporary file and renames it into place,
// so processes sharing the directory never see a partial entry.
func openCache(dir string) (wazero.CompilationCache, error) {
	if c, ok := caches.Load(dir); ok {
		return c.(wazero.CompilationCache), nil
	}
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return nil, fmt.Errorf("compilation cache %s: %w", dir, err)
	}
	if c, loaded := caches.LoadOrStore(dir, cache); loaded {
		cache.Close(context.Background())
		return c.(wazero.CompilationCache), nil
	}
	return cache, nil
}
