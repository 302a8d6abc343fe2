package wasi

import (
	"context"
	"crypto/rand"
	"iter"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/wasirun/wasirun/internal/vfs"
)

// The import module names this package serves.
const (
	modulePreview1 = "wasi_snapshot_preview1"
	moduleUnstable = "wasi_unstable"
)

// hostFunc is one export of a host module: a method of System returning the errno
// the guest receives, called on the System of the call's context (goFunc). Results other than the errno go through guest memory, as
// WASI defines.
type hostFunc struct {
	name   string
	params []api.ValueType
	fn     func(*System, context.Context, api.Module, []uint64) vfs.Errno
	// noErrno: the function returns nothing (proc_exit).
	noErrno bool
}

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// sig is a parameter list. The tables below are composite literals of constants
// and method expressions, which the compiler lays out statically: they cost a
// start nothing.
type sig = []api.ValueType

var errnoResult = []api.ValueType{i32}

// preview1 is wasi_snapshot_preview1, every function of the specification.
var preview1 = []hostFunc{
	{name: "args_get", params: sig{i32, i32}, fn: (*System).argsGet},
	{name: "args_sizes_get", params: sig{i32, i32}, fn: (*System).argsSizesGet},
	{name: "environ_get", params: sig{i32, i32}, fn: (*System).environGet},
	{name: "environ_sizes_get", params: sig{i32, i32}, fn: (*System).environSizesGet},
	{name: "clock_res_get", params: sig{i32, i32}, fn: (*System).clockResGet},
	{name: "clock_time_get", params: sig{i32, i64, i32}, fn: (*System).clockTimeGet},
	{name: "fd_advise", params: sig{i32, i64, i64, i32}, fn: (*System).fdAdvise},
	{name: "fd_allocate", params: sig{i32, i64, i64}, fn: (*System).fdAllocate},
	{name: "fd_close", params: sig{i32}, fn: (*System).fdClose},
	{name: "fd_datasync", params: sig{i32}, fn: (*System).fdDatasync},
	{name: "fd_fdstat_get", params: sig{i32, i32}, fn: (*System).fdFdstatGet},
	{name: "fd_fdstat_set_flags", params: sig{i32, i32}, fn: (*System).fdFdstatSetFlags},
	{name: "fd_fdstat_set_rights", params: sig{i32, i64, i64}, fn: (*System).fdFdstatSetRights},
	{name: "fd_filestat_get", params: sig{i32, i32}, fn: (*System).fdFilestatGet},
	{name: "fd_filestat_set_size", params: sig{i32, i64}, fn: (*System).fdFilestatSetSize},
	{name: "fd_filestat_set_times", params: sig{i32, i64, i64, i32}, fn: (*System).fdFilestatSetTimes},
	{name: "fd_pread", params: sig{i32, i32, i32, i64, i32}, fn: (*System).fdPread},
	{name: "fd_prestat_get", params: sig{i32, i32}, fn: (*System).fdPrestatGet},
	{name: "fd_prestat_dir_name", params: sig{i32, i32, i32}, fn: (*System).fdPrestatDirName},
	{name: "fd_pwrite", params: sig{i32, i32, i32, i64, i32}, fn: (*System).fdPwrite},
	{name: "fd_read", params: sig{i32, i32, i32, i32}, fn: (*System).fdRead},
	{name: "fd_readdir", params: sig{i32, i32, i32, i64, i32}, fn: (*System).fdReaddir},
	{name: "fd_renumber", params: sig{i32, i32}, fn: (*System).fdRenumber},
	{name: "fd_seek", params: sig{i32, i64, i32, i32}, fn: (*System).fdSeek},
	{name: "fd_sync", params: sig{i32}, fn: (*System).fdSync},
	{name: "fd_tell", params: sig{i32, i32}, fn: (*System).fdTell},
	{name: "fd_write", params: sig{i32, i32, i32, i32}, fn: (*System).fdWrite},
	{name: "path_create_directory", params: sig{i32, i32, i32}, fn: (*System).pathCreateDirectory},
	{name: "path_filestat_get", params: sig{i32, i32, i32, i32, i32}, fn: (*System).pathFilestatGet},
	{name: "path_filestat_set_times", params: sig{i32, i32, i32, i32, i64, i64, i32}, fn: (*System).pathFilestatSetTimes},
	{name: "path_link", params: sig{i32, i32, i32, i32, i32, i32, i32}, fn: (*System).pathLink},
	{name: "path_open", params: sig{i32, i32, i32, i32, i32, i64, i64, i32, i32}, fn: (*System).pathOpen},
	{name: "path_readlink", params: sig{i32, i32, i32, i32, i32, i32}, fn: (*System).pathReadlink},
	{name: "path_remove_directory", params: sig{i32, i32, i32}, fn: (*System).pathRemoveDirectory},
	{name: "path_rename", params: sig{i32, i32, i32, i32, i32, i32}, fn: (*System).pathRename},
	{name: "path_symlink", params: sig{i32, i32, i32, i32, i32}, fn: (*System).pathSymlink},
	{name: "path_unlink_file", params: sig{i32, i32, i32}, fn: (*System).pathUnlinkFile},
	{name: "poll_oneoff", params: sig{i32, i32, i32, i32}, fn: (*System).pollOneoff},
	{name: "proc_exit", params: sig{i32}, fn: (*System).procExit, noErrno: true},
	{name: "proc_raise", params: sig{i32}, fn: (*System).procRaise},
	{name: "sched_yield", params: sig{}, fn: (*System).schedYield},
	{name: "random_get", params: sig{i32, i32}, fn: (*System).randomGet},
	{name: "sock_accept", params: sig{i32, i32, i32}, fn: (*System).sockAccept},
	{name: "sock_recv", params: sig{i32, i32, i32, i32, i32, i32}, fn: (*System).sockRecv},
	{name: "sock_send", params: sig{i32, i32, i32, i32, i32}, fn: (*System).sockSend},
	{name: "sock_shutdown", params: sig{i32, i32}, fn: (*System).sockShutdown},
}

