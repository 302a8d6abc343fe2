package vfs

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// requireOpenat2 skips the test where the kernel (or a seccomp filter) refuses
// openat2 with RESOLVE_BENEATH (ENOSYS, EPERM), asked directly, not through the
// code under test; any other failure fails it.
func requireOpenat2(t *testing.T) {
	t.Helper()
	dirfd, err := unix.Open(t.TempDir(), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	mustHost(t, err)
	defer unix.Close(dirfd)
	fd, err := unix.Openat2(dirfd, ".", &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: beneathResolve,
	})
	switch err {
	case nil:
		unix.Close(fd)
	case unix.ENOSYS, unix.EPERM:
		t.Skipf("openat2 with RESOLVE_BENEATH is not available here: %v", err)
	default:
		t.Fatalf("openat2 of a directory itself: %v", err)
	}
}

// TestHostDirOpenat2Used: where the kernel has openat2, NewHostDir uses it, so
// that the default mode of the escape tests runs on it.
func TestHostDirOpenat2Used(t *testing.T) {
	requireOpenat2(t)
	if h := openHostDir(t, t.TempDir(), false); h.beneath == nil {
		t.Fatal("NewHostDir does not use openat2, which this kernel has")
	}
}

// countHostSyscalls records, through hostSyscallHook, the system calls of the
// openat2 path that fn makes.
func countHostSyscalls(fn func()) []string {
	var calls []string
	hostSyscallHook = func(name string) { calls = append(calls, name) }
	defer func() { hostSyscallHook = nil }()
	fn()
	return calls
}

// TestHostDirSyscallsFlat: Lstat, OpenFile, Mkdir, Symlink, Readlink, Link,
// Chmod (where the kernel has fchmodat2) and Unlink make the same system calls at depth 5 and 20 (and fewer at depth 1,
// where a name needs no resolution).
// The os.Root of the filesystem is closed first, so that a call that went
// through it (whose cost grows with the depth, and which the hook does not see)
// would fail instead of going uncounted.
func TestHostDirSyscallsFlat(t *testing.T) {
	requireOpenat2(t)
	wantDeep := map[string][]string{
		"Lstat":           {"openat2", "fstat", "close"},
		"OpenFile read":   {"openat2", "fstat", "close", "openat2"},
		"OpenFile create": {"openat2", "openat2"}, // Lstat's open fails with ENOENT
		"OpenFile path":   {"openat2", "fstat", "close"},
		"Mkdir":           {"openat2", "mkdirat", "close"},
		"Symlink":         {"openat2", "symlinkat", "close"},
		"Readlink":        {"openat2", "readlinkat", "close"},
		"Link":            {"openat2", "openat2", "linkat", "close", "close"},
		"Chmod":           {"openat2", "fchmodat2", "close"},
		"Unlink":          {"openat2", "unlinkat", "close"},
	}
	wantTop := map[string][]string{
		"Lstat":           {"fstatat"},
		"OpenFile read":   {"fstatat", "openat2"},
		"OpenFile create": {"fstatat", "openat2"},
		"OpenFile path":   {"fstatat"},
		"Mkdir":           {"mkdirat"},
		"Symlink":         {"symlinkat"},
		"Readlink":        {"readlinkat"},
		"Link":            {"linkat"},
		"Chmod":           {"fchmodat2"},
		"Unlink":          {"unlinkat"},
	}
	opNames := []string{"Lstat", "OpenFile read", "OpenFile create", "OpenFile path", "Mkdir", "Symlink", "Readlink", "Link", "Chmod", "Unlink"}
	if !haveFchmodat2(t) {
		opNames = slices.DeleteFunc(opNames, func(s string) bool { return s == "Chmod" })
	}
	for _, d := range hostDepths {
		want := wantDeep
		if d == 1 {
			want = wantTop
		}
		dir := t.TempDir()
		p := makeDeepFile(t, dir, d, false)
		h := openHostDir(t, dir, false)
		mustHost(t, h.root.Close())
		ops := map[string]func() Errno{
			"Lstat": func() Errno { return second(h.Lstat(p)) },
			"OpenFile read": func() Errno {
				f, errno := h.OpenFile(p, OFlagRead, 0)
				if errno == ESUCCESS {
					f.Close()
				}
				return errno
			},
			"OpenFile create": func() Errno {
				f, errno := h.OpenFile(p+"-new", OFlagWrite|OFlagCreate, 0o644)
				if errno == ESUCCESS {
					f.Close()
				}
				return errno
			},
			"OpenFile path": func() Errno {
				f, errno := h.OpenFile(p, OFlagPath, 0)
				if errno == ESUCCESS {
					if _, errno = f.Stat(); errno == ESUCCESS {
						f.Close()
					}
				}
				return errno
			},
			"Mkdir":   func() Errno { return h.Mkdir(p+"-dir", 0o755) },
			"Symlink": func() Errno { return h.Symlink("target", p+"-sym") },
			"Readlink": func() Errno {
				target, errno := h.Readlink(p + "-sym")
				if errno == ESUCCESS && target != "target" {
					t.Errorf("depth %d: Readlink = %q, want %q", d, target, "target")
				}
				return errno
			},
			"Link":   func() Errno { return h.Link(p, p+"-link") },
			"Chmod":  func() Errno { return h.Chmod(p, 0o600) },
			"Unlink": func() Errno { return h.Unlink(p) },
		}
		for _, name := range opNames {
			var errno Errno
			got := countHostSyscalls(func() { errno = ops[name]() })
			if errno != ESUCCESS {
				t.Errorf("depth %d: %s = %v", d, name, errno)
			}
			if name == "OpenFile path" {
				got = got[:len(got)/2] // the open's Lstat and the handle's Stat are the same
			}
			if !slices.Equal(got, want[name]) {
				t.Errorf("depth %d: %s made %q, want %q", d, name, got, want[name])
			}
		}
		host := filepath.Join(dir, filepath.FromSlash(p))
		if fi, err := os.Lstat(host + "-dir"); err != nil || !fi.IsDir() {
			t.Errorf("depth %d: Mkdir made %v, %v", d, fi, err)
		}
		if fi, err := os.Lstat(host + "-link"); err != nil || fi.Size() != int64(len("deep")) {
			t.Errorf("depth %d: Link made %v, %v", d, fi, err)
		}
	}
}

