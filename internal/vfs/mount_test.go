package vfs

import (
	"fmt"
	"io/fs"
	"slices"
	"sync"
	"testing"
)

// newTestTable builds "/" (tmp) with /home/link -> /data/file.txt, /home/rel ->
// ../data/file.txt, /loop/a <-> /loop/b, /home/dirlink -> /data, and a second
// tmpfs mounted at /data holding file.txt and sub/.
func newTestTable(t testing.TB) *MountTable {
	t.Helper()
	root, data := NewTmpFS(nil), NewTmpFS(nil)
	must := func(e Errno) {
		t.Helper()
		if e != ESUCCESS {
			t.Fatal(e)
		}
	}
	must(root.Mkdir("/home", 0o755))
	must(root.Mkdir("/loop", 0o755))
	must(root.Symlink("/data/file.txt", "/home/link"))
	must(root.Symlink("../data/file.txt", "/home/rel"))
	must(root.Symlink("/data", "/home/dirlink"))
	must(root.Symlink("b", "/loop/a"))
	must(root.Symlink("a", "/loop/b"))
	f, e := data.OpenFile("/file.txt", OFlagWrite|OFlagCreate, 0o644)
	must(e)
	_, e = f.Write([]byte("data"))
	must(e)
	must(f.Close())
	must(data.Mkdir("/sub", 0o755))
	m := NewMountTable(root, "tmp")
	must(m.Mount("/data", data, "volume:data"))
	return m
}

func TestMountLookup(t *testing.T) {
	a, b, c := NewTmpFS(nil), NewTmpFS(nil), NewTmpFS(nil)
	m := NewMountTable(a, "a")
	m.Mount("/x", b, "b")
	m.Mount("/x/y/z", c, "c")
	for _, tt := range []struct {
		path, source, rel string
	}{
		{"/", "a", "/"},
		{"/w", "a", "/w"},
		{"/x", "b", "/"},
		{"/xx", "a", "/xx"},
		{"/x/y", "b", "/y"},
		{"/x/y/z", "c", "/"},
		{"/x/y/z/deep/er", "c", "/deep/er"},
		{"/x/y/zz", "b", "/y/zz"},
	} {
		mt, rel := m.lookup(tt.path)
		if mt.source != tt.source || rel != tt.rel {
			t.Errorf("lookup(%q) = %s %q, want %s %q", tt.path, mt.source, rel, tt.source, tt.rel)
		}
	}
	if allocs := testing.AllocsPerRun(100, func() { m.lookup("/x/y/z/deep/er") }); allocs != 0 {
		t.Errorf("lookup allocates %v times", allocs)
	}
	if m.Mount("relative", a, "") != EINVAL || m.Mount("/a/../b", a, "") != EINVAL {
		t.Error("unclean mount paths accepted")
	}
}

func TestResolve(t *testing.T) {
	m := newTestTable(t)
	for _, tt := range []struct {
		path   string
		follow bool
		guest  string
		errno  Errno
	}{
		{"/home/link", true, "/data/file.txt", ESUCCESS},
		{"/home/link", false, "/home/link", ESUCCESS},
		{"/home/rel", true, "/data/file.txt", ESUCCESS},
		{"/home/dirlink/sub", false, "/data/sub", ESUCCESS},
		{"/home/dirlink/../home", false, "/home", ESUCCESS}, // ".." of the link's target, as POSIX
		{"/../../data/file.txt", false, "/data/file.txt", ESUCCESS},
		{"/data/../../..", false, "/", ESUCCESS},
		{"data/./sub/", false, "/data/sub", ESUCCESS},
		{"/data/new", false, "/data/new", ESUCCESS}, // the last may be missing
		{"/data/missing/x", false, "", ENOENT},
		{"/data/file.txt/x", false, "", ENOTDIR},
		{"/loop/a", true, "", ELOOP},
		{"/loop/a", false, "/loop/a", ESUCCESS},
		{"/loop/a/x", false, "", ELOOP},
		{"", false, "", ENOENT},
	} {
		r, errno := m.resolve(tt.path, tt.follow)
		if errno != tt.errno || errno == ESUCCESS && r.guest != tt.guest {
			t.Errorf("resolve(%q, %v) = %q, %v; want %q, %v", tt.path, tt.follow, r.guest, errno, tt.guest, tt.errno)
		}
	}
	if _, errno := m.Stat("/data/file.txt/"); errno != ENOTDIR {
		t.Errorf("trailing slash on a file: %v, want ENOTDIR", errno)
	}
	if st, errno := m.Stat("/home/dirlink/"); errno != ESUCCESS || !st.Mode.IsDir() {
		t.Errorf("trailing slash on a link to a directory: %v %v", st.Mode, errno)
	}
	if st, errno := m.Lstat("/home/link"); errno != ESUCCESS || st.Mode&fs.ModeSymlink == 0 {
		t.Errorf("Lstat of a link: %v %v", st.Mode, errno)
	}
	f, errno := m.OpenFile("/home/rel", OFlagRead, 0)
	if errno != ESUCCESS {
		t.Fatal(errno)
	}
	buf := make([]byte, 8)
	if n, _ := f.Read(buf); string(buf[:n]) != "data" {
		t.Errorf("read through a link across mounts: %q", buf[:n])
	}
	f.Close()
}

