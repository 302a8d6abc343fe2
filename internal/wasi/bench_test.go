package wasi

import (
	"testing"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasirun/wasirun/internal/vfs"
)

// hotCall calls module.name through the trampoline guest with a reused stack,
// so that the caller allocates nothing per call (api.Function.Call would
// allocate its parameter and result slices).
type hotCall struct {
	g      *guest
	fn     api.Function
	params []uint64
	stack  []uint64
}

func (g *guest) hot(name string, params ...uint64) *hotCall {
	g.t.Helper()
	fn := g.mod.ExportedFunction(modulePreview1 + "." + name)
	if fn == nil {
		g.t.Fatalf("no trampoline for %s", name)
	}
	return &hotCall{g: g, fn: fn, params: params, stack: make([]uint64, max(len(params), 1))}
}

func (c *hotCall) call() vfs.Errno {
	copy(c.stack, c.params)
	if err := c.fn.CallWithStack(c.g.ctx, c.stack); err != nil {
		c.g.t.Fatal(err)
	}
	return vfs.Errno(c.stack[0])
}

// direct calls the host function itself, as wazero does (the System found in
// the context included), without the guest.
func (c *hotCall) direct(fn api.GoModuleFunction) vfs.Errno {
	copy(c.stack, c.params)
	fn.Call(c.g.ctx, c.g.mod, c.stack)
	return vfs.Errno(c.stack[0])
}

// hostFuncOf returns the wasi_snapshot_preview1 function name as the engine
// calls it.
func hostFuncOf(tb testing.TB, name string) api.GoModuleFunction {
	tb.Helper()
	for _, f := range preview1 {
		if f.name == name {
			return f.goFunc()
		}
	}
	tb.Fatalf("no host function %s", name)
	return nil
}

// rwFile opens a 64 KiB regular tmpfs file for the I/O benchmarks and sets up one
// 4 KiB iovec at memIov.
func rwFile(tb testing.TB) (*fsGuest, uint32) {
	g := newFSGuest(tb, 0)
	fd := g.open("f", oflagCreat, 0)
	g.p1("fd_filestat_set_size", uint64(fd), 64<<10)
	g.iovec(memIov, memBuf, 4096)
	return g, fd
}

func BenchmarkFdRead(b *testing.B) {
	g, fd := rwFile(b)
	read := g.hot("fd_read", uint64(fd), memIov, 1, memRes)
	seek := g.hot("fd_seek", uint64(fd), 0, uint64(whenceSet), memRes)
	b.ReportAllocs()
	b.SetBytes(4096)
	for i := 0; b.Loop(); i++ {
		if i%16 == 0 {
			seek.call()
		}
		if errno := read.call(); errno != vfs.ESUCCESS {
			b.Fatal(errno)
		}
	}
}

func BenchmarkFdWrite(b *testing.B) {
	g, fd := rwFile(b)
	write := g.hot("fd_write", uint64(fd), memIov, 1, memRes)
	seek := g.hot("fd_seek", uint64(fd), 0, uint64(whenceSet), memRes)
	b.ReportAllocs()
	b.SetBytes(4096)
	for i := 0; b.Loop(); i++ {
		if i%16 == 0 {
			seek.call()
		}
		if errno := write.call(); errno != vfs.ESUCCESS {
			b.Fatal(errno)
		}
	}
}

// BenchmarkPathOpen opens and closes "dir/sub/file" relative to the preopen.
func BenchmarkPathOpen(b *testing.B) {
	g, open, closeFd := pathOpenCalls(b)
	b.ReportAllocs()
	for b.Loop() {
		if errno := open.call(); errno != vfs.ESUCCESS {
			b.Fatal(errno)
		}
		closeFd.params[0] = uint64(g.u32(memRes))
		if errno := closeFd.call(); errno != vfs.ESUCCESS {
			b.Fatal(errno)
		}
	}
}

