package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/wasirun/wasirun/internal/interrupt"
)

// The compilation cache is wazero's, kept in a directory of the user's choice
// (--cache-dir) laid out as wazero lays it out (wazero's cache.go and
// internal/filecache, v1.12):
//
//	DIR/wazero-<wazero version>-<GOARCH>-<GOOS>/    one per wazero version and platform
//	    <64 hex digits>                             a compiled module, named by its key
//	    <64 hex digits>.<random>.tmp                an entry being written (renamed
//	                                                into place when complete)
//
// CacheSize and CleanCache read and remove exactly these files and nothing else,
// since DIR may be a directory that holds the user's own files as well.

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

// CacheUnusableError reports a compilation cache directory that cannot be used:
// it cannot be created, is not a directory, or cannot be written. It is never
// a reason to fail a run: the module can be compiled without the cache, and the
// runner does so after a warning. (wazero would fail the compilation itself
// when it cannot write the entry it compiled, so a directory that cannot be
// written is refused up front.)
type CacheUnusableError struct {
	// Dir is the cache directory as given.
	Dir string
	// Err says what is wrong with it.
	Err error
}

func (e *CacheUnusableError) Error() string {
	return fmt.Sprintf("compilation cache %s: %v", e.Dir, e.Err)
}

// Unwrap returns the cause.
func (e *CacheUnusableError) Unwrap() error { return e.Err }

// openCache returns the process's compilation cache over dir; wazero creates the
// directory. It writes each entry to a temporary file and renames it into place,
// so processes sharing the directory never see a partial entry. Every error is a
// *CacheUnusableError.
func openCache(dir string) (wazero.CompilationCache, error) {
	if c, ok := caches.Load(dir); ok {
		return c.(wazero.CompilationCache), nil
	}
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return nil, cacheDirProblem(dir, err)
	}
	// One system call, so that a directory wazero could open but not write to
	// (read-only, another user's) does not fail the compilation later.
	sub := filepath.Join(dir, wazeroCacheSubdir())
	if err := checkWritable(sub); err != nil {
		return nil, &CacheUnusableError{Dir: dir, Err: fmt.Errorf("cannot write to %s: %w", sub, pathErrCause(err))}
	}
	if c, loaded := caches.LoadOrStore(dir, cache); loaded {
		cache.Close(context.Background())
		return c.(wazero.CompilationCache), nil
	}
	return cache, nil
}

// cacheDirProblem turns wazero's error about dir, whose text names its own
// paths and steps, into a *CacheUnusableError that says what is wrong.
func cacheDirProblem(dir string, err error) error {
	if st, serr := os.Stat(dir); serr == nil && !st.IsDir() {
		return &CacheUnusableError{Dir: dir, Err: errors.New("not a directory")}
	}
	if merr := os.MkdirAll(dir, 0o700); merr != nil {
		err = pathErrCause(merr)
	}
	return &CacheUnusableError{Dir: dir, Err: err}
}

// pathErrCause drops the operation and path of an *fs.PathError, which the
// messages around it name already.
func pathErrCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// wazeroCacheSubdir is the directory, inside a cache directory, where the wazero
// linked into this binary keeps its entries: "wazero-<version>-<GOARCH>-<GOOS>",
// with the version found as wazero finds it (the require line of the wazero
// module in the build info, "dev" when there is none).
func wazeroCacheSubdir() string {
	version := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if strings.Contains(dep.Path, "github.com/tetratelabs/wazero") {
				version = dep.Version
			}
		}
		if version == "" || version == "(devel)" {
			version = info.Main.Version
		}
	}
	if version == "" || version == "(devel)" {
		version = "dev"
	}
	return "wazero-" + version + "-" + runtime.GOARCH + "-" + runtime.GOOS
}

// CacheUsage is what the compilation cache in a directory holds, or what
// CleanCache removed from it.
type CacheUsage struct {
	// Dir is the cache directory.
	Dir string `json:"dir"`
	// Bytes is the size of the files counted: compiled modules and temporary
	// files of wazero's.
	Bytes int64 `json:"bytes"`
	// Entries is the number of compiled modules, of every wazero version and
	// platform.
	Entries int `json:"entries"`
}

// staleTemp is the age past which a temporary file of wazero's is taken to be
// left by a process that died while writing it, and CleanCache removes it. A
// younger one may be a write in progress, which would fail (and fail that
// process's compilation) if its file disappeared.
const staleTemp = time.Hour

// CacheSize reports what the compilation cache in dir holds: its compiled
// modules and temporary files, in wazero's layout (see the top of this file).
// A directory that does not exist holds nothing.
func CacheSize(dir string) (CacheUsage, error) {
	u := CacheUsage{Dir: dir}
	files, err := cacheFiles(dir)
	for _, f := range files {
		u.Bytes += f.size
		if !f.temp {
			u.Entries++
		}
	}
	return u, err
}

// CleanCache removes the compiled modules from the compilation cache in dir,
// and the temporary files older than an hour, and reports what it removed.
// Only files named as wazero names them, inside directories named as wazero
// names them, are removed; the directories stay (a running wasirun may be
// about to write into one), and so does everything else in dir. now is the
// current time. A removal that fails does not stop the others; the first
// error is returned with what was removed.
func CleanCache(dir string, now time.Time) (CacheUsage, error) {
	freed := CacheUsage{Dir: dir}
	files, err := cacheFiles(dir)
	if err != nil {
		return freed, err
	}
	var first error
	for _, f := range files {
		if f.temp && now.Sub(f.modTime) < staleTemp {
			continue
		}
		if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			if first == nil {
				first = fmt.Errorf("compilation cache %s: removing %s: %w", dir, f.path, pathErrCause(err))
			}
			continue
		}
		freed.Bytes += f.size
		if !f.temp {
			freed.Entries++
		}
	}
	return freed, first
}

