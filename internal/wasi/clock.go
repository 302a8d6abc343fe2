package wasi

import (
	"context"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasirun/wasirun/internal/vfs"
)

// Clock ids, as WASI numbers them (the same in wasi_unstable).
const (
	clockRealtime       uint32 = 0
	clockMonotonic      uint32 = 1
	clockProcessCputime uint32 = 2
	clockThreadCputime  uint32 = 3
)

// Resolutions in nanoseconds: 1 µs for the wall clock and 1 ns for the monotonic
// one, as wazero reports them.
const (
	realtimeResolution  = 1000
	monotonicResolution = 1
)

// The CPU-time clocks read the monotonic clock (time since the guest started).
// A guest runs on one thread, so that time bounds the CPU time it used, whereas
// the host process's CPU time counts the compiler, the garbage collector and every
// goroutine of the runner; it also keeps them fakeable in tests. wazero answers
// EINVAL to these ids and wasmtime EBADF, which makes wasi-libc's clock() and
// clock_gettime(CLOCK_PROCESS_CPUTIME_ID) fail.

// clockNow reads clock id in nanoseconds; EINVAL for an unknown id.
func (s *System) clockNow(id uint32) (int64, vfs.Errno) {
	switch id {
	case clockRealtime:
		return s.walltime(), vfs.ESUCCESS
	case clockMonotonic, clockProcessCputime, clockThreadCputime:
		return s.nanotime(), vfs.ESUCCESS
	}
	return 0, vfs.EINVAL
}

// clockResGet is clock_res_get(id, result.resolution).
func (s *System) clockResGet(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	var res uint64
	switch uint32(stack[0]) {
	case clockRealtime:
		res = realtimeResolution
	case clockMonotonic, clockProcessCputime, clockThreadCputime:
		res = monotonicResolution
	default:
		return vfs.EINVAL
	}
	return writeU64(mod.Memory(), uint32(stack[1]), res)
}

// clockTimeGet is clock_time_get(id, precision, result.timestamp); precision is
// a hint and is ignored.
func (s *System) clockTimeGet(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	now, errno := s.clockNow(uint32(stack[0]))
	if errno != vfs.ESUCCESS {
		return errno
	}
	return writeU64(mod.Memory(), uint32(stack[2]), uint64(now))
}
