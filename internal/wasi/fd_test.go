package wasi

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/wasirun/wasirun/internal/vfs"
)

// Guest memory used by the fd and path tests.
const (
	memRes  = 0x10   // results (u32, u64)
	memRes2 = 0x20   // a second result
	memIov  = 0x100  // iovec arrays
	memStat = 0x200  // fdstat, filestat, prestat
	memPath = 0x1000 // a first path
	memAlt  = 0x1800 // a second path, a symlink target
	memBuf  = 0x4000 // data buffers
)

// rightsAll is every right preview 1 defines.
const rightsAll = rightSockAccept<<1 - 1

// preopenFd is the fd of the guest's "/" in newFSGuest.
const preopenFd = 3

// fsGuest is a guest over a mount table: tmpfs at "/", a read-only tmpfs at
// "/ro" holding the file "f", and a second tmpfs at "/other".
type fsGuest struct {
	*guest
	root *vfs.MountTable
}

// newFSGuest builds an fsGuest whose root tmpfs holds at most limit bytes (0:
// unlimited), with "/" preopened as fd 3.
// fd_seek's whence wire values in preview 1, as the specification numbers them.
const (
	whenceSet uint32 = 0
	whenceCur uint32 = 1
	whenceEnd uint32 = 2
)

func newFSGuest(t testing.TB, limit int64) *fsGuest {
	t.Helper()
	var lim *vfs.Limiter
	if limit > 0 {
		lim = vfs.NewLimiter(limit)
	}
	root := vfs.NewMountTable(vfs.NewTmpFS(lim), "tmp")
	ro := vfs.NewTmpFS(nil)
	f, errno := ro.OpenFile("/f", vfs.OFlagWrite|vfs.OFlagCreate, 0o644)
	if errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	f.Write([]byte("read-only"))
	f.Close()
	if errno := root.Mount("/ro", vfs.NewReadOnly(ro), "ro"); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if errno := root.Mount("/other", vfs.NewTmpFS(nil), "other"); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	g := newGuest(t, Config{Root: root, Preopens: []Preopen{{Name: "/", Path: "/"}}})
	return &fsGuest{guest: g, root: root}
}

// str puts s in guest memory at ptr and returns the (ptr, len) parameters.
func (g *fsGuest) str(ptr uint32, s string) (uint64, uint64) {
	g.t.Helper()
	p, n := g.writeString(ptr, s)
	return uint64(p), uint64(n)
}

// path calls a path function whose parameters are (fd, path, path_len, rest...).
func (g *fsGuest) path(name string, fd uint32, p string, rest ...uint64) vfs.Errno {
	g.t.Helper()
	ptr, n := g.str(memPath, p)
	return g.p1(name, append([]uint64{uint64(fd), ptr, n}, rest...)...)
}

// openAt calls path_open and returns the new fd.
func (g *fsGuest) openAt(dirfd, lookup uint32, p string, oflags uint32, base, inheriting uint64, fdflags uint32) (uint32, vfs.Errno) {
	g.t.Helper()
	ptr, n := g.str(memPath, p)
	g.putU32(memRes, 0xffffffff)
	errno := g.p1("path_open", uint64(dirfd), uint64(lookup), ptr, n, uint64(oflags), base, inheriting, uint64(fdflags), memRes)
	return g.u32(memRes), errno
}

// open opens p relative to the preopen, following symlinks, with every right
// (every directory right with oflagDirectory: FD_WRITE would be EISDIR).
func (g *fsGuest) open(p string, oflags uint32, fdflags uint32) uint32 {
	g.t.Helper()
	base := rightsAll
	if oflags&oflagDirectory != 0 {
		base = rightsDirBase
	}
	fd, errno := g.openAt(preopenFd, lookupSymlinkFollow, p, oflags, base, rightsAll, fdflags)
	if errno != vfs.ESUCCESS {
		g.t.Fatalf("path_open(%q) = %v", p, errno)
	}
	return fd
}

// create makes the file p holding data.
func (g *fsGuest) create(p, data string) {
	g.t.Helper()
	fd := g.open(p, oflagCreat|oflagTrunc, 0)
	if n, errno := g.writeFd(fd, data); errno != vfs.ESUCCESS || n != uint32(len(data)) {
		g.t.Fatalf("write %q: %d, %v", p, n, errno)
	}
	g.close(fd)
}

// symlink calls path_symlink(target, fd, p).
func (g *fsGuest) symlink(target string, fd uint32, p string) vfs.Errno {
	g.t.Helper()
	tp, tn := g.str(memAlt, target)
	pp, pn := g.str(memPath, p)
	return g.p1("path_symlink", tp, tn, uint64(fd), pp, pn)
}

func (g *fsGuest) close(fd uint32) {
	g.t.Helper()
	if errno := g.p1("fd_close", uint64(fd)); errno != vfs.ESUCCESS {
		g.t.Fatalf("fd_close(%d) = %v", fd, errno)
	}
}

// writeFd writes data with one iovec.
func (g *fsGuest) writeFd(fd uint32, data string) (uint32, vfs.Errno) {
	g.t.Helper()
	g.writeString(memBuf, data)
	g.iovec(memIov, memBuf, uint32(len(data)))
	errno := g.p1("fd_write", uint64(fd), memIov, 1, memRes)
	return g.u32(memRes), errno
}