// cacheFile is a file of wazero's in a cache directory.
type cacheFile struct {
	path    string
	size    int64
	modTime time.Time
	temp    bool // "<key>.<random>.tmp", else a complete entry "<key>"
}

// cacheFiles lists the files of wazero's in the cache directory dir: regular
// files named as entries or temporary entries, directly inside directories
// named as wazero's. Symbolic links are not followed, and a name that does not
// fit wazero's layout is left out, whatever it holds.
func cacheFiles(dir string) ([]cacheFile, error) {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("compilation cache %s: %w", dir, pathErrCause(err))
	case !st.IsDir():
		return nil, fmt.Errorf("compilation cache %s: not a directory", dir)
	}
	subs, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("compilation cache %s: %w", dir, pathErrCause(err))
	}
	var files []cacheFile
	for _, sub := range subs {
		if !sub.IsDir() || !(isWazeroCacheSubdir(sub.Name()) || sub.Name() == instrumentedSubdir) { // IsDir is false for a link
			continue
		}
		p := filepath.Join(dir, sub.Name())
		entries, err := os.ReadDir(p)
		if err != nil {
			return files, fmt.Errorf("compilation cache %s: %w", dir, pathErrCause(err))
		}
		for _, e := range entries {
			temp, ok := cacheEntryName(e.Name())
			if !ok || !e.Type().IsRegular() {
				continue
			}
			info, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // renamed into place or removed meanwhile
			} else if err != nil {
				return files, fmt.Errorf("compilation cache %s: %w", dir, pathErrCause(err))
			}
			files = append(files, cacheFile{path: filepath.Join(p, e.Name()), size: info.Size(), modTime: info.ModTime(), temp: temp})
		}
	}
	return files, nil
}

// isWazeroCacheSubdir reports whether name is that of a directory wazero makes
// in a cache directory: "wazero-<version>-<GOARCH>-<GOOS>", the version being
// any non-empty text (it may hold dashes itself).
func isWazeroCacheSubdir(name string) bool {
	rest, ok := strings.CutPrefix(name, "wazero-")
	if !ok {
		return false
	}
	parts := strings.Split(rest, "-")
	if len(parts) < 3 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
	}
	for _, p := range parts[len(parts)-2:] { // GOARCH and GOOS
		for _, c := range p {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
				return false
			}
		}
	}
	return true
}

// cacheEntryName reports whether name is a cache entry's, "<64 lower-case hex
// digits>", or a temporary entry's, "<64 hex digits>.<random>.tmp" (temp).
func cacheEntryName(name string) (temp, ok bool) {
	if len(name) < 64 {
		return false, false
	}
	for _, c := range name[:64] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false, false
		}
	}
	switch rest := name[64:]; {
	case rest == "":
		return false, true
	case strings.HasPrefix(rest, ".") && strings.HasSuffix(rest, ".tmp") && len(rest) > len("..tmp") && !strings.ContainsAny(rest[1:len(rest)-4], "./\\"):
		return true, true
	}
	return false, false
}

// instrumentedSubdir is the cache's directory of modules rewritten by package
// interrupt, each named by the sha256 of the module as given (the layout of
// wazero's own directories, so that "cache" counts them and "cache clean"
// removes them alike). Rewriting a 3 MB module costs about 9 ms, reading it
// back and hashing its original about 3.
const instrumentedSubdir = "wasirun-interrupt-1"

// minCachedInstrument is the size below which a module is rewritten every time:
// for a small module the rewrite costs less than a file's read.
const minCachedInstrument = 256 << 10

// instrument returns module rewritten by package interrupt, from the cache in
// dir when it holds it ("" for none), else rewritten now and, for a big module,
// kept there. A cache that cannot be read or written only costs the rewrite.
func instrument(dir string, module []byte) ([]byte, error) {
	if dir == "" || len(module) < minCachedInstrument {
		return interrupt.Instrument(module)
	}
	path := instrumentedPath(dir, module)
	if b, err := os.ReadFile(path); err == nil && len(b) > len(module) {
		return b, nil
	}
	out, err := interrupt.Instrument(module)
	if err != nil {
		return nil, err
	}
	if os.MkdirAll(filepath.Dir(path), 0o700) == nil {
		// Written under a temporary name and renamed into place, as wazero
		// writes its entries: a reader never sees half a module.
		if f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp"); err == nil {
			_, werr := f.Write(out)
			if cerr := f.Close(); werr == nil && cerr == nil {
				werr = os.Rename(f.Name(), path)
			}
			if werr != nil {
				os.Remove(f.Name())
			}
		}
	}
	return out, nil
}

// forgetInstrumented removes the cached rewrite of module, if any: one that does
// not compile (a damaged file) is not read again.
func forgetInstrumented(dir string, module []byte) {
	if dir == "" || len(module) < minCachedInstrument {
		return
	}
	os.Remove(instrumentedPath(dir, module))
}

// instrumentedPath is the cache entry of module's rewrite in dir: named by the
// sha256 of the module as given.
func instrumentedPath(dir string, module []byte) string {
	sum := sha256.Sum256(module)
	return filepath.Join(dir, instrumentedSubdir, hex.EncodeToString(sum[:]))
}
