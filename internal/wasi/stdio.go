package wasi

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/wasirun/wasirun/internal/vfs"
)

// stdioFile is fd 0, 1 or 2: a stream over one of the runner's readers or
// writers. It has no offset (ESPIPE), and closing it leaves the runner's stream
// open.
type stdioFile struct {
	vfs.UnimplementedFile
	// r is nil for an output or an empty input; w is nil for an input or a
	// discarding output.
	r io.Reader
	w io.Writer
	// file is r as an *os.File: poll_oneoff asks the host whether it has input.
	file *os.File
	// mode is what Stat reports: a character device, or a named pipe for a host
	// stream that is not a terminal (a pipe or a redirected file).
	mode   fs.FileMode
	closed bool
}

var _ vfs.File = (*stdioFile)(nil)

// newStdio is the descriptor of fd 0, 1 or 2 over a reader or a writer.
//
// The stream is a character device without FD_SEEK and FD_TELL, which is what
// wasi-libc's isatty() takes for a terminal. A host *os.File keeps its terminal
// fact, as in wasmtime: one that is not a terminal (a pipe, a redirected file)
// has filetype unknown, so isatty() is false and a guest such as an interpreter
// does not turn interactive because its input is piped. Any other reader or
// writer (a buffer, the runner's own pipe) is a character device.
func newStdio(r io.Reader, w io.Writer) descriptor {
	f := &stdioFile{r: r, w: w, mode: fs.ModeDevice | fs.ModeCharDevice | 0o600}
	var host *os.File
	if hf, ok := r.(*os.File); ok {
		if hf == nil {
			f.r = nil
		}
		f.file, host = hf, hf
	}
	if hf, ok := w.(*os.File); ok {
		if hf == nil {
			f.w = nil
		}
		host = hf
	}
	if host != nil && !isTerminal(host) {
		f.mode = fs.ModeNamedPipe | 0o600
	}
	return descriptor{
		ofd:    &openFile{file: f, filetype: filetypeOf(f.mode)},
		rights: rightsStdio,
	}
}

// Read reads from the stream; the end of input is 0 bytes and ESUCCESS.
func (f *stdioFile) Read(p []byte) (int, vfs.Errno) {
	if f.closed {
		return 0, vfs.EBADF
	}
	if f.r == nil || len(p) == 0 {
		return 0, vfs.ESUCCESS
	}
	// A reader may return 0 bytes and no error now and then; the guest would
	// take 0 for the end of input, so ask again, a bounded number of times, as
	// bufio does.
	for range 100 {
		n, err := f.r.Read(p)
		if n > 0 || err == io.EOF {
			return n, vfs.ESUCCESS
		}
		if err != nil {
			return 0, streamErrno(err)
		}
	}
	return 0, vfs.EIO
}

// Write writes to the stream; a nil writer discards. It does not allocate.
func (f *stdioFile) Write(p []byte) (int, vfs.Errno) {
	if f.closed {
		return 0, vfs.EBADF
	}
	if f.w == nil {
		return len(p), vfs.ESUCCESS
	}
	n, err := f.w.Write(p)
	if err != nil && n == 0 {
		return 0, streamErrno(err)
	}
	// A short write is reported as one, as write(2) does; the error, if it
	// lasts, comes with the next call.
	return n, vfs.ESUCCESS
}

// streamErrno is the errno of a failed read or write of a stream.
func streamErrno(err error) vfs.Errno {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrClosedPipe) {
		return vfs.EPIPE
	}
	return vfs.EIO
}

// Stat reports a character device (or a pipe, see newStdio) with no size,
// inode or times.
func (f *stdioFile) Stat() (vfs.Stat, vfs.Errno) {
	if f.closed {
		return vfs.Stat{}, vfs.EBADF
	}
	return vfs.Stat{Mode: f.mode, Nlink: 1}, vfs.ESUCCESS
}

func (f *stdioFile) Pread([]byte, int64) (int, vfs.Errno)  { return 0, vfs.ESPIPE }
func (f *stdioFile) Pwrite([]byte, int64) (int, vfs.Errno) { return 0, vfs.ESPIPE }
func (f *stdioFile) Lseek(int64, int) (int64, vfs.Errno)   { return 0, vfs.ESPIPE }

// Readdir: a stream is not a directory.
func (f *stdioFile) Readdir(uint64, []vfs.Dirent) (int, vfs.Errno) { return 0, vfs.ENOTDIR }

// Truncate: ftruncate(2) of a pipe or a terminal is EINVAL.
func (f *stdioFile) Truncate(int64) vfs.Errno { return vfs.EINVAL }

// Sync and Datasync succeed: nothing is buffered here. (fsync(2) of a pipe is
// EINVAL on Linux, which only makes loggers that sync stdout complain.)
func (f *stdioFile) Sync() vfs.Errno     { return vfs.ESUCCESS }
func (f *stdioFile) Datasync() vfs.Errno { return vfs.ESUCCESS }

// SetAppend succeeds and changes nothing: a stream has no position.
func (f *stdioFile) SetAppend(bool) vfs.Errno { return vfs.ESUCCESS }

// Close marks the stream closed; the runner's stream stays open.
func (f *stdioFile) Close() vfs.Errno {
	f.closed = true
	return vfs.ESUCCESS
}

// available is what poll_oneoff reports for a read of the stream: whether input
// is ready, how many bytes are known to be (0 when unknown), and whether the
// input has ended (hang-up).
func (f *stdioFile) available() (ready bool, nbytes uint64, hangup bool) {
	if f.r == nil {
		return true, 0, true
	}
	if f.file != nil {
		ready, hangup = pollReadable(f.file, 0)
		return ready, 0, hangup
	}
	if l, ok := f.r.(interface{ Len() int }); ok {
		n := l.Len()
		return true, uint64(max(n, 0)), n <= 0
	}
	return true, 0, false
}
