package wasi

import (
	"context"
	"encoding/binary"
	"io"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasirun/wasirun/internal/vfs"
)

// wasi_unstable (snapshot 0) where its ABI differs from preview 1, as its witx
// (WebAssembly/WASI phases/old/snapshot_0/witx) defines it. poll_oneoff's
// subscription layout is in poll.go.

// unstableWhence is snapshot 0's whence numbering: CUR, END, SET (preview 1:
// SET, CUR, END).
var unstableWhence = whenceValues{io.SeekCurrent, io.SeekEnd, io.SeekStart}

// unstableFilestatSize is snapshot 0's filestat: its nlink is a u32, which moves
// the fields after it and makes the record 56 bytes (preview 1: 64).
const unstableFilestatSize = 56

// fdSeekUnstable is wasi_unstable's fd_seek(fd, offset, whence, result.newoffset).
func (s *System) fdSeekUnstable(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	return s.fdSeekABI(mod, stack, &unstableWhence)
}

// fdFilestatGetUnstable is wasi_unstable's fd_filestat_get(fd, result.buf).
func (s *System) fdFilestatGetUnstable(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	st, filetype, errno := s.fdStat(uint32(stack[0]))
	if errno != vfs.ESUCCESS {
		return errno
	}
	return putFilestatUnstable(mod.Memory(), uint32(stack[1]), &st, filetype)
}

// pathFilestatGetUnstable is wasi_unstable's path_filestat_get(fd, flags, path,
// path_len, result.buf).
func (s *System) pathFilestatGetUnstable(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	fd, flags, ptr, n, bufPtr := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3]), uint32(stack[4])
	path, errno := readString(mod.Memory(), ptr, n)
	if errno != vfs.ESUCCESS {
		return errno
	}
	st, filetype, errno := s.pathStat(fd, flags, path)
	if errno != vfs.ESUCCESS {
		return errno
	}
	return putFilestatUnstable(mod.Memory(), bufPtr, &st, filetype)
}

// putFilestatUnstable writes st as snapshot 0's filestat at ptr: dev u64 @0, ino
// u64 @8, filetype u8 @16, nlink u32 @20, size u64 @24, atim u64 @32, mtim u64
// @40, ctim u64 @48; the padding is zeroed. A link count beyond 32 bits is
// clamped.
func putFilestatUnstable(m api.Memory, ptr uint32, st *vfs.Stat, filetype uint8) vfs.Errno {
	b, errno := view(m, ptr, unstableFilestatSize)
	if errno != vfs.ESUCCESS {
		return errno
	}
	le := binary.LittleEndian
	le.PutUint64(b[0:], st.Dev)
	le.PutUint64(b[8:], st.Ino)
	le.PutUint32(b[16:], uint32(filetype)) // the filetype byte and its padding
	le.PutUint32(b[20:], uint32(min(st.Nlink, 1<<32-1)))
	le.PutUint64(b[24:], uint64(st.Size))
	le.PutUint64(b[32:], uint64(st.Atim))
	le.PutUint64(b[40:], uint64(st.Mtim))
	le.PutUint64(b[48:], uint64(st.Ctim))
	return vfs.ESUCCESS
}