// readFd reads up to n bytes with one iovec.
func (g *fsGuest) readFd(fd, n uint32) (string, vfs.Errno) {
	g.t.Helper()
	g.iovec(memIov, memBuf, n)
	g.putU32(memRes, 0xffffffff)
	if errno := g.p1("fd_read", uint64(fd), memIov, 1, memRes); errno != vfs.ESUCCESS {
		return "", errno
	}
	return string(g.read(memBuf, g.u32(memRes))), vfs.ESUCCESS
}

// fdstat is a decoded fd_fdstat_get result.
type fdstat struct {
	filetype          uint8
	flags             uint16
	base, inheriting  uint64
	errno             vfs.Errno
	rawPad1, rawPad47 []byte // the padding bytes 1 and 4-7
}

func (g *fsGuest) fdstat(fd uint32) fdstat {
	g.t.Helper()
	g.write(memStat, bytes.Repeat([]byte{0xee}, fdstatSize))
	errno := g.p1("fd_fdstat_get", uint64(fd), memStat)
	b := g.read(memStat, fdstatSize)
	return fdstat{
		filetype: b[0], flags: binary.LittleEndian.Uint16(b[2:]),
		base: binary.LittleEndian.Uint64(b[8:]), inheriting: binary.LittleEndian.Uint64(b[16:]),
		errno: errno, rawPad1: b[1:2], rawPad47: b[4:8],
	}
}

// filestat is a decoded preview1 filestat.
type filestat struct {
	dev, ino         uint64
	filetype         uint8
	nlink, size      uint64
	atim, mtim, ctim uint64
}

func (g *fsGuest) filestatAt(ptr uint32) filestat {
	g.t.Helper()
	b := g.read(ptr, filestatSize)
	le := binary.LittleEndian
	return filestat{
		dev: le.Uint64(b[0:]), ino: le.Uint64(b[8:]), filetype: b[16],
		nlink: le.Uint64(b[24:]), size: le.Uint64(b[32:]),
		atim: le.Uint64(b[40:]), mtim: le.Uint64(b[48:]), ctim: le.Uint64(b[56:]),
	}
}

func (g *fsGuest) fdFilestat(fd uint32) (filestat, vfs.Errno) {
	g.t.Helper()
	g.write(memStat, bytes.Repeat([]byte{0xee}, filestatSize))
	errno := g.p1("fd_filestat_get", uint64(fd), memStat)
	return g.filestatAt(memStat), errno
}

// pathFilestat calls path_filestat_get.
func (g *fsGuest) pathFilestat(fd, lookup uint32, p string) (filestat, vfs.Errno) {
	g.t.Helper()
	g.write(memStat, bytes.Repeat([]byte{0xee}, filestatSize))
	ptr, n := g.str(memPath, p)
	errno := g.p1("path_filestat_get", uint64(fd), uint64(lookup), ptr, n, memStat)
	return g.filestatAt(memStat), errno
}

func wantErrno(t *testing.T, what string, got, want vfs.Errno) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestFdReadWriteSeek(t *testing.T) {
	g := newFSGuest(t, 0)
	fd := g.open("f", oflagCreat, 0)

	// Two iovecs, written in one call.
	g.writeString(memBuf, "hello")
	g.writeString(memBuf+100, " world")
	g.iovec(memIov, memBuf, 5)
	g.iovec(memIov+8, memBuf+100, 6)
	wantErrno(t, "fd_write", g.p1("fd_write", uint64(fd), memIov, 2, memRes), vfs.ESUCCESS)
	if n := g.u32(memRes); n != 11 {
		t.Fatalf("nwritten = %d", n)
	}
	pos := func() uint64 {
		t.Helper()
		wantErrno(t, "fd_tell", g.p1("fd_tell", uint64(fd), memRes), vfs.ESUCCESS)
		return g.u64(memRes)
	}
	if p := pos(); p != 11 {
		t.Fatalf("tell = %d", p)
	}
	seek := func(off int64, whence uint32) (uint64, vfs.Errno) {
		t.Helper()
		errno := g.p1("fd_seek", uint64(fd), uint64(off), uint64(whence), memRes)
		return g.u64(memRes), errno
	}
	if p, errno := seek(-5, whenceCur); errno != vfs.ESUCCESS || p != 6 {
		t.Fatalf("seek(-5, cur) = %d, %v", p, errno)
	}
	if s, errno := g.readFd(fd, 100); errno != vfs.ESUCCESS || s != "world" {
		t.Fatalf("read = %q, %v", s, errno)
	}
	if _, errno := seek(-100, whenceCur); errno != vfs.EINVAL {
		t.Errorf("seek before 0 = %v, want EINVAL", errno)
	}
	if _, errno := seek(-1, whenceSet); errno != vfs.EINVAL {
		t.Errorf("seek(-1, set) = %v, want EINVAL", errno)
	}
	if _, errno := seek(0, 3); errno != vfs.EINVAL {
		t.Errorf("seek whence 3 = %v, want EINVAL", errno)
	}
	if p, errno := seek(-2, whenceEnd); errno != vfs.ESUCCESS || p != 9 {
		t.Fatalf("seek(-2, end) = %d, %v", p, errno)
	}

	// A read into two iovecs stops at the short one.
	seek(0, whenceSet)
	g.iovec(memIov, memBuf, 4)
	g.iovec(memIov+8, memBuf+100, 100)
	g.iovec(memIov+16, memBuf+300, 100)
	g.write(memBuf+300, []byte("untouched"))
	wantErrno(t, "fd_read", g.p1("fd_read", uint64(fd), memIov, 3, memRes), vfs.ESUCCESS)
	if n := g.u32(memRes); n != 11 {
		t.Fatalf("nread = %d", n)
	}
	if got := string(g.read(memBuf, 4)) + string(g.read(memBuf+100, 7)); got != "hello world" {
		t.Errorf("read %q", got)
	}
	if got := string(g.read(memBuf+300, 9)); got != "untouched" {
		t.Errorf("third iovec written: %q", got)
	}

	// pread and pwrite leave the offset alone.
	seek(3, whenceSet)
	g.writeString(memBuf, "HELLO")
	g.iovec(memIov, memBuf, 5)
	wantErrno(t, "fd_pwrite", g.p1("fd_pwrite", uint64(fd), memIov, 1, 0, memRes), vfs.ESUCCESS)
	g.iovec(memIov, memBuf, 2)
	g.iovec(memIov+8, memBuf+10, 100)
	wantErrno(t, "fd_pread", g.p1("fd_pread", uint64(fd), memIov, 2, 4, memRes), vfs.ESUCCESS)
	if n, got := g.u32(memRes), string(g.read(memBuf, 2))+string(g.read(memBuf+10, 5)); n != 7 || got != "O world" {
		t.Errorf("pread = %d %q", n, got)
	}
	if p := pos(); p != 3 {
		t.Errorf("offset after pread/pwrite = %d, want 3", p)
	}
	wantErrno(t, "fd_pread at a negative offset", g.p1("fd_pread", uint64(fd), memIov, 1, 1<<63, memRes), vfs.EINVAL)

	// An iovec outside memory is EFAULT; so is the iovec array itself.
	g.iovec(memIov, 0xfffffff0, 100)
	wantErrno(t, "fd_read into a bad buffer", g.p1("fd_read", uint64(fd), memIov, 1, memRes), vfs.EFAULT)
	wantErrno(t, "fd_write with a bad array", g.p1("fd_write", uint64(fd), 0xfffffff0, 2, memRes), vfs.EFAULT)
	g.close(fd)
}

