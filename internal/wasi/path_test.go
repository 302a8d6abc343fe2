package wasi

import (
	"testing"

	"github.com/wasirun/wasirun/internal/vfs"
)

// TestPathResolve checks the lexical rules of paths relative to a directory fd
// and the resolution of what passes them, from the preopen "/" and from a nested
// directory fd.
func TestPathResolve(t *testing.T) {
	g := newFSGuest(t, 0)
	g.create("f", "top")
	g.path("path_create_directory", preopenFd, "d")
	g.path("path_create_directory", preopenFd, "d/sub")
	g.create("d/file", "nested")
	// Symlinks may lead anywhere in the guest root: an absolute one (made
	// through vfs: path_symlink refuses absolute targets) and one climbing out.
	if errno := g.root.Symlink("/f", "/d/abs"); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	g.symlink("../f", preopenFd, "d/up")
	d := g.open("d", oflagDirectory, 0)

	tests := []struct {
		dir   uint32
		path  string
		want  vfs.Errno
		reads string
	}{
		{preopenFd, "f", vfs.ESUCCESS, "top"},
		{preopenFd, "/f", vfs.ENOTCAPABLE, ""},
		{preopenFd, "/", vfs.ENOTCAPABLE, ""},
		{preopenFd, "..", vfs.ENOTCAPABLE, ""},
		{preopenFd, "../f", vfs.ENOTCAPABLE, ""},
		{preopenFd, "d/../../f", vfs.ENOTCAPABLE, ""},
		{preopenFd, "d/../f", vfs.ESUCCESS, "top"},
		{preopenFd, "d/.//sub/../../d/sub/..///./file", vfs.ESUCCESS, "nested"},
		{preopenFd, "f\x00", vfs.EINVAL, ""},
		{preopenFd, "f\xff", vfs.EILSEQ, ""},
		{preopenFd, "", vfs.ENOENT, ""},
		{preopenFd, "f/", vfs.ENOTDIR, ""},
		{preopenFd, "f///", vfs.ENOTDIR, ""},
		{preopenFd, "missing", vfs.ENOENT, ""},
		{preopenFd, "f/x", vfs.ENOTDIR, ""},
		{d, "file", vfs.ESUCCESS, "nested"},
		{d, "sub/../file", vfs.ESUCCESS, "nested"},
		{d, "../f", vfs.ENOTCAPABLE, ""},
		{d, "sub/../../d/file", vfs.ENOTCAPABLE, ""},
		{d, "abs", vfs.ESUCCESS, "top"},
		{d, "up", vfs.ESUCCESS, "top"},
		{1, "f", vfs.ENOTDIR, ""},
		{99, "f", vfs.EBADF, ""},
	}
	for _, tt := range tests {
		fd, errno := g.openAt(tt.dir, lookupSymlinkFollow, tt.path, 0, rightFdRead, 0, 0)
		if errno != tt.want {
			t.Errorf("path_open(%d, %q) = %v, want %v", tt.dir, tt.path, errno, tt.want)
			continue
		}
		if errno == vfs.ESUCCESS {
			if s, _ := g.readFd(fd, 100); s != tt.reads {
				t.Errorf("path_open(%d, %q) reads %q, want %q", tt.dir, tt.path, s, tt.reads)
			}
			g.close(fd)
		}
		if _, errno := g.pathFilestat(tt.dir, lookupSymlinkFollow, tt.path); errno != tt.want {
			t.Errorf("path_filestat_get(%d, %q) = %v, want %v", tt.dir, tt.path, errno, tt.want)
		}
	}
	// Directories, also named with trailing slashes.
	for _, p := range []string{".", "d/", "d///", "d/sub/..", "d/./"} {
		fd, errno := g.openAt(preopenFd, 0, p, oflagDirectory, rightFdReaddir, 0, 0)
		if errno != vfs.ESUCCESS {
			t.Errorf("path_open(%q, DIRECTORY) = %v", p, errno)
			continue
		}
		if st := g.fdstat(fd); st.filetype != filetypeDirectory {
			t.Errorf("%q: filetype %d", p, st.filetype)
		}
	}
}

