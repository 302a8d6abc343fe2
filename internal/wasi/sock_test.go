package wasi

import (
	"testing"

	"github.com/wasirun/wasirun/internal/vfs"
)

func TestSock(t *testing.T) {
	calls := []struct {
		module, name string
		params       func(fd uint64) []uint64
	}{
		{modulePreview1, "sock_accept", func(fd uint64) []uint64 { return []uint64{fd, 0, 0} }},
		{modulePreview1, "sock_recv", func(fd uint64) []uint64 { return []uint64{fd, 0, 0, 0, 0, 0} }},
		{modulePreview1, "sock_send", func(fd uint64) []uint64 { return []uint64{fd, 0, 0, 0, 0} }},
		{modulePreview1, "sock_shutdown", func(fd uint64) []uint64 { return []uint64{fd, 1} }},
		{moduleUnstable, "sock_recv", func(fd uint64) []uint64 { return []uint64{fd, 0, 0, 0, 0, 0} }},
		{moduleUnstable, "sock_send", func(fd uint64) []uint64 { return []uint64{fd, 0, 0, 0, 0} }},
		{moduleUnstable, "sock_shutdown", func(fd uint64) []uint64 { return []uint64{fd, 3} }},
	}
	fds := []struct {
		fd   uint64
		want vfs.Errno
	}{
		{0, vfs.ENOTSOCK},
		{1, vfs.ENOTSOCK}, // sock_shutdown-not_sock
		{2, vfs.ENOTSOCK},
		{3, vfs.EBADF}, // a directory (the preopen): sock_shutdown-invalid_fd
		{4, vfs.ENOTSOCK},
		{5, vfs.EBADF},
		{0xffffffff, vfs.EBADF},
	}
	g := newGuest(t, Config{
		Root:     vfs.NewMountTable(vfs.NewTmpFS(vfs.NewLimiter(1<<20)), "tmp"),
		Preopens: []Preopen{{Name: "/", Path: "/"}},
	})
	// fd 4: a regular file.
	f, errno := g.sys.root.OpenFile("/f", vfs.OFlagRead|vfs.OFlagWrite|vfs.OFlagCreate, 0o644)
	if errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if fd := g.sys.fds.insert(fileDesc(f, filetypeRegularFile, "/f", "/", rightsFileBase)); fd != 4 {
		t.Fatalf("file is fd %d", fd)
	}
	for _, c := range calls {
		for _, tc := range fds {
			if errno := g.call(c.module, c.name, c.params(tc.fd)...); errno != tc.want {
				t.Errorf("%s.%s(fd %d) = %v, want %v", c.module, c.name, tc.fd, errno, tc.want)
			}
		}
	}
}
