package runner

import (
	"fmt"
	"path/filepath"

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

// openCache opens wazero's on-disk compilation cache in dir; wazero creates the
// directory. It writes each entry to a temporary file and renames it into place,
// so processes sharing the directory never see a partial entry.
func openCache(dir string) (wazero.CompilationCache, error) {
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return nil, fmt.Errorf("compilation cache %s: %w", dir, err)
	}
	return cache, nil
}
