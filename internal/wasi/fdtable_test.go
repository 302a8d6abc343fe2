package wasi

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wasirun/wasirun/internal/vfs"
)

// fileDesc is a descriptor over a new open file of f.
func fileDesc(f vfs.File, filetype uint8, path, base string, rights uint64) descriptor {
	return descriptor{ofd: &openFile{file: f, filetype: filetype, path: path, base: base}, rights: rights}
}

// countFile is a file that counts its closes and notes a read that overlaps
// one: a read of a closed file, or a close during a read.
type countFile struct {
	vfs.UnimplementedFile
	closes atomic.Int32
	misuse atomic.Bool
}

func (f *countFile) Close() vfs.Errno {
	f.closes.Add(1)
	return vfs.ESUCCESS
}

func (f *countFile) Read(p []byte) (int, vfs.Errno) {
	if f.closes.Load() != 0 {
		f.misuse.Store(true)
		return 0, vfs.EBADF
	}
	runtime.Gosched() // let a close from another goroutine come in
	if f.closes.Load() != 0 {
		f.misuse.Store(true)
	}
	return len(p), vfs.ESUCCESS
}

// counted returns a descriptor over a new countFile with the given rights.
func counted(rights uint64) (descriptor, *countFile) {
	f := &countFile{}
	return fileDesc(f, filetypeRegularFile, "/f", "/", rights), f
}

func TestFdTable(t *testing.T) {
	var tab fdTable
	var files []*countFile
	for want := uint32(0); want < 5; want++ {
		d, f := counted(rightFdRead)
		files = append(files, f)
		if fd := tab.insert(d); fd != want {
			t.Fatalf("insert = %d, want %d", fd, want)
		}
	}
	// close releases: the file is closed, and the lowest free fd is given first.
	if errno := tab.close(3); errno != vfs.ESUCCESS || files[3].closes.Load() != 1 {
		t.Errorf("close(3) = %v, file closed %d times", errno, files[3].closes.Load())
	}
	tab.close(1)
	for _, want := range []uint32{1, 3} {
		d, f := counted(rightFdRead)
		files[want] = f
		if fd := tab.insert(d); fd != want {
			t.Errorf("insert after closing 1 and 3 = %d, want %d", fd, want)
		}
	}
	for _, fd := range []uint32{9, 1 << 31} {
		if errno := tab.close(fd); errno != vfs.EBADF {
			t.Errorf("close(%d) = %v, want EBADF", fd, errno)
		}
		if _, errno := tab.get(fd); errno != vfs.EBADF {
			t.Errorf("get(%d) = %v, want EBADF", fd, errno)
		}
		if _, errno := tab.acquire(fd); errno != vfs.EBADF {
			t.Errorf("acquire(%d) = %v, want EBADF", fd, errno)
		}
	}
	// Closing the last fds shrinks the table.
	tab.close(4)
	tab.close(3)
	if len(tab.entries) != 3 {
		t.Errorf("len = %d after closing the top fds, want 3", len(tab.entries))
	}

	// renumber releases what the target held, once, and frees the source.
	if errno := tab.renumber(0, 2); errno != vfs.ESUCCESS || files[2].closes.Load() != 1 || files[0].closes.Load() != 0 {
		t.Errorf("renumber = %v, target closed %d times, source %d", errno, files[2].closes.Load(), files[0].closes.Load())
	}
	if d, _ := tab.get(2); d.ofd.file != files[0] {
		t.Errorf("fd 2 after renumber holds %v", d.ofd.file)
	}
	if _, errno := tab.get(0); errno != vfs.EBADF {
		t.Errorf("fd 0 after renumber: %v", errno)
	}
	if errno := tab.renumber(2, 0); errno != vfs.EBADF {
		t.Errorf("renumber onto a closed fd = %v", errno)
	}
	if errno := tab.renumber(0, 2); errno != vfs.EBADF {
		t.Errorf("renumber of a closed fd = %v", errno)
	}
	if errno := tab.renumber(2, 2); errno != vfs.ESUCCESS || files[0].closes.Load() != 0 {
		t.Errorf("renumber onto itself = %v, closed %d times", errno, files[0].closes.Load())
	}
	// A target without a file (a stream not wired) is replaced safely.
	nilFd := tab.insert(fileDesc(nil, filetypeCharacterDevice, "", "", 0))
	if errno := tab.renumber(2, nilFd); errno != vfs.ESUCCESS {
		t.Errorf("renumber onto a nil file = %v", errno)
	}

	// lookup checks rights, setRights only narrows them.
	if _, errno := tab.lookup(nilFd, rightFdRead|rightFdWrite); errno != vfs.ENOTCAPABLE {
		t.Errorf("lookup without a right = %v", errno)
	}
	d, errno := tab.lookup(nilFd, rightFdRead)
	if errno != vfs.ESUCCESS {
		t.Fatalf("lookup with the right = %v", errno)
	}
	d.ofd.release()
	if errno := tab.setRights(nilFd, rightFdRead|rightFdWrite, 0); errno != vfs.ENOTCAPABLE {
		t.Errorf("setRights widening = %v", errno)
	}
	if errno := tab.setRights(9, 0, 0); errno != vfs.EBADF {
		t.Errorf("setRights(9) = %v", errno)
	}
	if errno := tab.setRights(nilFd, 0, 0); errno != vfs.ESUCCESS {
		t.Errorf("setRights narrowing = %v", errno)
	}
	if _, errno := tab.lookup(nilFd, rightFdRead); errno != vfs.ENOTCAPABLE {
		t.Errorf("lookup after narrowing = %v", errno)
	}

	tab.closeAll()
	if len(tab.entries) != 0 {
		t.Errorf("closeAll left %d entries", len(tab.entries))
	}
	for i, f := range files {
		if n := f.closes.Load(); n != 1 {
			t.Errorf("file %d closed %d times, want 1", i, n)
		}
	}
}

