package wasi

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"

	"github.com/wasirun/wasirun/internal/vfs"
)

// unstableGuest is a guest with "/" preopened as fd 3 and /f, holding
// "0123456789" at offset 4, open as fd 4.
func unstableGuest(t *testing.T) (*guest, vfs.File) {
	t.Helper()
	root := vfs.NewMountTable(vfs.NewTmpFS(vfs.NewLimiter(1<<20)), "tmp")
	f, errno := root.OpenFile("/f", vfs.OFlagRead|vfs.OFlagWrite|vfs.OFlagCreate, 0o644)
	if errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if _, errno := f.Write([]byte("0123456789")); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if _, errno := f.Lseek(4, io.SeekStart); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	g := newGuest(t, Config{Root: root, Preopens: []Preopen{{Name: "/", Path: "/"}}, Stdout: &bytes.Buffer{}})
	fd := g.sys.fds.insert(fileDesc(f, filetypeRegularFile, "/f", "/", rightsFileBase))
	if fd != 4 {
		t.Fatalf("file is fd %d", fd)
	}
	return g, f
}

// TestUnstableSeek: snapshot 0's whence is CUR=0, END=1, SET=2.
func TestUnstableSeek(t *testing.T) {
	tests := []struct {
		name      string
		fd        uint32
		offset    int64
		whence    uint32
		want      uint64
		wantErrno vfs.Errno
	}{
		{name: "cur", fd: 4, offset: 2, whence: 0, want: 6},
		{name: "end", fd: 4, offset: -1, whence: 1, want: 9},
		{name: "set", fd: 4, offset: 3, whence: 2, want: 3},
		{name: "tell", fd: 4, offset: 0, whence: 0, want: 4},
		{name: "unknown whence", fd: 4, offset: 0, whence: 3, wantErrno: vfs.EINVAL},
		{name: "negative result", fd: 4, offset: -5, whence: 0, wantErrno: vfs.EINVAL},
		{name: "stream", fd: 1, offset: 0, whence: 0, wantErrno: vfs.ESPIPE},
		{name: "bad fd", fd: 9, offset: 0, whence: 2, wantErrno: vfs.EBADF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, f := unstableGuest(t)
			errno := g.call(moduleUnstable, "fd_seek", uint64(tc.fd), uint64(tc.offset), uint64(tc.whence), 16)
			if errno != tc.wantErrno {
				t.Fatalf("fd_seek = %v, want %v", errno, tc.wantErrno)
			}
			if errno != vfs.ESUCCESS {
				return
			}
			if got := g.u64(16); got != tc.want {
				t.Errorf("new offset %d, want %d", got, tc.want)
			}
			if pos, _ := f.Lseek(0, io.SeekCurrent); pos != int64(tc.want) {
				t.Errorf("file offset %d, want %d", pos, tc.want)
			}
		})
	}
	g, _ := unstableGuest(t)
	if errno := g.call(moduleUnstable, "fd_seek", 4, 0, 2, memSize-4); errno != vfs.EFAULT {
		t.Errorf("fd_seek result past the end = %v", errno)
	}
}

// TestUnstableFilestat: snapshot 0's filestat is dev u64 @0, ino u64 @8,
// filetype u8 @16, nlink u32 @20, size u64 @24, atim @32, mtim @40, ctim @48:
// 56 bytes.
func TestUnstableFilestat(t *testing.T) {
	g, f := unstableGuest(t)
	st, errno := f.Stat()
	if errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	want := make([]byte, 56)
	le := binary.LittleEndian
	le.PutUint64(want[0:], st.Dev)
	le.PutUint64(want[8:], st.Ino)
	want[16] = filetypeRegularFile
	le.PutUint32(want[20:], 1)
	le.PutUint64(want[24:], 10)
	le.PutUint64(want[32:], uint64(st.Atim))
	le.PutUint64(want[40:], uint64(st.Mtim))
	le.PutUint64(want[48:], uint64(st.Ctim))

	const buf = 512
	check := func(name string, errno vfs.Errno, want []byte) {
		t.Helper()
		if errno != vfs.ESUCCESS {
			t.Fatalf("%s = %v", name, errno)
		}
		if got := g.read(buf, 56); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got % x\nwant % x", name, got, want)
		}
		if b := g.read(buf+56, 1); b[0] != 0xff {
			t.Errorf("%s wrote past 56 bytes", name)
		}
	}

	g.write(buf, bytes.Repeat([]byte{0xff}, 128))
	check("fd_filestat_get", g.call(moduleUnstable, "fd_filestat_get", 4, buf), want)

	g.write(buf, bytes.Repeat([]byte{0xff}, 128))
	ptr, n := g.writeString(64, "f")
	check("path_filestat_get", g.call(moduleUnstable, "path_filestat_get", 3, 1, uint64(ptr), uint64(n), buf), want)

	stdout := make([]byte, 56)
	stdout[16] = filetypeCharacterDevice
	stdout[20] = 1
	g.write(buf, bytes.Repeat([]byte{0xff}, 128))
	check("fd_filestat_get(stdout)", g.call(moduleUnstable, "fd_filestat_get", 1, buf), stdout)

	ptr, n = g.writeString(64, "missing")
	if errno := g.call(moduleUnstable, "path_filestat_get", 3, 1, uint64(ptr), uint64(n), buf); errno != vfs.ENOENT {
		t.Errorf("path_filestat_get(missing) = %v", errno)
	}
	if errno := g.call(moduleUnstable, "path_filestat_get", 3, 1, memSize-1, 8, buf); errno != vfs.EFAULT {
		t.Errorf("path_filestat_get with the path past the end = %v", errno)
	}
	if errno := g.call(moduleUnstable, "fd_filestat_get", 4, memSize-55); errno != vfs.EFAULT {
		t.Errorf("fd_filestat_get past the end = %v", errno)
	}
	if errno := g.call(moduleUnstable, "fd_filestat_get", 9, buf); errno != vfs.EBADF {
		t.Errorf("fd_filestat_get(9) = %v", errno)
	}
}

// TestUnstablePoll: subscriptions are 56 bytes apart, the clock's fields after
// its identifier; events are preview 1's.
func TestUnstablePoll(t *testing.T) {
	g := newGuest(t, Config{Stdin: strings.NewReader("ab")})
	subs := []testSub{
		clockSub(1, 1, 0, 0),
		fdSub(2, eventtypeFdWrite, 1),
		clockSub(3, 1, hour, 0),
		fdSub(4, eventtypeFdRead, 0),
	}
	in := encodeSubs(moduleUnstable, subs)
	if len(in) != 4*56 {
		t.Fatalf("encoded %d bytes", len(in))
	}
	errno, events := g.poll(moduleUnstable, subs)
	want := []testEvent{
		{userdata: 1},
		{userdata: 2, tag: eventtypeFdWrite},
		{userdata: 4, tag: eventtypeFdRead, nbytes: 2},
	}
	if errno != vfs.ESUCCESS || !equalEvents(events, want) {
		t.Errorf("poll_oneoff = %v, %+v, want %+v", errno, events, want)
	}

	// Preview 1's layout given to wasi_unstable is misread: its timeout (5)
	// lands on snapshot 0's clock id.
	g.write(pollIn, encodeSubs(modulePreview1, []testSub{clockSub(1, 1, 5, 0)}))
	if errno := g.call(moduleUnstable, "poll_oneoff", pollIn, pollOut, 1, pollNevents); errno != vfs.EINVAL {
		t.Errorf("wasi_unstable.poll_oneoff over preview 1's layout = %v, want EINVAL", errno)
	}
}