// TestPathOpenRecordsPath checks that an fd opened by path resolves what is
// relative to it where it was opened, also when ".." followed a symlink.
func TestPathOpenRecordsPath(t *testing.T) {
	g := newFSGuest(t, 0)
	for _, p := range []string{"a", "a/b", "a/b/c", "x"} {
		g.path("path_create_directory", preopenFd, p)
	}
	g.create("a/b/here", "b")
	g.create("x/here", "x")
	g.create("a/here", "a")
	g.symlink("../a/b/c", preopenFd, "x/link") // x/link/.. is a/b, not x
	tests := []struct {
		open, reads string
	}{
		{"a/b/", "b"},
		{"a/./b//", "b"},
		{"a/b/c/..", "b"},
		{"x/link/..", "b"},
		{"x/link/../..", "a"},
	}
	for _, tt := range tests {
		fd, errno := g.openAt(preopenFd, lookupSymlinkFollow, tt.open, oflagDirectory, rightsDirBase, rightsAll, 0)
		if errno != vfs.ESUCCESS {
			t.Errorf("path_open(%q) = %v", tt.open, errno)
			continue
		}
		f, errno := g.openAt(fd, 0, "here", 0, rightFdRead, 0, 0)
		if errno != vfs.ESUCCESS {
			t.Errorf("path_open(%q + here) = %v", tt.open, errno)
			continue
		}
		if s, _ := g.readFd(f, 10); s != tt.reads {
			t.Errorf("%q + here reads %q, want %q", tt.open, s, tt.reads)
		}
	}
	// Clean paths are recorded clean.
	fd := g.open("a/./b//", oflagDirectory, 0)
	if d, _ := g.sys.fds.get(fd); d.ofd.path != "/a/b" || d.ofd.base != "/" {
		t.Errorf("recorded path %q base %q", d.ofd.path, d.ofd.base)
	}
}

