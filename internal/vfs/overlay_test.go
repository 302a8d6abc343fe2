package vfs

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// ovBuild makes the entries of spec in fsys, one per line: "d PATH MODE" for a
// directory, "f PATH MODE DATA" for a file (DATA is the rest of the line), "l
// PATH TARGET" for a symlink, "h PATH OLD" for a hard link to OLD.
func ovBuild(t testing.TB, fsys FS, spec string) {
	t.Helper()
	for line := range strings.Lines(spec) {
		f := strings.SplitN(strings.TrimSpace(line), " ", 4)
		if len(f) < 3 {
			continue
		}
		mode := func() fs.FileMode {
			m, err := strconv.ParseUint(f[2], 8, 32)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return fs.FileMode(m)
		}
		switch f[0] {
		case "d":
			tmpOK(t, fsys.Mkdir(f[1], mode()), "mkdir "+f[1])
		case "f":
			data := ""
			if len(f) == 4 {
				data = f[3]
			}
			w, errno := fsys.OpenFile(f[1], OFlagWrite|OFlagCreate|OFlagExclusive, mode())
			tmpOK(t, errno, "create "+f[1])
			_, errno = w.Write([]byte(data))
			tmpOK(t, errno, "write "+f[1])
			tmpOK(t, w.Close(), "close "+f[1])
		case "l":
			tmpOK(t, fsys.Symlink(f[2], f[1]), "symlink "+f[1])
		case "h":
			tmpOK(t, fsys.Link(f[2], f[1]), "link "+f[1])
		default:
			t.Fatalf("bad spec line %q", line)
		}
	}
}

// The layers of the overlay under test: two lowers that overlap, and an upper.
const (
	ovLower1 = `
d /a 0755
f /a/x 0644 x from l1
f /a/y 0600 y from l1
d /a/sub 0700
f /a/sub/d1 0644 d1
f /clash 0644 clash file in l1
l /link a/x
f /only1 0644 only1
h /only1b /only1
d /big 0755
`
	ovLower2 = `
d /a 0755
f /a/y 0644 y from l2
f /a/z 0644 z from l2
d /a/sub 0755
f /a/sub/d2 0644 d2
d /clash 0755
f /clash/inner 0644 hidden
f /only2 0644 only2
d /dir2 0755
f /dir2/f 0644 f2
d /empty2 0755
d /big 0755
`
	ovUpper = `
d /a 0755
f /a/w 0644 w from upper
f /u 0644 u
`
)

// ovTest is an overlay over the test layers, with its layers at hand.
type ovTest struct {
	ov               *overlay
	upper, l1, l2    *tmpfs
	clkU, clk1, clk2 *tmpClock
}

// newOvTest builds the test overlay; lim limits the upper. The lowers' clocks
// read 1e18, the upper's 2e18, so that a copy-up's kept times show.
func newOvTest(t testing.TB, lim *Limiter) *ovTest {
	t.Helper()
	o := &ovTest{}
	o.upper, o.clkU = newTmpTest(t, lim)
	o.l1, o.clk1 = newTmpTest(t, nil)
	o.l2, o.clk2 = newTmpTest(t, nil)
	ovBuild(t, o.l1, ovLower1)
	for i := range 40 {
		ovBuild(t, o.l1, fmt.Sprintf("f /big/f%03d 0644 l1 %d", i, i))
	}
	ovBuild(t, o.l2, ovLower2)
	for i := 20; i < 60; i++ {
		ovBuild(t, o.l2, fmt.Sprintf("f /big/f%03d 0644 l2 %d", i, i))
	}
	ovBuild(t, o.upper, ovUpper)
	o.clkU.t = 2e18
	o.ov = NewOverlay(Layer{o.upper, "upper"}, Layer{o.l1, "l1"}, Layer{o.l2, "l2"}).(*overlay)
	return o
}

// ovList returns the sorted names in dir of fsys, read two at a time.
func ovList(t testing.TB, fsys FS, dir string) []string {
	t.Helper()
	names := tmpList(t, fsys, dir, 2)
	slices.Sort(names)
	return names
}

// ovCompact makes a listing short to compare: names joined by spaces.
func ovCompact(names []string) string { return strings.Join(names, " ") }

func TestOverlayLookup(t *testing.T) {
	o := newOvTest(t, nil)
	for _, tt := range []struct {
		path  string
		errno Errno
		layer string
		mode  fs.FileMode
		data  string // for a file
	}{
		{"/", 0, "upper", fs.ModeDir | 0o755, ""},
		{"/a", 0, "upper", fs.ModeDir | 0o755, ""},
		{"/a/w", 0, "upper", 0o644, "w from upper"},
		{"/a/x", 0, "l1", 0o644, "x from l1"},
		{"/a/y", 0, "l1", 0o600, "y from l1"}, // the first lower wins
		{"/a/z", 0, "l2", 0o644, "z from l2"},
		{"/a/sub", 0, "l1", fs.ModeDir | 0o700, ""},
		{"/a/sub/d2", 0, "l2", 0o644, "d2"},
		{"/clash", 0, "l1", 0o644, "clash file in l1"}, // a file hides l2's directory
		{"/clash/inner", ENOTDIR, "", 0, ""},
		{"/link", 0, "l1", fs.ModeSymlink | 0o777, ""},
		{"/dir2/f", 0, "l2", 0o644, "f2"},
		{"/u", 0, "upper", 0o644, "u"},
		{"/u/x", ENOTDIR, "", 0, ""},
		{"/a/x/y", ENOTDIR, "", 0, ""},
		{"/missing", ENOENT, "", 0, ""},
		{"/missing/x", ENOENT, "", 0, ""},
		{"", EINVAL, "", 0, ""},
		{"a", EINVAL, "", 0, ""},
		{"/a/", EINVAL, "", 0, ""},
		{"/a/../a", EINVAL, "", 0, ""},
	} {
		st, errno := o.ov.Lstat(tt.path)
		layer, lerrno := o.ov.Layer(tt.path)
		if errno != tt.errno || lerrno != tt.errno || errno == 0 && (st.Mode != tt.mode || layer != tt.layer) {
			t.Errorf("%q: Lstat %v %v, Layer %q %v; want %v %v %q", tt.path, st.Mode, errno, layer, lerrno, tt.mode, tt.errno, tt.layer)
		}
		if errno == 0 && tt.mode.IsRegular() {
			if got := tmpRead(t, o.ov, tt.path); got != tt.data {
				t.Errorf("%q holds %q, want %q", tt.path, got, tt.data)
			}
		}
	}
	for dir, want := range map[string]string{
		"/":       "a big clash dir2 empty2 link only1 only1b only2 u",
		"/a":      "sub w x y z",
		"/a/sub":  "d1 d2",
		"/empty2": "",
	} {
		if got := ovCompact(ovList(t, o.ov, dir)); got != want {
			t.Errorf("listing of %s: %q, want %q", dir, got, want)
		}
	}
	if got := len(ovList(t, o.ov, "/big")); got != 60 {
		t.Errorf("/big lists %d names, want 60", got)
	}
	// Nlink 1 for a merged directory, the layer's for one that is not.
	if st := tmpStat(t, o.ov, "/a/sub"); st.Nlink != 1 {
		t.Errorf("merged /a/sub: Nlink %d, want 1", st.Nlink)
	}
	if st := tmpStat(t, o.ov, "/dir2"); st.Nlink != 2 {
		t.Errorf("/dir2: Nlink %d, want 2", st.Nlink)
	}
	if target, errno := o.ov.Readlink("/link"); errno != 0 || target != "a/x" {
		t.Errorf("Readlink(/link) = %q %v", target, errno)
	}
}

