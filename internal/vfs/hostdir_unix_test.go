//go:build linux || darwin

// The symlink tests of the host directory. They run where hostdir_unix.go does:
// creating symlinks on Windows needs a privilege, and os.Root has its own Windows
// tests.

package vfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestHostDirSymlinks: the filesystem never follows a symlink in the last
// component, and acts on the link itself.
func TestHostDirSymlinks(t *testing.T) {
	for _, mode := range hostDirModes {
		t.Run(mode.name, func(t *testing.T) { testHostDirSymlinks(t, mode.open) })
	}
}

// testHostDirSymlinks is TestHostDirSymlinks with the host directory of open.
func testHostDirSymlinks(t *testing.T, open func(testing.TB, string, bool) *hostDir) {
	dir := t.TempDir()
	mustHost(t, os.WriteFile(filepath.Join(dir, "target"), []byte("data"), 0o644))
	mustHost(t, os.Mkdir(filepath.Join(dir, "d"), 0o755))
	mustHost(t, os.WriteFile(filepath.Join(dir, "d", "f"), []byte("in d"), 0o644))
	h := open(t, dir, false)
	expect := func(what string, got, want Errno) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}

	expect("Symlink", h.Symlink("target", "/l"), ESUCCESS)
	expect("Symlink dangling", h.Symlink("nowhere", "/dangling"), ESUCCESS)
	expect("Symlink escaping text", h.Symlink("../../../etc", "/up"), ESUCCESS)
	expect("Symlink absolute text", h.Symlink("/etc/passwd", "/abs"), ESUCCESS)
	expect("Symlink onto existing", h.Symlink("x", "/l"), EEXIST)
	expect("Symlink in missing", h.Symlink("x", "/missing/l"), ENOENT)
	expect("Symlink d", h.Symlink("d", "/ld"), ESUCCESS)
	for p, want := range map[string]string{"/l": "target", "/dangling": "nowhere", "/up": "../../../etc", "/abs": "/etc/passwd"} {
		got, errno := h.Readlink(p)
		if got != want || errno != ESUCCESS {
			t.Errorf("Readlink(%s) = %q, %v; want %q (stored as given)", p, got, errno, want)
		}
	}
	st, errno := h.Lstat("/l")
	if errno != ESUCCESS || st.Mode.Type() != fs.ModeSymlink || st.Size != int64(len("target")) {
		t.Errorf("Lstat(/l) = %+v, %v", st, errno)
	}

	// Opens of a link: ELOOP, or a Stat-only handle of the link itself.
	for _, p := range []string{"/l", "/dangling", "/abs", "/ld"} {
		_, errno := h.OpenFile(p, OFlagRead, 0)
		expect("OpenFile "+p, errno, ELOOP)
		_, errno = h.OpenFile(p, OFlagRead|OFlagCreate, 0o644)
		expect("OpenFile create "+p, errno, ELOOP)
		_, errno = h.OpenFile(p, OFlagWrite|OFlagCreate|OFlagExclusive, 0o644)
		expect("OpenFile exclusive "+p, errno, EEXIST)
		_, errno = h.OpenFile(p, OFlagPath|OFlagDirectory, 0)
		expect("OpenFile path|directory "+p, errno, ENOTDIR)
		_, errno = h.OpenFile(p, OFlagNoFollow|OFlagRead, 0)
		expect("OpenFile nofollow "+p, errno, ELOOP)
		for _, flag := range []OFlag{OFlagPath, OFlagPath | OFlagNoFollow} {
			f, errno := h.OpenFile(p, flag, 0)
			if errno != ESUCCESS {
				t.Errorf("OpenFile(%s, %#x) = %v", p, flag, errno)
				continue
			}
			if st, errno := f.Stat(); errno != ESUCCESS || st.Mode.Type() != fs.ModeSymlink {
				t.Errorf("Stat of %s opened %#x = %+v, %v; want the link", p, flag, st, errno)
			}
			if _, errno := f.Read(make([]byte, 4)); errno != EBADF {
				t.Errorf("Read of %s opened %#x = %v, want EBADF", p, flag, errno)
			}
			f.Close()
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an open created the target of a dangling link: %v", err)
	}

	// Changes act on the link, never on its target.
	targetBefore, _ := os.Stat(filepath.Join(dir, "target"))
	expect("Chmod of a link", h.Chmod("/l", 0o600), ENOTSUP)
	at, mt := time.Unix(1111, 5).UnixNano(), time.Unix(2222, 7).UnixNano()
	expect("Utimens of a link", h.Utimens("/l", at, mt), ESUCCESS)
	if st, _ := h.Lstat("/l"); st.Mtim != mt {
		t.Errorf("link mtim %d after Utimens, want %d", st.Mtim, mt)
	}
	targetAfter, _ := os.Stat(filepath.Join(dir, "target"))
	if targetAfter.Mode() != targetBefore.Mode() || !targetAfter.ModTime().Equal(targetBefore.ModTime()) {
		t.Errorf("Chmod/Utimens of a link changed its target: %v %v -> %v %v",
			targetBefore.Mode(), targetBefore.ModTime(), targetAfter.Mode(), targetAfter.ModTime())
	}
	if runtime.GOOS == "linux" { // Darwin's link(2) follows a symlink
		expect("Link of a link", h.Link("/l", "/l2"), ESUCCESS)
		if st, _ := h.Lstat("/l2"); st.Mode.Type() != fs.ModeSymlink {
			t.Errorf("Link of a link made %v, want a symlink", st.Mode)
		}
	}
	expect("Rename a link", h.Rename("/l", "/l3"), ESUCCESS)
	expect("Unlink a link", h.Unlink("/l3"), ESUCCESS)
	expect("Rmdir a link to a directory", h.Rmdir("/ld"), ENOTDIR)
	expect("Unlink a link to a directory", h.Unlink("/ld"), ESUCCESS)
	if data, err := os.ReadFile(filepath.Join(dir, "target")); err != nil || string(data) != "data" {
		t.Errorf("target after the link's removal: %q, %v", data, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "d", "f")); err != nil {
		t.Errorf("d/f after the removal of a link to d: %v", err)
	}

	// A listing shows links as links.
	f, errno := h.OpenFile("/", OFlagRead|OFlagDirectory, 0)
	if errno != ESUCCESS {
		t.Fatal(errno)
	}
	for _, d := range readDirAll(t, f, 16) {
		if (d.Name == "abs" || d.Name == "up" || d.Name == "dangling" || d.Name == "l2") != (d.Type == fs.ModeSymlink) {
			t.Errorf("Readdir: %s has type %v", d.Name, d.Type)
		}
	}
	f.Close()

	// A directory renamed over a non-empty one.
	expect("Mkdir /e", h.Mkdir("/e", 0o755), ESUCCESS)
	if errno := h.Rename("/e", "/d"); errno != ENOTEMPTY && errno != EEXIST {
		t.Errorf("Rename over a non-empty directory = %v, want ENOTEMPTY or EEXIST", errno)
	}

	// An in-root symlink before the last component is followed by os.Root (see
	// NewHostDir): the mount table never hands such a path to a filesystem.
	expect("Symlink d again", h.Symlink("d", "/ld"), ESUCCESS)
	if st, errno := h.Lstat("/ld/f"); errno != ESUCCESS || st.Size != 4 {
		t.Errorf("Lstat(/ld/f) = %+v, %v; want d/f, through the in-root link", st, errno)
	}
}