func TestPathOpen(t *testing.T) {
	g := newFSGuest(t, 0)
	g.create("f", "data")
	g.path("path_create_directory", preopenFd, "d")
	g.symlink("f", preopenFd, "link")
	g.symlink("d", preopenFd, "dlink")
	const rw = rightFdRead | rightFdWrite
	tests := []struct {
		name       string
		lookup     uint32
		path       string
		oflags     uint32
		base       uint64
		fdflags    uint32
		want       vfs.Errno
		wantRights uint64
	}{
		{"read only", 0, "f", 0, rightFdRead, 0, vfs.ESUCCESS, rightFdRead},
		{"more than a file can have", 0, "f", 0, rw | rightPathOpen | rightFdReaddir, 0, vfs.ESUCCESS, rw},
		{"exclusive on an existing file", 0, "f", oflagCreat | oflagExcl, rw, 0, vfs.EEXIST, 0},
		{"create", 0, "new", oflagCreat, rw, 0, vfs.ESUCCESS, rw},
		{"create with a trailing slash", 0, "new2/", oflagCreat, rw, 0, vfs.EINVAL, 0},
		{"directory flag on a file", 0, "f", oflagDirectory, 0, 0, vfs.ENOTDIR, 0},
		{"symlink, nofollow", 0, "link", 0, rightFdRead, 0, vfs.ELOOP, 0},
		{"symlink, follow", lookupSymlinkFollow, "link", 0, rightFdRead, 0, vfs.ESUCCESS, rightFdRead},
		{"symlink to a dir, nofollow", 0, "dlink", oflagDirectory, 0, 0, vfs.ENOTDIR, 0},
		{"symlink to a dir, follow", lookupSymlinkFollow, "dlink", oflagDirectory, rightFdReaddir, 0, vfs.ESUCCESS, rightFdReaddir},
		{"directory with FD_WRITE", 0, "d", oflagDirectory, rw, 0, vfs.EISDIR, 0},
		{"directory with FD_WRITE, no flag", 0, "d", 0, rightFdWrite, 0, vfs.EISDIR, 0},
		{"directory with FD_FILESTAT_SET_SIZE", 0, "d", oflagDirectory, rightFdFilestatSetSize | rightFdReaddir, 0, vfs.ESUCCESS, rightFdReaddir},
		{"directory with FD_ALLOCATE, no flag", 0, "d", 0, rightFdAllocate | rightFdReaddir, 0, vfs.ESUCCESS, rightFdReaddir},
		{"unknown oflags", 0, "f", 1 << 4, 0, 0, vfs.EINVAL, 0},
		{"unknown fdflags", 0, "f", 0, 0, 1 << 5, vfs.EINVAL, 0},
		{"nonblock on a directory", 0, ".", 0, 0, uint32(fdflagNonblock), vfs.ESUCCESS, 0},
	}
	for _, tt := range tests {
		fd, errno := g.openAt(preopenFd, tt.lookup, tt.path, tt.oflags, tt.base, 0, tt.fdflags)
		if errno != tt.want {
			t.Errorf("%s: path_open = %v, want %v", tt.name, errno, tt.want)
			continue
		}
		if errno != vfs.ESUCCESS {
			continue
		}
		if st := g.fdstat(fd); st.base != tt.wantRights || st.flags != uint16(tt.fdflags) {
			t.Errorf("%s: fdstat %+v, want rights %#x", tt.name, st, tt.wantRights)
		}
		g.close(fd)
	}

	// Write-only and read-only opens: the access mode follows the rights.
	wo, _ := g.openAt(preopenFd, 0, "f", 0, rightFdWrite, 0, 0)
	wantErrno(t, "fd_read(write-only)", func() vfs.Errno { _, e := g.readFd(wo, 4); return e }(), vfs.ENOTCAPABLE)
	if n, errno := g.writeFd(wo, "DA"); errno != vfs.ESUCCESS || n != 2 {
		t.Errorf("fd_write(write-only) = %d, %v", n, errno)
	}
	ro, _ := g.openAt(preopenFd, 0, "f", 0, rightFdRead, 0, 0)
	wantErrno(t, "fd_write(read-only)", func() vfs.Errno { _, e := g.writeFd(ro, "x"); return e }(), vfs.ENOTCAPABLE)
	if s, _ := g.readFd(ro, 10); s != "DAta" {
		t.Errorf("f = %q, want DAta", s)
	}

	// The new fd's rights stay within the directory's inheriting rights.
	d, _ := g.openAt(preopenFd, 0, "d", oflagDirectory, rightsDirBase, rightFdRead|rightFdSeek, 0)
	g.create("d/g", "ggg")
	fd, errno := g.openAt(d, 0, "g", 0, rw|rightFdSeek|rightFdTell, rightsAll, 0)
	if errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if st := g.fdstat(fd); st.base != rightFdRead|rightFdSeek || st.inheriting != rightFdRead|rightFdSeek {
		t.Errorf("rights within inheriting: %+v", st)
	}
	// FD_WRITE was dropped, so the file opened read-only: no EBADF from below,
	// ENOTCAPABLE from the rights.
	wantErrno(t, "fd_write(dropped FD_WRITE)", func() vfs.Errno { _, e := g.writeFd(fd, "x"); return e }(), vfs.ENOTCAPABLE)

	// O_CREAT needs PATH_CREATE_FILE, O_TRUNC PATH_FILESTAT_SET_SIZE.
	dd := g.open("d", oflagDirectory, 0)
	wantErrno(t, "set_rights", g.p1("fd_fdstat_set_rights", uint64(dd), rightsDirBase&^(rightPathCreateFile|rightPathFilestatSetSize), g.fdstat(dd).inheriting), vfs.ESUCCESS)
	if _, errno := g.openAt(dd, 0, "g", oflagCreat, rightFdRead, 0, 0); errno != vfs.ENOTCAPABLE {
		t.Errorf("O_CREAT without PATH_CREATE_FILE = %v", errno)
	}
	if _, errno := g.openAt(dd, 0, "g", oflagTrunc, 0, 0, 0); errno != vfs.ENOTCAPABLE {
		t.Errorf("O_TRUNC without PATH_FILESTAT_SET_SIZE = %v", errno)
	}
	if _, errno := g.openAt(dd, 0, "g", 0, rightFdRead, 0, 0); errno != vfs.ESUCCESS {
		t.Errorf("plain open = %v", errno)
	}
	// O_TRUNC with no rights at all truncates (truncation_rights).
	if _, errno := g.openAt(preopenFd, 0, "d/g", oflagTrunc, 0, 0, 0); errno != vfs.ESUCCESS {
		t.Errorf("O_TRUNC = %v", errno)
	}
	if st, _ := g.pathFilestat(preopenFd, 0, "d/g"); st.size != 0 {
		t.Errorf("size after O_TRUNC = %d", st.size)
	}

	// A result pointer outside memory: EFAULT, and no fd is left behind.
	p, n := g.str(memPath, "f")
	next, _ := g.openAt(preopenFd, 0, "f", 0, 0, 0, 0)
	g.close(next)
	wantErrno(t, "path_open into bad memory", g.p1("path_open", preopenFd, 0, p, n, 0, 0, 0, 0, 0xfffffff0), vfs.EFAULT)
	if again, _ := g.openAt(preopenFd, 0, "f", 0, 0, 0, 0); again != next {
		t.Errorf("fd %d after a faulted path_open, want %d", again, next)
	}
}

