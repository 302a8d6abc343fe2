package vfs_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math"
	"testing"
	"testing/fstest"

	"github.com/wasirun/wasirun/internal/vfs"
	"github.com/wasirun/wasirun/internal/vfs/vfstest"
	"github.com/wasirun/wasirun/internal/webc"
)

const treeMtime = 1_700_000_000 // seconds

// bigData is the content of /dir/sub/big.bin: 10 KiB that differ at every offset.
var bigData = func() []byte {
	b := make([]byte, 10<<10)
	for i := range b {
		b[i] = byte(i * 7 / 5)
	}
	return b
}()

// treeFiles are the files of the test volume and their contents.
var treeFiles = map[string]string{
	"hello.txt":        "hello, world\n",
	"empty":            "",
	"dir/a.txt":        "a",
	"dir/sub/big.bin":  string(bigData),
	"dir/sub/deep/z.z": "zz",
}

// volumeRoot writes a v3 package holding one volume with treeFiles and an empty
// directory dir/emptydir, parses it back, and returns the volume's root: the tree
// is the reader's, not a copy.
func volumeRoot(t testing.TB) webc.Entry {
	t.Helper()
	tree := webc.NewTree()
	for name, data := range treeFiles {
		if err := tree.AddFile(name, []byte(data), treeMtime); err != nil {
			t.Fatal(err)
		}
	}
	if err := tree.AddDir("dir/emptydir"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	src := &webc.Source{Manifest: &webc.Manifest{}, Volumes: map[string]*webc.Tree{"data": tree}}
	if err := webc.WriteV3(&buf, src); err != nil {
		t.Fatal(err)
	}
	c, err := webc.ParseBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	vol, ok := c.Volume("data")
	if !ok {
		t.Fatal("no volume data")
	}
	root, err := vol.Root()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// readViews returns every read view of the test volume, by name.
func readViews(t testing.TB) map[string]vfs.FS {
	tree := vfs.NewTreeFS(volumeRoot(t))
	return map[string]vfs.FS{"tree": tree, "readonly(tree)": vfs.NewReadOnly(tree)}
}

func TestReadViewsConformance(t *testing.T) {
	want := []string{"dir/emptydir"}
	for name := range treeFiles {
		want = append(want, name)
	}
	for name, view := range readViews(t) {
		t.Run(name, func(t *testing.T) {
			if err := fstest.TestFS(vfstest.IOFS(view), want...); err != nil {
				t.Fatal(err)
			}
			for name, data := range treeFiles {
				got, err := fs.ReadFile(vfstest.IOFS(view), name)
				if err != nil || string(got) != data {
					t.Errorf("ReadFile(%s) = %d bytes, %v; want %d bytes", name, len(got), err, len(data))
				}
			}
		})
	}
}

func TestTreeFSLstat(t *testing.T) {
	fsys := vfs.NewTreeFS(volumeRoot(t))
	for _, tt := range []struct {
		path  string
		errno vfs.Errno
		mode  fs.FileMode
		size  int64
	}{
		{"/", 0, fs.ModeDir | 0o755, 0},
		{"/hello.txt", 0, 0o644, 13},
		{"/empty", 0, 0o644, 0},
		{"/dir", 0, fs.ModeDir | 0o755, 0},
		{"/dir/sub/big.bin", 0, 0o644, 10 << 10},
		{"/dir/emptydir", 0, fs.ModeDir | 0o755, 0},
		{"/missing", vfs.ENOENT, 0, 0},
		{"/missing/x", vfs.ENOENT, 0, 0},
		{"/hello.txt/x", vfs.ENOTDIR, 0, 0},
		{"/dir/a.txt/x/y", vfs.ENOTDIR, 0, 0},
		{"", vfs.EINVAL, 0, 0},
		{"dir", vfs.EINVAL, 0, 0},
		{"/dir/", vfs.EINVAL, 0, 0},
		{"//dir", vfs.EINVAL, 0, 0},
		{"/dir//a.txt", vfs.EINVAL, 0, 0},
		{"/./dir", vfs.EINVAL, 0, 0},
		{"/dir/..", vfs.EINVAL, 0, 0},
	} {
		st, errno := fsys.Lstat(tt.path)
		if errno != tt.errno {
			t.Errorf("Lstat(%q) = %s, want %s", tt.path, errno, tt.errno)
			continue
		}
		if errno != 0 {
			continue
		}
		if st.Mode != tt.mode || st.Size != tt.size || st.Nlink != 1 || st.Ino == 0 {
			t.Errorf("Lstat(%q) = mode %v size %d nlink %d ino %d; want mode %v size %d nlink 1, an inode", tt.path, st.Mode, st.Size, st.Nlink, st.Ino, tt.mode, tt.size)
		}
		want := int64(treeMtime) * 1e9
		if st.Mode.IsDir() {
			want = 0 // a webc.Tree records no directory times
		}
		if st.Mtim != want || st.Atim != want || st.Ctim != want {
			t.Errorf("Lstat(%q) times = %d %d %d, want %d", tt.path, st.Atim, st.Mtim, st.Ctim, want)
		}
	}
}

// TestTreeFSInodes checks that inode numbers are stable, distinct, and the same in
// Lstat, File.Stat and Readdir.
func TestTreeFSInodes(t *testing.T) {
	fsys := vfs.NewTreeFS(volumeRoot(t))
	seen := map[uint64]string{}
	var walk func(dir string)
	walk = func(dir string) {
		st, errno := fsys.Lstat(dir)
		if errno != 0 {
			t.Fatalf("Lstat(%s): %s", dir, errno)
		}
		if other, ok := seen[st.Ino]; ok {
			t.Errorf("%s and %s share inode %d", dir, other, st.Ino)
		}
		seen[st.Ino] = dir
		if again, _ := fsys.Lstat(dir); again.Ino != st.Ino {
			t.Errorf("%s: inode %d, then %d", dir, st.Ino, again.Ino)
		}
		f, errno := fsys.OpenFile(dir, vfs.OFlagRead, 0)
		if errno != 0 {
			t.Fatalf("OpenFile(%s): %s", dir, errno)
		}
		defer f.Close()
		if fst, _ := f.Stat(); fst.Ino != st.Ino {
			t.Errorf("%s: File.Stat inode %d, Lstat %d", dir, fst.Ino, st.Ino)
		}
		if !st.Mode.IsDir() {
			return
		}
		buf := make([]vfs.Dirent, 16)
		n, errno := f.Readdir(0, buf)
		if errno != 0 {
			t.Fatalf("Readdir(%s): %s", dir, errno)
		}
		for _, d := range buf[:n] {
			child := dir + "/" + d.Name
			if dir == "/" {
				child = "/" + d.Name
			}
			cst, _ := fsys.Lstat(child)
			if cst.Ino != d.Ino || cst.Mode.Type() != d.Type {
				t.Errorf("%s: Readdir ino %d type %v, Lstat ino %d type %v", child, d.Ino, d.Type, cst.Ino, cst.Mode.Type())
			}
			walk(child)
		}
	}
	walk("/")
	if len(seen) != 10 {
		t.Errorf("walked %d nodes, want 10", len(seen))
	}
}

func TestTreeFileRead(t *testing.T) {
	fsys := vfs.NewTreeFS(volumeRoot(t))
	f, errno := fsys.OpenFile("/dir/sub/big.bin", vfs.OFlagRead, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	buf := make([]byte, 4096)
	var got []byte
	for {
		n, errno := f.Read(buf)
		if errno != 0 {
			t.Fatal(errno)
		}
		if n == 0 {
			break
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, bigData) {
		t.Fatalf("Read loop: %d bytes, not the content", len(got))
	}
	for _, tt := range []struct {
		off  int64
		n    int
		want []byte
	}{
		{0, 10, bigData[:10]},
		{1000, 100, bigData[1000:1100]},
		{int64(len(bigData)) - 3, 10, bigData[len(bigData)-3:]},
		{int64(len(bigData)), 10, nil},
		{1 << 40, 10, nil},
	} {
		p := make([]byte, tt.n)
		n, errno := f.Pread(p, tt.off)
		if errno != 0 || !bytes.Equal(p[:n], tt.want) {
			t.Errorf("Pread(%d, %d) = %d, %s", tt.n, tt.off, n, errno)
		}
	}
	if _, errno := f.Pread(buf, -1); errno != vfs.EINVAL {
		t.Errorf("Pread at -1 = %s, want EINVAL", errno)
	}
	for _, tt := range []struct {
		off    int64
		whence int
		pos    int64
		errno  vfs.Errno
	}{
		{5, io.SeekStart, 5, 0},
		{5, io.SeekCurrent, 10, 0},
		{-1, io.SeekEnd, int64(len(bigData)) - 1, 0},
		{100, io.SeekEnd, int64(len(bigData)) + 100, 0},
		{-1, io.SeekStart, 0, vfs.EINVAL},
		{math.MaxInt64, io.SeekEnd, 0, vfs.EINVAL},
		{0, 7, 0, vfs.EINVAL},
	} {
		pos, errno := f.Lseek(tt.off, tt.whence)
		if errno != tt.errno || (errno == 0 && pos != tt.pos) {
			t.Errorf("Lseek(%d, %d) = %d, %s; want %d, %s", tt.off, tt.whence, pos, errno, tt.pos, tt.errno)
		}
	}
	if _, errno := f.Lseek(int64(len(bigData))-2, io.SeekStart); errno != 0 {
		t.Fatal(errno)
	}
	if n, errno := f.Read(buf); n != 2 || errno != 0 || !bytes.Equal(buf[:2], bigData[len(bigData)-2:]) {
		t.Errorf("Read after Lseek = %d, %s", n, errno)
	}
	if n, errno := f.Read(buf); n != 0 || errno != 0 {
		t.Errorf("Read at the end = %d, %s; want 0, ESUCCESS", n, errno)
	}
	if _, errno := f.Readdir(0, make([]vfs.Dirent, 1)); errno != vfs.ENOTDIR {
		t.Errorf("Readdir of a file = %s, want ENOTDIR", errno)
	}
	// Writes and changes are refused; flushing a read-only file is fine.
	if _, errno := f.Write([]byte("x")); errno != vfs.EBADF {
		t.Errorf("Write = %s, want EBADF", errno)
	}
	if _, errno := f.Pwrite([]byte("x"), 0); errno != vfs.EBADF {
		t.Errorf("Pwrite = %s, want EBADF", errno)
	}
	if errno := f.Truncate(0); errno != vfs.EBADF {
		t.Errorf("Truncate = %s, want EBADF", errno)
	}
	if errno := f.Chmod(0o777); errno != vfs.EROFS {
		t.Errorf("Chmod = %s, want EROFS", errno)
	}
	if errno := f.Utimens(0, 0); errno != vfs.EROFS {
		t.Errorf("Utimens = %s, want EROFS", errno)
	}
	if f.Sync() != 0 || f.Datasync() != 0 || f.SetAppend(true) != 0 {
		t.Error("Sync, Datasync or SetAppend failed")
	}
	if errno := f.Close(); errno != 0 {
		t.Fatal(errno)
	}
	// Closed: everything is EBADF.
	if _, errno := f.Pread(buf, 0); errno != vfs.EBADF {
		t.Errorf("Pread after Close = %s", errno)
	}
	if _, errno := f.Read(buf); errno != vfs.EBADF {
		t.Errorf("Read after Close = %s", errno)
	}
	if _, errno := f.Stat(); errno != vfs.EBADF {
		t.Errorf("Stat after Close = %s", errno)
	}
	if errno := f.Chmod(0); errno != vfs.EBADF {
		t.Errorf("Chmod after Close = %s", errno)
	}
	if errno := f.Close(); errno != vfs.EBADF {
		t.Errorf("second Close = %s", errno)
	}
}

func TestTreeFileDir(t *testing.T) {
	fsys := vfs.NewTreeFS(volumeRoot(t))
	d, errno := fsys.OpenFile("/dir", vfs.OFlagRead|vfs.OFlagDirectory, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	defer d.Close()
	// Two at a time, following the cookies.
	var names []string
	buf := make([]vfs.Dirent, 2)
	for cookie := uint64(0); ; {
		n, errno := d.Readdir(cookie, buf)
		if errno != 0 {
			t.Fatal(errno)
		}
		if n == 0 {
			break
		}
		for _, e := range buf[:n] {
			names = append(names, e.Name)
		}
		cookie = buf[n-1].Next
	}
	if got := fmtNames(names); got != "a.txt emptydir sub" {
		t.Errorf("listing = %s", got)
	}
	if n, errno := d.Readdir(1<<63, buf); n != 0 || errno != 0 {
		t.Errorf("Readdir past the end = %d, %s", n, errno)
	}
	if n, _ := d.Readdir(2, buf); n != 1 || buf[0].Name != "sub" || buf[0].Type != fs.ModeDir || buf[0].Next != 3 {
		t.Errorf("Readdir(2) = %d %+v", n, buf[0])
	}
	if _, errno := d.Read(make([]byte, 1)); errno != vfs.EISDIR {
		t.Errorf("Read of a directory = %s, want EISDIR", errno)
	}
	if _, errno := d.Lseek(0, io.SeekStart); errno != vfs.EISDIR {
		t.Errorf("Lseek of a directory = %s, want EISDIR", errno)
	}
	// OFlagPath: Stat only.
	p, errno := fsys.OpenFile("/hello.txt", vfs.OFlagPath, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	if st, errno := p.Stat(); errno != 0 || st.Size != 13 {
		t.Errorf("Stat of a path handle = %+v, %s", st, errno)
	}
	if _, errno := p.Pread(make([]byte, 1), 0); errno != vfs.EBADF {
		t.Errorf("Pread of a path handle = %s, want EBADF", errno)
	}
}

func fmtNames(names []string) string {
	var b bytes.Buffer
	for i, n := range names {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(n)
	}
	return b.String()
}

// TestReadViewsRefuseChanges checks every change on every read view: EROFS, after
// the errors of the path lookup and EEXIST, in Linux's order.
func TestReadViewsRefuseChanges(t *testing.T) {
	const (
		rd = vfs.OFlagRead
		wr = vfs.OFlagWrite
	)
	opens := []struct {
		path  string
		flag  vfs.OFlag
		errno vfs.Errno
	}{
		{"/hello.txt", rd, 0},
		{"/hello.txt", 0, 0}, // no access mode: read
		{"/dir", rd | vfs.OFlagDirectory, 0},
		{"/hello.txt", wr, vfs.EROFS},
		{"/hello.txt", rd | wr, vfs.EROFS},
		{"/hello.txt", rd | vfs.OFlagAppend, vfs.EROFS},
		{"/hello.txt", rd | vfs.OFlagTruncate, vfs.EROFS},
		{"/hello.txt", rd | vfs.OFlagCreate, 0}, // O_CREAT of an existing file just opens it
		{"/hello.txt", rd | vfs.OFlagCreate | vfs.OFlagExclusive, vfs.EEXIST},
		{"/hello.txt", rd | vfs.OFlagDirectory, vfs.ENOTDIR},
		{"/hello.txt", wr | vfs.OFlagPath, 0}, // O_PATH ignores the rest
		{"/new", wr | vfs.OFlagCreate, vfs.EROFS},
		{"/new", rd | vfs.OFlagCreate, vfs.EROFS},
		{"/new", wr, vfs.ENOENT},
		{"/missing/new", wr | vfs.OFlagCreate, vfs.ENOENT},
		{"/hello.txt/new", wr | vfs.OFlagCreate, vfs.ENOTDIR},
		{"/dir", wr, vfs.EISDIR},
		{"/dir", rd | vfs.OFlagCreate, vfs.EISDIR},
		{"/dir", rd | vfs.OFlagCreate | vfs.OFlagExclusive, vfs.EEXIST},
	}
	changes := []struct {
		name  string
		do    func(vfs.FS) vfs.Errno
		errno vfs.Errno
	}{
		{"mkdir existing", func(f vfs.FS) vfs.Errno { return f.Mkdir("/dir", 0o755) }, vfs.EEXIST},
		{"mkdir new", func(f vfs.FS) vfs.Errno { return f.Mkdir("/new", 0o755) }, vfs.EROFS},
		{"mkdir in missing", func(f vfs.FS) vfs.Errno { return f.Mkdir("/missing/new", 0o755) }, vfs.ENOENT},
		{"mkdir in file", func(f vfs.FS) vfs.Errno { return f.Mkdir("/hello.txt/new", 0o755) }, vfs.ENOTDIR},
		{"mkdir bad path", func(f vfs.FS) vfs.Errno { return f.Mkdir("new", 0o755) }, vfs.EINVAL},
		{"symlink new", func(f vfs.FS) vfs.Errno { return f.Symlink("x", "/dir/new") }, vfs.EROFS},
		{"symlink existing", func(f vfs.FS) vfs.Errno { return f.Symlink("x", "/empty") }, vfs.EEXIST},
		{"link", func(f vfs.FS) vfs.Errno { return f.Link("/hello.txt", "/new") }, vfs.EROFS},
		{"link missing", func(f vfs.FS) vfs.Errno { return f.Link("/missing", "/new") }, vfs.ENOENT},
		{"link existing", func(f vfs.FS) vfs.Errno { return f.Link("/hello.txt", "/empty") }, vfs.EEXIST},
		{"unlink", func(f vfs.FS) vfs.Errno { return f.Unlink("/hello.txt") }, vfs.EROFS},
		{"unlink missing", func(f vfs.FS) vfs.Errno { return f.Unlink("/missing") }, vfs.EROFS},
		{"unlink in missing", func(f vfs.FS) vfs.Errno { return f.Unlink("/missing/x") }, vfs.ENOENT},
		{"rmdir", func(f vfs.FS) vfs.Errno { return f.Rmdir("/dir/emptydir") }, vfs.EROFS},
		{"rmdir in file", func(f vfs.FS) vfs.Errno { return f.Rmdir("/empty/x") }, vfs.ENOTDIR},
		{"rename", func(f vfs.FS) vfs.Errno { return f.Rename("/hello.txt", "/dir/x") }, vfs.EROFS},
		{"rename to missing dir", func(f vfs.FS) vfs.Errno { return f.Rename("/hello.txt", "/missing/x") }, vfs.ENOENT},
		{"rename from missing dir", func(f vfs.FS) vfs.Errno { return f.Rename("/missing/x", "/y") }, vfs.ENOENT},
		{"chmod", func(f vfs.FS) vfs.Errno { return f.Chmod("/hello.txt", 0o777) }, vfs.EROFS},
		{"chmod missing", func(f vfs.FS) vfs.Errno { return f.Chmod("/missing", 0o777) }, vfs.ENOENT},
		{"utimens", func(f vfs.FS) vfs.Errno { return f.Utimens("/dir", 0, 0) }, vfs.EROFS},
		{"utimens missing", func(f vfs.FS) vfs.Errno { return f.Utimens("/missing", 0, 0) }, vfs.ENOENT},
	}
	for name, view := range readViews(t) {
		for _, tt := range opens {
			f, errno := view.OpenFile(tt.path, tt.flag, 0o644)
			if errno != tt.errno {
				t.Errorf("%s: OpenFile(%s, %#x) = %s, want %s", name, tt.path, tt.flag, errno, tt.errno)
			}
			if errno == 0 {
				f.Close()
			}
		}
		for _, tt := range changes {
			if errno := tt.do(view); errno != tt.errno {
				t.Errorf("%s: %s = %s, want %s", name, tt.name, errno, tt.errno)
			}
		}
		if _, errno := view.Readlink("/hello.txt"); errno != vfs.EINVAL {
			t.Errorf("%s: Readlink of a file = %s, want EINVAL", name, errno)
		}
		if _, errno := view.Readlink("/missing"); errno != vfs.ENOENT {
			t.Errorf("%s: Readlink of nothing = %s, want ENOENT", name, errno)
		}
	}
}

// TestReadViewsAllocs holds the budget: Lstat, Pread, Read and Readdir allocate
// nothing, on the tree view and through the read-only wrapper.
func TestReadViewsAllocs(t *testing.T) {
	for name, view := range readViews(t) {
		f, errno := view.OpenFile("/dir/sub/big.bin", vfs.OFlagRead, 0)
		if errno != 0 {
			t.Fatal(errno)
		}
		d, errno := view.OpenFile("/dir", vfs.OFlagRead, 0)
		if errno != 0 {
			t.Fatal(errno)
		}
		buf := make([]byte, 512)
		ents := make([]vfs.Dirent, 4)
		for _, tt := range []struct {
			op string
			fn func()
		}{
			{"Lstat", func() { view.Lstat("/dir/sub/deep/z.z") }},
			{"Lstat missing", func() { view.Lstat("/dir/sub/nothing") }},
			{"Pread", func() { f.Pread(buf, 1000) }},
			{"Read", func() { f.Lseek(0, io.SeekStart); f.Read(buf) }},
			{"File.Stat", func() { f.Stat() }},
			{"Readdir", func() { d.Readdir(0, ents) }},
		} {
			if n := testing.AllocsPerRun(100, tt.fn); n != 0 {
				t.Errorf("%s: %s allocates %.1f times, want 0", name, tt.op, n)
			}
		}
		f.Close()
		d.Close()
	}
}

func BenchmarkTreeFSLstat(b *testing.B) {
	fsys := vfs.NewTreeFS(volumeRoot(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, errno := fsys.Lstat("/dir/sub/deep/z.z"); errno != 0 {
			b.Fatal(errno)
		}
	}
}

func BenchmarkTreeFSPread(b *testing.B) {
	fsys := vfs.NewTreeFS(volumeRoot(b))
	f, errno := fsys.OpenFile("/dir/sub/big.bin", vfs.OFlagRead, 0)
	if errno != 0 {
		b.Fatal(errno)
	}
	buf := make([]byte, 4096)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, errno := f.Pread(buf, 1024); errno != 0 {
			b.Fatal(errno)
		}
	}
}

func BenchmarkTreeFSReaddir(b *testing.B) {
	fsys := vfs.NewTreeFS(volumeRoot(b))
	d, errno := fsys.OpenFile("/dir", vfs.OFlagRead, 0)
	if errno != 0 {
		b.Fatal(errno)
	}
	ents := make([]vfs.Dirent, 8)
	b.ReportAllocs()
	for b.Loop() {
		if _, errno := d.Readdir(0, ents); errno != 0 {
			b.Fatal(errno)
		}
	}
}

// fakeNode is a one-file tree of another node type than webc.Entry, for what a
// real volume cannot show: extreme times and read errors.
type fakeNode struct {
	dir   bool
	mtime int64
	kids  []fakeNode
	name  string
	err   error
}

func (n fakeNode) Name() string   { return n.name }
func (n fakeNode) IsDir() bool    { return n.dir }
func (n fakeNode) Size() int64    { return 100 }
func (n fakeNode) ModTime() int64 { return n.mtime }
func (n fakeNode) Len() int       { return len(n.kids) }
func (n fakeNode) Child(i int) fakeNode {
	return n.kids[i]
}
func (n fakeNode) Lookup(name string) (fakeNode, bool) {
	for _, k := range n.kids {
		if k.name == name {
			return k, true
		}
	}
	return fakeNode{}, false
}
func (n fakeNode) ReadAt(p []byte, off int64) (int, error) {
	if n.err != nil {
		return 0, n.err
	}
	return copy(p, make([]byte, 100-off)), nil
}

func TestTreeFSOtherNodes(t *testing.T) {
	root := fakeNode{dir: true, mtime: math.MinInt64, kids: []fakeNode{
		{name: "late", mtime: math.MaxInt64},
		{name: "broken", err: errors.New("disk on fire")},
	}}
	fsys := vfs.NewTreeFS(root)
	if st, _ := fsys.Lstat("/late"); st.Mtim != math.MaxInt64 {
		t.Errorf("mtime of MaxInt64 seconds = %d ns, want saturated", st.Mtim)
	}
	if st, _ := fsys.Lstat("/"); st.Mtim != math.MinInt64 {
		t.Errorf("mtime of MinInt64 seconds = %d ns, want saturated", st.Mtim)
	}
	f, errno := fsys.OpenFile("/broken", vfs.OFlagRead, 0)
	if errno != 0 {
		t.Fatal(errno)
	}
	if _, errno := f.Pread(make([]byte, 10), 0); errno != vfs.EIO {
		t.Errorf("Pread of a failing node = %s, want EIO", errno)
	}
}
