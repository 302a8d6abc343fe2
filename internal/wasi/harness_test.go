package wasi

import (
	"context"
	"errors"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasirun/wasirun/internal/vfs"
)

// guest is a wasm module that imports every function of both host modules and
// re-exports each through a trampoline ("wasi_snapshot_preview1.fd_write",
// "wasi_unstable.fd_seek"), with one exported memory: tests call host functions as
// a guest would and read the results from its memory. ctx carries sys.
type guest struct {
	t   testing.TB
	ctx context.Context
	sys *System
	mod api.Module
	mem api.Memory
}

// newGuest instantiates a guest over a System built from cfg, in a runtime of
// its own. The runtime is closed when the test ends.
func newGuest(t testing.TB, cfg Config) *guest {
	t.Helper()
	return instantiateGuest(t, newRuntime(t), "guest", cfg)
}

// newRuntime returns a runtime with the host modules defined, closed when the
// test ends.
func newRuntime(t testing.TB) wazero.Runtime {
	t.Helper()
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	t.Cleanup(func() { r.Close(ctx) })
	if err := Define(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	return r
}

// instantiateGuest instantiates the trampoline guest in r under name, over a
// System built from cfg, closed when the test ends.
func instantiateGuest(t testing.TB, r wazero.Runtime, name string, cfg Config) *guest {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := WithSystem(context.Background(), s)
	mod, err := r.InstantiateWithConfig(ctx, trampolineModule(), s.ModuleConfig().WithName(name).WithStartFunctions())
	if err != nil {
		t.Fatal(err)
	}
	return &guest{t: t, ctx: ctx, sys: s, mod: mod, mem: mod.Memory()}
}

// call calls module.name with params and returns the errno it gave.
func (g *guest) call(module, name string, params ...uint64) vfs.Errno {
	g.t.Helper()
	res, err := g.callErr(module, name, params...)
	if err != nil {
		g.t.Fatalf("%s.%s: %v", module, name, err)
	}
	if len(res) != 1 {
		g.t.Fatalf("%s.%s: %d results", module, name, len(res))
	}
	return vfs.Errno(res[0])
}

// p1 calls a wasi_snapshot_preview1 function.
func (g *guest) p1(name string, params ...uint64) vfs.Errno {
	g.t.Helper()
	return g.call(modulePreview1, name, params...)
}

// callErr calls module.name and returns its raw results and error (proc_exit).
func (g *guest) callErr(module, name string, params ...uint64) ([]uint64, error) {
	fn := g.mod.ExportedFunction(module + "." + name)
	if fn == nil {
		g.t.Fatalf("no trampoline for %s.%s", module, name)
	}
	return fn.Call(g.ctx, params...)
}

// exitCode returns the code of a proc_exit error, or fails the test.
func exitCode(t testing.TB, err error) uint32 {
	t.Helper()
	var exit *sys.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("want an exit, got %v", err)
	}
	return exit.ExitCode()
}

// Guest memory helpers for tests.

func (g *guest) write(ptr uint32, b []byte) {
	g.t.Helper()
	if !g.mem.Write(ptr, b) {
		g.t.Fatalf("write at %d out of range", ptr)
	}
}

func (g *guest) writeString(ptr uint32, s string) (uint32, uint32) {
	g.write(ptr, []byte(s))
	return ptr, uint32(len(s))
}

func (g *guest) read(ptr, n uint32) []byte {
	g.t.Helper()
	b, ok := g.mem.Read(ptr, n)
	if !ok {
		g.t.Fatalf("read at %d out of range", ptr)
	}
	return append([]byte(nil), b...)
}

func (g *guest) u32(ptr uint32) uint32 {
	g.t.Helper()
	v, ok := g.mem.ReadUint32Le(ptr)
	if !ok {
		g.t.Fatalf("read at %d out of range", ptr)
	}
	return v
}

func (g *guest) u64(ptr uint32) uint64 {
	g.t.Helper()
	v, ok := g.mem.ReadUint64Le(ptr)
	if !ok {
		g.t.Fatalf("read at %d out of range", ptr)
	}
	return v
}

func (g *guest) putU32(ptr, v uint32) {
	g.t.Helper()
	if !g.mem.WriteUint32Le(ptr, v) {
		g.t.Fatalf("write at %d out of range", ptr)
	}
}

// iovec writes one iovec {buf, len} at ptr.
func (g *guest) iovec(ptr, buf, n uint32) {
	g.putU32(ptr, buf)
	g.putU32(ptr+4, n)
}

// trampolineModule assembles the guest: for every host function an import, and
// an export of the same name prefixed with its module that passes its parameters
// through. One memory of two pages (128 KiB).
func trampolineModule() []byte {
	type fn struct {
		module string
		f      hostFunc
	}
	var fns []fn
	for _, m := range modules {
		for f := range m.funcs() {
			fns = append(fns, fn{m.name, f})
		}
	}
	var types, imports, funcs, exports, code []byte
	for i, x := range fns {
		// One type per function keeps the assembler simple.
		types = append(types, 0x60)
		types = appendVec(types, len(x.f.params), func(b []byte, j int) []byte { return append(b, valType(x.f.params[j])) })
		if x.f.noErrno {
			types = append(types, 0)
		} else {
			types = append(types, 1, 0x7f)
		}
		imports = appendName(imports, x.module)
		imports = appendName(imports, x.f.name)
		imports = append(imports, 0x00)
		imports = appendLEB(imports, uint64(i))
		funcs = appendLEB(funcs, uint64(i))
		exports = appendName(exports, x.module+"."+x.f.name)
		exports = append(exports, 0x00)
		exports = appendLEB(exports, uint64(len(fns)+i))
		var body []byte
		body = append(body, 0) // no locals
		for j := range x.f.params {
			body = append(body, 0x20)
			body = appendLEB(body, uint64(j))
		}
		body = append(body, 0x10)
		body = appendLEB(body, uint64(i))
		body = append(body, 0x0b)
		code = appendLEB(code, uint64(len(body)))
		code = append(code, body...)
	}
	exports = appendName(exports, "memory")
	exports = append(exports, 0x02, 0x00)

	out := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}
	out = appendSection(out, 1, len(fns), types)
	out = appendSection(out, 2, len(fns), imports)
	out = appendSection(out, 3, len(fns), funcs)
	out = appendSection(out, 5, 1, []byte{0x00, 0x02})
	out = appendSection(out, 7, len(fns)+1, exports)
	out = appendSection(out, 10, len(fns), code)
	return out
}

func valType(t api.ValueType) byte { return t }

func appendLEB(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func appendName(b []byte, s string) []byte {
	b = appendLEB(b, uint64(len(s)))
	return append(b, s...)
}

func appendVec(b []byte, n int, elem func([]byte, int) []byte) []byte {
	b = appendLEB(b, uint64(n))
	for i := 0; i < n; i++ {
		b = elem(b, i)
	}
	return b
}

func appendSection(b []byte, id byte, count int, content []byte) []byte {
	body := appendLEB(nil, uint64(count))
	body = append(body, content...)
	b = append(b, id)
	b = appendLEB(b, uint64(len(body)))
	return append(b, body...)
}