// TestPathRights checks that each path function refuses a directory fd without
// its right, and works with every other right.
func TestPathRights(t *testing.T) {
	call2 := func(g *fsGuest, name string, fd uint32, a, b string, mid ...uint64) vfs.Errno {
		ap, an := g.str(memPath, a)
		bp, bn := g.str(memAlt, b)
		args := append([]uint64{uint64(fd)}, mid...)
		args = append(args, ap, an, uint64(fd), bp, bn)
		return g.p1(name, args...)
	}
	tests := []struct {
		name  string
		right uint64
		call  func(g *fsGuest, fd uint32) vfs.Errno
	}{
		{"path_open", rightPathOpen, func(g *fsGuest, fd uint32) vfs.Errno {
			_, e := g.openAt(fd, 0, "f", 0, 0, 0, 0)
			return e
		}},
		{"path_create_directory", rightPathCreateDirectory, func(g *fsGuest, fd uint32) vfs.Errno {
			return g.path("path_create_directory", fd, "newdir")
		}},
		{"path_filestat_get", rightPathFilestatGet, func(g *fsGuest, fd uint32) vfs.Errno {
			_, e := g.pathFilestat(fd, 0, "f")
			return e
		}},
		{"path_filestat_set_times", rightPathFilestatSetTimes, func(g *fsGuest, fd uint32) vfs.Errno {
			ptr, n := g.str(memPath, "f")
			return g.p1("path_filestat_set_times", uint64(fd), 0, ptr, n, 5, 5, uint64(fstflagAtim|fstflagMtim))
		}},
		{"path_link source", rightPathLinkSource, func(g *fsGuest, fd uint32) vfs.Errno {
			return call2(g, "path_link", fd, "f", "hard", 0)
		}},
		{"path_link target", rightPathLinkTarget, func(g *fsGuest, fd uint32) vfs.Errno {
			return call2(g, "path_link", fd, "f", "hard", 0)
		}},
		{"path_readlink", rightPathReadlink, func(g *fsGuest, fd uint32) vfs.Errno {
			return g.path("path_readlink", fd, "link", memBuf, 100, memRes)
		}},
		{"path_remove_directory", rightPathRemoveDirectory, func(g *fsGuest, fd uint32) vfs.Errno {
			return g.path("path_remove_directory", fd, "empty")
		}},
		{"path_rename source", rightPathRenameSource, func(g *fsGuest, fd uint32) vfs.Errno {
			return call2(g, "path_rename", fd, "f", "moved")
		}},
		{"path_rename target", rightPathRenameTarget, func(g *fsGuest, fd uint32) vfs.Errno {
			return call2(g, "path_rename", fd, "f", "moved")
		}},
		{"path_symlink", rightPathSymlink, func(g *fsGuest, fd uint32) vfs.Errno { return g.symlink("f", fd, "sym") }},
		{"path_unlink_file", rightPathUnlinkFile, func(g *fsGuest, fd uint32) vfs.Errno {
			return g.path("path_unlink_file", fd, "f")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newFSGuest(t, 0)
			g.path("path_create_directory", preopenFd, "d")
			g.path("path_create_directory", preopenFd, "d/empty")
			g.create("d/f", "data")
			g.symlink("f", preopenFd, "d/link")
			fd := g.open("d", oflagDirectory, 0)
			st := g.fdstat(fd)
			wantErrno(t, "set_rights", g.p1("fd_fdstat_set_rights", uint64(fd), st.base&^tt.right, st.inheriting), vfs.ESUCCESS)
			wantErrno(t, tt.name+" without its right", tt.call(g, fd), vfs.ENOTCAPABLE)
			fd = g.open("d", oflagDirectory, 0)
			wantErrno(t, tt.name+" with its right", tt.call(g, fd), vfs.ESUCCESS)
		})
	}
}