// TestFdTableSharedFile: descriptors sharing an open file (as a dup makes) close
// it when the last of them goes, whichever way it goes.
func TestFdTableSharedFile(t *testing.T) {
	var tab fdTable
	d, f := counted(rightFdRead)
	a := tab.insert(d)
	b := tab.insert(d)
	c := tab.insert(d)
	if n := d.ofd.refs.Load(); n != 3 {
		t.Fatalf("3 descriptors hold %d references", n)
	}
	// renumber onto a descriptor of the same file: one reference goes, the
	// file stays open.
	if errno := tab.renumber(a, b); errno != vfs.ESUCCESS || f.closes.Load() != 0 {
		t.Errorf("renumber between dups = %v, closed %d times", errno, f.closes.Load())
	}
	if errno := tab.close(c); errno != vfs.ESUCCESS || f.closes.Load() != 0 {
		t.Errorf("close of one dup = %v, closed %d times", errno, f.closes.Load())
	}
	if errno := tab.close(b); errno != vfs.ESUCCESS || f.closes.Load() != 1 {
		t.Errorf("close of the last dup = %v, closed %d times", errno, f.closes.Load())
	}
	if n := d.ofd.refs.Load(); n != 0 {
		t.Errorf("%d references left", n)
	}
}

// TestFdTableAcquire: a call holding the open file keeps it open across a close
// of its fd, and its release closes it; a refused lookup holds nothing.
func TestFdTableAcquire(t *testing.T) {
	var tab fdTable
	d, f := counted(rightFdRead)
	fd := tab.insert(d)
	held, errno := tab.acquire(fd)
	if errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if _, errno := tab.lookup(fd, rightFdWrite); errno != vfs.ENOTCAPABLE {
		t.Fatalf("lookup without the right = %v", errno)
	}
	if errno := tab.close(fd); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if _, errno := tab.acquire(fd); errno != vfs.EBADF {
		t.Errorf("acquire after close = %v, want EBADF", errno)
	}
	if n := f.closes.Load(); n != 0 {
		t.Fatalf("closed %d times while a call holds it", n)
	}
	if _, errno := held.ofd.file.Read(make([]byte, 1)); errno != vfs.ESUCCESS {
		t.Errorf("read of a held file = %v", errno)
	}
	held.ofd.release()
	if n := f.closes.Load(); n != 1 {
		t.Errorf("closed %d times after the call released it, want 1", n)
	}

	// Acquiring and releasing allocate nothing.
	fd = tab.insert(fileDesc(&countFile{}, filetypeRegularFile, "/g", "/", rightFdRead))
	if allocs := testing.AllocsPerRun(100, func() {
		d, _ := tab.lookup(fd, rightFdRead)
		d.ofd.release()
	}); allocs != 0 {
		t.Errorf("lookup and release: %v allocations", allocs)
	}
}

