//go:build !(aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris || zos)

package wasi

import (
	"io/fs"
	"os"
	"time"
)

// isTerminal reports whether f is a character device: a console on Windows.
// There is no termios here to ask.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&fs.ModeCharDevice != 0
}

// pollReadable cannot ask the host: a host stream counts as always ready, and a
// read of it blocks until input comes.
func pollReadable(*os.File, time.Duration) (ready, hangup bool) {
	return true, false
}
