package wasi

import (
	"context"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasirun/wasirun/internal/vfs"
)

// argsGet is args_get(argv, argv_buf): the pointers of the arguments at argv, the
// arguments themselves, each NUL-terminated, one after the other from argv_buf.
func (s *System) argsGet(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	return writeStrings(mod.Memory(), s.args, uint32(stack[0]), uint32(stack[1]))
}

// argsSizesGet is args_sizes_get(result.argc, result.argv_buf_size).
func (s *System) argsSizesGet(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	return writeSizes(mod.Memory(), s.args, uint32(stack[0]), uint32(stack[1]))
}

// environGet is environ_get(environ, environ_buf), laid out as args_get.
func (s *System) environGet(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	return writeStrings(mod.Memory(), s.env, uint32(stack[0]), uint32(stack[1]))
}

// environSizesGet is environ_sizes_get(result.environc, result.environ_buf_size).
func (s *System) environSizesGet(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	return writeSizes(mod.Memory(), s.env, uint32(stack[0]), uint32(stack[1]))
}

// stringsSize is the buffer the strings take with their NULs. The sizes are
// computed on each call: a guest asks once or twice per run.
func stringsSize(list []string) uint64 {
	var n uint64
	for _, v := range list {
		n += uint64(len(v)) + 1
	}
	return n
}

// writeSizes writes the count of list at countPtr and its buffer size at sizePtr.
// A list that does not fit the 32-bit ABI is E2BIG (New accepts any Config).
func writeSizes(mem api.Memory, list []string, countPtr, sizePtr uint32) vfs.Errno {
	size := stringsSize(list)
	if uint64(len(list)) > 1<<32-1 || size > 1<<32-1 {
		return vfs.E2BIG
	}
	if _, errno := view(mem, sizePtr, 4); errno != vfs.ESUCCESS {
		return errno // before the count is written
	}
	if errno := writeU32(mem, countPtr, uint32(len(list))); errno != vfs.ESUCCESS {
		return errno
	}
	return writeU32(mem, sizePtr, uint32(size))
}

// writeStrings writes the pointer of each string of list at ptrs (4 bytes each)
// and the strings, NUL-terminated, from buf, as wasi-libc's __wasilibc_init_args
// expects. Both ranges are checked before anything is written: a fault leaves
// the guest's memory as it was.
func writeStrings(mem api.Memory, list []string, ptrs, buf uint32) vfs.Errno {
	size := stringsSize(list)
	count := uint64(len(list))
	if count > 1<<30 || size > 1<<32-1 {
		return vfs.E2BIG
	}
	ptrView, errno := view(mem, ptrs, uint32(count*4))
	if errno != vfs.ESUCCESS {
		return errno
	}
	bufView, errno := view(mem, buf, uint32(size))
	if errno != vfs.ESUCCESS {
		return errno
	}
	off := uint32(0)
	for i, v := range list {
		p := buf + off
		ptrView[4*i] = byte(p)
		ptrView[4*i+1] = byte(p >> 8)
		ptrView[4*i+2] = byte(p >> 16)
		ptrView[4*i+3] = byte(p >> 24)
		off += uint32(copy(bufView[off:], v))
		bufView[off] = 0
		off++
	}
	return vfs.ESUCCESS
}
