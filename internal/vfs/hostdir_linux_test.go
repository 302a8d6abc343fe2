package vfs

import (
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestHostAppendDirents parses linux_dirent64 records of every type, and looks up
// a DT_UNKNOWN entry with fstatat on the directory.
func TestHostAppendDirents(t *testing.T) {
	dir := t.TempDir()
	mustHost(t, os.Mkdir(filepath.Join(dir, "unknown-dir"), 0o755))
	record := func(ino uint64, typ byte, name string) []byte {
		reclen := (19 + len(name) + 1 + 7) &^ 7
		rec := make([]byte, reclen)
		binary.NativeEndian.PutUint64(rec, ino)
		binary.NativeEndian.PutUint16(rec[16:], uint16(reclen))
		rec[18] = typ
		copy(rec[19:], name)
		return rec
	}
	buf := slices.Concat(
		record(1, unix.DT_DIR, "."), record(2, unix.DT_DIR, ".."),
		record(10, unix.DT_REG, "reg"), record(11, unix.DT_DIR, "dir"),
		record(12, unix.DT_LNK, "lnk"), record(13, unix.DT_CHR, "chr"),
		record(14, unix.DT_BLK, "blk"), record(15, unix.DT_FIFO, "fifo"),
		record(16, unix.DT_SOCK, "sock"), record(17, unix.DT_UNKNOWN, "unknown-dir"),
		record(18, unix.DT_UNKNOWN, "unknown-missing"),
		[]byte{1, 2, 3}, // a truncated record ends the buffer
	)
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	mustHost(t, err)
	defer syscall.Close(fd)
	got := hostAppendDirents(nil, fd, buf)
	want := []Dirent{
		{Ino: 10, Name: "reg"}, {Ino: 11, Name: "dir", Type: fs.ModeDir},
		{Ino: 12, Name: "lnk", Type: fs.ModeSymlink}, {Ino: 13, Name: "chr", Type: fs.ModeDevice | fs.ModeCharDevice},
		{Ino: 14, Name: "blk", Type: fs.ModeDevice}, {Ino: 15, Name: "fifo", Type: fs.ModeNamedPipe},
		{Ino: 16, Name: "sock", Type: fs.ModeSocket}, {Ino: 17, Name: "unknown-dir", Type: fs.ModeDir},
		{Ino: 18, Name: "unknown-missing"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("hostAppendDirents:\n got %+v\nwant %+v", got, want)
	}
}
