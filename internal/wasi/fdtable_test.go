package wasi

import (
	"testing"

	"github.com/wasirun/wasirun/internal/vfs"
)

// closeCounter is a file that counts its Close calls.
type closeCounter struct {
	vfs.UnimplementedFile
	closed *int
}

func (c closeCounter) Close() vfs.Errno { *c.closed++; return vfs.ESUCCESS }

func TestFdTable(t *testing.T) {
	var tab fdTable
	var closed int
	entry := func() *fdEntry { return &fdEntry{file: closeCounter{closed: &closed}} }
	for want := uint32(0); want < 5; want++ {
		if fd := tab.insert(entry()); fd != want {
			t.Fatalf("insert = %d, want %d", fd, want)
		}
	}
	// The lowest free fd is given first.
	tab.remove(3)
	tab.remove(1)
	if fd := tab.insert(entry()); fd != 1 {
		t.Errorf("insert after removing 1 and 3 = %d, want 1", fd)
	}
	if fd := tab.insert(entry()); fd != 3 {
		t.Errorf("next insert = %d, want 3", fd)
	}
	if _, errno := tab.remove(9); errno != vfs.EBADF {
		t.Errorf("remove(9) = %v", errno)
	}
	// Removing the last fds shrinks the table.
	tab.remove(4)
	tab.remove(3)
	if len(tab.entries) != 3 {
		t.Errorf("len = %d after removing the top fds, want 3", len(tab.entries))
	}
	if closed != 0 {
		t.Errorf("remove closed %d files", closed)
	}

	// renumber closes what the target held, once, and frees the source.
	if errno := tab.renumber(0, 2); errno != vfs.ESUCCESS || closed != 1 {
		t.Errorf("renumber = %v, closed %d", errno, closed)
	}
	if _, errno := tab.get(0); errno != vfs.EBADF {
		t.Errorf("fd 0 after renumber: %v", errno)
	}
	if errno := tab.renumber(2, 0); errno != vfs.EBADF {
		t.Errorf("renumber onto a closed fd = %v", errno)
	}
	// A target without a file (a stream not wired yet) is replaced safely.
	nilFd := tab.insert(&fdEntry{})
	if errno := tab.renumber(2, nilFd); errno != vfs.ESUCCESS {
		t.Errorf("renumber onto a nil file = %v", errno)
	}

	// lookup checks rights.
	e, _ := tab.get(nilFd)
	e.rights = rightFdRead
	if _, errno := tab.lookup(nilFd, rightFdRead|rightFdWrite); errno != vfs.ENOTCAPABLE {
		t.Errorf("lookup without a right = %v", errno)
	}
	if _, errno := tab.lookup(nilFd, rightFdRead); errno != vfs.ESUCCESS {
		t.Errorf("lookup with the right = %v", errno)
	}
	tab.closeAll()
	if closed != 3 || len(tab.entries) != 0 {
		t.Errorf("closeAll: closed %d, %d entries left", closed, len(tab.entries))
	}
}

// TestNilStreams checks that fds whose file is missing answer EBADF instead of
// crashing the host.
func TestNilStreams(t *testing.T) {
	g := newFSGuest(t, 0)
	fd := g.sys.fds.insert(&fdEntry{filetype: filetypeCharacterDevice, rights: rightsStdio, path: "/dev/x"})
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