// escapeCase is a host tree under ROOT (entries as in os/root_test.go's makefs:
// "d/" a directory, "f" a file, "a => b" a symlink; $ABS is ROOT's absolute path,
// $OUT OUTSIDE's) and a guest directory path, via, that leads outside or is
// otherwise refused. Ported from os/root_test.go's rootTestCases: the cases whose
// escape is a ".." in the path itself become EINVAL at hostName (paths handed to a
// filesystem are clean), the others put the escaping link before the last
// component, since the last is never followed.
type escapeCase struct {
	name string
	fs   []string
	via  string
	// want is the errno of every operation under via: EPERM for an escape;
	// ESUCCESS means the path stays inside the root and operations may succeed.
	want Errno
}

var escapeCases = []escapeCase{
	{name: "symlink dotdot slash", fs: []string{"link => ../"}, via: "/link/OUTSIDE", want: EPERM},
	{name: "symlink dotdot dotdot slash", fs: []string{"dir/link => ../../"}, via: "/dir/link/OUTSIDE", want: EPERM},
	{name: "relative symlink", fs: []string{"link => ../OUTSIDE"}, via: "/link", want: EPERM},
	{name: "relative symlink out and back in", fs: []string{"link => ../ROOT/d", "d/"}, via: "/link", want: EPERM},
	{name: "absolute symlink", fs: []string{"link => $OUT"}, via: "/link", want: EPERM},
	{name: "absolute symlink into the root", fs: []string{"link => $ABS/d", "d/"}, via: "/link", want: EPERM},
	{name: "absolute symlink to /etc", fs: []string{"link => /etc"}, via: "/link", want: EPERM},
	{name: "symlink to a file outside, then a slash", fs: []string{"link => ../OUTSIDE/secret"}, via: "/link", want: EPERM},
	{name: "symlink to a sibling sharing the root's prefix", fs: []string{"link => ../ROOTx"}, via: "/link", want: EPERM},
	{name: "symlink chain escapes", fs: []string{"link => a/b", "a/b => e", "a/e => ../../OUTSIDE"}, via: "/link", want: EPERM},
	{name: "dotdot chain in a deep symlink", fs: []string{"a/b/c/up => ../../../../OUTSIDE"}, via: "/a/b/c/up", want: EPERM},
	{name: "symlink chain in the root", fs: []string{"link => a/b/c", "a/b => e", "a/e => ../f", "f => g/h/i", "g/h/i => ..", "g/c/"}, via: "/link", want: ESUCCESS},
	{name: "symlink ends in dot", fs: []string{"a => b/.", "b/"}, via: "/a", want: ESUCCESS},
	{name: "symlink cycle", fs: []string{"a => a"}, via: "/a", want: ELOOP},
	{name: "directory does not exist", fs: nil, via: "/missing", want: ENOENT},
	{name: "path escapes", via: "/../OUTSIDE", want: EINVAL},
	{name: "long path escapes", fs: []string{"a/"}, via: "/a/../../OUTSIDE", want: EINVAL},
	{name: "path with dot", fs: []string{"a/"}, via: "/./a", want: EINVAL},
}