func TestFdAppend(t *testing.T) {
	g := newFSGuest(t, 0)
	g.create("f", "abc")
	fd := g.open("f", 0, uint32(fdflagAppend))
	if st := g.fdstat(fd); st.flags != fdflagAppend {
		t.Errorf("fdstat flags = %#x, want APPEND", st.flags)
	}
	g.writeFd(fd, "de")
	// pwrite writes at its offset, as POSIX says, also in append mode.
	g.writeString(memBuf, "X")
	g.iovec(memIov, memBuf, 1)
	wantErrno(t, "fd_pwrite", g.p1("fd_pwrite", uint64(fd), memIov, 1, 0, memRes), vfs.ESUCCESS)
	// Append off: the write lands at the offset.
	wantErrno(t, "fd_fdstat_set_flags", g.p1("fd_fdstat_set_flags", uint64(fd), 0), vfs.ESUCCESS)
	g.p1("fd_seek", uint64(fd), 1, uint64(whenceSet), memRes)
	g.writeFd(fd, "Y")
	wantErrno(t, "fd_fdstat_set_flags(NONBLOCK)", g.p1("fd_fdstat_set_flags", uint64(fd), uint64(fdflagNonblock)), vfs.ESUCCESS)
	if st := g.fdstat(fd); st.flags != fdflagNonblock {
		t.Errorf("fdstat flags = %#x, want NONBLOCK", st.flags)
	}
	wantErrno(t, "fd_fdstat_set_flags(1<<5)", g.p1("fd_fdstat_set_flags", uint64(fd), 1<<5), vfs.EINVAL)
	g.p1("fd_seek", uint64(fd), 0, uint64(whenceSet), memRes)
	if s, _ := g.readFd(fd, 100); s != "XYcde" {
		t.Errorf("contents %q, want XYcde", s)
	}
}

func TestFdstatLayout(t *testing.T) {
	g := newFSGuest(t, 0)
	fd, errno := g.openAt(preopenFd, 0, "f", oflagCreat, rightFdRead|rightFdWrite|rightPathOpen, rightFdRead, uint32(fdflagSync))
	if errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	st := g.fdstat(fd)
	if st.errno != vfs.ESUCCESS || st.filetype != filetypeRegularFile || st.flags != fdflagSync ||
		st.base != rightFdRead|rightFdWrite || st.inheriting != rightFdRead {
		t.Errorf("fdstat = %+v", st)
	}
	if st.rawPad1[0] != 0 || !bytes.Equal(st.rawPad47, make([]byte, 4)) {
		t.Errorf("padding not zeroed: %x %x", st.rawPad1, st.rawPad47)
	}
	pre := g.fdstat(preopenFd)
	if pre.filetype != filetypeDirectory || pre.base != rightsDirBase || pre.inheriting != rightsDirBase|rightsFileBase {
		t.Errorf("preopen fdstat = %+v", pre)
	}
	wantErrno(t, "fd_fdstat_get(99)", g.fdstat(99).errno, vfs.EBADF)
	wantErrno(t, "fd_fdstat_get into bad memory", g.p1("fd_fdstat_get", uint64(fd), 0xfffffff0), vfs.EFAULT)
}

