package wasi

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"

	"github.com/wasirun/wasirun/internal/vfs"
)

func stdioOf(t *testing.T, d descriptor) *stdioFile {
	t.Helper()
	f, ok := d.ofd.file.(*stdioFile)
	if !ok {
		t.Fatalf("file is %T", d.ofd.file)
	}
	return f
}

func TestStdioRead(t *testing.T) {
	tests := []struct {
		name      string
		r         io.Reader
		bufSize   int
		want      []string // successive reads; "" is the end of input
		wantErrno vfs.Errno
	}{
		{name: "data then EOF", r: strings.NewReader("hello"), bufSize: 3, want: []string{"hel", "lo", "", ""}},
		{name: "nil is empty", r: nil, bufSize: 3, want: []string{"", ""}},
		{name: "data with EOF", r: iotest.DataErrReader(strings.NewReader("ab")), bufSize: 8, want: []string{"ab", ""}},
		{name: "zero reads then data", r: &zeroThen{n: 5, r: strings.NewReader("x")}, bufSize: 8, want: []string{"x", ""}},
		{name: "error", r: iotest.ErrReader(errors.New("boom")), bufSize: 8, wantErrno: vfs.EIO},
		{name: "broken pipe", r: iotest.ErrReader(io.ErrClosedPipe), bufSize: 8, wantErrno: vfs.EPIPE},
		{name: "zero reads forever", r: &zeroThen{n: 1 << 30}, bufSize: 8, wantErrno: vfs.EIO},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := stdioOf(t, newStdio(tc.r, nil))
			buf := make([]byte, tc.bufSize)
			if tc.wantErrno != vfs.ESUCCESS {
				if n, errno := f.Read(buf); errno != tc.wantErrno || n != 0 {
					t.Fatalf("Read = %d, %v, want 0, %v", n, errno, tc.wantErrno)
				}
				return
			}
			for i, want := range tc.want {
				n, errno := f.Read(buf)
				if errno != vfs.ESUCCESS || string(buf[:n]) != want {
					t.Fatalf("read %d = %q, %v, want %q", i, buf[:n], errno, want)
				}
			}
		})
	}
}

// zeroThen returns 0 bytes and no error n times, then reads r (nil: forever).
type zeroThen struct {
	n int
	r io.Reader
}

func (z *zeroThen) Read(p []byte) (int, error) {
	if z.n > 0 || z.r == nil {
		z.n--
		return 0, nil
	}
	return z.r.Read(p)
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return len(p) / 2, io.ErrShortWrite }

func TestStdioWrite(t *testing.T) {
	var buf bytes.Buffer
	tests := []struct {
		name      string
		w         io.Writer
		wantN     int
		wantErrno vfs.Errno
	}{
		{name: "buffer", w: &buf, wantN: 6},
		{name: "nil discards", w: nil, wantN: 6},
		{name: "broken pipe", w: errWriter{&os.PathError{Op: "write", Path: "|1", Err: syscall.EPIPE}}, wantErrno: vfs.EPIPE},
		{name: "closed pipe", w: errWriter{io.ErrClosedPipe}, wantErrno: vfs.EPIPE},
		{name: "other error", w: errWriter{errors.New("disk on fire")}, wantErrno: vfs.EIO},
		{name: "short write", w: shortWriter{}, wantN: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := stdioOf(t, newStdio(nil, tc.w))
			if n, errno := f.Write([]byte("hello\n")); n != tc.wantN || errno != tc.wantErrno {
				t.Errorf("Write = %d, %v, want %d, %v", n, errno, tc.wantN, tc.wantErrno)
			}
		})
	}
	if buf.String() != "hello\n" {
		t.Errorf("buffer holds %q", buf.String())
	}
}