// outsideSecret is the content of the files outside the root, of a length no file
// inside has.
const outsideSecret = "SECRET, outside the root"

// makeEscapeTree makes base/ROOT with the case's entries and a file "rootfile",
// and next to it OUTSIDE (secret, sub/outside-only) and ROOTx (secret), which no
// operation may see or change.
func makeEscapeTree(t *testing.T, entries []string) (base, root string) {
	t.Helper()
	base = t.TempDir()
	root = filepath.Join(base, "ROOT")
	out := filepath.Join(base, "OUTSIDE")
	for _, d := range []string{root, out, filepath.Join(out, "sub"), filepath.Join(base, "ROOTx")} {
		mustHost(t, os.Mkdir(d, 0o755))
	}
	mustHost(t, os.WriteFile(filepath.Join(out, "secret"), []byte(outsideSecret), 0o640))
	mustHost(t, os.WriteFile(filepath.Join(out, "sub", "outside-only"), nil, 0o640))
	mustHost(t, os.WriteFile(filepath.Join(base, "ROOTx", "secret"), []byte(outsideSecret), 0o640))
	mustHost(t, os.WriteFile(filepath.Join(root, "rootfile"), []byte("in root"), 0o644))
	for _, ent := range entries {
		ent = strings.ReplaceAll(ent, "$ABS", root)
		ent = strings.ReplaceAll(ent, "$OUT", out)
		name, target, isLink := strings.Cut(ent, " => ")
		p := filepath.Join(root, filepath.FromSlash(name))
		mustHost(t, os.MkdirAll(filepath.Dir(p), 0o755))
		switch {
		case isLink:
			mustHost(t, os.Symlink(target, p))
		case strings.HasSuffix(name, "/"):
			mustHost(t, os.MkdirAll(p, 0o755))
		default:
			mustHost(t, os.WriteFile(p, []byte(name), 0o644))
		}
	}
	return base, root
}