func TestOverlayWhiteouts(t *testing.T) {
	o := newOvTest(t, nil)
	ov := o.ov
	gone := func(p string) {
		t.Helper()
		if _, errno := ov.Lstat(p); errno != ENOENT {
			t.Errorf("Lstat(%s) = %v, want ENOENT", p, errno)
		}
	}
	list := func(dir, want string) {
		t.Helper()
		if got := ovCompact(ovList(t, ov, dir)); got != want {
			t.Errorf("listing of %s: %q, want %q", dir, got, want)
		}
	}

	// A lower file: gone, and not listed; a new one can take its name.
	tmpOK(t, ov.Unlink("/a/x"), "unlink")
	gone("/a/x")
	list("/a", "sub w y z")
	tmpWant(t, ov.Unlink("/a/x"), ENOENT, "second unlink")
	tmpWrite(t, ov, "/a/x", "new x")
	if got := tmpRead(t, ov, "/a/x"); got != "new x" {
		t.Errorf("recreated /a/x holds %q", got)
	}
	tmpOK(t, ov.Unlink("/a/x"), "unlink again")
	gone("/a/x")

	// A name in both lowers: the second lower's does not show through.
	tmpOK(t, ov.Unlink("/a/y"), "unlink /a/y")
	gone("/a/y")
	// A lower file over a lower directory: both go.
	tmpOK(t, ov.Unlink("/clash"), "unlink /clash")
	gone("/clash")
	gone("/clash/inner")

	// A merged directory: removable once empty, opaque when made again.
	tmpWant(t, ov.Rmdir("/a/sub"), ENOTEMPTY, "rmdir non-empty")
	tmpOK(t, ov.Unlink("/a/sub/d1"), "unlink d1")
	tmpOK(t, ov.Unlink("/a/sub/d2"), "unlink d2")
	list("/a/sub", "")
	tmpOK(t, ov.Rmdir("/a/sub"), "rmdir")
	gone("/a/sub")
	gone("/a/sub/d1")
	tmpWant(t, ov.Mkdir("/a/sub/x", 0o755), ENOENT, "mkdir below a whiteout")
	tmpOK(t, ov.Mkdir("/a/sub", 0o750), "mkdir again")
	list("/a/sub", "")
	if st := tmpStat(t, ov, "/a/sub"); st.Mode != fs.ModeDir|0o750 || st.Nlink != 2 {
		t.Errorf("remade /a/sub: %v nlink %d", st.Mode, st.Nlink)
	}
	gone("/a/sub/d1")
	tmpWrite(t, ov, "/a/sub/d2", "mine")
	list("/a/sub", "d2")

	// A directory over a whited-out file: the first lower's file at /clash ends
	// the merge, so the second lower's directory stays hidden.
	tmpOK(t, ov.Mkdir("/clash", 0o755), "mkdir /clash")
	list("/clash", "")
	gone("/clash/inner")

	// A directory of the second lower only.
	tmpOK(t, ov.Unlink("/dir2/f"), "unlink /dir2/f")
	tmpOK(t, ov.Rmdir("/dir2"), "rmdir /dir2")
	tmpOK(t, ov.Mkdir("/dir2", 0o755), "mkdir /dir2")
	list("/dir2", "")

	list("/", "a big clash dir2 empty2 link only1 only1b only2 u")
	list("/a", "sub w z")
	// The marks live in the overlay: the upper holds plain entries only.
	if got := ovCompact(ovList(t, o.upper, "/a")); got != "sub w" {
		t.Errorf("upper /a lists %q", got)
	}
	if got := ovCompact(ovList(t, o.upper, "/")); got != "a clash dir2 u" {
		t.Errorf("upper / lists %q", got)
	}
	// Unlink of a directory, Rmdir of a file, Rmdir of the root.
	tmpWant(t, ov.Unlink("/a"), EISDIR, "unlink dir")
	tmpWant(t, ov.Rmdir("/only1"), ENOTDIR, "rmdir file")
	tmpWant(t, ov.Rmdir("/"), EBUSY, "rmdir /")
}

// countingFS counts the files and directories the overlay creates in it.
type countingFS struct {
	FS
	mu      sync.Mutex
	creates map[string]int
}

func (c *countingFS) count(p string) {
	c.mu.Lock()
	c.creates[p]++
	c.mu.Unlock()
}

func (c *countingFS) OpenFile(p string, flag OFlag, perm fs.FileMode) (File, Errno) {
	f, errno := c.FS.OpenFile(p, flag, perm)
	if errno == 0 && flag&(OFlagCreate|OFlagExclusive) == OFlagCreate|OFlagExclusive {
		c.count(p)
	}
	return f, errno
}

func (c *countingFS) Mkdir(p string, perm fs.FileMode) Errno {
	errno := c.FS.Mkdir(p, perm)
	if errno == 0 {
		c.count(p)
	}
	return errno
}

