package wasi

import (
	"context"
	"io"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasirun/wasirun/internal/vfs"
)

// Placeholders of the other functions and the wasi_unstable variants, replaced one by one.
func (s *System) argsGet(context.Context, api.Module, []uint64) vfs.Errno         { return vfs.ENOSYS }
func (s *System) argsSizesGet(context.Context, api.Module, []uint64) vfs.Errno    { return vfs.ENOSYS }
func (s *System) environGet(context.Context, api.Module, []uint64) vfs.Errno      { return vfs.ENOSYS }
func (s *System) environSizesGet(context.Context, api.Module, []uint64) vfs.Errno { return vfs.ENOSYS }
func (s *System) clockResGet(context.Context, api.Module, []uint64) vfs.Errno     { return vfs.ENOSYS }
func (s *System) clockTimeGet(context.Context, api.Module, []uint64) vfs.Errno    { return vfs.ENOSYS }
func (s *System) pollOneoff(context.Context, api.Module, []uint64) vfs.Errno      { return vfs.ENOSYS }
func (s *System) procExit(context.Context, api.Module, []uint64) vfs.Errno        { return vfs.ENOSYS }
func (s *System) procRaise(context.Context, api.Module, []uint64) vfs.Errno       { return vfs.ENOSYS }
func (s *System) schedYield(context.Context, api.Module, []uint64) vfs.Errno      { return vfs.ENOSYS }
func (s *System) randomGet(context.Context, api.Module, []uint64) vfs.Errno       { return vfs.ENOSYS }
func (s *System) sockAccept(context.Context, api.Module, []uint64) vfs.Errno      { return vfs.ENOSYS }
func (s *System) sockRecv(context.Context, api.Module, []uint64) vfs.Errno        { return vfs.ENOSYS }
func (s *System) sockSend(context.Context, api.Module, []uint64) vfs.Errno        { return vfs.ENOSYS }
func (s *System) sockShutdown(context.Context, api.Module, []uint64) vfs.Errno    { return vfs.ENOSYS }
func (s *System) fdSeekUnstable(context.Context, api.Module, []uint64) vfs.Errno  { return vfs.ENOSYS }
func (s *System) fdFilestatGetUnstable(context.Context, api.Module, []uint64) vfs.Errno {
	return vfs.ENOSYS
}
func (s *System) pathFilestatGetUnstable(context.Context, api.Module, []uint64) vfs.Errno {
	return vfs.ENOSYS
}
func (s *System) pollOneoffUnstable(context.Context, api.Module, []uint64) vfs.Errno {
	return vfs.ENOSYS
}

// newStdio is the entry of fd 0, 1 or 2 over a reader or a writer.
func newStdio(r io.Reader, w io.Writer, name string) *fdEntry {
	return &fdEntry{filetype: filetypeCharacterDevice, rights: rightsStdio}
}