// outsideState is everything outside ROOT that an escape could read or change.
func outsideState(t *testing.T, base string) []string {
	t.Helper()
	return slices.Concat(hostTree(t, filepath.Join(base, "OUTSIDE")), hostTree(t, filepath.Join(base, "ROOTx")))
}

// escapeProbe is a name that must never appear in /etc.
const escapeProbe = "wasirun-hostdir-escape-probe"

// escapeOps are the operations tried under a directory path: every FS method,
// and the File methods that read or list. Each returns its errno and, when it
// read or listed something, whether that showed the outside.
func escapeOps(h *hostDir, via string) []struct {
	name string
	do   func() (Errno, bool)
} {
	sawSecret := func(f File) bool {
		buf := make([]byte, 64)
		n, _ := f.Pread(buf, 0)
		return strings.Contains(string(buf[:n]), "SECRET")
	}
	errOnly := func(errno Errno) (Errno, bool) { return errno, false }
	return []struct {
		name string
		do   func() (Errno, bool)
	}{
		{"Lstat secret", func() (Errno, bool) {
			st, errno := h.Lstat(via + "/secret")
			return errno, errno == ESUCCESS && st.Size == int64(len(outsideSecret))
		}},
		{"Readlink", func() (Errno, bool) { return errOnly(second(h.Readlink(via + "/secret"))) }},
		{"OpenFile read secret", func() (Errno, bool) {
			f, errno := h.OpenFile(via+"/secret", OFlagRead, 0)
			if errno != ESUCCESS {
				return errno, false
			}
			defer f.Close()
			return errno, sawSecret(f)
		}},
		{"OpenFile path secret", func() (Errno, bool) {
			f, errno := h.OpenFile(via+"/secret", OFlagPath, 0)
			if errno != ESUCCESS {
				return errno, false
			}
			defer f.Close()
			st, _ := f.Stat()
			return errno, st.Size == int64(len(outsideSecret))
		}},
		{"Readdir sub", func() (Errno, bool) {
			f, errno := h.OpenFile(via+"/sub", OFlagRead|OFlagDirectory, 0)
			if errno != ESUCCESS {
				return errno, false
			}
			defer f.Close()
			buf := make([]Dirent, 16)
			n, errno := f.Readdir(0, buf)
			return errno, slices.ContainsFunc(buf[:n], func(d Dirent) bool { return d.Name == "outside-only" })
		}},
		{"OpenFile create", func() (Errno, bool) {
			f, errno := h.OpenFile(via+"/"+escapeProbe, OFlagWrite|OFlagCreate, 0o644)
			if errno == ESUCCESS {
				f.Write([]byte("planted"))
				f.Close()
			}
			return errno, false
		}},
		{"OpenFile truncate secret", func() (Errno, bool) {
			f, errno := h.OpenFile(via+"/secret", OFlagWrite|OFlagTruncate, 0)
			if errno == ESUCCESS {
				f.Close()
			}
			return errno, false
		}},
		{"Mkdir", func() (Errno, bool) { return errOnly(h.Mkdir(via+"/"+escapeProbe+"-dir", 0o755)) }},
		{"Chmod secret", func() (Errno, bool) { return errOnly(h.Chmod(via+"/secret", 0o777)) }},
		{"Utimens secret", func() (Errno, bool) { return errOnly(h.Utimens(via+"/secret", 0, 0)) }},
		{"Rename secret in", func() (Errno, bool) { return errOnly(h.Rename(via+"/secret", "/stolen")) }},
		{"Rename rootfile out", func() (Errno, bool) { return errOnly(h.Rename("/rootfile", via+"/"+escapeProbe)) }},
		{"Unlink secret", func() (Errno, bool) { return errOnly(h.Unlink(via + "/secret")) }},
		{"Rmdir sub", func() (Errno, bool) { return errOnly(h.Rmdir(via + "/sub")) }},
		{"Link secret in", func() (Errno, bool) { return errOnly(h.Link(via+"/secret", "/stolen-link")) }},
		{"Link rootfile out", func() (Errno, bool) { return errOnly(h.Link("/rootfile", via+"/"+escapeProbe+"-link")) }},
		{"Symlink out", func() (Errno, bool) { return errOnly(h.Symlink("x", via+"/"+escapeProbe+"-sym")) }},
	}
}

