package wasi

import (
	"context"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasirun/wasirun/internal/vfs"
)

// The runner has no sockets yet: no fd is ever one. A sock_* call on an open
// file or stream is ENOTSOCK (the suite's sock_shutdown-not_sock, on stdout); on
// a closed fd or a directory it is EBADF. The directory case follows wasmtime,
// whose fd table hands the sock_* functions files only, and it is what the
// suite's sock_shutdown-invalid_fd needs here: it probes fd 3, which the runner
// always fills with the "/" preopen. Rights are not checked: the fd's kind is
// the first error (shutdown(2) of stdout is ENOTSOCK, not a permission error).

// notSocket is the answer of a sock_* call on fd.
func (s *System) notSocket(fd uint32) vfs.Errno {
	d, errno := s.fds.get(fd)
	if errno != vfs.ESUCCESS {
		return errno
	}
	if d.ofd.filetype == filetypeDirectory {
		return vfs.EBADF
	}
	return vfs.ENOTSOCK
}

// sockAccept is sock_accept(fd, flags, result.fd).
func (s *System) sockAccept(_ context.Context, _ api.Module, stack []uint64) vfs.Errno {
	return s.notSocket(uint32(stack[0]))
}

// sockRecv is sock_recv(fd, ri_data, ri_data_len, ri_flags, result.ro_datalen,
// result.ro_flags).
func (s *System) sockRecv(_ context.Context, _ api.Module, stack []uint64) vfs.Errno {
	return s.notSocket(uint32(stack[0]))
}

// sockSend is sock_send(fd, si_data, si_data_len, si_flags, result.so_datalen).
func (s *System) sockSend(_ context.Context, _ api.Module, stack []uint64) vfs.Errno {
	return s.notSocket(uint32(stack[0]))
}

// sockShutdown is sock_shutdown(fd, how).
func (s *System) sockShutdown(_ context.Context, _ api.Module, stack []uint64) vfs.Errno {
	return s.notSocket(uint32(stack[0]))
}