func TestPathFilestat(t *testing.T) {
	g := newFSGuest(t, 0)
	g.create("f", "12345")
	g.symlink("f", preopenFd, "link")
	fst, errno := g.pathFilestat(preopenFd, 0, "f")
	want, _ := g.root.Lstat("/f")
	if errno != vfs.ESUCCESS || fst.ino != want.Ino || fst.size != 5 || fst.filetype != filetypeRegularFile ||
		fst.nlink != 1 || fst.mtim != uint64(want.Mtim) || fst.ctim != uint64(want.Ctim) || fst.atim != uint64(want.Atim) {
		t.Errorf("path_filestat_get(f) = %+v, %v", fst, errno)
	}
	lst, _ := g.pathFilestat(preopenFd, 0, "link")
	if lst.filetype != filetypeSymbolicLink || lst.size != 1 || lst.ino == fst.ino {
		t.Errorf("nofollow on a link = %+v", lst)
	}
	if st, _ := g.pathFilestat(preopenFd, lookupSymlinkFollow, "link"); st.ino != fst.ino || st.filetype != filetypeRegularFile {
		t.Errorf("follow on a link = %+v", st)
	}
	fp, fn := g.str(memPath, "f")
	wantErrno(t, "path_filestat_get into bad memory", g.p1("path_filestat_get", preopenFd, 0, fp, fn, 0xfffffff0), vfs.EFAULT)

	setTimes := func(lookup uint32, p string, atim, mtim uint64, flags uint32) vfs.Errno {
		ptr, n := g.str(memPath, p)
		return g.p1("path_filestat_set_times", preopenFd, uint64(lookup), ptr, n, atim, mtim, uint64(flags))
	}
	wantErrno(t, "set_times(f, MTIM)", setTimes(0, "f", 0, 1000, fstflagMtim), vfs.ESUCCESS)
	if st, _ := g.pathFilestat(preopenFd, 0, "f"); st.mtim != 1000 || st.atim != fst.atim {
		t.Errorf("after set_times: %+v", st)
	}
	wantErrno(t, "set_times(ATIM|ATIM_NOW)", setTimes(0, "f", 1, 1, fstflagAtim|fstflagAtimNow), vfs.EINVAL)
	wantErrno(t, "set_times(MTIM|MTIM_NOW)", setTimes(0, "f", 1, 1, fstflagMtim|fstflagMtimNow), vfs.EINVAL)
	wantErrno(t, "set_times(follow link)", setTimes(lookupSymlinkFollow, "link", 0, 2000, fstflagMtim), vfs.ESUCCESS)
	if st, _ := g.pathFilestat(preopenFd, 0, "f"); st.mtim != 2000 {
		t.Errorf("following set_times left f's mtim at %d", st.mtim)
	}
	// Without SYMLINK_FOLLOW the link's own times (the mount table's Lutimens),
	// never the target's.
	wantErrno(t, "set_times(nofollow link)", setTimes(0, "link", 0, 3000, fstflagMtim), vfs.ESUCCESS)
	if st, _ := g.pathFilestat(preopenFd, 0, "f"); st.mtim != 2000 {
		t.Errorf("nofollow set_times changed the target's mtim to %d", st.mtim)
	}
	if st, _ := g.pathFilestat(preopenFd, 0, "link"); st.mtim != 3000 {
		t.Errorf("nofollow set_times left the link's mtim at %d", st.mtim)
	}
}