// TestMountTableResolve: Resolve follows every link, the last included, and
// returns a clean guest path that need not exist.
func TestMountTableResolve(t *testing.T) {
	m := newTestTable(t)
	if errno := m.Symlink("/data/gone", "/home/dangling"); errno != ESUCCESS {
		t.Fatal(errno)
	}
	if errno := m.Symlink("dirlink/sub/../file.txt", "/home/chain"); errno != ESUCCESS {
		t.Fatal(errno)
	}
	for _, tt := range []struct {
		path  string
		want  string
		errno Errno
	}{
		{"/data/file.txt", "/data/file.txt", ESUCCESS},
		{"/home/link", "/data/file.txt", ESUCCESS},                 // absolute, across mounts
		{"/home/rel", "/data/file.txt", ESUCCESS},                  // relative, with ".."
		{"/home/chain", "/data/file.txt", ESUCCESS},                // a link through a link
		{"/home/dirlink/sub", "/data/sub", ESUCCESS},               // a link before the last
		{"/home/dirlink/../home/link", "/data/file.txt", ESUCCESS}, // ".." of the target
		{"/home/dirlink/", "/data", ESUCCESS},                      // trailing slash: clean
		{"home//./link", "/data/file.txt", ESUCCESS},               // relative, unclean
		{"/../../home/link", "/data/file.txt", ESUCCESS},           // ".." clamped at "/"
		{"/home/dangling", "/data/gone", ESUCCESS},                 // need not exist
		{"/data/new", "/data/new", ESUCCESS},                       // neither
		{"/data/missing/x", "", ENOENT},
		{"/data/file.txt/x", "", ENOTDIR},
		{"/loop/a", "", ELOOP},
		{"", "", ENOENT},
	} {
		got, errno := m.Resolve(tt.path)
		if got != tt.want || errno != tt.errno {
			t.Errorf("Resolve(%q) = %q, %v; want %q, %v", tt.path, got, errno, tt.want, tt.errno)
		}
	}
}

// TestResolveLinkChain follows a chain of exactly maxSymlinks links (/c/2 ... /c/41,
// the last pointing at /end), and fails one link further (/c/1).
func TestResolveLinkChain(t *testing.T) {
	root := NewTmpFS(nil)
	root.Mkdir("/c", 0o755)
	root.Mkdir("/end", 0o755)
	for i := range maxSymlinks + 1 {
		root.Symlink(fmt.Sprintf("/c/%d", i+1), fmt.Sprintf("/c/%d", i))
	}
	root.Symlink("/end", fmt.Sprintf("/c/%d", maxSymlinks+1))
	m := NewMountTable(root, "tmp")
	if r, errno := m.resolve("/c/2", true); errno != ESUCCESS || r.guest != "/end" {
		t.Errorf("40 links: %q %v", r.guest, errno)
	}
	if _, errno := m.resolve("/c/1", true); errno != ELOOP {
		t.Errorf("41 links: %v, want ELOOP", errno)
	}
}

