package testguest_test

import (
	"io/fs"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/sys"
)

// fullFS is a filesystem whose root directory is empty and that accepts left
// bytes of writes to new files, all told, then fails them with EIO: a full disk
// for the probe's fill. (wazero's errnos have no ENOSPC.)
type fullFS struct {
	experimentalsys.UnimplementedFS
	left int
}

var _ experimentalsys.FS = (*fullFS)(nil)

func (f *fullFS) OpenFile(path string, flag experimentalsys.Oflag, _ fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	switch {
	case path == "." || path == "":
		return &fullFile{dir: true}, 0
	case flag&experimentalsys.O_CREAT != 0:
		return &fullFile{fs: f}, 0
	}
	return nil, experimentalsys.ENOENT
}

func (f *fullFS) Stat(path string) (sys.Stat_t, experimentalsys.Errno) {
	if path == "." || path == "" {
		return sys.Stat_t{Mode: fs.ModeDir | 0o755}, 0
	}
	return sys.Stat_t{}, experimentalsys.ENOENT
}

func (f *fullFS) Lstat(path string) (sys.Stat_t, experimentalsys.Errno) { return f.Stat(path) }

type fullFile struct {
	experimentalsys.UnimplementedFile
	fs   *fullFS
	dir  bool
	size int64
}

func (f *fullFile) IsDir() (bool, experimentalsys.Errno) { return f.dir, 0 }

func (f *fullFile) Stat() (sys.Stat_t, experimentalsys.Errno) {
	if f.dir {
		return sys.Stat_t{Mode: fs.ModeDir | 0o755}, 0
	}
	return sys.Stat_t{Mode: 0o644, Size: f.size}, 0
}

func (f *fullFile) Readdir(int) ([]experimentalsys.Dirent, experimentalsys.Errno) { return nil, 0 }

func (f *fullFile) Write(b []byte) (int, experimentalsys.Errno) {
	if f.dir {
		return 0, experimentalsys.EBADF
	}
	if len(b) > f.fs.left {
		return 0, experimentalsys.EIO
	}
	f.fs.left -= len(b)
	f.size += int64(len(b))
	return len(b), 0
}