func TestOverlayCopyUpOnFirstWrite(t *testing.T) {
	o := newOvTest(t, nil)
	up := &countingFS{FS: o.upper, creates: map[string]int{}}
	ov := NewOverlay(Layer{up, "upper"}, Layer{o.l1, "l1"}, Layer{o.l2, "l2"})
	inUpper := func(p string) bool {
		_, errno := o.upper.Lstat(p)
		return errno == 0
	}

	// Opening and closing for writing copies nothing, whatever is done in between
	// that does not change the data.
	h, errno := ov.OpenFile("/a/sub/d1", OFlagRead|OFlagWrite, 0)
	tmpOK(t, errno, "open")
	buf := make([]byte, 10)
	if n, errno := h.Read(buf); errno != 0 || string(buf[:n]) != "d1" {
		t.Errorf("read %q %v", buf[:n], errno)
	}
	h.Lseek(0, io.SeekStart)
	tmpOK(t, h.SetAppend(true), "SetAppend")
	tmpOK(t, h.SetAppend(false), "SetAppend")
	tmpOK(t, h.Sync(), "Sync")
	tmpOK(t, h.Utimens(UTimeOmit, UTimeOmit), "Utimens omit")
	if _, errno := h.Stat(); errno != 0 {
		t.Errorf("Stat: %v", errno)
	}
	tmpOK(t, h.Close(), "close")
	if inUpper("/a/sub/d1") || inUpper("/a/sub") {
		t.Fatal("open and close copied up")
	}
	tmpOK(t, ov.Utimens("/a/sub/d1", UTimeOmit, UTimeOmit), "Utimens omit")
	if inUpper("/a/sub/d1") {
		t.Fatal("a Utimens that changes nothing copied up")
	}

	// The first write copies (the parent chain too); later ones do not.
	h, errno = ov.OpenFile("/a/sub/d1", OFlagWrite, 0)
	tmpOK(t, errno, "open")
	if n, errno := h.Pwrite([]byte("D"), 0); n != 1 || errno != 0 {
		t.Fatalf("Pwrite: %d %v", n, errno)
	}
	if !inUpper("/a/sub/d1") {
		t.Fatal("a write did not copy up")
	}
	h.Lseek(0, io.SeekEnd)
	h.Write([]byte("+"))
	h.Truncate(4)
	h.Chmod(0o600)
	h.Close()
	w, errno := ov.OpenFile("/a/sub/d1", OFlagWrite|OFlagAppend, 0)
	tmpOK(t, errno, "open again")
	w.Write([]byte("!"))
	w.Close()
	if got := tmpRead(t, ov, "/a/sub/d1"); got != "D1+\x00!" {
		t.Errorf("content %q", got)
	}
	if up.creates["/a/sub/d1"] != 1 || up.creates["/a/sub"] != 1 || len(up.creates) != 2 {
		t.Errorf("creations in the upper: %v, want /a/sub and /a/sub/d1 once each", up.creates)
	}
	if st := tmpStat(t, ov, "/a/sub/d1"); st.Mode != 0o600 {
		t.Errorf("mode %v", st.Mode)
	}

	// Every change copies up: Chmod, Utimens, Truncate by handle, Link, Rename.
	for _, tt := range []struct {
		path string
		do   func() Errno
	}{
		{"/a/z", func() Errno { return ov.Chmod("/a/z", 0o640) }},
		{"/only2", func() Errno { return ov.Utimens("/only2", 5, 5) }},
		{"/dir2/f", func() Errno {
			f, errno := ov.OpenFile("/dir2/f", OFlagWrite, 0)
			if errno != 0 {
				return errno
			}
			defer f.Close()
			return f.Truncate(1)
		}},
		{"/a/y", func() Errno { return ov.Link("/a/y", "/a/y2") }},
	} {
		if inUpper(tt.path) {
			t.Fatalf("%s already in the upper", tt.path)
		}
		tmpOK(t, tt.do(), "change of "+tt.path)
		if !inUpper(tt.path) {
			t.Errorf("%s: not copied up", tt.path)
		}
	}
	if st := tmpStat(t, ov, "/only2"); st.Mtim != 5 || st.Atim != 5 {
		t.Errorf("Utimens after copy-up: %+v", st)
	}
	if got := tmpRead(t, ov, "/dir2/f"); got != "f" {
		t.Errorf("truncated /dir2/f: %q", got)
	}
	if got := tmpRead(t, ov, "/a/y2"); got != "y from l1" {
		t.Errorf("link of a copied-up file: %q", got)
	}
}

func TestOverlayTruncateOnOpen(t *testing.T) {
	o := newOvTest(t, nil)
	f, errno := o.ov.OpenFile("/a/x", OFlagWrite|OFlagTruncate, 0)
	tmpOK(t, errno, "open")
	if st := tmpStat(t, o.upper, "/a/x"); st.Size != 0 || st.Mtim != 2e18 {
		t.Errorf("O_TRUNC: upper copy %+v, want empty and stamped now", st)
	}
	f.Write([]byte("T"))
	f.Close()
	if got := tmpRead(t, o.ov, "/a/x"); got != "T" {
		t.Errorf("content %q", got)
	}
	if got := tmpRead(t, o.l1, "/a/x"); got != "x from l1" {
		t.Errorf("lower changed: %q", got)
	}
}

func TestOverlayHandlesFollowCopyUp(t *testing.T) {
	o := newOvTest(t, nil)
	ov := o.ov
	r, errno := ov.OpenFile("/a/x", OFlagRead, 0)
	tmpOK(t, errno, "open r")
	defer r.Close()
	a, errno := ov.OpenFile("/a/x", OFlagWrite|OFlagAppend, 0)
	tmpOK(t, errno, "open a")
	defer a.Close()
	w, errno := ov.OpenFile("/a/x", OFlagRead|OFlagWrite, 0)
	tmpOK(t, errno, "open w")
	defer w.Close()
	buf := make([]byte, 3)
	r.Read(buf) // offset 3
	w.Lseek(2, io.SeekStart)

	if n, errno := w.Write([]byte("XY")); n != 2 || errno != 0 {
		t.Fatalf("write %d %v", n, errno)
	}
	for _, f := range []File{r, a, w} {
		if f.(*overlayFile).layer != 0 {
			t.Fatal("a handle stayed on the lower")
		}
	}
	n, _ := r.Read(buf)
	if string(buf[:n]) != "Yom" {
		t.Errorf("read-only handle after copy-up reads %q at offset 3, want %q", buf[:n], "Yom")
	}
	if off, _ := w.Lseek(0, io.SeekCurrent); off != 4 {
		t.Errorf("writer's offset %d, want 4", off)
	}
	a.Write([]byte("$")) // append mode kept
	if got := tmpRead(t, ov, "/a/x"); got != "x XYom l1$" {
		t.Errorf("content %q", got)
	}

	// A copy-up by path moves the handles too.
	h, errno := ov.OpenFile("/a/z", OFlagRead, 0)
	tmpOK(t, errno, "open /a/z")
	defer h.Close()
	st1, _ := h.Stat()
	tmpOK(t, ov.Chmod("/a/z", 0o600), "chmod")
	st2, _ := h.Stat()
	if h.(*overlayFile).layer != 0 || st2.Mode != 0o600 || st2.Ino != st1.Ino {
		t.Errorf("after Chmod by path: layer %d, mode %v, ino %x (was %x)", h.(*overlayFile).layer, st2.Mode, st2.Ino, st1.Ino)
	}
	// And a rename: the handle follows its file to the new name.
	g, errno := ov.OpenFile("/only2", OFlagWrite, 0)
	tmpOK(t, errno, "open /only2")
	defer g.Close()
	tmpOK(t, ov.Rename("/only2", "/renamed"), "rename")
	g.Pwrite([]byte("O"), 0)
	if got := tmpRead(t, ov, "/renamed"); got != "Only2" {
		t.Errorf("renamed file %q", got)
	}
	if len(o.ov.open) != 0 {
		t.Errorf("handles still registered: %v", o.ov.open)
	}
}