func TestStdioEntry(t *testing.T) {
	for _, name := range []string{"stdin", "stdout", "stderr"} {
		var e descriptor
		if name == "stdin" {
			e = newStdio(strings.NewReader("x"), nil)
		} else {
			e = newStdio(nil, &bytes.Buffer{})
		}
		// wasi-libc's isatty: a character device without FD_SEEK or FD_TELL.
		if e.ofd.filetype != filetypeCharacterDevice {
			t.Errorf("%s: filetype %d", name, e.ofd.filetype)
		}
		if e.rights != rightsStdio || e.rights&(rightFdSeek|rightFdTell) != 0 {
			t.Errorf("%s: rights %#x", name, e.rights)
		}
		if e.ofd.fdflags != 0 || e.inheriting != 0 || e.preopen != "" {
			t.Errorf("%s: fdflags %#x, inheriting %#x, preopen %q", name, e.ofd.fdflags, e.inheriting, e.preopen)
		}
		f := stdioOf(t, e)
		st, errno := f.Stat()
		if errno != vfs.ESUCCESS || st.Mode&fs.ModeType != fs.ModeDevice|fs.ModeCharDevice || st.Ino != 0 || st.Dev != 0 || st.Size != 0 || st.Mtim != 0 {
			t.Errorf("%s: Stat = %+v, %v", name, st, errno)
		}
		if filetypeOf(st.Mode) != e.ofd.filetype {
			t.Errorf("%s: Stat's type %v disagrees with the filetype %d", name, st.Mode, e.ofd.filetype)
		}
		if _, errno := f.Pread(make([]byte, 1), 0); errno != vfs.ESPIPE {
			t.Errorf("%s: Pread = %v", name, errno)
		}
		if _, errno := f.Pwrite([]byte("x"), 0); errno != vfs.ESPIPE {
			t.Errorf("%s: Pwrite = %v", name, errno)
		}
		if _, errno := f.Lseek(0, io.SeekCurrent); errno != vfs.ESPIPE {
			t.Errorf("%s: Lseek = %v", name, errno)
		}
		if errno := f.Close(); errno != vfs.ESUCCESS {
			t.Errorf("%s: Close = %v", name, errno)
		}
		if _, errno := f.Write([]byte("x")); errno != vfs.EBADF {
			t.Errorf("%s: Write after Close = %v", name, errno)
		}
	}
}

// TestStdioHostFile: closing the fd leaves the runner's stream open, and a host
// stream that is not a terminal (a pipe) is not reported as one.
func TestStdioHostFile(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for _, e := range []descriptor{newStdio(r, nil), newStdio(nil, w)} {
		if e.ofd.filetype == filetypeCharacterDevice {
			t.Errorf("a pipe is a character device: isatty() would be true")
		}
		st, _ := e.ofd.file.Stat()
		if filetypeOf(st.Mode) != e.ofd.filetype {
			t.Errorf("Stat's type %v disagrees with the filetype %d", st.Mode, e.ofd.filetype)
		}
	}
	out := newStdio(nil, w).ofd
	if n, errno := out.file.Write([]byte("ab")); n != 2 || errno != vfs.ESUCCESS {
		t.Fatalf("Write = %d, %v", n, errno)
	}
	out.file.Close()
	if _, err := w.Write([]byte("c")); err != nil {
		t.Fatalf("the host stream was closed: %v", err)
	}
	in := newStdio(r, nil).ofd
	buf := make([]byte, 3)
	n, errno := in.file.Read(buf)
	if errno != vfs.ESUCCESS || n == 0 || !bytes.HasPrefix([]byte("abc"), buf[:n]) {
		t.Fatalf("Read = %q, %v", buf[:n], errno)
	}
	in.file.Close()
	w.Write([]byte("d"))
	if _, err := r.Read(buf); err != nil {
		t.Fatalf("the host stream was closed: %v", err)
	}
}

// TestStdioWriteAllocs: a write to stdout does not allocate.
func TestStdioWriteAllocs(t *testing.T) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	p := []byte("hello, world\n")
	for _, w := range []io.Writer{io.Discard, devnull, nil} {
		f := newStdio(nil, w).ofd.file
		if allocs := testing.AllocsPerRun(100, func() { f.Write(p) }); allocs != 0 {
			t.Errorf("%T: %v allocations per write", w, allocs)
		}
	}
}
