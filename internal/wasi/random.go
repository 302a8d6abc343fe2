package wasi

import (
	"context"
	"io"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasirun/wasirun/internal/vfs"
)

// randomGet is random_get(buf, buf_len): fills the guest's buffer in place from
// the configured source.
func (s *System) randomGet(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	b, errno := view(mod.Memory(), uint32(stack[0]), uint32(stack[1]))
	if errno != vfs.ESUCCESS {
		return errno
	}
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return vfs.EIO
	}
	return vfs.ESUCCESS
}