func TestOverlayOrphanHandle(t *testing.T) {
	o := newOvTest(t, nil)
	ov := o.ov
	h, errno := ov.OpenFile("/only1", OFlagRead|OFlagWrite, 0)
	tmpOK(t, errno, "open")
	defer h.Close()
	r, errno := ov.OpenFile("/a/x", OFlagRead, 0)
	tmpOK(t, errno, "open /a/x")
	defer r.Close()
	tmpOK(t, ov.Unlink("/only1"), "unlink")
	tmpOK(t, ov.Rename("/a/z", "/a/x"), "rename over an open file")
	o.clkU.t++
	root := tmpStat(t, ov, "/")

	// The unlinked file lives on in the handle, and takes writes.
	if n, errno := h.Pwrite([]byte("O"), 0); n != 1 || errno != 0 {
		t.Fatalf("write to an unlinked lower file: %d %v", n, errno)
	}
	buf := make([]byte, 20)
	if n, _ := h.Pread(buf, 0); string(buf[:n]) != "Only1" {
		t.Errorf("unlinked file reads %q", buf[:n])
	}
	if n, _ := r.Pread(buf, 0); string(buf[:n]) != "x from l1" {
		t.Errorf("replaced file reads %q", buf[:n])
	}
	if errno := r.Chmod(0o600); errno != 0 {
		t.Errorf("fchmod of a replaced file: %v", errno)
	}
	if got := tmpRead(t, ov, "/a/x"); got != "z from l2" {
		t.Errorf("/a/x holds %q", got)
	}
	for _, p := range []string{"/only1"} {
		if _, errno := ov.Lstat(p); errno != ENOENT {
			t.Errorf("%s: %v", p, errno)
		}
	}
	// No temporary name is left, and the root's times are as they were.
	if got := ovCompact(ovList(t, o.upper, "/")); got != "a u" {
		t.Errorf("upper root lists %q", got)
	}
	if st := tmpStat(t, ov, "/"); st.Mtim != root.Mtim {
		t.Errorf("root mtime %d, was %d", st.Mtim, root.Mtim)
	}
}

func TestOverlayCopyUpENOSPC(t *testing.T) {
	lim := NewLimiter(150 << 10)
	o := newOvTest(t, lim)
	big := bytes.Repeat([]byte("0123456789abcdef"), 200<<10/16) // 200 KiB: three full pieces and a bit
	w, errno := o.l1.OpenFile("/a/sub/big", OFlagWrite|OFlagCreate, 0o644)
	tmpOK(t, errno, "create big")
	w.Write(big)
	w.Close()
	ov := o.ov
	before := ovDump(t, ov)
	used := lim.Used()

	f, errno := ov.OpenFile("/a/sub/big", OFlagWrite, 0)
	tmpOK(t, errno, "open")
	if _, errno := f.Pwrite([]byte("x"), 0); errno != ENOSPC {
		t.Errorf("write: %v, want ENOSPC", errno)
	}
	if errno := f.Truncate(1); errno != ENOSPC {
		t.Errorf("truncate: %v, want ENOSPC", errno)
	}
	f.Close()
	tmpWant(t, ov.Chmod("/a/sub/big", 0o600), ENOSPC, "chmod")
	tmpWant(t, ov.Rename("/a/sub/big", "/big2"), ENOSPC, "rename file")
	tmpWant(t, ov.Link("/a/sub/big", "/big2"), ENOSPC, "link")
	if lim.Used() != used {
		t.Errorf("the limiter counts %d bytes, %d before", lim.Used(), used)
	}
	tmpWant(t, ov.Rename("/a", "/b"), ENOSPC, "rename directory")
	if _, errno := o.upper.Lstat("/a/sub/big"); errno != ENOENT {
		t.Errorf("a partial copy is left: %v", errno)
	}
	if after := ovDump(t, ov); after != before {
		t.Errorf("failed copy-ups changed the view:\n%s\nwas:\n%s", after, before)
	}
	if layer, _ := ov.Layer("/a/sub/big"); layer != "l1" {
		t.Errorf("served by %s", layer)
	}
	// The copies a failed rename made before it failed are invisible, and a
	// retry with room finishes the job.
	lim.limit = 0
	tmpOK(t, ov.Rename("/a", "/b"), "rename with room")
	if got := tmpRead(t, ov, "/b/sub/big"); got != string(big) {
		t.Errorf("big copied as %d bytes", len(got))
	}
}

// ovDump describes the whole tree of fsys: each entry's path, mode, times, and
// content or target.
func ovDump(t testing.TB, fsys FS) string {
	t.Helper()
	var b strings.Builder
	var walk func(string)
	walk = func(dir string) {
		for _, name := range ovList(t, fsys, dir) {
			p := join(dir, name)
			st := tmpStat(t, fsys, p)
			fmt.Fprintf(&b, "%s %v mtim=%d atim=%d", p, st.Mode, st.Mtim, st.Atim)
			switch {
			case st.Mode.IsDir():
				// A directory's size is its serving layer's, which copy-ups change.
				b.WriteByte('\n')
				walk(p)
				continue
			case st.Mode&fs.ModeSymlink != 0:
				target, _ := fsys.Readlink(p)
				fmt.Fprintf(&b, " -> %s", target)
			default:
				fmt.Fprintf(&b, " %q", tmpRead(t, fsys, p))
			}
			b.WriteByte('\n')
		}
	}
	walk("/")
	return b.String()
}