// TestHostDirEscapes runs every operation under each escapeCase's path: an escape
// is EPERM, never success outside and never EIO, and nothing outside the root is
// read, listed or changed.
func TestHostDirEscapes(t *testing.T) {
	for _, mode := range hostDirModes {
		t.Run(mode.name, func(t *testing.T) { testHostDirEscapes(t, mode.open) })
	}
}

// testHostDirEscapes is TestHostDirEscapes with the host directory of open.
func testHostDirEscapes(t *testing.T, open func(testing.TB, string, bool) *hostDir) {
	for _, tc := range escapeCases {
		t.Run(tc.name, func(t *testing.T) {
			base, root := makeEscapeTree(t, tc.fs)
			before := outsideState(t, base)
			h := open(t, root, false)
			for _, op := range escapeOps(h, tc.via) {
				errno, leaked := op.do()
				if leaked {
					t.Errorf("%s: read or listed the outside", op.name)
				}
				switch {
				case errno == EIO:
					t.Errorf("%s = EIO", op.name)
				case tc.want == ESUCCESS:
					// Inside the root: any POSIX answer will do.
				case tc.want == EPERM && errno == ENOTCAPABLE:
				case errno != tc.want:
					t.Errorf("%s = %v, want %v", op.name, errno, tc.want)
				}
			}
			if after := outsideState(t, base); !slices.Equal(before, after) {
				t.Errorf("the outside changed:\n%q\n%q", before, after)
			}
			for _, suffix := range []string{"", "-dir", "-link", "-sym"} {
				if _, err := os.Lstat("/etc/" + escapeProbe + suffix); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("/etc/%s%s exists: %v", escapeProbe, suffix, err)
				}
			}
		})
	}
}

// TestHostDirEscapeLastComponent: an escaping link as the last component is
// never followed; operations act on the link, which is inside.
func TestHostDirEscapeLastComponent(t *testing.T) {
	for _, mode := range hostDirModes {
		t.Run(mode.name, func(t *testing.T) { testHostDirEscapeLastComponent(t, mode.open) })
	}
}

// testHostDirEscapeLastComponent is TestHostDirEscapeLastComponent with the host directory of open.
func testHostDirEscapeLastComponent(t *testing.T, open func(testing.TB, string, bool) *hostDir) {
	base, root := makeEscapeTree(t, []string{"rel => ../OUTSIDE/secret", "abs => $OUT/secret", "dir => ../OUTSIDE"})
	before := outsideState(t, base)
	h := open(t, root, false)
	for _, p := range []string{"/rel", "/abs", "/dir"} {
		if _, errno := h.OpenFile(p, OFlagRead, 0); errno != ELOOP {
			t.Errorf("OpenFile(%s) = %v, want ELOOP", p, errno)
		}
		if _, errno := h.OpenFile(p, OFlagWrite|OFlagTruncate, 0); errno != ELOOP {
			t.Errorf("OpenFile(%s, write|truncate) = %v, want ELOOP", p, errno)
		}
		if st, errno := h.Lstat(p); errno != ESUCCESS || st.Mode.Type() != fs.ModeSymlink {
			t.Errorf("Lstat(%s) = %+v, %v; want the link", p, st, errno)
		}
		if errno := h.Chmod(p, 0o777); errno != ENOTSUP {
			t.Errorf("Chmod(%s) = %v, want ENOTSUP", p, errno)
		}
		if errno := h.Utimens(p, 0, 0); errno != ESUCCESS {
			t.Errorf("Utimens(%s) = %v", p, errno)
		}
		if errno := h.Rmdir(p); errno != ENOTDIR {
			t.Errorf("Rmdir(%s) = %v, want ENOTDIR", p, errno)
		}
		if errno := h.Mkdir(p, 0o755); errno != EEXIST {
			t.Errorf("Mkdir(%s) = %v, want EEXIST", p, errno)
		}
		if errno := h.Symlink("x", p); errno != EEXIST {
			t.Errorf("Symlink(x, %s) = %v, want EEXIST", p, errno)
		}
		if target, errno := h.Readlink(p); errno != ESUCCESS || !strings.Contains(target, "OUTSIDE") {
			t.Errorf("Readlink(%s) = %q, %v; want the link's text", p, target, errno)
		}
		// A hard link to the link is a link itself, whose target is never reached.
		if errno := h.Link(p, p+"-hard"); errno != ESUCCESS {
			t.Errorf("Link(%s) = %v", p, errno)
		} else if st, errno := h.Lstat(p + "-hard"); errno != ESUCCESS || st.Mode.Type() != fs.ModeSymlink {
			t.Errorf("Lstat(%s-hard) = %+v, %v; want a symlink", p, st, errno)
		} else if errno := h.Unlink(p + "-hard"); errno != ESUCCESS {
			t.Errorf("Unlink(%s-hard) = %v", p, errno)
		}
	}
	if errno := h.Rename("/abs", "/moved"); errno != ESUCCESS {
		t.Errorf("Rename(/abs) = %v", errno)
	}
	for _, p := range []string{"/rel", "/moved", "/dir"} {
		if errno := h.Unlink(p); errno != ESUCCESS {
			t.Errorf("Unlink(%s) = %v", p, errno)
		}
	}
	if after := outsideState(t, base); !slices.Equal(before, after) {
		t.Errorf("the outside changed:\n%q\n%q", before, after)
	}
}

