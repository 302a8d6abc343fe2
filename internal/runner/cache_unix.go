//go:build unix

package runner

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

// checkWritable reports whether files can be created in the directory dir: one
// access(2) call, which also sees a read-only file system (EROFS).
func checkWritable(dir string) error {
	if err := unix.Access(dir, unix.W_OK|unix.X_OK); err != nil {
		return &fs.PathError{Op: "access", Path: dir, Err: err}
	}
	return nil
}