// unstableOwn are wasi_unstable's (snapshot 0's) functions whose ABI differs
// from preview 1's: fd_seek's whence values, the filestat layout, poll_oneoff's
// subscription layout. Their wasm signatures are preview 1's.
var unstableOwn = []hostFunc{
	{name: "fd_seek", fn: (*System).fdSeekUnstable},
	{name: "fd_filestat_get", fn: (*System).fdFilestatGetUnstable},
	{name: "path_filestat_get", fn: (*System).pathFilestatGetUnstable},
	{name: "poll_oneoff", fn: (*System).pollOneoffUnstable},
}

// modules are the host modules: wasi_unstable is preview 1 with unstableOwn's
// functions in place of their namesakes, without sock_accept (which came later).
// Everything here is static data, so a start pays nothing for either table.
var modules = []hostModule{
	{name: modulePreview1, base: preview1},
	{name: moduleUnstable, base: preview1, own: unstableOwn, omit: "sock_accept"},
}

// hostModule is one import module: base's functions but omit, with own's in
// place of those of the same name.
type hostModule struct {
	name string
	base []hostFunc
	own  []hostFunc
	omit string
}

// funcs yields the module's functions in base's order.
func (m hostModule) funcs() iter.Seq[hostFunc] {
	return func(yield func(hostFunc) bool) {
		for _, f := range m.base {
			if f.name == m.omit {
				continue
			}
			for _, o := range m.own {
				if o.name == f.name {
					f.fn = o.fn
				}
			}
			if !yield(f) {
				return
			}
		}
	}
}

// Define defines the host modules (wasi_snapshot_preview1, wasi_unstable) in r.
// It is called once per runtime: the functions are not bound to a System but
// find it in the context of each call (WithSystem), so that every guest instance
// of r, each over its own System, shares them. imported, when not nil, narrows
// them to the functions the guests of r import (module, name), nil keeping all:
// the engine builds a trampoline for every host function, so defining only the
// ones used shortens start-up.
func Define(ctx context.Context, r wazero.Runtime, imported func(module, name string) bool) error {
	// The engine gives every module, host modules too, a random source; its
	// default would seed a math/rand generator, which nothing here reads.
	config := wazero.NewModuleConfig().WithRandSource(rand.Reader)
	for _, m := range modules {
		if err := m.define(ctx, r, imported, config); err != nil {
			return err
		}
	}
	return nil
}

// define compiles and instantiates the module in r with the functions imported
// admits; none is no module at all.
func (m hostModule) define(ctx context.Context, r wazero.Runtime, imported func(module, name string) bool, config wazero.ModuleConfig) error {
	b := r.NewHostModuleBuilder(m.name)
	n := 0
	for f := range m.funcs() {
		if imported != nil && !imported(m.name, f.name) {
			continue
		}
		n++
		results := errnoResult
		if f.noErrno {
			results = nil
		}
		b.NewFunctionBuilder().WithGoModuleFunction(f.goFunc(), f.params, results).Export(f.name)
	}
	if n == 0 {
		return nil
	}
	compiled, err := b.Compile(ctx)
	if err != nil {
		return err
	}
	_, err = r.InstantiateModule(ctx, compiled, config)
	return err
}

// goFunc is f as the engine calls it: on the System of the call's context, the
// errno, if any, in the first slot of the stack.
func (f hostFunc) goFunc() api.GoModuleFunc {
	fn := f.fn
	if f.noErrno {
		return func(ctx context.Context, mod api.Module, stack []uint64) { fn(systemOf(ctx), ctx, mod, stack) }
	}
	return func(ctx context.Context, mod api.Module, stack []uint64) {
		stack[0] = uint64(fn(systemOf(ctx), ctx, mod, stack))
	}
}

// Supported reports whether this package serves the import module.name.
func Supported(module, name string) bool {
	for _, m := range modules {
		if m.name != module {
			continue
		}
		for f := range m.funcs() {
			if f.name == name {
				return true
			}
		}
	}
	return false
}