// TestHostDirStatSys: Lstat by openat2 and fstat gives what Lstat through
// os.Root gives, for every kind of file.
func TestHostDirStatSys(t *testing.T) {
	requireOpenat2(t)
	dir := t.TempDir()
	mustHost(t, os.WriteFile(filepath.Join(dir, "f"), []byte("12345"), 0o640))
	mustHost(t, os.Mkdir(filepath.Join(dir, "d"), 0o711))
	mustHost(t, os.Symlink("f", filepath.Join(dir, "l")))
	mustHost(t, unix.Mkfifo(filepath.Join(dir, "p"), 0o600))
	for _, tc := range []struct{ dir, path string }{
		{dir, "/"}, {dir, "/f"}, {dir, "/d"}, {dir, "/l"}, {dir, "/p"}, {"/dev", "/null"},
	} {
		want, errno := openHostDirRoot(t, tc.dir, false).Lstat(tc.path)
		if errno != ESUCCESS {
			t.Fatalf("Lstat(%s) through os.Root = %v", tc.path, errno)
		}
		h := openHostDir(t, tc.dir, false)
		if h.beneath == nil {
			t.Fatal("no openat2")
		}
		if got, errno := h.Lstat(tc.path); got != want || errno != ESUCCESS {
			t.Errorf("Lstat(%s) by openat2 = %+v, %v\nthrough os.Root %+v", tc.path, got, errno, want)
		}
	}
}

// setHostOpenat2 replaces openat2 for the rest of the test.
func setHostOpenat2(t *testing.T, fn func(int, string, *unix.OpenHow) (int, error)) {
	saved := hostOpenat2
	hostOpenat2 = fn
	t.Cleanup(func() { hostOpenat2 = saved })
}