func TestOverlayRenames(t *testing.T) {
	o := newOvTest(t, nil)
	ov := o.ov
	list := func(dir, want string) {
		t.Helper()
		if got := ovCompact(ovList(t, ov, dir)); got != want {
			t.Errorf("listing of %s: %q, want %q", dir, got, want)
		}
	}
	for _, tt := range []struct {
		from, to string
		want     Errno
	}{
		{"/only1", "/a", EISDIR},
		{"/dir2", "/only1", ENOTDIR},
		{"/dir2", "/a", ENOTEMPTY},
		{"/a", "/a/sub/x", EINVAL},
		{"/a", "/a/sub", EINVAL},
		{"/", "/x", EBUSY},
		{"/missing", "/x", ENOENT},
		{"/only1", "/missing/x", ENOENT},
		{"/only1", "/only2/x", ENOTDIR},
		{"/a", "/a", ESUCCESS},
		{"/only1", "/only1b", ESUCCESS}, // two links to one lower file: nothing happens
	} {
		tmpWant(t, ov.Rename(tt.from, tt.to), tt.want, "Rename("+tt.from+", "+tt.to+")")
	}
	if _, errno := o.upper.Lstat("/only1"); errno != ENOENT {
		t.Error("a refused rename copied up")
	}

	// A lower file over a lower file.
	tmpOK(t, ov.Rename("/only1", "/only2"), "file over file")
	if got := tmpRead(t, ov, "/only2"); got != "only1" {
		t.Errorf("/only2 holds %q", got)
	}
	if got := tmpRead(t, ov, "/only1b"); got != "only1" {
		t.Errorf("the other link holds %q", got)
	}
	// A merged directory, whose parts come from the three layers: deep copy.
	tmpOK(t, ov.Rename("/a", "/b"), "merged directory")
	list("/b", "sub w x y z")
	list("/b/sub", "d1 d2")
	if got := tmpRead(t, ov, "/b/y"); got != "y from l1" {
		t.Errorf("/b/y holds %q", got)
	}
	if st := tmpStat(t, ov, "/b/sub"); st.Mode != fs.ModeDir|0o700 || st.Mtim != 1e18 {
		t.Errorf("/b/sub: %v mtim %d", st.Mode, st.Mtim)
	}
	if _, errno := ov.Lstat("/a"); errno != ENOENT {
		t.Errorf("/a after rename: %v", errno)
	}
	tmpOK(t, ov.Mkdir("/a", 0o755), "mkdir /a")
	list("/a", "")
	// A directory onto an empty merged directory: the lower entries under the
	// name stay hidden.
	tmpOK(t, ov.Unlink("/b/sub/d1"), "unlink")
	tmpOK(t, ov.Unlink("/b/sub/d2"), "unlink")
	tmpOK(t, ov.Rename("/dir2", "/empty2"), "dir over a lower empty dir")
	list("/empty2", "f")
	tmpOK(t, ov.Rename("/empty2", "/a"), "dir over an upper empty dir")
	list("/a", "f")
	tmpOK(t, ov.Mkdir("/sub", 0o755), "mkdir")
	tmpOK(t, ov.Rename("/sub", "/b/sub"), "dir over the emptied merged dir")
	list("/b/sub", "")
	list("/", "a b big clash link only1b only2 u")
	for _, p := range []string{"/empty2", "/dir2", "/dir2/f", "/only1"} {
		if _, errno := ov.Lstat(p); errno != ENOENT {
			t.Errorf("Lstat(%s) after moving away: %v", p, errno)
		}
	}
	// A lower symlink stays a symlink.
	tmpOK(t, ov.Rename("/link", "/b/link"), "symlink")
	if st := tmpStat(t, o.upper, "/b/link"); st.Mode&fs.ModeSymlink == 0 {
		t.Errorf("copied-up symlink: %v", st.Mode)
	}
	if target, errno := ov.Readlink("/b/link"); target != "a/x" || errno != 0 {
		t.Errorf("Readlink after rename: %q %v", target, errno)
	}
	if _, errno := ov.OpenFile("/b/link", OFlagRead, 0); errno != ELOOP {
		t.Errorf("open of the symlink: %v", errno)
	}
}

func TestOverlaySymlinks(t *testing.T) {
	o := newOvTest(t, nil)
	ov := o.ov
	st := tmpStat(t, ov, "/link")
	if st.Mode.Type() != fs.ModeSymlink || st.Size != 3 {
		t.Errorf("Lstat(/link) = %v size %d", st.Mode, st.Size)
	}
	for _, flag := range []OFlag{OFlagRead, OFlagWrite, OFlagWrite | OFlagTruncate, OFlagNoFollow} {
		if _, errno := ov.OpenFile("/link", flag, 0); errno != ELOOP {
			t.Errorf("open %v: %v, want ELOOP", flag, errno)
		}
	}
	tmpWant(t, ov.Symlink("x", "/link"), EEXIST, "symlink over a lower one")
	tmpWant(t, ov.Symlink("", "/new"), ENOENT, "empty target")
	tmpOK(t, ov.Symlink("/a/z", "/a/sub/l"), "symlink in a lower directory")
	if st := tmpStat(t, o.upper, "/a/sub"); st.Mode != fs.ModeDir|0o700 {
		t.Errorf("parent copied up as %v", st.Mode)
	}
	tmpOK(t, ov.Link("/link", "/hard"), "hard link to a lower symlink")
	if target, _ := ov.Readlink("/hard"); target != "a/x" {
		t.Errorf("Readlink(/hard) = %q", target)
	}
	f, errno := ov.OpenFile("/link", OFlagPath, 0)
	tmpOK(t, errno, "O_PATH open")
	if st, _ := f.Stat(); st.Mode.Type() != fs.ModeSymlink {
		t.Errorf("O_PATH Stat: %v", st.Mode)
	}
	if _, errno := f.Read(make([]byte, 1)); errno != EBADF {
		t.Errorf("O_PATH Read: %v", errno)
	}
	f.Close()
}

func TestOverlayProvenance(t *testing.T) {
	o := newOvTest(t, nil)
	ov := o.ov
	m := NewMountTable(ov, "root")
	check := func(p, want string) {
		t.Helper()
		_, source, layer, errno := m.Provenance(p)
		if errno != 0 || source != "root" || layer != want {
			t.Errorf("Provenance(%s) = %s %s %v, want layer %s", p, source, layer, errno, want)
		}
	}
	check("/a", "upper")
	check("/a/sub", "l1")
	check("/a/sub/d2", "l2")
	check("/a/x", "l1")
	check("/clash", "l1")
	tmpOK(t, ov.Chmod("/a/sub/d2", 0o600), "chmod")
	check("/a/sub", "upper")
	check("/a/sub/d2", "upper")
	check("/a/sub/d1", "l1")
	f, _ := ov.OpenFile("/a/x", OFlagWrite, 0)
	check("/a/x", "l1")
	f.Write([]byte("!"))
	check("/a/x", "upper")
	f.Close()
	if _, errno := ov.Layer("/missing"); errno != ENOENT {
		t.Errorf("Layer(/missing): %v", errno)
	}
}

