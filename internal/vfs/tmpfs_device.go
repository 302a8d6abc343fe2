package vfs

import (
	"crypto/rand"
	"io/fs"
)

// Device is the behaviour of a character device in a tmpfs (MkDevice): an open
// handle's reads and writes go to it, with the file's offset, and no lock held.
// Its methods must be safe for concurrent use.
type Device interface {
	// Pread reads into p as if from off.
	Pread(p []byte, off int64) (int, Errno)
	// Pwrite writes p as if at off.
	Pwrite(p []byte, off int64) (int, Errno)
}

// The devices of a default /dev.
var (
	// DevNull reads nothing and swallows every write, as /dev/null.
	DevNull Device = devNull{}
	// DevZero reads zeros and swallows every write, as /dev/zero.
	DevZero Device = devZero{}
	// DevURandom reads bytes from crypto/rand and swallows every write, as
	// /dev/urandom.
	DevURandom Device = devURandom{}
)

// MkDevice creates at path in fsys, which must be a tmpfs (else ENOSYS), a
// character device served by dev. Its Lstat mode is fs.ModeDevice |
// fs.ModeCharDevice | 0o666 and its size 0; it can be linked, renamed, chmod-ed and
// unlinked like a file, and OFlagTruncate leaves it alone.
func MkDevice(fsys FS, path string, dev Device) Errno {
	t, ok := fsys.(*tmpfs)
	switch {
	case !ok:
		return ENOSYS
	case dev == nil:
		return EINVAL
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	n, errno := t.create(path, fs.ModeDevice|fs.ModeCharDevice|0o666)
	if errno != ESUCCESS {
		return errno
	}
	n.dev = dev
	return ESUCCESS
}

type devNull struct{}

// Pread reads nothing: the end of the file.
func (devNull) Pread([]byte, int64) (int, Errno) { return 0, ESUCCESS }

// Pwrite discards p.
func (devNull) Pwrite(p []byte, _ int64) (int, Errno) { return len(p), ESUCCESS }

type devZero struct{}

// Pread fills p with zeros.
func (devZero) Pread(p []byte, _ int64) (int, Errno) {
	clear(p)
	return len(p), ESUCCESS
}

// Pwrite discards p.
func (devZero) Pwrite(p []byte, _ int64) (int, Errno) { return len(p), ESUCCESS }

type devURandom struct{}

// Pread fills p from crypto/rand, which does not fail (it crashes the process
// instead, since Go 1.24).
func (devURandom) Pread(p []byte, _ int64) (int, Errno) {
	rand.Read(p)
	return len(p), ESUCCESS
}

// Pwrite discards p.
func (devURandom) Pwrite(p []byte, _ int64) (int, Errno) { return len(p), ESUCCESS }