func TestPathOps(t *testing.T) {
	type op struct {
		name   string
		call   func(g *fsGuest) vfs.Errno
		want   vfs.Errno
		checks func(t *testing.T, g *fsGuest)
	}
	two := func(g *fsGuest, name string, a string, mid []uint64, b string) vfs.Errno {
		ap, an := g.str(memPath, a)
		bp, bn := g.str(memAlt, b)
		args := append([]uint64{preopenFd}, mid...)
		args = append(args, ap, an, preopenFd, bp, bn)
		return g.p1(name, args...)
	}
	link := func(a, b string, follow uint64) func(g *fsGuest) vfs.Errno {
		return func(g *fsGuest) vfs.Errno { return two(g, "path_link", a, []uint64{follow}, b) }
	}
	rename := func(a, b string) func(g *fsGuest) vfs.Errno {
		return func(g *fsGuest) vfs.Errno { return two(g, "path_rename", a, nil, b) }
	}
	symlink := func(target, p string) func(g *fsGuest) vfs.Errno {
		return func(g *fsGuest) vfs.Errno { return g.symlink(target, preopenFd, p) }
	}
	unlink := func(p string) func(g *fsGuest) vfs.Errno {
		return func(g *fsGuest) vfs.Errno { return g.path("path_unlink_file", preopenFd, p) }
	}
	rmdir := func(p string) func(g *fsGuest) vfs.Errno {
		return func(g *fsGuest) vfs.Errno { return g.path("path_remove_directory", preopenFd, p) }
	}
	mkdir := func(p string) func(g *fsGuest) vfs.Errno {
		return func(g *fsGuest) vfs.Errno { return g.path("path_create_directory", preopenFd, p) }
	}
	exists := func(p string, want vfs.Errno) func(t *testing.T, g *fsGuest) {
		return func(t *testing.T, g *fsGuest) {
			t.Helper()
			if _, errno := g.root.Lstat("/" + p); errno != want {
				t.Errorf("lstat %q = %v, want %v", p, errno, want)
			}
		}
	}
	ops := []op{
		{"link", link("f", "hard", 0), vfs.ESUCCESS, func(t *testing.T, g *fsGuest) {
			if st, _ := g.pathFilestat(preopenFd, 0, "hard"); st.nlink != 2 {
				t.Errorf("nlink %d", st.nlink)
			}
		}},
		{"link onto an existing file", link("f", "g", 0), vfs.EEXIST, nil},
		{"link onto itself", link("f", "f", 0), vfs.EEXIST, nil},
		{"link onto a directory", link("f", "d", 0), vfs.EEXIST, nil},
		{"link a directory", link("d", "hard", 0), vfs.EPERM, nil},
		{"link with a trailing slash, free", link("f", "hard/", 0), vfs.ENOENT, exists("hard", vfs.ENOENT)},
		{"link with a trailing slash, taken", link("f", "d/", 0), vfs.EEXIST, nil},
		{"link a file named with a trailing slash", link("f/", "hard", 0), vfs.ENOTDIR, nil},
		{"link a dangling symlink", link("dangling", "hard", 0), vfs.ESUCCESS, func(t *testing.T, g *fsGuest) {
			if st, _ := g.pathFilestat(preopenFd, 0, "hard"); st.filetype != filetypeSymbolicLink {
				t.Errorf("hard link of a symlink: %+v", st)
			}
		}},
		{"link following a dangling symlink", link("dangling", "hard", 1), vfs.ENOENT, nil},
		{"link following a symlink", link("flink", "hard", 1), vfs.ESUCCESS, func(t *testing.T, g *fsGuest) {
			if st, _ := g.pathFilestat(preopenFd, 0, "hard"); st.filetype != filetypeRegularFile || st.nlink != 2 {
				t.Errorf("hard link through a symlink: %+v", st)
			}
		}},
		{"link following a loop", link("loop", "hard", 1), vfs.ELOOP, nil},
		{"link across mounts", link("f", "other/f", 0), vfs.EXDEV, nil},
		{"link into a read-only mount", link("ro/f", "ro/g", 0), vfs.EROFS, nil},

		{"rename a file", rename("f", "moved"), vfs.ESUCCESS, exists("f", vfs.ENOENT)},
		{"rename a file over a file", rename("f", "g"), vfs.ESUCCESS, exists("f", vfs.ENOENT)},
		{"rename a file over a directory", rename("f", "d"), vfs.EISDIR, nil},
		{"rename a directory over a file", rename("d", "f"), vfs.ENOTDIR, nil},
		{"rename a directory over a non-empty one", rename("empty", "d"), vfs.ENOTEMPTY, nil},
		{"rename a directory over an empty one", rename("d", "empty"), vfs.ESUCCESS, exists("empty/inside", vfs.ESUCCESS)},
		{"rename a directory/ to a name", rename("d/", "moved"), vfs.ESUCCESS, exists("moved", vfs.ESUCCESS)},
		{"rename a directory to a name/", rename("d", "moved/"), vfs.ESUCCESS, exists("moved", vfs.ESUCCESS)},
		{"rename a file/", rename("f/", "moved"), vfs.ENOTDIR, exists("f", vfs.ESUCCESS)},
		{"rename a file to a name/", rename("f", "moved/"), vfs.ENOTDIR, exists("moved", vfs.ENOENT)},
		{"rename a missing file", rename("missing", "moved"), vfs.ENOENT, nil},
		{"rename across mounts", rename("f", "other/f"), vfs.EXDEV, exists("f", vfs.ESUCCESS)},
		{"rename in a read-only mount", rename("ro/f", "ro/g"), vfs.EROFS, nil},

		{"symlink", symlink("f", "sym"), vfs.ESUCCESS, func(t *testing.T, g *fsGuest) {
			if target, _ := g.root.Readlink("/sym"); target != "f" {
				t.Errorf("target %q", target)
			}
		}},
		{"symlink, dangling, kept as given", symlink("../x/./y", "sym"), vfs.ESUCCESS, func(t *testing.T, g *fsGuest) {
			if target, _ := g.root.Readlink("/sym"); target != "../x/./y" {
				t.Errorf("target %q", target)
			}
		}},
		{"symlink to an absolute path", symlink("/f", "sym"), vfs.EPERM, exists("sym", vfs.ENOENT)},
		{"symlink with a NUL", symlink("f\x00", "sym"), vfs.EINVAL, nil},
		{"symlink, empty target", symlink("", "sym"), vfs.ENOENT, nil},
		{"symlink onto a file", symlink("x", "f"), vfs.EEXIST, nil},
		{"symlink onto a directory", symlink("x", "d"), vfs.EEXIST, nil},
		{"symlink, trailing slash, free", symlink("x", "sym/"), vfs.ENOENT, exists("sym", vfs.ENOENT)},
		{"symlink, trailing slash, directory", symlink("x", "d/"), vfs.EEXIST, nil},
		{"symlink, trailing slash, file", symlink("x", "f/"), vfs.ENOTDIR, nil},
		{"symlink in a read-only mount", symlink("x", "ro/sym"), vfs.EROFS, nil},

		{"unlink a file", unlink("f"), vfs.ESUCCESS, exists("f", vfs.ENOENT)},
		{"unlink a symlink", unlink("flink"), vfs.ESUCCESS, exists("f", vfs.ESUCCESS)},
		{"unlink a directory", unlink("d"), vfs.EISDIR, nil},
		{"unlink a directory/", unlink("d/"), vfs.EISDIR, nil},
		{"unlink a file/", unlink("f/"), vfs.ENOTDIR, exists("f", vfs.ESUCCESS)},
		{"unlink a missing file", unlink("missing"), vfs.ENOENT, nil},
		{"unlink a missing file/", unlink("missing/"), vfs.ENOENT, nil},
		{"unlink in a read-only mount", unlink("ro/f"), vfs.EROFS, nil},

		{"rmdir", rmdir("empty"), vfs.ESUCCESS, exists("empty", vfs.ENOENT)},
		{"rmdir/", rmdir("empty/"), vfs.ESUCCESS, exists("empty", vfs.ENOENT)},
		{"rmdir a non-empty directory", rmdir("d"), vfs.ENOTEMPTY, nil},
		{"rmdir a file", rmdir("f"), vfs.ENOTDIR, nil},
		{"rmdir a file/", rmdir("f/"), vfs.ENOTDIR, nil},
		{"rmdir a symlink to a directory/", rmdir("dlink/"), vfs.ENOTDIR, exists("empty", vfs.ESUCCESS)},
		{"rmdir .", rmdir("empty/."), vfs.EINVAL, exists("empty", vfs.ESUCCESS)},
		{"rmdir a mount point", rmdir("other"), vfs.EBUSY, nil},

		{"mkdir", mkdir("new"), vfs.ESUCCESS, exists("new", vfs.ESUCCESS)},
		{"mkdir/", mkdir("new/"), vfs.ESUCCESS, exists("new", vfs.ESUCCESS)},
		{"mkdir an existing name", mkdir("f"), vfs.EEXIST, nil},
		{"mkdir in a read-only mount", mkdir("ro/new"), vfs.EROFS, nil},
		{"mkdir above the preopen", mkdir("../new"), vfs.ENOTCAPABLE, nil},
	}
	for _, tt := range ops {
		t.Run(tt.name, func(t *testing.T) {
			g := newFSGuest(t, 0)
			g.create("f", "data")
			g.create("g", "other")
			g.path("path_create_directory", preopenFd, "d")
			g.create("d/inside", "")
			g.path("path_create_directory", preopenFd, "empty")
			g.symlink("f", preopenFd, "flink")
			g.symlink("empty", preopenFd, "dlink")
			g.symlink("nowhere", preopenFd, "dangling")
			g.symlink("loop", preopenFd, "loop")
			wantErrno(t, tt.name, tt.call(g), tt.want)
			if tt.checks != nil {
				tt.checks(t, g)
			}
		})
	}
}