func TestFdFdstatSetRights(t *testing.T) {
	g := newFSGuest(t, 0)
	fd, _ := g.openAt(preopenFd, 0, "f", oflagCreat, rightFdRead|rightFdWrite|rightFdSeek, rightFdRead, 0)
	set := func(base, inh uint64) vfs.Errno {
		return g.p1("fd_fdstat_set_rights", uint64(fd), base, inh)
	}
	wantErrno(t, "set_rights(same)", set(rightFdRead|rightFdWrite|rightFdSeek, rightFdRead), vfs.ESUCCESS)
	wantErrno(t, "set_rights(drop write)", set(rightFdRead|rightFdSeek, rightFdRead), vfs.ESUCCESS)
	if st := g.fdstat(fd); st.base != rightFdRead|rightFdSeek {
		t.Errorf("base = %#x", st.base)
	}
	wantErrno(t, "fd_write without FD_WRITE", func() vfs.Errno { _, e := g.writeFd(fd, "x"); return e }(), vfs.ENOTCAPABLE)
	wantErrno(t, "set_rights(add write back)", set(rightFdRead|rightFdWrite|rightFdSeek, rightFdRead), vfs.ENOTCAPABLE)
	wantErrno(t, "set_rights(add inheriting)", set(rightFdRead, rightFdRead|rightFdWrite), vfs.ENOTCAPABLE)
	if st := g.fdstat(fd); st.base != rightFdRead|rightFdSeek || st.inheriting != rightFdRead {
		t.Errorf("a refused set_rights changed the rights: %+v", st)
	}
	wantErrno(t, "set_rights(99)", g.p1("fd_fdstat_set_rights", 99, 0, 0), vfs.EBADF)
}

// TestFdRights checks that each fd_* function refuses an fd without its right,
// and accepts it with that right alone dropped from the others.
func TestFdRights(t *testing.T) {
	tests := []struct {
		name  string
		right uint64
		dir   bool
		call  func(g *fsGuest, fd uint32) vfs.Errno
	}{
		{"fd_read", rightFdRead, false, func(g *fsGuest, fd uint32) vfs.Errno { _, e := g.readFd(fd, 1); return e }},
		{"fd_write", rightFdWrite, false, func(g *fsGuest, fd uint32) vfs.Errno { _, e := g.writeFd(fd, "x"); return e }},
		{"fd_pread", rightFdRead, false, func(g *fsGuest, fd uint32) vfs.Errno {
			g.iovec(memIov, memBuf, 1)
			return g.p1("fd_pread", uint64(fd), memIov, 1, 0, memRes)
		}},
		{"fd_pread needs seek", rightFdSeek, false, func(g *fsGuest, fd uint32) vfs.Errno {
			g.iovec(memIov, memBuf, 1)
			return g.p1("fd_pread", uint64(fd), memIov, 1, 0, memRes)
		}},
		{"fd_pwrite", rightFdWrite, false, func(g *fsGuest, fd uint32) vfs.Errno {
			g.iovec(memIov, memBuf, 1)
			return g.p1("fd_pwrite", uint64(fd), memIov, 1, 0, memRes)
		}},
		{"fd_seek", rightFdSeek, false, func(g *fsGuest, fd uint32) vfs.Errno {
			return g.p1("fd_seek", uint64(fd), 1, uint64(whenceSet), memRes)
		}},
		{"fd_tell", rightFdTell | rightFdSeek, false, func(g *fsGuest, fd uint32) vfs.Errno { return g.p1("fd_tell", uint64(fd), memRes) }},
		{"fd_filestat_get", rightFdFilestatGet, false, func(g *fsGuest, fd uint32) vfs.Errno { _, e := g.fdFilestat(fd); return e }},
		{"fd_filestat_set_size", rightFdFilestatSetSize, false, func(g *fsGuest, fd uint32) vfs.Errno {
			return g.p1("fd_filestat_set_size", uint64(fd), 3)
		}},
		{"fd_filestat_set_times", rightFdFilestatSetTimes, false, func(g *fsGuest, fd uint32) vfs.Errno {
			return g.p1("fd_filestat_set_times", uint64(fd), 1, 2, uint64(fstflagAtim|fstflagMtim))
		}},
		{"fd_fdstat_set_flags", rightFdFdstatSetFlags, false, func(g *fsGuest, fd uint32) vfs.Errno {
			return g.p1("fd_fdstat_set_flags", uint64(fd), uint64(fdflagAppend))
		}},
		{"fd_sync", rightFdSync, false, func(g *fsGuest, fd uint32) vfs.Errno { return g.p1("fd_sync", uint64(fd)) }},
		{"fd_datasync", rightFdDatasync, false, func(g *fsGuest, fd uint32) vfs.Errno { return g.p1("fd_datasync", uint64(fd)) }},
		{"fd_advise", rightFdAdvise, false, func(g *fsGuest, fd uint32) vfs.Errno { return g.p1("fd_advise", uint64(fd), 0, 10, 1) }},
		{"fd_allocate", rightFdAllocate, false, func(g *fsGuest, fd uint32) vfs.Errno { return g.p1("fd_allocate", uint64(fd), 0, 10) }},
		{"fd_readdir", rightFdReaddir, true, func(g *fsGuest, fd uint32) vfs.Errno {
			return g.p1("fd_readdir", uint64(fd), memBuf, 256, 0, memRes)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newFSGuest(t, 0)
			g.create("f", "data")
			p, oflags := "f", uint32(0)
			if tt.dir {
				p, oflags = ".", oflagDirectory
			}
			fd := g.open(p, oflags, 0)
			all := g.fdstat(fd)
			wantErrno(t, "set_rights", g.p1("fd_fdstat_set_rights", uint64(fd), all.base&^tt.right, all.inheriting), vfs.ESUCCESS)
			wantErrno(t, tt.name+" without its right", tt.call(g, fd), vfs.ENOTCAPABLE)

			fd = g.open(p, oflags, 0)
			wantErrno(t, tt.name+" with its right", tt.call(g, fd), vfs.ESUCCESS)
		})
	}
}