// TestHostDirReadlinkLong: a target longer than Readlink's first buffer comes
// back whole, on both paths.
func TestHostDirReadlinkLong(t *testing.T) {
	for _, mode := range hostDirModes {
		t.Run(mode.name, func(t *testing.T) {
			dir := t.TempDir()
			mustHost(t, os.Mkdir(filepath.Join(dir, "d"), 0o755))
			h := mode.open(t, dir, false)
			for _, n := range []int{255, 256, 257, 1000, 4000} {
				target := strings.Repeat("t", n)
				p := "/d/l" + strconv.Itoa(n)
				if errno := h.Symlink(target, p); errno != ESUCCESS {
					t.Fatalf("Symlink(%d bytes) = %v", n, errno)
				}
				if got, errno := h.Readlink(p); errno != ESUCCESS || got != target {
					t.Errorf("Readlink of a %d-byte target = %d bytes, %v", n, len(got), errno)
				}
			}
		})
	}
}

// TestHostDirEscapeRace swaps a directory of the root with symlinks to the outside
// (relative and absolute) while other goroutines keep reading, listing, creating
// and changing through it: whatever the interleaving, nothing outside is ever
// read, listed or written, and no operation gives EIO.
func TestHostDirEscapeRace(t *testing.T) {
	for _, mode := range hostDirModes {
		t.Run(mode.name, func(t *testing.T) { testHostDirEscapeRace(t, mode.open) })
	}
}