func TestPathReadlink(t *testing.T) {
	g := newFSGuest(t, 0)
	g.create("target", "")
	g.symlink("target", preopenFd, "link")
	read := func(p string, size uint32) (string, vfs.Errno) {
		g.write(memBuf, []byte("##########"))
		g.putU32(memRes, 0xffffffff)
		errno := g.path("path_readlink", preopenFd, p, memBuf, uint64(size), memRes)
		return string(g.read(memBuf, 10)), errno
	}
	if s, errno := read("link", 10); errno != vfs.ESUCCESS || s != "target####" || g.u32(memRes) != 6 {
		t.Errorf("readlink = %q, %v, bufused %d", s, errno, g.u32(memRes))
	}
	if s, errno := read("link", 4); errno != vfs.ESUCCESS || s != "targ######" || g.u32(memRes) != 4 {
		t.Errorf("readlink into 4 bytes = %q, %v, bufused %d", s, errno, g.u32(memRes))
	}
	if _, errno := read("target", 10); errno != vfs.EINVAL {
		t.Errorf("readlink of a file = %v, want EINVAL", errno)
	}
	if _, errno := read("missing", 10); errno != vfs.ENOENT {
		t.Errorf("readlink of nothing = %v, want ENOENT", errno)
	}
	wantErrno(t, "readlink into bad memory", g.path("path_readlink", preopenFd, "link", 0xfffffff0, 100, memRes), vfs.EFAULT)
}

