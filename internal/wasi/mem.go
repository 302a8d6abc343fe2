package wasi

import (
	"github.com/tetratelabs/wazero/api"

	"github.com/wasirun/wasirun/internal/vfs"
)

// Guest-memory accessors. Every pointer a guest passes is checked here: an access
// outside its memory is EFAULT, never a trap of the host.

func writeU32(m api.Memory, ptr, v uint32) vfs.Errno {
	if !m.WriteUint32Le(ptr, v) {
		return vfs.EFAULT
	}
	return vfs.ESUCCESS
}

func writeU64(m api.Memory, ptr uint32, v uint64) vfs.Errno {
	if !m.WriteUint64Le(ptr, v) {
		return vfs.EFAULT
	}
	return vfs.ESUCCESS
}

// view returns n bytes of guest memory at ptr, without copying.
func view(m api.Memory, ptr, n uint32) ([]byte, vfs.Errno) {
	b, ok := m.Read(ptr, n)
	if !ok {
		return nil, vfs.EFAULT
	}
	return b, vfs.ESUCCESS
}

// readString copies a guest string (a path) out of memory.
func readString(m api.Memory, ptr, n uint32) (string, vfs.Errno) {
	b, errno := view(m, ptr, n)
	if errno != vfs.ESUCCESS {
		return "", errno
	}
	return string(b), vfs.ESUCCESS
}
