package wasi

import (
	"context"
	"runtime"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasirun/wasirun/internal/vfs"
)

// procExit is proc_exit(rval): the guest ends with that code. It closes the
// guest's module and unwinds the call with a *sys.ExitError, which the runner
// turns into the process's exit code. It does not return.
func (s *System) procExit(ctx context.Context, mod api.Module, stack []uint64) vfs.Errno {
	code := uint32(stack[0])
	_ = mod.CloseWithExitCode(ctx, code)
	panic(sys.NewExitError(code))
}

// procRaise is proc_raise(sig): ENOSYS. Signals left WASI after preview 1; wasi-libc
// emulates raise() in the guest without calling it, wazero answers ENOSYS and
// wasmtime traps. A trap would end the guest with 134 for a call a program can
// survive, so the guest gets the errno.
func (s *System) procRaise(context.Context, api.Module, []uint64) vfs.Errno {
	return vfs.ENOSYS
}

// schedYield is sched_yield(): lets the other goroutines of the runner run.
func (s *System) schedYield(context.Context, api.Module, []uint64) vfs.Errno {
	runtime.Gosched()
	return vfs.ESUCCESS
}