// TestHostDirOpenat2Retry: openat2 is tried again on EINTR and EAGAIN; when
// EAGAIN persists, the call goes through os.Root and still succeeds.
func TestHostDirOpenat2Retry(t *testing.T) {
	requireOpenat2(t)
	dir := t.TempDir()
	p := makeDeepFile(t, dir, 3, false)
	h := openHostDir(t, dir, false)
	for _, tc := range []struct {
		name    string
		failing int // the first calls that fail
		fail    unix.Errno
		want    []string
	}{
		{"EINTR once", 1, unix.EINTR, []string{"openat2", "openat2", "fstat", "close"}},
		{"EAGAIN twice", 2, unix.EAGAIN, []string{"openat2", "openat2", "openat2", "fstat", "close"}},
		{"EAGAIN always", 1 << 30, unix.EAGAIN, slices.Repeat([]string{"openat2"}, beneathRetries)},
	} {
		calls := 0
		setHostOpenat2(t, func(dirfd int, path string, how *unix.OpenHow) (int, error) {
			if calls++; calls <= tc.failing {
				return -1, tc.fail
			}
			return unix.Openat2(dirfd, path, how)
		})
		var st Stat
		var errno Errno
		got := countHostSyscalls(func() { st, errno = h.Lstat(p) })
		if errno != ESUCCESS || st.Size != int64(len("deep")) {
			t.Errorf("%s: Lstat = %+v, %v", tc.name, st, errno)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: Lstat made %q, want %q", tc.name, got, tc.want)
		}
	}
	// Persistent EAGAIN on the open and the parent: os.Root does the work.
	if f, errno := h.OpenFile(p, OFlagRead, 0); errno != ESUCCESS {
		t.Errorf("OpenFile with EAGAIN = %v", errno)
	} else {
		f.Close()
	}
	if errno := h.Mkdir(p+"-dir", 0o755); errno != ESUCCESS {
		t.Errorf("Mkdir with EAGAIN = %v", errno)
	}
	if errno := h.Symlink("target", p+"-sym"); errno != ESUCCESS {
		t.Errorf("Symlink with EAGAIN = %v", errno)
	}
	if target, errno := h.Readlink(p + "-sym"); errno != ESUCCESS || target != "target" {
		t.Errorf("Readlink with EAGAIN = %q, %v", target, errno)
	}
	if errno := h.Link(p, p+"-link"); errno != ESUCCESS {
		t.Errorf("Link with EAGAIN = %v", errno)
	}
	if errno := h.Unlink(p); errno != ESUCCESS {
		t.Errorf("Unlink with EAGAIN = %v", errno)
	}
}

// TestHostDirOpenat2Missing: when the probe's openat2 fails (ENOSYS before Linux
// 5.6, EPERM or ENOSYS from a seccomp filter), the host directory goes through
// os.Root, and works.
func TestHostDirOpenat2Missing(t *testing.T) {
	requireOpenat2(t)
	reset := func() {
		openat2Once = sync.Once{}
		openat2Works = false
	}
	reset()
	t.Cleanup(reset) // the next NewHostDir probes the real openat2 again
	for _, e := range []unix.Errno{unix.ENOSYS, unix.EPERM} {
		reset()
		probes := 0
		setHostOpenat2(t, func(int, string, *unix.OpenHow) (int, error) {
			probes++
			return -1, e
		})
		dir := t.TempDir()
		p := makeDeepFile(t, dir, 2, false)
		for i := range 2 {
			h := openHostDir(t, dir, false)
			if h.beneath != nil {
				t.Errorf("%v: NewHostDir #%d uses openat2", e, i+1)
			}
			if st, errno := h.Lstat(p); errno != ESUCCESS || st.Size != int64(len("deep")) {
				t.Errorf("%v: Lstat = %+v, %v", e, st, errno)
			}
		}
		if probes != 1 {
			t.Errorf("%v: openat2 probed %d times for two host directories, want once", e, probes)
		}
	}
}

