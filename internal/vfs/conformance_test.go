package vfs_test

import (
	"testing"

	"github.com/wasirun/wasirun/internal/vfs"
	"github.com/wasirun/wasirun/internal/vfs/vfstest"
)

// TestTmpfsConformance runs the POSIX behaviour table over tmpfs, step by step
// against a real directory. tmpfs supports every step: no ENOSYS is allowed.
func TestTmpfsConformance(t *testing.T) {
	vfstest.TestWritable(t, func(*testing.T) vfs.FS { return vfs.NewTmpFS(vfs.NewLimiter(64 << 20)) }, nil)
}

// TestHostDirConformance runs the POSIX behaviour table over a host directory,
// against another real directory.
func TestHostDirConformance(t *testing.T) {
	vfstest.TestWritable(t, func(t *testing.T) vfs.FS {
		f, err := vfs.NewHostDir(t.TempDir(), false)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.(interface{ Close() error }).Close() })
		return f
	}, nil)
}
