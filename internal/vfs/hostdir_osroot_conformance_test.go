package vfs_test

import (
	"testing"

	"github.com/wasirun/wasirun/internal/vfs"
	"github.com/wasirun/wasirun/internal/vfs/vfstest"
)

// TestHostDirOSRootConformance runs the POSIX behaviour table over a host
// directory served through os.Root alone (as where Linux's openat2 is missing),
// against another real directory.
func TestHostDirOSRootConformance(t *testing.T) {
	vfstest.TestWritable(t, func(t *testing.T) vfs.FS {
		f, err := vfs.NewHostDirOSRoot(t.TempDir(), false)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.(interface{ Close() error }).Close() })
		return f
	}, nil)
}
