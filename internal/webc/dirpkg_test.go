package webc

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// dpWrite writes files (path -> content) under dir.
func dpWrite(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// dpSymlink makes a symbolic link, or skips the test where the host cannot.
func dpSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot make symbolic links here: %v", err)
	}
}

const dpToml = `[package]
name = "t/dir"
version = "1.0.0"
readme = "README.md"

[[module]]
name = "app"
source = "app.wasm"
abi = "wasi"

[[command]]
name = "app"
module = "app"

[fs]
"/data" = "data"
`

// dpPackage writes a package directory and returns its path (inside a parent
// directory that also holds a file outside the package).
func dpPackage(t *testing.T) (pkg, outside string) {
	t.Helper()
	parent := t.TempDir()
	outside = filepath.Join(parent, "secret.txt")
	dpWrite(t, parent, map[string]string{"secret.txt": "secret"})
	pkg = filepath.Join(parent, "pkg")
	dpWrite(t, pkg, map[string]string{
		"wasmer.toml":    dpToml,
		"app.wasm":       string(wtModule),
		"README.md":      "# readme",
		"data/a.txt":     "a",
		"data/sub/b.txt": "b",
	})
	if err := os.MkdirAll(filepath.Join(pkg, "data", "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	return pkg, outside
}

func dpVolumePaths(t *testing.T, c *Container, name string) []string {
	t.Helper()
	v, ok := c.Volume(name)
	if !ok {
		t.Fatalf("no volume %q", name)
	}
	var paths []string
	err := v.Walk(func(p string, e Entry) error {
		if e.IsDir() {
			p += "/"
		} else if e.ModTime() != 0 {
			t.Errorf("%s: mtime %d, want 0", p, e.ModTime())
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

func TestLoadDir(t *testing.T) {
	pkg, _ := dpPackage(t)
	// A link that stays inside the package is left out, not followed.
	dpSymlink(t, "a.txt", filepath.Join(pkg, "data", "inside-link"))
	c, err := Open(pkg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer c.Close()
	if c.Format != FormatDir || c.Package != (PackageInfo{Name: "t/dir", Version: "1.0.0"}) {
		t.Errorf("format %v, package %+v", c.Format, c.Package)
	}
	if got, want := dpVolumePaths(t, c, "/data"), []string{"a.txt", "empty/", "sub/", "sub/b.txt"}; !reflect.DeepEqual(got, want) {
		t.Errorf("volume /data = %q, want %q", got, want)
	}
	if got, want := dpVolumePaths(t, c, "metadata"), []string{"README.md"}; !reflect.DeepEqual(got, want) {
		t.Errorf("volume metadata = %q, want %q", got, want)
	}
	mounts := c.Mounts()
	if len(mounts) != 1 || mounts[0].Guest != "/data" || mounts[0].VolumeName != "/data" {
		t.Errorf("mounts %+v", mounts)
	}
	cmd, err := c.Command("")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := c.CommandAtom(cmd); err != nil || string(b) != string(wtModule) {
		t.Errorf("atom %q, %v", b, err)
	}
}

// TestLoadDirSymlinkOut: a symbolic link that points outside the package is never
// followed: in an [fs] directory it is an error, as a module source or wasmer.toml
// it cannot be read, as a readme it is left out.
func TestLoadDirSymlinkOut(t *testing.T) {
	t.Run("fs dir", func(t *testing.T) {
		pkg, outside := dpPackage(t)
		dpSymlink(t, outside, filepath.Join(pkg, "data", "leak"))
		_, err := LoadDir(pkg)
		dpWantErr(t, err, pkg, `[fs] "/data": "data/leak" is a symlink to`)
	})
	t.Run("fs dir relative", func(t *testing.T) {
		pkg, _ := dpPackage(t)
		dpSymlink(t, "../../secret.txt", filepath.Join(pkg, "data", "leak"))
		_, err := LoadDir(pkg)
		dpWantErr(t, err, pkg, `which points outside the package`)
	})
	t.Run("fs root", func(t *testing.T) {
		pkg, outside := dpPackage(t)
		if err := os.RemoveAll(filepath.Join(pkg, "data")); err != nil {
			t.Fatal(err)
		}
		dpSymlink(t, filepath.Dir(outside), filepath.Join(pkg, "data"))
		_, err := LoadDir(pkg)
		dpWantErr(t, err, pkg, `[fs] "/data": host directory "data"`)
	})
	t.Run("module source", func(t *testing.T) {
		pkg, outside := dpPackage(t)
		if err := os.Remove(filepath.Join(pkg, "app.wasm")); err != nil {
			t.Fatal(err)
		}
		dpSymlink(t, outside, filepath.Join(pkg, "app.wasm"))
		_, err := LoadDir(pkg)
		dpWantErr(t, err, pkg, `wasmer.toml: line 8: module "app": reading source "app.wasm"`)
	})
	t.Run("wasmer.toml", func(t *testing.T) {
		pkg, outside := dpPackage(t)
		if err := os.Remove(filepath.Join(pkg, "wasmer.toml")); err != nil {
			t.Fatal(err)
		}
		dpSymlink(t, outside, filepath.Join(pkg, "wasmer.toml"))
		_, err := LoadDir(pkg)
		dpWantErr(t, err, pkg, "wasmer.toml: cannot read it")
	})
	t.Run("readme", func(t *testing.T) {
		pkg, outside := dpPackage(t)
		if err := os.Remove(filepath.Join(pkg, "README.md")); err != nil {
			t.Fatal(err)
		}
		dpSymlink(t, outside, filepath.Join(pkg, "README.md"))
		c, err := LoadDir(pkg)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Volume("metadata"); ok {
			t.Error("the metadata volume holds a file from outside the package")
		}
	})
}

func dpWantErr(t *testing.T, err error, pkg, want string) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T), want a *FormatError", err, err)
	}
	msg := err.Error()
	if fe.Path != pkg || !strings.Contains(msg, want) {
		t.Errorf("error %q (path %q), want path %q and %q", msg, fe.Path, pkg, want)
	}
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error %q is not one line", msg)
	}
}

func TestLoadDirNoWasmerToml(t *testing.T) {
	dir := t.TempDir()
	dpWrite(t, dir, map[string]string{"wapm.toml": "[package]\nname = \"a/b\"\n"})
	_, err := Open(dir)
	dpWantErr(t, err, dir, dir+": wasmer.toml: not found")

	if _, err := LoadDir(filepath.Join(dir, "nope")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}
}

func TestReadDirSource(t *testing.T) {
	pkg, _ := dpPackage(t)
	dpWrite(t, pkg, map[string]string{"wasmer.toml": strings.Replace(dpToml, "abi = \"wasi\"", "abi = 7", 1)})
	_, err := ReadDirSource(pkg)
	dpWantErr(t, err, pkg, pkg+": wasmer.toml: line 9: module.abi: expected a string, found an integer")
}