// TestFdTableClone: a clone has every descriptor with its own fields and shares
// the open files, each closed once both tables let go of it.
func TestFdTableClone(t *testing.T) {
	var tab fdTable
	var files []*countFile
	for range 3 {
		d, f := counted(rightFdRead | rightFdWrite)
		files = append(files, f)
		tab.insert(d)
	}
	tab.entries[1].preopen = "/"
	tab.entries[2].cloexec = true
	tab.close(0) // a hole, kept in the clone

	c := tab.clone()
	if len(c.entries) != len(tab.entries) {
		t.Fatalf("clone has %d entries, want %d", len(c.entries), len(tab.entries))
	}
	for fd := range tab.entries {
		if c.entries[fd] != tab.entries[fd] {
			t.Errorf("fd %d: clone %+v, original %+v", fd, c.entries[fd], tab.entries[fd])
		}
	}
	if n := tab.entries[1].ofd.refs.Load(); n != 2 {
		t.Errorf("a shared open file has %d references, want 2", n)
	}
	// The lowest free fd is the same in both.
	d, f := counted(0)
	if fd := c.insert(d); fd != 0 {
		t.Errorf("insert into the clone = %d, want 0", fd)
	}
	if _, errno := tab.get(0); errno != vfs.EBADF {
		t.Errorf("the clone's new fd shows in the original: %v", errno)
	}
	// A descriptor's own fields are its table's.
	c.setRights(1, rightFdRead, 0)
	if d, _ := tab.get(1); d.rights != rightFdRead|rightFdWrite {
		t.Errorf("narrowing the clone's fd narrowed the original's: %#x", d.rights)
	}
	// Status flags are the open file's: both tables see them.
	c.entries[2].ofd.fdflags = fdflagAppend
	if d, _ := tab.get(2); d.ofd.fdflags != fdflagAppend {
		t.Errorf("the original's fd 2 has fdflags %#x", d.ofd.fdflags)
	}

	c.close(1)
	if n := files[1].closes.Load(); n != 0 {
		t.Errorf("closing the clone's fd closed the file %d times", n)
	}
	tab.closeAll()
	if files[1].closes.Load() != 1 || files[2].closes.Load() != 0 {
		t.Errorf("after the original's closeAll: closed %d and %d times, want 1 and 0", files[1].closes.Load(), files[2].closes.Load())
	}
	c.closeAll()
	for i, f := range append(files, f) {
		if n := f.closes.Load(); n != 1 {
			t.Errorf("file %d closed %d times, want 1", i, n)
		}
	}
}

// TestFdTableHammer runs reads, closes, opens, dups, renumbers and clones of one
// table from several goroutines (go test -race): no read may overlap a close of
// its file, and every file is closed exactly once in the end.
func TestFdTableHammer(t *testing.T) {
	const (
		goroutines = 4
		rounds     = 3000
		maxFd      = 12
	)
	var tab fdTable
	var mu sync.Mutex
	var files []*countFile
	var ofds []*openFile
	open := func() descriptor {
		d, f := counted(rightFdRead)
		mu.Lock()
		files, ofds = append(files, f), append(ofds, d.ofd)
		mu.Unlock()
		return d
	}
	for range maxFd / 2 {
		tab.insert(open())
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			buf := make([]byte, 1)
			fd := func() uint32 { return uint32(rng.IntN(maxFd)) }
			for range rounds {
				switch rng.IntN(8) {
				case 0, 1, 2:
					if d, errno := tab.lookup(fd(), rightFdRead); errno == vfs.ESUCCESS {
						d.ofd.file.Read(buf)
						d.ofd.release()
					}
				case 3:
					tab.close(fd())
				case 4: // an open; the table stays within maxFd
					if n := tab.insert(open()); n >= maxFd {
						tab.close(n)
					}
				case 5: // a dup
					if d, errno := tab.acquire(fd()); errno == vfs.ESUCCESS {
						if n := tab.insert(d); n >= maxFd {
							tab.close(n)
						}
						d.ofd.release()
					}
				case 6:
					tab.renumber(fd(), fd())
				case 7:
					c := tab.clone()
					if d, errno := c.acquire(fd()); errno == vfs.ESUCCESS {
						d.ofd.file.Read(buf)
						d.ofd.release()
					}
					c.closeAll()
				}
			}
		}()
	}
	wg.Wait()
	tab.closeAll()
	for i, f := range files {
		if n := f.closes.Load(); n != 1 {
			t.Errorf("file %d closed %d times, want 1", i, n)
		}
		if f.misuse.Load() {
			t.Errorf("file %d was read while closed", i)
		}
		if n := ofds[i].refs.Load(); n != 0 {
			t.Errorf("file %d has %d references left", i, n)
		}
	}
}