func TestOverlayInodes(t *testing.T) {
	o := newOvTest(t, nil)
	ov := o.ov
	seen := map[uint64]string{}
	for _, p := range []string{"/", "/a", "/a/w", "/u", "/a/x", "/a/y", "/a/sub", "/a/sub/d1", "/a/z", "/a/sub/d2", "/only2", "/dir2"} {
		st := tmpStat(t, ov, p)
		if q, dup := seen[st.Ino]; dup {
			t.Errorf("%s and %s share inode %x", p, q, st.Ino)
		}
		seen[st.Ino] = p
	}
	for p, layer := range map[string]uint64{"/u": 0, "/a/x": 1, "/a/sub/d2": 2} {
		if st := tmpStat(t, ov, p); st.Ino>>56 != layer {
			t.Errorf("%s: inode %x, want layer %d in the top bits", p, st.Ino, layer)
		}
	}
	// Listings agree with Lstat, before and after copy-ups.
	agree := func(dir string) {
		t.Helper()
		f, errno := ov.OpenFile(dir, OFlagRead, 0)
		tmpOK(t, errno, "open "+dir)
		defer f.Close()
		buf := make([]Dirent, 100)
		n, _ := f.Readdir(0, buf)
		for _, d := range buf[:n] {
			if st := tmpStat(t, ov, join(dir, d.Name)); st.Ino != d.Ino || st.Mode.Type() != d.Type {
				t.Errorf("%s/%s: Dirent %x %v, Lstat %x %v", dir, d.Name, d.Ino, d.Type, st.Ino, st.Mode.Type())
			}
		}
	}
	agree("/a")
	agree("/a/sub")
	// A copy-up keeps the number, of a file and of its parent directories.
	x, sub := tmpStat(t, ov, "/a/sub/d1"), tmpStat(t, ov, "/a/sub")
	h, _ := ov.OpenFile("/a/sub/d1", OFlagWrite, 0)
	hst, _ := h.Stat()
	h.Write([]byte("!"))
	hst2, _ := h.Stat()
	h.Close()
	if x2, sub2 := tmpStat(t, ov, "/a/sub/d1"), tmpStat(t, ov, "/a/sub"); x2.Ino != x.Ino || sub2.Ino != sub.Ino || hst.Ino != x.Ino || hst2.Ino != x.Ino {
		t.Errorf("copy-up changed inode numbers: file %x -> %x (handle %x, %x), dir %x -> %x", x.Ino, x2.Ino, hst.Ino, hst2.Ino, sub.Ino, sub2.Ino)
	}
	agree("/a/sub")
	// A file with two links in its lower becomes a file of its own.
	if a, b := tmpStat(t, ov, "/only1"), tmpStat(t, ov, "/only1b"); a.Ino != b.Ino || a.Nlink != 2 {
		t.Errorf("lower hard links: %x %x nlink %d", a.Ino, b.Ino, a.Nlink)
	}
	tmpOK(t, ov.Chmod("/only1", 0o600), "chmod")
	if a, b := tmpStat(t, ov, "/only1"), tmpStat(t, ov, "/only1b"); a.Ino == b.Ino || a.Mode == b.Mode {
		t.Errorf("after copy-up of one link: %x %v, other %x %v", a.Ino, a.Mode, b.Ino, b.Mode)
	}
	// Removing a copied-up file forgets its number.
	tmpOK(t, ov.Unlink("/a/sub/d1"), "unlink")
	if len(o.ov.inos) != 1 { // /a/sub's only
		t.Errorf("remembered numbers after unlink: %v", o.ov.inos)
	}
}

// TestOverlayReaddirCookies changes a merged directory while it is listed a few
// entries at a time: every entry there throughout is listed exactly once.
func TestOverlayReaddirCookies(t *testing.T) {
	o := newOvTest(t, nil)
	ov := o.ov
	d, errno := ov.OpenFile("/big", OFlagRead|OFlagDirectory, 0)
	tmpOK(t, errno, "open")
	defer d.Close()
	buf := make([]Dirent, 7)
	n, errno := d.Readdir(0, buf)
	tmpOK(t, errno, "readdir")
	listed := map[string]int{}
	for _, e := range buf[:n] {
		listed[e.Name]++
	}
	cookie := buf[n-1].Next
	// Copy up names listed and not yet listed, remove some, add some.
	removed, added := map[string]bool{}, map[string]bool{}
	for i := 0; i < 60; i += 3 {
		p := fmt.Sprintf("/big/f%03d", i)
		switch i % 9 {
		case 0:
			tmpOK(t, ov.Chmod(p, 0o600), "chmod")
		case 3:
			tmpOK(t, ov.Unlink(p), "unlink")
			removed[p[5:]] = true
		case 6:
			tmpWrite(t, ov, p+"new", "")
			added[p[5:]+"new"] = true
		}
	}
	// Go on, with the same handle and then with a fresh one.
	e, errno := ov.OpenFile("/big", OFlagRead|OFlagDirectory, 0)
	tmpOK(t, errno, "open")
	defer e.Close()
	for k := 0; ; k++ {
		f := d
		if k%2 == 1 {
			f = e
		}
		n, errno := f.Readdir(cookie, buf)
		tmpOK(t, errno, "readdir")
		for _, e := range buf[:n] {
			listed[e.Name]++
		}
		if n < len(buf) {
			break
		}
		cookie = buf[n-1].Next
	}
	for i := range 60 {
		name := fmt.Sprintf("f%03d", i)
		if c := listed[name]; !removed[name] && c != 1 {
			t.Errorf("%s listed %d times", name, c)
		}
	}
	for name, c := range listed {
		if c > 1 || !strings.HasPrefix(name, "f") || len(name) != 4 && !added[name] {
			t.Errorf("%s listed %d times", name, c)
		}
	}
	// A fresh listing shows the changes.
	names := ovList(t, ov, "/big")
	if len(names) != 60-len(removed)+len(added) {
		t.Errorf("fresh listing: %d names, want %d", len(names), 60-len(removed)+len(added))
	}
}