func pathOpenCalls(tb testing.TB) (*fsGuest, *hotCall, *hotCall) {
	g := newFSGuest(tb, 0)
	g.path("path_create_directory", preopenFd, "dir")
	g.path("path_create_directory", preopenFd, "dir/sub")
	g.create("dir/sub/file", "x")
	p, n := g.str(memPath, "dir/sub/file")
	open := g.hot("path_open", preopenFd, 0, p, n, 0, rightFdRead|rightFdSeek, 0, 0, memRes)
	return g, open, g.hot("fd_close", 0)
}

// Allocation budgets: fd_read and fd_write on a regular tmpfs file allocate
// nothing; path_open and fd_close allocate the joined path, the tmpfs handle and
// the open file, plus what the mount table's resolution allocates per path
// component. Through the trampoline the budget is what a call of wazero itself
// costs (measured with fd_close of a bad fd, which allocates nothing of ours)
// plus ours.
const pathOpenCloseBudget = 8

func TestAllocBudgets(t *testing.T) {
	g, fd := rwFile(t)
	read := g.hot("fd_read", uint64(fd), memIov, 1, memRes)
	write := g.hot("fd_write", uint64(fd), memIov, 1, memRes)
	pwrite := g.hot("fd_pwrite", uint64(fd), memIov, 1, 0, memRes)
	seek := g.hot("fd_seek", uint64(fd), 0, uint64(whenceSet), memRes)
	baseline := g.hot("fd_close", 99)

	wazero := testing.AllocsPerRun(200, func() { baseline.call() })
	t.Logf("a call through wazero's interpreter: %.1f allocations", wazero)

	direct := func(name string, c *hotCall) {
		t.Helper()
		fn := hostFuncOf(t, name)
		allocs := testing.AllocsPerRun(200, func() {
			seek.call()
			if errno := c.direct(fn); errno != vfs.ESUCCESS {
				t.Fatal(errno)
			}
		}) - testing.AllocsPerRun(200, func() { seek.call() })
		if allocs > 0 {
			t.Errorf("%s (host function): %.1f allocations, want 0", name, allocs)
		}
		viaGuest := testing.AllocsPerRun(200, func() {
			seek.call()
			c.call()
		}) - testing.AllocsPerRun(200, func() { seek.call() })
		t.Logf("%s through the guest: %.1f allocations", name, viaGuest)
		if viaGuest > wazero {
			t.Errorf("%s through the guest: %.1f allocations, want at most wazero's %.1f", name, viaGuest, wazero)
		}
	}
	direct("fd_read", read)
	direct("fd_write", write)
	direct("fd_pwrite", pwrite)

	pg, open, closeFd := pathOpenCalls(t)
	openClose := func() {
		if errno := open.call(); errno != vfs.ESUCCESS {
			t.Fatal(errno)
		}
		closeFd.params[0] = uint64(pg.u32(memRes))
		if errno := closeFd.call(); errno != vfs.ESUCCESS {
			t.Fatal(errno)
		}
	}
	ours := testing.AllocsPerRun(200, openClose) - 2*wazero
	t.Logf("path_open + fd_close of a 3-component path: %.1f allocations of ours", ours)
	if ours > pathOpenCloseBudget {
		t.Errorf("path_open + fd_close: %.1f allocations, budget %d", ours, pathOpenCloseBudget)
	}

	// fd_readdir reuses the fd's batch: nothing per call once it exists (past
	// "." and "..", whose inodes cost a stat).
	g.path("path_create_directory", preopenFd, "d")
	for _, name := range []string{"a", "b", "c"} {
		g.create("d/"+name, "")
	}
	dir := g.open("d", oflagDirectory, 0)
	readdir := g.hot("fd_readdir", uint64(dir), memBuf, 4096, 3, memRes)
	readdir.call()
	if allocs := testing.AllocsPerRun(200, func() { readdir.call() }) - wazero; allocs > 0 {
		t.Errorf("fd_readdir: %.1f allocations beyond wazero's", allocs)
	}
}