func TestFdStreams(t *testing.T) {
	var out bytes.Buffer
	g := newGuest(t, Config{Stdout: &out})
	wantErrno(t, "fd_seek(stdout)", g.p1("fd_seek", 1, 0, uint64(whenceCur), memRes), vfs.ESPIPE)
	wantErrno(t, "fd_tell(stdin)", g.p1("fd_tell", 0, memRes), vfs.ESPIPE)
	g.iovec(memIov, memBuf, 1)
	wantErrno(t, "fd_pwrite(stdout)", g.p1("fd_pwrite", 1, memIov, 1, 0, memRes), vfs.ESPIPE)
	wantErrno(t, "fd_pread(stdin)", g.p1("fd_pread", 0, memIov, 1, 0, memRes), vfs.ESPIPE)
	g.writeString(memBuf, "hi")
	g.iovec(memIov, memBuf, 2)
	wantErrno(t, "fd_write(stdout)", g.p1("fd_write", 1, memIov, 1, memRes), vfs.ESUCCESS)
	if out.String() != "hi" {
		t.Errorf("stdout = %q", out.String())
	}
	wantErrno(t, "fd_seek(99)", g.p1("fd_seek", 99, 0, uint64(whenceCur), memRes), vfs.EBADF)
	wantErrno(t, "fd_prestat_get(1)", g.p1("fd_prestat_get", 1, memStat), vfs.EBADF)
}

// TestFdReadStopsShort checks that fd_read returns after a short read instead
// of reading on into the next iovec (which would block on a stream).
func TestFdReadStopsShort(t *testing.T) {
	g := newGuest(t, Config{Stdin: iotest.OneByteReader(strings.NewReader("abcd"))})
	g.iovec(memIov, memBuf, 4)
	g.iovec(memIov+8, memBuf+4, 4)
	wantErrno(t, "fd_read(stdin)", g.p1("fd_read", 0, memIov, 2, memRes), vfs.ESUCCESS)
	if n := g.u32(memRes); n != 1 || g.read(memBuf, 1)[0] != 'a' {
		t.Errorf("fd_read = %d bytes %q, want 1 byte a", n, g.read(memBuf, n))
	}
}

func TestFdDirectory(t *testing.T) {
	g := newFSGuest(t, 0)
	// A directory opened asking for FD_SEEK and FD_READ does not get them.
	fd, errno := g.openAt(preopenFd, 0, ".", oflagDirectory, rightFdSeek|rightFdRead|rightFdReaddir, 0, 0)
	if errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if st := g.fdstat(fd); st.base != rightFdReaddir || st.filetype != filetypeDirectory {
		t.Errorf("fdstat = %+v", st)
	}
	wantErrno(t, "fd_seek(dir)", g.p1("fd_seek", uint64(fd), 0, uint64(whenceCur), memRes), vfs.ENOTCAPABLE)
	wantErrno(t, "fd_read(dir)", func() vfs.Errno { _, e := g.readFd(fd, 4); return e }(), vfs.ENOTCAPABLE)
	wantErrno(t, "fd_filestat_set_size(preopen)", g.p1("fd_filestat_set_size", preopenFd, 0), vfs.ENOTCAPABLE)
	// The seek and tell core methods answer EBADF for a directory holding the
	// rights (a hand-made entry: path_open never gives them).
	g.sys.fds.entries[fd].rights |= rightFdSeek
	if _, errno := g.sys.seek(fd, 0, 0); errno != vfs.EBADF {
		t.Errorf("seek(dir with FD_SEEK) = %v, want EBADF", errno)
	}
}

func TestFdFilestat(t *testing.T) {
	g := newFSGuest(t, 0)
	g.create("f", "12345")
	fd := g.open("f", 0, 0)
	st, errno := g.fdFilestat(fd)
	want, _ := g.root.Lstat("/f")
	if errno != vfs.ESUCCESS || st.filetype != filetypeRegularFile || st.size != 5 || st.nlink != 1 ||
		st.ino != want.Ino || st.dev != want.Dev || st.mtim != uint64(want.Mtim) ||
		st.atim != uint64(want.Atim) || st.ctim != uint64(want.Ctim) || st.ino == 0 {
		t.Errorf("filestat = %+v, %v (want %+v)", st, errno, want)
	}
	// The padding after the filetype byte is zeroed.
	if pad := g.read(memStat+17, 7); !bytes.Equal(pad, make([]byte, 7)) {
		t.Errorf("padding %x", pad)
	}

	wantErrno(t, "fd_filestat_set_size", g.p1("fd_filestat_set_size", uint64(fd), 100), vfs.ESUCCESS)
	if st, _ := g.fdFilestat(fd); st.size != 100 {
		t.Errorf("size = %d, want 100", st.size)
	}
	wantErrno(t, "fd_filestat_set_size(2^63)", g.p1("fd_filestat_set_size", uint64(fd), 1<<63), vfs.EFBIG)

	wantErrno(t, "set_times(MTIM)", g.p1("fd_filestat_set_times", uint64(fd), 7, 1000, uint64(fstflagMtim)), vfs.ESUCCESS)
	if st, _ := g.fdFilestat(fd); st.mtim != 1000 || st.atim != uint64(want.Atim) {
		t.Errorf("after MTIM: %+v", st)
	}
	wantErrno(t, "set_times(ATIM)", g.p1("fd_filestat_set_times", uint64(fd), 7, 0, uint64(fstflagAtim)), vfs.ESUCCESS)
	if st, _ := g.fdFilestat(fd); st.mtim != 1000 || st.atim != 7 {
		t.Errorf("after ATIM: %+v", st)
	}
	wantErrno(t, "set_times(MTIM_NOW)", g.p1("fd_filestat_set_times", uint64(fd), 0, 0, uint64(fstflagMtimNow)), vfs.ESUCCESS)
	if st, _ := g.fdFilestat(fd); st.mtim <= 1000 {
		t.Errorf("MTIM_NOW left mtim at %d", st.mtim)
	}
	for _, flags := range []uint32{fstflagAtim | fstflagAtimNow, fstflagMtim | fstflagMtimNow, 1 << 4} {
		wantErrno(t, "set_times(invalid flags)", g.p1("fd_filestat_set_times", uint64(fd), 1, 1, uint64(flags)), vfs.EINVAL)
	}
	if st, _ := g.fdFilestat(fd); st.atim != 7 {
		t.Errorf("a refused set_times changed atim to %d", st.atim)
	}
}