// TestHostDirOpenNoFollow: a symlink swapped in for the last component between
// OpenFile's Lstat and its open is not followed by the openat2 open (ELOOP).
func TestHostDirOpenNoFollow(t *testing.T) {
	requireOpenat2(t)
	dir := t.TempDir()
	mustHost(t, os.Mkdir(filepath.Join(dir, "d"), 0o755))
	mustHost(t, os.WriteFile(filepath.Join(dir, "d", "target"), []byte("data"), 0o644))
	mustHost(t, os.WriteFile(filepath.Join(dir, "d", "f"), nil, 0o644))
	h := openHostDir(t, dir, false)
	opens := 0
	setHostOpenat2(t, func(dirfd int, path string, how *unix.OpenHow) (int, error) {
		if opens++; opens == 2 { // after the Lstat's open, before the file's
			mustHost(t, os.Remove(filepath.Join(dir, "d", "f")))
			mustHost(t, os.Symlink("target", filepath.Join(dir, "d", "f")))
		}
		return unix.Openat2(dirfd, path, how)
	})
	if _, errno := h.OpenFile("/d/f", OFlagRead, 0); errno != ELOOP {
		t.Errorf("OpenFile of a link swapped in = %v, want ELOOP", errno)
	}
	if opens != 2 {
		t.Errorf("%d openat2 calls, want 2", opens)
	}
}

// haveFchmodat2 asks the kernel directly, not through the code under test,
// whether it has fchmodat2 (Linux 6.6): an unknown flag is EINVAL there.
func haveFchmodat2(t *testing.T) bool {
	t.Helper()
	p, err := unix.BytePtrFromString(".")
	mustHost(t, err)
	cwd := unix.AT_FDCWD
	_, _, e := unix.Syscall6(unix.SYS_FCHMODAT2, uintptr(cwd), uintptr(unsafe.Pointer(p)), 0, 1<<30, 0, 0)
	return e == unix.EINVAL
}

// TestHostDirChmodPaths: Chmod changes a file (one without read permission
// too), refuses a symlink with ENOTSUP and an escape with EPERM, and changes
// nothing outside, with fchmodat2 and where it is missing (ENOSYS before Linux
// 6.6, ENOSYS or EPERM from a seccomp filter), on both paths of the parent.
func TestHostDirChmodPaths(t *testing.T) {
	reset := func() {
		fchmodat2Once = sync.Once{}
		fchmodat2Works = false
	}
	t.Cleanup(reset) // the next Chmod probes the real fchmodat2 again
	saved := hostFchmodat2
	for _, tc := range []struct {
		name    string
		missing unix.Errno // what the replaced fchmodat2 answers; 0: the real one
	}{{"fchmodat2", 0}, {"ENOSYS", unix.ENOSYS}, {"EPERM", unix.EPERM}} {
		if tc.missing == 0 && !haveFchmodat2(t) {
			continue
		}
		for _, mode := range hostDirModes {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				reset()
				if tc.missing != 0 {
					hostFchmodat2 = func(int, string, uint32, int) error { return tc.missing }
					t.Cleanup(func() { hostFchmodat2 = saved })
				}
				base, root := makeEscapeTree(t, []string{"d/f", "d/noread", "rel => ../OUTSIDE/secret", "link => ../OUTSIDE"})
				mustHost(t, os.Chmod(filepath.Join(root, "d", "noread"), 0))
				before := outsideState(t, base)
				h := mode.open(t, root, false)
				var errnos []Errno
				calls := countHostSyscalls(func() {
					errnos = []Errno{h.Chmod("/d/f", 0o600), h.Chmod("/d/noread", 0o640), h.Chmod("/rel", 0o777), h.Chmod("/link/secret", 0o777)}
				})
				want := []Errno{ESUCCESS, ESUCCESS, ENOTSUP, EPERM}
				if !slices.Equal(errnos, want) {
					t.Errorf("Chmod of a file, an unreadable file, a link and an escape = %v, want %v", errnos, want)
				}
				for name, perm := range map[string]fs.FileMode{"f": 0o600, "noread": 0o640} {
					if fi, err := os.Lstat(filepath.Join(root, "d", name)); err != nil || fi.Mode().Perm() != perm {
						t.Errorf("d/%s after Chmod: %v, %v; want %v", name, fi, err, perm)
					}
				}
				if after := outsideState(t, base); !slices.Equal(before, after) {
					t.Errorf("the outside changed:\n%q\n%q", before, after)
				}
				if used := slices.Contains(calls, "fchmodat2"); used != (tc.missing == 0) {
					t.Errorf("fchmodat2 used: %v, want %v", used, tc.missing == 0)
				}
			})
		}
	}
}