// testHostDirEscapeRace is TestHostDirEscapeRace with the host directory of open.
func testHostDirEscapeRace(t *testing.T, open func(testing.TB, string, bool) *hostDir) {
	base, root := makeEscapeTree(t, []string{"d/", "d/secret", "d/sub/", "d/sub/inside-only"})
	mustHost(t, os.WriteFile(filepath.Join(root, "d", "secret"), []byte("inside"), 0o644))
	out := filepath.Join(base, "OUTSIDE")
	mustHost(t, os.Symlink("../OUTSIDE", filepath.Join(root, "rel")))
	mustHost(t, os.Symlink(out, filepath.Join(root, "abs")))
	before := outsideState(t, base)
	h := open(t, root, false)

	duration := 500 * time.Millisecond
	if testing.Short() {
		duration = 100 * time.Millisecond
	}
	var stop atomic.Bool
	var swaps atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // "d" is in turn the real directory, missing, a link to the outside
		defer wg.Done()
		d, real := filepath.Join(root, "d"), filepath.Join(root, "real")
		for i := 0; !stop.Load(); i++ {
			link := filepath.Join(root, []string{"rel", "abs"}[i%2])
			for _, mv := range [][2]string{{d, real}, {link, d}, {d, link}, {real, d}} {
				if err := os.Rename(mv[0], mv[1]); err != nil {
					t.Errorf("swap: %v", err)
					return
				}
			}
			swaps.Add(1)
		}
	}()

	type tally struct{ ok, refused int }
	results := make([]map[string]*tally, 4)
	for w := range results {
		results[w] = map[string]*tally{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				for _, op := range escapeOps(h, "/d") {
					errno, leaked := op.do()
					if leaked {
						t.Errorf("%s: read or listed the outside", op.name)
					}
					switch errno {
					case EIO:
						t.Errorf("%s = EIO", op.name)
					case ESUCCESS, ENOENT, EPERM, ENOTCAPABLE, ELOOP, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, EINVAL:
					default:
						t.Errorf("%s = %v", op.name, errno)
					}
					tl := results[w][op.name]
					if tl == nil {
						tl = &tally{}
						results[w][op.name] = tl
					}
					if errno == ESUCCESS {
						tl.ok++
					} else {
						tl.refused++
					}
				}
				// Put back, through h (d may be a link now), what the operations
				// moved or removed.
				if f, errno := h.OpenFile("/d/secret", OFlagWrite|OFlagCreate|OFlagTruncate, 0o644); errno == ESUCCESS {
					f.Write([]byte("inside"))
					f.Close()
				}
				if f, errno := h.OpenFile("/rootfile", OFlagWrite|OFlagCreate, 0o644); errno == ESUCCESS {
					f.Close()
				}
			}
		}()
	}
	time.Sleep(duration)
	stop.Store(true)
	wg.Wait()

	total := map[string]*tally{}
	for _, r := range results {
		for name, tl := range r {
			if total[name] == nil {
				total[name] = &tally{}
			}
			total[name].ok += tl.ok
			total[name].refused += tl.refused
		}
	}
	for _, op := range escapeOps(h, "/d") {
		t.Logf("%-26s ok %6d  refused %6d", op.name, total[op.name].ok, total[op.name].refused)
	}
	t.Logf("%d swaps", swaps.Load())
	if swaps.Load() == 0 {
		t.Error("the swapper never ran")
	}
	if after := outsideState(t, base); !slices.Equal(before, after) {
		t.Errorf("the outside changed:\n%q\n%q", before, after)
	}
}

// TestHostDirUtimensSpecial: UTimeOmit leaves a time as it is, UTimeNow sets the
// current time, on the path and on the file.
func TestHostDirUtimensSpecial(t *testing.T) {
	dir := t.TempDir()
	mustHost(t, os.WriteFile(filepath.Join(dir, "f"), nil, 0o644))
	h := openHostDir(t, dir, false)
	at, mt := time.Unix(100, 1).UnixNano(), time.Unix(200, 2).UnixNano()
	if errno := h.Utimens("/f", at, mt); errno != ESUCCESS {
		t.Fatal(errno)
	}
	before := time.Now().Add(-time.Second).UnixNano()
	if errno := h.Utimens("/f", UTimeOmit, UTimeNow); errno != ESUCCESS {
		t.Fatal(errno)
	}
	st, _ := h.Lstat("/f")
	if st.Atim != at || st.Mtim < before {
		t.Errorf("after (omit, now): atim %d mtim %d; want %d and >= %d", st.Atim, st.Mtim, at, before)
	}
	f, _ := h.OpenFile("/f", OFlagRead, 0)
	defer f.Close()
	if errno := f.Utimens(at, UTimeOmit); errno != ESUCCESS {
		t.Fatal(errno)
	}
	st2, _ := f.Stat()
	if st2.Atim/1000 != at/1000 || st2.Mtim != st.Mtim {
		t.Errorf("after File.Utimens(at, omit): atim %d mtim %d; want %d %d", st2.Atim, st2.Mtim, at, st.Mtim)
	}
	if st2.Ino == 0 || st2.Dev == 0 && runtime.GOOS == "linux" || st2.Ctim == 0 {
		t.Errorf("Stat lacks the platform fields: %+v", st2)
	}
	var sys syscall.Stat_t
	mustHost(t, syscall.Stat(filepath.Join(dir, "f"), &sys))
	if st2.Ino != sys.Ino {
		t.Errorf("Ino %d, host %d", st2.Ino, sys.Ino)
	}
}