func TestFdAdviseAllocate(t *testing.T) {
	g := newFSGuest(t, 0)
	fd := g.open("f", oflagCreat, 0)
	for advice := uint64(0); advice <= 5; advice++ {
		wantErrno(t, "fd_advise", g.p1("fd_advise", uint64(fd), 0, 0, advice), vfs.ESUCCESS)
	}
	wantErrno(t, "fd_advise(6)", g.p1("fd_advise", uint64(fd), 0, 0, 6), vfs.EINVAL)
	wantErrno(t, "fd_allocate(0, 100)", g.p1("fd_allocate", uint64(fd), 0, 100), vfs.ESUCCESS)
	wantErrno(t, "fd_allocate(10, 10)", g.p1("fd_allocate", uint64(fd), 10, 10), vfs.ESUCCESS)
	if st, _ := g.fdFilestat(fd); st.size != 100 {
		t.Errorf("size = %d, want 100", st.size)
	}
	wantErrno(t, "fd_allocate(90, 20)", g.p1("fd_allocate", uint64(fd), 90, 20), vfs.ESUCCESS)
	if st, _ := g.fdFilestat(fd); st.size != 110 {
		t.Errorf("size = %d, want 110", st.size)
	}
	wantErrno(t, "fd_allocate(0, 0)", g.p1("fd_allocate", uint64(fd), 0, 0), vfs.EINVAL)
	wantErrno(t, "fd_allocate(huge)", g.p1("fd_allocate", uint64(fd), 1<<62, 1<<62), vfs.EFBIG)
	wantErrno(t, "fd_allocate(dir)", g.p1("fd_allocate", preopenFd, 0, 1), vfs.ENOTCAPABLE)
}

func TestFdCloseRenumber(t *testing.T) {
	g := newFSGuest(t, 0)
	g.create("a", "A")
	g.create("b", "B")
	a := g.open("a", 0, 0)
	b := g.open("b", 0, 0)
	wantErrno(t, "fd_renumber(a, b)", g.p1("fd_renumber", uint64(a), uint64(b)), vfs.ESUCCESS)
	wantErrno(t, "fd_close(a)", g.p1("fd_close", uint64(a)), vfs.EBADF)
	if s, _ := g.readFd(b, 10); s != "A" {
		t.Errorf("fd %d reads %q after renumber, want A", b, s)
	}
	wantErrno(t, "fd_renumber(b, closed)", g.p1("fd_renumber", uint64(b), uint64(a)), vfs.EBADF)
	wantErrno(t, "fd_renumber(closed, b)", g.p1("fd_renumber", uint64(a), uint64(b)), vfs.EBADF)
	wantErrno(t, "fd_renumber(b, b)", g.p1("fd_renumber", uint64(b), uint64(b)), vfs.ESUCCESS)

	// Renumbering onto a preopen replaces it; renumbering a stream too.
	d := g.open(".", oflagDirectory, 0)
	wantErrno(t, "fd_renumber(d, preopen)", g.p1("fd_renumber", uint64(d), preopenFd), vfs.ESUCCESS)
	if st := g.fdstat(preopenFd); st.filetype != filetypeDirectory {
		t.Errorf("fd 3 after renumber: %+v", st)
	}
	wantErrno(t, "fd_renumber(stdin, b)", g.p1("fd_renumber", 0, uint64(b)), vfs.ESUCCESS)
	wantErrno(t, "fd_fdstat_get(stdin)", g.fdstat(0).errno, vfs.EBADF)

	wantErrno(t, "fd_close(renumbered)", g.p1("fd_close", preopenFd), vfs.ESUCCESS)
	wantErrno(t, "fd_close twice", g.p1("fd_close", preopenFd), vfs.EBADF)
}

func TestFdClosePreopen(t *testing.T) {
	g := newFSGuest(t, 0)
	d := g.open(".", oflagDirectory, 0)
	wantErrno(t, "fd_close(preopen)", g.p1("fd_close", preopenFd), vfs.ESUCCESS)
	wantErrno(t, "fd_prestat_get(closed preopen)", g.p1("fd_prestat_get", preopenFd, memStat), vfs.EBADF)
	wantErrno(t, "fd_fdstat_get(closed preopen)", g.fdstat(preopenFd).errno, vfs.EBADF)
	// A directory opened from it lives on.
	if st := g.fdstat(d); st.errno != vfs.ESUCCESS || st.filetype != filetypeDirectory {
		t.Errorf("fdstat(%d) = %+v", d, st)
	}
	// The lowest free fd is given next.
	if fd, errno := g.openAt(d, 0, ".", oflagDirectory, 0, 0, 0); errno != vfs.ESUCCESS || fd != preopenFd {
		t.Errorf("path_open = %d, %v, want fd %d", fd, errno, preopenFd)
	}
}