// TestOverlayDirHandles: the upper's own directories are listed by the upper's
// handle (it follows a rename), merged ones by path; attribute changes through
// a lower directory's handle go by path.
func TestOverlayDirHandles(t *testing.T) {
	o := newOvTest(t, nil)
	ov := o.ov
	tmpOK(t, ov.Mkdir("/mine", 0o755), "mkdir")
	tmpWrite(t, ov, "/mine/f", "")
	m, _ := ov.OpenFile("/mine", OFlagRead, 0)
	defer m.Close()
	tmpOK(t, ov.Rename("/mine", "/yours"), "rename")
	buf := make([]Dirent, 4)
	if n, _ := m.Readdir(0, buf); n != 1 || buf[0].Name != "f" {
		t.Errorf("renamed upper directory lists %v", buf[:n])
	}
	d, errno := ov.OpenFile("/dir2", OFlagRead|OFlagDirectory, 0)
	tmpOK(t, errno, "open lower dir")
	defer d.Close()
	tmpOK(t, d.Chmod(0o700), "fchmod of a lower directory")
	tmpOK(t, d.Utimens(7, 7), "futimens of a lower directory")
	if st, _ := d.Stat(); st.Mode != fs.ModeDir|0o700 || st.Mtim != 7 {
		t.Errorf("fstat: %v %d", st.Mode, st.Mtim)
	}
	if st := tmpStat(t, o.upper, "/dir2"); st.Mode != fs.ModeDir|0o700 {
		t.Errorf("upper copy: %v", st.Mode)
	}
	if _, errno := d.Write([]byte("x")); errno != EBADF {
		t.Errorf("write to a directory: %v", errno)
	}
	if _, errno := d.Read(buf2()); errno != EISDIR {
		t.Errorf("read of a directory: %v", errno)
	}
	for _, flag := range []OFlag{OFlagWrite, OFlagRead | OFlagWrite, OFlagRead | OFlagCreate, OFlagRead | OFlagTruncate} {
		if _, errno := ov.OpenFile("/a/sub", flag, 0); errno != EISDIR {
			t.Errorf("open of a lower directory with %v: %v", flag, errno)
		}
	}
	if _, errno := ov.OpenFile("/a/x", OFlagRead|OFlagDirectory, 0); errno != ENOTDIR {
		t.Errorf("O_DIRECTORY of a file: %v", errno)
	}
	if _, errno := ov.OpenFile("/a/x", OFlagCreate|OFlagExclusive|OFlagWrite, 0); errno != EEXIST {
		t.Errorf("O_EXCL of a lower file: %v", errno)
	}
	if _, errno := ov.OpenFile("/a/new", OFlagCreate|OFlagDirectory, 0); errno != EINVAL {
		t.Errorf("O_CREAT|O_DIRECTORY: %v", errno)
	}
}

func buf2() []byte { return make([]byte, 2) }

// spyLower is a lower layer that fails the test on any call that could change it.
type spyLower struct {
	FS
	t testing.TB
}

func (s spyLower) fail(what string) Errno {
	s.t.Helper()
	s.t.Errorf("a lower was asked to change: %s", what)
	return EROFS
}

func (s spyLower) OpenFile(p string, flag OFlag, perm fs.FileMode) (File, Errno) {
	if flag&(OFlagWrite|OFlagCreate|OFlagTruncate|OFlagAppend|OFlagExclusive) != 0 {
		return nil, s.fail("open " + p + " for writing")
	}
	f, errno := s.FS.OpenFile(p, flag, perm)
	if errno != ESUCCESS {
		return nil, errno
	}
	return spyLowerFile{File: f, s: s}, ESUCCESS
}
func (s spyLower) Mkdir(p string, _ fs.FileMode) Errno { return s.fail("mkdir " + p) }
func (s spyLower) Chmod(p string, _ fs.FileMode) Errno { return s.fail("chmod " + p) }
func (s spyLower) Rename(from, _ string) Errno         { return s.fail("rename " + from) }
func (s spyLower) Rmdir(p string) Errno                { return s.fail("rmdir " + p) }
func (s spyLower) Unlink(p string) Errno               { return s.fail("unlink " + p) }
func (s spyLower) Link(_, p string) Errno              { return s.fail("link " + p) }
func (s spyLower) Symlink(_, p string) Errno           { return s.fail("symlink " + p) }
func (s spyLower) Utimens(p string, _, _ int64) Errno  { return s.fail("utimens " + p) }

// spyLowerFile is a file of a spyLower: reads pass, anything else fails the test.
type spyLowerFile struct {
	File
	s spyLower
}

func (f spyLowerFile) Write([]byte) (int, Errno)         { return 0, f.s.fail("write") }
func (f spyLowerFile) Pwrite([]byte, int64) (int, Errno) { return 0, f.s.fail("pwrite") }
func (f spyLowerFile) Truncate(int64) Errno              { return f.s.fail("truncate") }
func (f spyLowerFile) Chmod(fs.FileMode) Errno           { return f.s.fail("fchmod") }
func (f spyLowerFile) Utimens(int64, int64) Errno        { return f.s.fail("futimens") }
func (f spyLowerFile) SetAppend(bool) Errno              { return f.s.fail("set append") }
func (f spyLowerFile) Sync() Errno                       { return f.s.fail("sync") }
func (f spyLowerFile) Datasync() Errno                   { return f.s.fail("datasync") }

// TestOverlayNeverChangesLowers: the source is never modified through the
// overlay, whatever the guest does.
func TestOverlayNeverChangesLowers(t *testing.T) {
	o := newOvTest(t, nil)
	before1, before2 := ovDump(t, o.l1), ovDump(t, o.l2)
	ov := NewOverlay(Layer{o.upper, "upper"}, Layer{spyLower{o.l1, t}, "l1"}, Layer{spyLower{o.l2, t}, "l2"})
	ovDump(t, ov)
	h, _ := ov.OpenFile("/a/x", OFlagRead|OFlagWrite|OFlagAppend, 0)
	r, _ := ov.OpenFile("/a/y", OFlagRead, 0)
	d, _ := ov.OpenFile("/a/sub", OFlagRead, 0)
	h.SetAppend(false)
	h.Sync()
	h.Datasync()
	h.Write([]byte("w"))
	h.Truncate(3)
	h.Chmod(0o600)
	h.Utimens(1, 1)
	r.Chmod(0o600)
	r.Utimens(2, 2)
	r.Sync()
	d.Chmod(0o711)
	d.Utimens(3, 3)
	for _, f := range []File{h, r, d} {
		f.Close()
	}
	g, _ := ov.OpenFile("/only2", OFlagWrite, 0)
	ov.Unlink("/only2")
	g.Write([]byte("orphan"))
	g.Close()
	// The outcomes are the other tests' business: here only the calls count.
	ov.Chmod("/a/z", 0o600)
	ov.Utimens("/a/sub/d2", 4, 4)
	ov.Rename("/a/sub", "/moved")
	ov.Rename("/dir2", "/empty2")
	ov.Rename("/link", "/link2")
	ov.Rename("/only1", "/only1b")
	ov.Link("/only1", "/only1c")
	ov.Unlink("/clash")
	ov.Mkdir("/clash", 0o755)
	ov.Symlink("t", "/big/l")
	ov.Unlink("/big/f030")
	ov.Rmdir("/moved/sub")
	for _, flag := range []OFlag{OFlagWrite | OFlagTruncate, OFlagRead | OFlagCreate, OFlagWrite | OFlagCreate | OFlagTruncate} {
		if f, errno := ov.OpenFile("/big/f001", flag, 0o644); errno == 0 {
			f.Close()
		}
	}
	for i := range 60 {
		p := fmt.Sprintf("/big/f%03d", i)
		switch i % 4 {
		case 0:
			ov.Unlink(p)
		case 1:
			ov.Rename(p, p+"r")
		case 2:
			tmpWrite(t, ov, p, "new")
		}
	}
	ov.Rename("/big", "/big2")
	ovDump(t, ov)
	if after1, after2 := ovDump(t, o.l1), ovDump(t, o.l2); after1 != before1 || after2 != before2 {
		t.Errorf("a lower changed:\n%s\n%s", after1, after2)
	}
}