// TestNilStreams checks that fds whose file is missing answer EBADF instead of
// crashing the host.
func TestNilStreams(t *testing.T) {
	g := newFSGuest(t, 0)
	fd := g.sys.fds.insert(fileDesc(nil, filetypeCharacterDevice, "/dev/x", "", rightsStdio))
	g.iovec(memIov, memBuf, 4)
	for _, c := range []struct {
		name   string
		params []uint64
	}{
		{"fd_read", []uint64{uint64(fd), memIov, 1, memRes}},
		{"fd_write", []uint64{uint64(fd), memIov, 1, memRes}},
		{"fd_filestat_get", []uint64{uint64(fd), memStat}},
		{"fd_sync", []uint64{uint64(fd)}},
		{"fd_readdir", []uint64{uint64(fd), memBuf, 100, 0, memRes}},
		{"path_create_directory", []uint64{uint64(fd), memPath, 1}},
	} {
		if errno := g.p1(c.name, c.params...); errno != vfs.EBADF && errno != vfs.ENOTCAPABLE {
			t.Errorf("%s on a nil file = %v", c.name, errno)
		}
	}
	wantErrno(t, "fd_close", g.p1("fd_close", uint64(fd)), vfs.ESUCCESS)
}

// TestFdFlagsWhereTheyLive: through two fds of one open file (a dup), the status
// flags set through one show through the other, while rights stay each fd's.
func TestFdFlagsWhereTheyLive(t *testing.T) {
	g := newFSGuest(t, 0)
	a := g.open("f", oflagCreat, 0)
	d, _ := g.sys.fds.get(a)
	b := g.sys.fds.insert(d)
	wantErrno(t, "fd_fdstat_set_flags", g.p1("fd_fdstat_set_flags", uint64(a), uint64(fdflagAppend|fdflagNonblock)), vfs.ESUCCESS)
	wantErrno(t, "fd_fdstat_set_rights", g.p1("fd_fdstat_set_rights", uint64(a), rightFdWrite, 0), vfs.ESUCCESS)
	if st := g.fdstat(b); st.flags != fdflagAppend|fdflagNonblock || st.base != d.rights {
		t.Errorf("the dup's fdstat: flags %#x rights %#x, want %#x and %#x", st.flags, st.base, fdflagAppend|fdflagNonblock, d.rights)
	}
	// APPEND is the file's: a write through the dup appends.
	g.writeFd(b, "ab")
	g.p1("fd_seek", uint64(b), 0, uint64(whenceSet), memRes)
	g.writeFd(b, "cd")
	g.p1("fd_seek", uint64(b), 0, uint64(whenceSet), memRes)
	if s, _ := g.readFd(b, 8); s != "abcd" {
		t.Errorf("file holds %q after an append through the dup", s)
	}
}

// TestHostCallsRace calls the fd functions of one System from several
// goroutines, as the threads of one process would (go test -race): closes and
// reopens race with reads, flag changes, listings and polls of the same fds.
func TestHostCallsRace(t *testing.T) {
	g := newFSGuest(t, 0)
	g.create("f", "0123456789")
	g.path("path_create_directory", preopenFd, "d")
	for _, name := range []string{"a", "b", "c"} {
		g.create("d/"+name, "")
	}
	file := g.open("f", 0, 0)
	dir := g.open("d", oflagDirectory, 0)
	pathPtr, pathLen := g.str(memPath, "f")

	const goroutines, rounds = 4, 200
	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	for k := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each goroutine has its own 4 KiB of guest memory.
			mem := uint32(0x8000 + k*0x1000)
			iov, res, buf := mem, mem+0x10, mem+0x100
			g.mem.WriteUint32Le(iov, buf)
			g.mem.WriteUint32Le(iov+4, 16)
			sub := encodeSubs(modulePreview1, []testSub{fdSub(1, eventtypeFdRead, file)})
			g.mem.Write(buf+0x400, sub)
			call := func(name string, params ...uint64) {
				if errs[k] != nil {
					return
				}
				if _, err := g.mod.ExportedFunction(modulePreview1+"."+name).Call(g.ctx, params...); err != nil {
					errs[k] = fmt.Errorf("%s: %w", name, err)
				}
			}
			for i := range rounds {
				call("fd_read", uint64(file), uint64(iov), 1, uint64(res))
				call("fd_pread", uint64(file), uint64(iov), 1, 2, uint64(res))
				call("fd_fdstat_set_flags", uint64(file), uint64(fdflagNonblock*uint16(i%2)))
				call("fd_fdstat_get", uint64(file), uint64(res))
				call("fd_fdstat_set_rights", uint64(file), rightsAll, rightsAll)
				call("fd_readdir", uint64(dir), uint64(buf), 256, 0, uint64(res))
				call("fd_filestat_get", uint64(file), uint64(buf))
				call("poll_oneoff", uint64(buf+0x400), uint64(buf+0x800), 1, uint64(res))
				switch i % 8 {
				case k:
					call("fd_close", uint64(file))
					call("path_open", preopenFd, 0, pathPtr, pathLen, 0, rightsAll, 0, 0, uint64(res))
				case k + 4:
					call("fd_renumber", uint64(file), uint64(file))
				}
			}
		}()
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", k, err)
		}
	}
}