func TestFdPrestat(t *testing.T) {
	root := vfs.NewMountTable(vfs.NewTmpFS(nil), "tmp")
	root.Mkdir("/data", 0o755)
	g := &fsGuest{guest: newGuest(t, Config{Root: root, Preopens: []Preopen{{Name: "/", Path: "/"}, {Name: "./data", Path: "/data"}}}), root: root}
	g.write(memStat, bytes.Repeat([]byte{0xee}, prestatSize))
	wantErrno(t, "fd_prestat_get(4)", g.p1("fd_prestat_get", 4, memStat), vfs.ESUCCESS)
	if b := g.read(memStat, prestatSize); !bytes.Equal(b, []byte{0, 0, 0, 0, 6, 0, 0, 0}) {
		t.Errorf("prestat = %x", b)
	}
	g.write(memBuf, bytes.Repeat([]byte{'#'}, 8))
	wantErrno(t, "fd_prestat_dir_name(4, 8)", g.p1("fd_prestat_dir_name", 4, memBuf, 8), vfs.ESUCCESS)
	if b := string(g.read(memBuf, 8)); b != "./data##" {
		t.Errorf("name = %q", b)
	}
	wantErrno(t, "fd_prestat_dir_name(4, 5)", g.p1("fd_prestat_dir_name", 4, memBuf, 5), vfs.ENAMETOOLONG)
	wantErrno(t, "fd_prestat_dir_name(4, 0)", g.p1("fd_prestat_dir_name", 4, memBuf, 0), vfs.ENAMETOOLONG)
	wantErrno(t, "fd_prestat_dir_name(1)", g.p1("fd_prestat_dir_name", 1, memBuf, 8), vfs.EBADF)
	wantErrno(t, "fd_prestat_get(5)", g.p1("fd_prestat_get", 5, memStat), vfs.EBADF)
	fd := g.open("data", oflagDirectory, 0)
	wantErrno(t, "fd_prestat_get(opened dir)", g.p1("fd_prestat_get", uint64(fd), memStat), vfs.EBADF)
}

// TestFdPassThrough checks that the filesystem's errnos reach the guest as they
// are: ENOSPC from the memory limiter, EROFS from a read-only mount.
func TestFdPassThrough(t *testing.T) {
	g := newFSGuest(t, 8)
	fd := g.open("f", oflagCreat, 0)
	g.writeString(memBuf, "0123456789")
	g.iovec(memIov, memBuf, 6)
	g.iovec(memIov+8, memBuf+6, 4)
	// The first iovec fits, the second half does: the count, then ENOSPC.
	wantErrno(t, "fd_write", g.p1("fd_write", uint64(fd), memIov, 2, memRes), vfs.ESUCCESS)
	if n := g.u32(memRes); n != 8 {
		t.Errorf("nwritten = %d, want 8", n)
	}
	if _, errno := g.writeFd(fd, "x"); errno != vfs.ENOSPC {
		t.Errorf("write to a full tmpfs = %v, want ENOSPC", errno)
	}
	wantErrno(t, "fd_filestat_set_size(9)", g.p1("fd_filestat_set_size", uint64(fd), 9), vfs.ENOSPC)
	wantErrno(t, "fd_allocate(0, 9)", g.p1("fd_allocate", uint64(fd), 0, 9), vfs.ENOSPC)

	// A read-only mount: opening for writing is EROFS, reading works.
	if _, errno := g.openAt(preopenFd, 0, "ro/f", 0, rightFdWrite, 0, 0); errno != vfs.EROFS {
		t.Errorf("path_open(ro/f, FD_WRITE) = %v, want EROFS", errno)
	}
	ro, errno := g.openAt(preopenFd, 0, "ro/f", 0, rightFdRead, 0, 0)
	if errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if s, _ := g.readFd(ro, 100); s != "read-only" {
		t.Errorf("ro/f reads %q", s)
	}
}

// dirent is a decoded preview1 dirent.
type dirent struct {
	next, ino uint64
	filetype  uint8
	name      string
}

// decodeDirents decodes the complete dirents of a fd_readdir buffer.
func decodeDirents(b []byte) (ents []dirent, rest int) {
	for len(b) >= direntHeaderSize {
		n := int(binary.LittleEndian.Uint32(b[16:]))
		if len(b) < direntHeaderSize+n {
			break
		}
		ents = append(ents, dirent{
			next: binary.LittleEndian.Uint64(b), ino: binary.LittleEndian.Uint64(b[8:]),
			filetype: b[20], name: string(b[direntHeaderSize : direntHeaderSize+n]),
		})
		b = b[direntHeaderSize+n:]
	}
	return ents, len(b)
}

// readdir calls fd_readdir with a buffer of size bytes, checks that nothing past
// bufused was written, and decodes the complete entries.
func (g *fsGuest) readdir(fd uint32, cookie uint64, size uint32) ([]dirent, uint32, vfs.Errno) {
	g.t.Helper()
	g.write(memBuf, bytes.Repeat([]byte{0xee}, int(size)+8))
	errno := g.p1("fd_readdir", uint64(fd), memBuf, uint64(size), cookie, memRes)
	used := g.u32(memRes)
	if errno != vfs.ESUCCESS {
		return nil, used, errno
	}
	if tail := g.read(memBuf+used, 8); !bytes.Equal(tail, bytes.Repeat([]byte{0xee}, 8)) {
		g.t.Errorf("fd_readdir wrote past bufused %d", used)
	}
	ents, _ := decodeDirents(g.read(memBuf, used))
	return ents, used, errno
}

