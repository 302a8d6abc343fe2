// Package testfixtures finds the shared fixtures for tests: the real third-party
// packages and the WASI test suite, which live outside the repository and are
// never copied into it.
//
// The folder is $WASIRUN_FIXTURES, an absolute path, when that is set; otherwise
// shared/fixtures beside the repository, that is <repo>/../shared/fixtures, where
// <repo> is the nearest directory at or above the working directory (a test's
// package directory) that holds go.mod.
//
// Path gives a test the path of a fixture or stops it: it skips the test when the
// fixture is absent, and fails it instead when the environment says CI=true, so
// that a CI machine without the fixtures cannot pass by skipping. Every such
// message starts with Marker; make test lists the skipped tests by it at the end.
//
// go test caches a package's result keyed on the environment variables its tests
// read and on the files inside the module they open; files outside the module, as
// the fixtures are, are not looked at again. So every lookup also reads
// WASIRUN_FIXTURES_STAMP, which make test sets to Stamp of the folder (a digest of
// its listing): when fixtures appear, vanish or change, the stamp changes and the
// cached result is not reused. A plain go test without the stamp may reuse a
// result from before the change; -count=1 forces the run.
//
// It is a normal (non-test) package so that the tests of any package can import
// it; it imports only the standard library.
package testfixtures

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

const (
	// EnvDir names the environment variable that points at the fixtures folder.
	EnvDir = "WASIRUN_FIXTURES"
	// EnvStamp names the environment variable that make test sets to Stamp of the
	// folder, for go test's cache (see the package documentation).
	EnvStamp = "WASIRUN_FIXTURES_STAMP"
	// Marker starts the message of every test skipped, or failed under CI=true,
	// because a fixture is absent.
	Marker = "fixture unavailable: "
)

// errBadEnv marks a WASIRUN_FIXTURES that cannot be used: a configuration error,
// which fails a test even outside CI.
var errBadEnv = errors.New("bad " + EnvDir)

// Locate returns the absolute path of the fixtures folder, without checking that
// it exists. It fails when WASIRUN_FIXTURES is set to a relative path, or when no
// go.mod is found above the working directory.
func Locate() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("the working directory: %w", err)
	}
	_ = os.Getenv(EnvStamp) // read so that go test's cache keys on it
	return locate(os.Getenv(EnvDir), wd)
}

// locate is Locate for the value of WASIRUN_FIXTURES and the working directory wd.
func locate(env, wd string) (string, error) {
	if env != "" {
		if !filepath.IsAbs(env) {
			return "", fmt.Errorf("%w: %s=%q is not an absolute path", errBadEnv, EnvDir, env)
		}
		return filepath.Clean(env), nil
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared", "fixtures"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod in %s or above it, so no repository to find shared/fixtures beside; set %s", wd, EnvDir)
		}
		dir = parent
	}
}

// Lookup returns the absolute path of elem inside the fixtures folder (the folder
// itself when elem is empty) once it has checked that it exists. Its error is one
// line that names the folder, and the fixture when the folder exists but lacks it.
func Lookup(elem ...string) (string, error) {
	dir, err := Locate()
	if err != nil {
		return "", err
	}
	return lookup(dir, os.Getenv(EnvDir) != "", elem...)
}

// lookup is Lookup in the folder dir; fromEnv says whether WASIRUN_FIXTURES named it.
func lookup(dir string, fromEnv bool, elem ...string) (string, error) {
	why := "the default, shared/fixtures beside the repository; set " + EnvDir + " to the absolute path of another"
	if fromEnv {
		why = EnvDir + " names it"
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("the shared fixtures folder %s is absent (%s)", dir, why)
	}
	p := filepath.Join(append([]string{dir}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s is absent from the shared fixtures folder %s (%s)", p, dir, why)
	}
	return p, nil
}

// Path returns the absolute path of elem inside the fixtures folder (the folder
// itself when elem is empty), or stops t: Unavailable when the fixture is absent,
// a failure when WASIRUN_FIXTURES is not an absolute path.
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	p, err := Lookup(elem...)
	switch {
	case errors.Is(err, errBadEnv):
		t.Fatal(err)
		return ""
	case err != nil:
		Unavailable(t, "%v", err)
		return ""
	}
	return p
}

// Unavailable stops t because a fixture it needs is absent or incomplete: it
// skips t, or fails it when the environment says CI=true. The message starts with
// Marker and then says what is missing (format and args, as in fmt.Sprintf).
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := Marker + fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: a missing fixture fails the test)")
		return
	}
	t.Skip(msg)
}

// Stamp returns a digest of the listing of the folder dir: every entry's path,
// type, permissions, size and modification time, symbolic links followed at the
// top only. It is "absent" when dir cannot be listed. Reading no contents, it
// costs one stat per entry.
func Stamp(dir string) string {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "absent"
	}
	h := sha256.New()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(h, "%s\x00%v\x00%d\x00%d\n", filepath.ToSlash(rel), fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		return "unreadable"
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}
