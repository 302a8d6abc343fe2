package wasi

import (
	"context"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasirun/wasirun/internal/vfs"
)

// Placeholders of the fd_* and path_* functions, replaced one by one in fd.go and path.go.
func (s *System) fdAdvise(context.Context, api.Module, []uint64) vfs.Errno         { return vfs.ENOSYS }
func (s *System) fdAllocate(context.Context, api.Module, []uint64) vfs.Errno       { return vfs.ENOSYS }
func (s *System) fdClose(context.Context, api.Module, []uint64) vfs.Errno          { return vfs.ENOSYS }
func (s *System) fdDatasync(context.Context, api.Module, []uint64) vfs.Errno       { return vfs.ENOSYS }
func (s *System) fdFdstatGet(context.Context, api.Module, []uint64) vfs.Errno      { return vfs.ENOSYS }
func (s *System) fdFdstatSetFlags(context.Context, api.Module, []uint64) vfs.Errno { return vfs.ENOSYS }
func (s *System) fdFdstatSetRights(context.Context, api.Module, []uint64) vfs.Errno {
	return vfs.ENOSYS
}
func (s *System) fdFilestatGet(context.Context, api.Module, []uint64) vfs.Errno { return vfs.ENOSYS }
func (s *System) fdFilestatSetSize(context.Context, api.Module, []uint64) vfs.Errno {
	return vfs.ENOSYS
}
func (s *System) fdFilestatSetTimes(context.Context, api.Module, []uint64) vfs.Errno {
	return vfs.ENOSYS
}
func (s *System) fdPread(context.Context, api.Module, []uint64) vfs.Errno          { return vfs.ENOSYS }
func (s *System) fdPrestatGet(context.Context, api.Module, []uint64) vfs.Errno     { return vfs.ENOSYS }
func (s *System) fdPrestatDirName(context.Context, api.Module, []uint64) vfs.Errno { return vfs.ENOSYS }
func (s *System) fdPwrite(context.Context, api.Module, []uint64) vfs.Errno         { return vfs.ENOSYS }
func (s *System) fdRead(context.Context, api.Module, []uint64) vfs.Errno           { return vfs.ENOSYS }
func (s *System) fdReaddir(context.Context, api.Module, []uint64) vfs.Errno        { return vfs.ENOSYS }
func (s *System) fdRenumber(context.Context, api.Module, []uint64) vfs.Errno       { return vfs.ENOSYS }
func (s *System) fdSeek(context.Context, api.Module, []uint64) vfs.Errno           { return vfs.ENOSYS }
func (s *System) fdSync(context.Context, api.Module, []uint64) vfs.Errno           { return vfs.ENOSYS }
func (s *System) fdTell(context.Context, api.Module, []uint64) vfs.Errno           { return vfs.ENOSYS }
func (s *System) fdWrite(context.Context, api.Module, []uint64) vfs.Errno          { return vfs.ENOSYS }
func (s *System) pathCreateDirectory(context.Context, api.Module, []uint64) vfs.Errno {
	return vfs.ENOSYS
}
func (s *System) pathFilestatGet(context.Context, api.Module, []uint64) vfs.Errno { return vfs.ENOSYS }
func (s *System) pathFilestatSetTimes(context.Context, api.Module, []uint64) vfs.Errno {
	return vfs.ENOSYS
}
func (s *System) pathLink(context.Context, api.Module, []uint64) vfs.Errno     { return vfs.ENOSYS }
func (s *System) pathOpen(context.Context, api.Module, []uint64) vfs.Errno     { return vfs.ENOSYS }
func (s *System) pathReadlink(context.Context, api.Module, []uint64) vfs.Errno { return vfs.ENOSYS }
func (s *System) pathRemoveDirectory(context.Context, api.Module, []uint64) vfs.Errno {
	return vfs.ENOSYS
}
func (s *System) pathRename(context.Context, api.Module, []uint64) vfs.Errno     { return vfs.ENOSYS }
func (s *System) pathSymlink(context.Context, api.Module, []uint64) vfs.Errno    { return vfs.ENOSYS }
func (s *System) pathUnlinkFile(context.Context, api.Module, []uint64) vfs.Errno { return vfs.ENOSYS }
