package fsprep

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/wasirun/wasirun/internal/vfs"
)

// TestPrepareDifferential applies the same random operations to a prepared root
// (a host directory and the package's volume composed at /, a copy-on-write
// package mount at /data, a host mount at /mnt) and to a plain reference: tmpfs
// filesystems holding the merged trees at the same mount points. After every step
// the outcomes and the whole trees must agree.
func TestPrepareDifferential(t *testing.T) {
	for seed := range uint64(12) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { prepareDifferential(t, seed, 120) })
	}
}

func prepareDifferential(t *testing.T, seed uint64, steps int) {
	rootFiles := map[string]string{"lib/a.py": "a", "lib/sub/b.py": "bb", "shared": "from host"}
	pkgRoot := map[string]string{"lib/c.py": "ccc", "shared": "from package", "opt/tool/": ""}
	dataFiles := map[string]string{"d1.txt": "data one", "dir/d2.txt": "data two"}
	mntFiles := map[string]string{"m.txt": "mnt"}

	pkg := testPackage(t,
		pkgVolume{name: "atom", guest: "/", files: pkgRoot},
		pkgVolume{name: "/data", guest: "/data", files: dataFiles},
	)
	r := prepare(t, Options{
		User:      []UserMount{{Host: hostDir(t, rootFiles), Guest: "/"}, {Host: hostDir(t, mntFiles), Guest: "/mnt"}},
		Container: pkg,
		Limiter:   vfs.NewLimiter(1 << 20),
	})

	// The reference: the same trees, merged by hand, first layer winning.
	refRoot := vfs.NewTmpFS(nil)
	if err := defaultLayout(refRoot); err != nil {
		t.Fatal(err)
	}
	for _, files := range []map[string]string{pkgRoot, rootFiles} { // later overwrites: the host wins
		putTree(t, refRoot, "/", files)
	}
	for _, dir := range []string{"/data", "/mnt"} {
		mkdirAll(refRoot, dir)
	}
	ref := vfs.NewMountTable(refRoot, "ref")
	refData, refMnt := vfs.NewTmpFS(nil), vfs.NewTmpFS(nil)
	putTree(t, refData, "/", dataFiles)
	putTree(t, refMnt, "/", mntFiles)
	ref.Mount("/data", refData, "ref")
	ref.Mount("/mnt", refMnt, "ref")

	compareTrees(t, "initial", r, ref)
	rng := rand.New(rand.NewPCG(seed, 7))
	dirs := []string{"/", "/lib", "/lib/sub", "/opt/tool", "/data", "/data/dir", "/mnt", "/tmp"}
	names := []string{"a.py", "b.py", "c.py", "shared", "new", "sub", "x", "d1.txt", "dir"}
	pick := func() string {
		d := dirs[rng.IntN(len(dirs))]
		return filepath.ToSlash(filepath.Join(d, names[rng.IntN(len(names))]))
	}
	succeeded := 0
	defer func() {
		// The walk must change the trees, not only meet errors.
		if !t.Failed() && succeeded < steps/5 {
			t.Errorf("only %d of %d steps succeeded", succeeded, steps)
		}
	}()
	for step := range steps {
		p, q := pick(), pick()
		var desc string
		var got, want vfs.Errno
		switch op := rng.IntN(8); op {
		case 0, 1:
			content := fmt.Sprint("w", step)
			desc = "write " + p
			got, want = writeFile(r, p, content), writeFile(ref, p, content)
		case 2:
			desc = "unlink " + p
			got, want = r.Unlink(p), ref.Unlink(p)
		case 3:
			desc = "mkdir " + p
			got, want = r.Mkdir(p, 0o755), ref.Mkdir(p, 0o755)
		case 4:
			desc = "rmdir " + p
			got, want = r.Rmdir(p), ref.Rmdir(p)
		case 5:
			desc = "rename " + p + " " + q
			got, want = r.Rename(p, q), ref.Rename(p, q)
		case 6:
			desc = "symlink " + p
			got, want = r.Symlink("target", p), ref.Symlink("target", p)
		case 7:
			desc = "chmod " + p
			got, want = r.Chmod(p, 0o600), ref.Chmod(p, 0o600)
		}
		if got != want && !(got == vfs.ENOTEMPTY && want == vfs.EEXIST || got == vfs.EEXIST && want == vfs.ENOTEMPTY) {
			t.Fatalf("step %d %s: %v, reference %v", step, desc, got, want)
		}
		if got == vfs.ESUCCESS {
			succeeded++
		}
		compareTrees(t, fmt.Sprintf("step %d %s", step, desc), r, ref)
	}
}

// putTree writes files (path -> content; "/"-suffixed paths are directories).
func putTree(t *testing.T, f vfs.FS, at string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.ToSlash(filepath.Join(at, p))
		if p[len(p)-1] == '/' {
			mkdirAll(f, full)
			continue
		}
		mkdirAll(f, filepath.ToSlash(filepath.Dir(full)))
		if errno := writeFile(f, full, content); errno != vfs.ESUCCESS {
			t.Fatalf("put %s: %v", full, errno)
		}
	}
}

// treeLines walks f from / and describes every entry: path, type, and content,
// target or permission bits.
func treeLines(t *testing.T, f vfs.FS) []string {
	t.Helper()
	var out []string
	var walk func(dir string)
	walk = func(dir string) {
		for _, name := range list(t, f, dir) {
			p := filepath.ToSlash(filepath.Join(dir, name))
			st, errno := f.Lstat(p)
			if errno != vfs.ESUCCESS {
				t.Fatalf("lstat %s: %v", p, errno)
			}
			switch {
			case st.Mode.IsDir():
				out = append(out, fmt.Sprintf("%s dir %v", p, st.Mode.Perm()))
				walk(p)
			case st.Mode&fs.ModeSymlink != 0:
				target, _ := f.Readlink(p)
				out = append(out, p+" -> "+target)
			case st.Mode&fs.ModeDevice != 0:
				out = append(out, p+" device")
			default:
				out = append(out, fmt.Sprintf("%s %q %v", p, readFile(t, f, p), st.Mode.Perm()))
			}
		}
	}
	walk("/")
	return out
}

func compareTrees(t *testing.T, when string, got, want vfs.FS) {
	t.Helper()
	g, w := treeLines(t, got), treeLines(t, want)
	if !slices.Equal(g, w) {
		for i := range max(len(g), len(w)) {
			var gl, wl string
			if i < len(g) {
				gl = g[i]
			}
			if i < len(w) {
				wl = w[i]
			}
			if gl != wl {
				t.Fatalf("%s: trees differ at line %d:\n got  %s\n want %s", when, i, gl, wl)
			}
		}
	}
}