func TestMountTableOps(t *testing.T) {
	m := newTestTable(t)
	if e := m.Rename("/data/file.txt", "/home/file.txt"); e != EXDEV {
		t.Errorf("rename across mounts: %v, want EXDEV", e)
	}
	if e := m.Link("/data/file.txt", "/home/hard"); e != EXDEV {
		t.Errorf("link across mounts: %v, want EXDEV", e)
	}
	if e := m.Rmdir("/data"); e != EBUSY {
		t.Errorf("rmdir of a mount point: %v, want EBUSY", e)
	}
	if e := m.Rename("/data", "/elsewhere"); e != EBUSY {
		t.Errorf("rename of a mount point: %v, want EBUSY", e)
	}
	if e := m.Rename("/data/file.txt", "/data/sub/moved.txt"); e != ESUCCESS {
		t.Errorf("rename within a mount: %v", e)
	}
	if e := m.Mkdir("/home/dirlink/newdir", 0o755); e != ESUCCESS {
		t.Errorf("mkdir through a link: %v", e)
	}
	if _, e := m.Stat("/data/newdir"); e != ESUCCESS {
		t.Errorf("the directory made through the link is not in /data: %v", e)
	}
	if target, e := m.Readlink("/home/rel"); e != ESUCCESS || target != "../data/file.txt" {
		t.Errorf("readlink: %q %v", target, e)
	}
	mp, src, _, e := m.Provenance("/home/dirlink/sub")
	if e != ESUCCESS || mp != "/data" || src != "volume:data" {
		t.Errorf("provenance: %q %q %v", mp, src, e)
	}
	mp, src, _, e = m.Provenance("/home/dirlink")
	if e != ESUCCESS || mp != "/" || src != "tmp" {
		t.Errorf("provenance of the link itself: %q %q %v", mp, src, e)
	}
}

// TestMountPointsListed: a mount point shows in its parent's listing, once, also
// when the parent filesystem has no entry for it.
func TestMountPointsListed(t *testing.T) {
	m := newTestTable(t)
	m.Mount("/home/user", NewTmpFS(nil), "tmp") // /home exists, /home/user does not
	for _, tt := range []struct {
		dir  string
		want []string
	}{
		{"/", []string{"data", "home", "loop"}},
		{"/home", []string{"dirlink", "link", "rel", "user"}},
	} {
		got := listAll(t, m, tt.dir, 2)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s lists %q, want %q", tt.dir, got, tt.want)
		}
	}
	// Over an existing directory: listed once.
	m.Mount("/loop", NewTmpFS(nil), "tmp")
	if got := listAll(t, m, "/", 1); !slices.Equal(got, []string{"data", "home", "loop"}) {
		t.Errorf("/ lists %q", got)
	}
}

// listAll reads a whole directory, batch entries at a time, sorted.
func listAll(t *testing.T, f FS, dir string, batch int) []string {
	t.Helper()
	d, errno := f.OpenFile(dir, OFlagRead|OFlagDirectory, 0)
	if errno != ESUCCESS {
		t.Fatalf("open %s: %v", dir, errno)
	}
	defer d.Close()
	ents, errno := ReadDirAll(d, batch)
	if errno != ESUCCESS {
		t.Fatalf("readdir %s: %v", dir, errno)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name)
	}
	slices.Sort(names)
	return names
}

// TestMountTableHammer mounts and resolves from many goroutines (run with -race).
func TestMountTableHammer(t *testing.T) {
	m := newTestTable(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				if g%2 == 0 {
					m.Mount(fmt.Sprintf("/m%d/%d", g, i%5), NewTmpFS(nil), "tmp")
					continue
				}
				if _, e := m.Stat("/home/link"); e != ESUCCESS {
					t.Errorf("stat: %v", e)
					return
				}
				m.Provenance(fmt.Sprintf("/m%d/%d/x", g-1, i%5))
				_ = m.Mounts()
			}
		}()
	}
	wg.Wait()
}
