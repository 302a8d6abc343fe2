//go:build aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris || zos

package wasi

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether f is a terminal, as isatty(3) does.
func isTerminal(f *os.File) bool {
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	tty := false
	rc.Control(func(fd uintptr) {
		_, err := unix.IoctlGetTermios(int(fd), ioctlReadTermios)
		tty = err == nil
	})
	return tty
}

// pollReadable waits up to timeout for input on f and reports whether a read
// would not block, and whether the writer has hung up. An error of poll(2)
// counts as ready: the read that follows reports it. It does not change f's
// blocking mode (f.Fd would).
func pollReadable(f *os.File, timeout time.Duration) (ready, hangup bool) {
	rc, err := f.SyscallConn()
	if err != nil {
		return true, false
	}
	ms := int((timeout + time.Millisecond - 1) / time.Millisecond)
	ready = true
	rc.Control(func(fd uintptr) {
		fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			n, err := unix.Poll(fds[:], ms)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return
			}
			ready = n > 0
			hangup = fds[0].Revents&unix.POLLHUP != 0
			return
		}
	})
	return ready, hangup
}