// TestOverlayTimes: a copy-up keeps the times of the entry and of its parents.
func TestOverlayTimes(t *testing.T) {
	o := newOvTest(t, nil)
	ov := o.ov
	a, sub, d1 := tmpStat(t, ov, "/a"), tmpStat(t, ov, "/a/sub"), tmpStat(t, ov, "/a/sub/d1")
	root := tmpStat(t, ov, "/")
	tmpOK(t, ov.Chmod("/a/sub/d1", 0o640), "chmod")
	a2, sub2, d12 := tmpStat(t, ov, "/a"), tmpStat(t, ov, "/a/sub"), tmpStat(t, ov, "/a/sub/d1")
	if a2.Mtim != a.Mtim || sub2.Mtim != sub.Mtim || sub2.Atim != sub.Atim || d12.Mtim != d1.Mtim {
		t.Errorf("mtimes after copy-up: /a %d->%d, /a/sub %d->%d, d1 %d->%d", a.Mtim, a2.Mtim, sub.Mtim, sub2.Mtim, d1.Mtim, d12.Mtim)
	}
	if d12.Ctim != 2e18 {
		t.Errorf("ctime after chmod: %d", d12.Ctim)
	}
	// A deeper chain: the upper root's times are kept too.
	tmpOK(t, ov.Utimens("/dir2/f", UTimeOmit, 9), "utimens")
	if st := tmpStat(t, ov, "/"); st.Mtim != root.Mtim {
		t.Errorf("root mtime %d -> %d", root.Mtim, st.Mtim)
	}
	if st := tmpStat(t, ov, "/dir2"); st.Mtim != 1e18 {
		t.Errorf("/dir2 mtime %d", st.Mtim)
	}
	// A removal of a lower name stamps its parent.
	tmpOK(t, ov.Unlink("/a/sub/d2"), "unlink")
	if st := tmpStat(t, ov, "/a/sub"); st.Mtim != 2e18 {
		t.Errorf("/a/sub mtime after unlink %d", st.Mtim)
	}
}

func TestOverlayAllocs(t *testing.T) {
	o := newOvTest(t, nil)
	ov := o.ov
	tmpOK(t, ov.Unlink("/a/y"), "unlink") // a mark to look at
	tmpOK(t, ov.Mkdir("/big2", 0o755), "mkdir")
	for i := range 40 {
		tmpWrite(t, ov, fmt.Sprintf("/big2/f%d", i), "upper")
	}
	lf, errno := ov.OpenFile("/a/sub/d1", OFlagRead, 0)
	tmpOK(t, errno, "open")
	defer lf.Close()
	uf, errno := ov.OpenFile("/a/w", OFlagRead|OFlagWrite, 0)
	tmpOK(t, errno, "open")
	defer uf.Close()
	ud, errno := ov.OpenFile("/big2", OFlagRead, 0)
	tmpOK(t, errno, "open")
	defer ud.Close()
	md, errno := ov.OpenFile("/big", OFlagRead, 0)
	tmpOK(t, errno, "open")
	defer md.Close()
	buf := make([]byte, 16)
	dents := make([]Dirent, 8)
	readAll := func(d File) {
		for cookie := uint64(0); ; {
			n, _ := d.Readdir(cookie, dents)
			if n < len(dents) {
				return
			}
			cookie = dents[n-1].Next
		}
	}
	readAll(md) // takes the snapshot
	for _, tt := range []struct {
		name string
		fn   func()
	}{
		{"Lstat of a lower file", func() { ov.Lstat("/a/sub/d1") }},
		{"Lstat of a whited-out file", func() { ov.Lstat("/a/y") }},
		{"Lstat of an upper file", func() { ov.Lstat("/a/w") }},
		{"Lstat of a merged directory", func() { ov.Lstat("/a/sub") }},
		{"Pread of a lower file", func() { lf.Pread(buf, 0) }},
		{"Pread of an upper file", func() { uf.Pread(buf, 0) }},
		{"Pwrite of an upper file", func() { uf.Pwrite(buf[:4], 0) }},
		{"Readdir of an upper directory", func() { readAll(ud) }},
		{"Readdir of a merged directory, continued", func() { md.Readdir(dents[len(dents)-1].Next, dents) }},
	} {
		if allocs := testing.AllocsPerRun(100, tt.fn); allocs != 0 {
			t.Errorf("%s: %v allocations", tt.name, allocs)
		}
	}
}

// TestOverlayHammer copies up, renames, lists and writes from several goroutines
// at once, for the race detector.
func TestOverlayHammer(t *testing.T) {
	o := newOvTest(t, NewLimiter(64<<20))
	ov := o.ov
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 64)
			dents := make([]Dirent, 5)
			for i := range 30 {
				p := fmt.Sprintf("/big/f%03d", (g*7+i)%60)
				switch i % 6 {
				case 0:
					if f, errno := ov.OpenFile(p, OFlagRead|OFlagWrite, 0); errno == 0 {
						f.Pread(buf, 0)
						f.Pwrite([]byte("g"), 1)
						f.Stat()
						f.Close()
					}
				case 1:
					ov.Lstat(p)
					ov.Layer(p)
				case 2:
					if d, errno := ov.OpenFile("/big", OFlagRead, 0); errno == 0 {
						for cookie := uint64(0); ; {
							n, _ := d.Readdir(cookie, dents)
							if n < len(dents) {
								break
							}
							cookie = dents[n-1].Next
						}
						d.Close()
					}
				case 3:
					ov.Rename(p, fmt.Sprintf("/a/g%d-%d", g, i))
				case 4:
					ov.Chmod(p, 0o600)
				case 5:
					tmpWrite(t, ov, fmt.Sprintf("/a/sub/n%d-%d", g, i), "n")
				}
			}
		}()
	}
	wg.Wait()
	ovDump(t, ov)
}