// TestCoreStat covers the core methods the wasi_unstable variants build on.
func TestCoreStat(t *testing.T) {
	g := newFSGuest(t, 0)
	g.create("f", "abc")
	g.symlink("f", preopenFd, "link")
	fd := g.open("f", 0, 0)
	st, ft, errno := g.sys.fdStat(fd)
	if errno != vfs.ESUCCESS || ft != filetypeRegularFile || st.Size != 3 {
		t.Errorf("fdStat = %+v, %d, %v", st, ft, errno)
	}
	if _, _, errno := g.sys.fdStat(99); errno != vfs.EBADF {
		t.Errorf("fdStat(99) = %v", errno)
	}
	g.p1("fd_fdstat_set_rights", uint64(fd), rightFdRead, 0)
	if _, _, errno := g.sys.fdStat(fd); errno != vfs.ENOTCAPABLE {
		t.Errorf("fdStat without FD_FILESTAT_GET = %v", errno)
	}
	if st, ft, errno := g.sys.pathStat(preopenFd, 0, "link"); errno != vfs.ESUCCESS || ft != filetypeSymbolicLink || st.Size != 1 {
		t.Errorf("pathStat(link) = %+v, %d, %v", st, ft, errno)
	}
	if st, ft, errno := g.sys.pathStat(preopenFd, lookupSymlinkFollow, "link"); errno != vfs.ESUCCESS || ft != filetypeRegularFile || st.Size != 3 {
		t.Errorf("pathStat(link, follow) = %+v, %d, %v", st, ft, errno)
	}
	if _, _, errno := g.sys.pathStat(preopenFd, 0, "../f"); errno != vfs.ENOTCAPABLE {
		t.Errorf("pathStat(../f) = %v", errno)
	}
	if _, _, errno := g.sys.pathStat(fd, 0, "x"); errno != vfs.ENOTDIR {
		t.Errorf("pathStat(file fd) = %v", errno)
	}
	fd = g.open("f", 0, 0)
	if off, errno := g.sys.seek(fd, 2, 0); errno != vfs.ESUCCESS || off != 2 {
		t.Errorf("seek = %d, %v", off, errno)
	}
	g.p1("fd_fdstat_set_rights", uint64(fd), rightFdTell, 0)
	if off, errno := g.sys.seek(fd, 0, 1); errno != vfs.ESUCCESS || off != 2 {
		t.Errorf("tell with FD_TELL only = %d, %v", off, errno)
	}
	if _, errno := g.sys.seek(fd, 1, 1); errno != vfs.ENOTCAPABLE {
		t.Errorf("seek with FD_TELL only = %v", errno)
	}
}

func TestCheckRel(t *testing.T) {
	tests := []struct {
		rel    string
		dotdot bool
		want   vfs.Errno
	}{
		{"a", false, vfs.ESUCCESS},
		{"a/b/", false, vfs.ESUCCESS},
		{".", false, vfs.ESUCCESS},
		{"./", false, vfs.ESUCCESS},
		{"a/..", true, vfs.ESUCCESS},
		{"a//..//b/../..", false, vfs.ENOTCAPABLE},
		{"a/./../../b", false, vfs.ENOTCAPABLE},
		{"..", false, vfs.ENOTCAPABLE},
		{"../", false, vfs.ENOTCAPABLE},
		{"/a", false, vfs.ENOTCAPABLE},
		{"", false, vfs.ENOENT},
		{"a\x00b", false, vfs.EINVAL},
		{"\xc3\x28", false, vfs.EILSEQ},
		{"..a/b..", false, vfs.ESUCCESS},
		{"ü/…", false, vfs.ESUCCESS},
	}
	for _, tt := range tests {
		dotdot, errno := checkRel(tt.rel)
		if errno != tt.want || errno == vfs.ESUCCESS && dotdot != tt.dotdot {
			t.Errorf("checkRel(%q) = %v, %v; want %v, %v", tt.rel, dotdot, errno, tt.dotdot, tt.want)
		}
	}
}