func TestFdReaddir(t *testing.T) {
	g := newFSGuest(t, 0)
	if errno := g.path("path_create_directory", preopenFd, "d"); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	g.create("d/file", "x")
	g.path("path_create_directory", preopenFd, "d/sub")
	if errno := g.symlink("file", preopenFd, "d/link"); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}

	fd := g.open("d", oflagDirectory, 0)
	dirSt, _ := g.fdFilestat(fd)
	rootSt, _ := g.root.Lstat("/")
	ents, used, errno := g.readdir(fd, 0, 4096)
	if errno != vfs.ESUCCESS || used >= 4096 {
		t.Fatalf("fd_readdir = %v, used %d", errno, used)
	}
	type short struct {
		name     string
		filetype uint8
	}
	var got []short
	for _, e := range ents {
		got = append(got, short{e.name, e.filetype})
	}
	want := []short{{".", filetypeDirectory}, {"..", filetypeDirectory}, {"file", filetypeRegularFile}, {"sub", filetypeDirectory}, {"link", filetypeSymbolicLink}}
	if len(got) != len(want) {
		t.Fatalf("entries %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %v, want %v", i, got[i], want[i])
		}
	}
	if ents[0].next != 1 || ents[1].next != 2 || ents[0].ino != dirSt.ino || ents[1].ino != rootSt.Ino {
		t.Errorf(". and .. = %+v %+v (dir ino %d, parent %d)", ents[0], ents[1], dirSt.ino, rootSt.Ino)
	}
	if fst, _ := g.root.Lstat("/d/file"); ents[2].ino != fst.Ino {
		t.Errorf("file ino %d, want %d", ents[2].ino, fst.Ino)
	}

	// Resuming from each cookie lists exactly what follows it.
	for i, e := range ents {
		rest, _, errno := g.readdir(fd, e.next, 4096)
		if errno != vfs.ESUCCESS || len(rest) != len(ents)-i-1 {
			t.Errorf("from cookie %d: %d entries, %v", e.next, len(rest), errno)
			continue
		}
		for j := range rest {
			if rest[j].name != ents[i+1+j].name {
				t.Errorf("from cookie %d: %q, want %q", e.next, rest[j].name, ents[i+1+j].name)
			}
		}
	}

	// A buffer too small: filled to the last byte, the last entry truncated.
	for _, size := range []uint32{10, 24, 25, 30, 49, 52} {
		_, used, errno := g.readdir(fd, 0, size)
		if errno != vfs.ESUCCESS || used != size {
			t.Errorf("buf %d: bufused %d, %v", size, used, errno)
		}
	}
	// A header cut in the middle holds its first bytes.
	g.readdir(fd, 0, 24+1+10)
	if b := g.read(memBuf+25, 10); binary.LittleEndian.Uint64(b) != 2 || b[8] != byte(rootSt.Ino) {
		t.Errorf("truncated header of ..: %x", b)
	}
	// The name of "file" cut to two bytes.
	g.readdir(fd, 0, 24+1+24+2+24+2)
	if b := string(g.read(memBuf+24+1+24+2+24, 2)); b != "fi" {
		t.Errorf("truncated name %q", b)
	}

	wantErrno(t, "fd_readdir(file)", g.p1("fd_readdir", uint64(g.open("d/file", 0, 0)), memBuf, 100, 0, memRes), vfs.ENOTCAPABLE)
	wantErrno(t, "fd_readdir into bad memory", g.p1("fd_readdir", uint64(fd), 0xfffffff0, 100, 0, memRes), vfs.EFAULT)
}

// TestFdReaddirMany lists a directory bigger than one batch in a small buffer,
// resuming from the last complete entry as wasi-libc does, and finds each entry
// once; the mount points of "/" are listed with their inodes.
func TestFdReaddirMany(t *testing.T) {
	g := newFSGuest(t, 0)
	const n = 300
	g.path("path_create_directory", preopenFd, "d")
	for i := range n {
		g.create("d/file"+string(rune('a'+i%26))+string(rune('a'+i/26)), "")
	}
	fd := g.open("d", oflagDirectory, 0)
	seen := map[string]int{}
	var cookie uint64
	for calls := 0; ; calls++ {
		if calls > 1000 {
			t.Fatal("no progress")
		}
		ents, used, errno := g.readdir(fd, cookie, 200)
		if errno != vfs.ESUCCESS {
			t.Fatal(errno)
		}
		for _, e := range ents {
			seen[e.name]++
			cookie = e.next
		}
		if used < 200 {
			break
		}
	}
	if len(seen) != n+2 {
		t.Errorf("%d names, want %d", len(seen), n+2)
	}
	for name, k := range seen {
		if k != 1 {
			t.Errorf("%q listed %d times", name, k)
		}
	}

	ents, _, _ := g.readdir(preopenFd, 0, 4096)
	found := 0
	for _, e := range ents {
		if e.name == "ro" || e.name == "other" {
			found++
			st, _ := g.root.Lstat("/" + e.name)
			if e.ino != st.Ino || e.ino == 0 || e.filetype != filetypeDirectory {
				t.Errorf("mount point %+v, want ino %d", e, st.Ino)
			}
		}
	}
	if found != 2 {
		t.Errorf("mount points listed: %d, want 2 (%v)", found, ents)
	}
}
