package interrupt

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/wasirun/wasirun/internal/testguest"
)

// features are the engine features the test modules use: everything wazero
// compiles, as the runner asks for.
const features = api.CoreFeaturesV2 | experimental.CoreFeaturesThreads | experimental.CoreFeaturesTailCall |
	experimental.CoreFeaturesExtendedConst | experimental.CoreFeaturesExceptionHandling

func newRuntime(ctx context.Context) wazero.Runtime {
	return wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(features))
}

// wat assembles testdata/name.wat with wabt's wat2wasm.
func wat(t testing.TB, name string) []byte {
	t.Helper()
	tool, err := exec.LookPath("wat2wasm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("wat2wasm (Debian's wabt) is not installed: .ci/run installs it")
		}
		t.Skipf("wat2wasm (Debian's wabt) is not installed")
	}
	out := filepath.Join(t.TempDir(), name+".wasm")
	cmd := exec.Command(tool, "--enable-all", filepath.Join("testdata", name+".wat"), "-o", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm %s: %v\n%s", name, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInstrumentKeepsResults: every export of the test modules returns the same
// values after the rewrite as before, and the stop flag is exported.
func TestInstrumentKeepsResults(t *testing.T) {
	calls := []struct {
		module, export string
		params         []uint64
	}{
		{"loops", "sum", []uint64{100000}},
		{"loops", "nested", nil},
		{"loops", "params", nil},
		{"loops", "table", []uint64{0}},
		{"loops", "table", []uint64{1}},
		{"loops", "table", []uint64{7}},
		{"loops", "memory", nil},
		{"loops", "floats", nil},
		{"loops", "select", []uint64{0}},
		{"loops", "sat", nil},
		{"simd", "simd", nil},
		{"threads", "atomics", nil},
		{"nomemory", "count", []uint64{200000}},
		{"tailcall", "even", []uint64{300001}},
	}
	ctx := context.Background()
	for _, c := range calls {
		t.Run(c.module+"/"+c.export, func(t *testing.T) {
			original := wat(t, c.module)
			rewritten, err := Instrument(original)
			if err != nil {
				t.Fatalf("Instrument: %v", err)
			}
			var results [2][]uint64
			for i, wasm := range [][]byte{original, rewritten} {
				r := newRuntime(ctx)
				defer r.Close(ctx)
				// loops imports env.g: an imported global shifts the index of the new ones.
				mod := instantiateWithGlobal(t, ctx, r, wasm, c.module == "loops")
				res, err := mod.ExportedFunction(c.export).Call(ctx, c.params...)
				if err != nil {
					t.Fatalf("call %s (rewritten: %v): %v", c.export, i == 1, err)
				}
				results[i] = res
				if i == 1 {
					g := mod.ExportedGlobal(ExportName)
					if _, ok := g.(api.MutableGlobal); !ok || g.Type() != api.ValueTypeI32 || g.Get() != 0 {
						t.Fatalf("export %q: %v, want a mutable i32 global holding 0", ExportName, g)
					}
				}
			}
			if len(results[0]) != len(results[1]) || (len(results[0]) > 0 && results[0][0] != results[1][0]) {
				t.Errorf("results %v before the rewrite, %v after", results[0], results[1])
			}
		})
	}
}

// instantiateWithGlobal instantiates wasm; withEnv provides the imported global
// env.g (an i32 holding 100) through a module written in the binary format.
func instantiateWithGlobal(t testing.TB, ctx context.Context, r wazero.Runtime, wasm []byte, withEnv bool) api.Module {
	t.Helper()
	if withEnv {
		// (module (global (export "g") i32 (i32.const 100)))
		env := []byte("\x00asm\x01\x00\x00\x00" +
			"\x06\x07\x01\x7f\x00\x41\xe4\x00\x0b" +
			"\x07\x05\x01\x01g\x03\x00")
		if _, err := r.InstantiateWithConfig(ctx, env, wazero.NewModuleConfig().WithName("env")); err != nil {
			t.Fatalf("env: %v", err)
		}
	}
	compiled, err := r.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	mod, err := r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		t.Fatalf("instantiate: %v", err)
	}
	return mod
}

// stopAfterStart runs fn of mod on a goroutine, has the collector stop the world
// three times while it runs, then sets the stop flag and returns the call's error.
func stopAfterStart(t *testing.T, ctx context.Context, mod api.Module, fn string, params ...uint64) error {
	t.Helper()
	done := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		close(started)
		_, err := mod.ExportedFunction(fn).Call(ctx, params...)
		done <- err
	}()
	<-started
	// A guest that counts its iterations (spin.wat) is waited for until it
	// spins.
	if n := mod.ExportedGlobal("n"); n != nil {
		for n.Get() == 0 {
			runtime.Gosched()
		}
	}
	// The collector must be able to stop the world while the guest spins: before
	// the rewrite it waited forever for the goroutine running compiled code.
	gcDone := make(chan struct{})
	go func() {
		for range 3 {
			runtime.GC()
		}
		close(gcDone)
	}()
	select {
	case <-gcDone:
	case err := <-done:
		t.Fatalf("%s returned before it was stopped: %v", fn, err)
	case <-time.After(time.Minute):
		t.Fatalf("the collector could not stop the world in a minute while %s ran", fn)
	}
	mod.ExportedGlobal(ExportName).(api.MutableGlobal).Set(1)
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatalf("%s did not stop within a minute of the stop flag", fn)
	}
	return nil
}

// TestInstrumentStops: a guest spinning forever, in a loop or through tail
// calls, lets the collector stop the world, and traps once the flag is set.
func TestInstrumentStops(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		wasm func(t *testing.T) []byte
		fn   string
	}{
		{"loop", func(t *testing.T) []byte { return wat(t, "spin") }, "spin"},
		{"an empty loop", func(*testing.T) []byte { return testguest.Loop() }, "_start"},
		{"tail calls", func(t *testing.T) []byte { return wat(t, "tailcall") }, "forever"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rewritten, err := Instrument(tt.wasm(t))
			if err != nil {
				t.Fatal(err)
			}
			r := newRuntime(ctx)
			defer r.Close(ctx)
			mod := instantiateWithGlobal(t, ctx, r, rewritten, false)
			err = stopAfterStart(t, ctx, mod, tt.fn)
			if err == nil || !strings.Contains(err.Error(), "unreachable") {
				t.Fatalf("error %v, want a trap: unreachable", err)
			}
		})
	}
}

// TestInstrumentGoGuest: the probe (a 3 MB Go program) compiles after the rewrite.
func TestInstrumentGoGuest(t *testing.T) {
	wasm, err := os.ReadFile(testguest.Build(t, "probe"))
	if err != nil {
		t.Fatal(err)
	}
	rewritten, err := Instrument(wasm)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := newRuntime(ctx)
	defer r.Close(ctx)
	if _, err := r.CompileModule(ctx, rewritten); err != nil {
		t.Fatalf("compile the rewritten probe: %v", err)
	}
}

// TestInstrumentErrors: what a malformed module is told.
func TestInstrumentErrors(t *testing.T) {
	header := "\x00asm\x01\x00\x00\x00"
	tests := []struct {
		name, wasm, want string
	}{
		{"empty", "", "wasm: header: not a core WebAssembly module (bad magic or version) (at byte 0)"},
		{"a component", "\x00asm\x0d\x00\x01\x00", "wasm: header: not a core WebAssembly module"},
		{"section past the end", header + "\x01\x05\x00", "wasm: section 1: unexpected end (at byte 8)"},
		{"sections out of order", header + "\x03\x01\x00\x01\x01\x00", "wasm: section 1: section out of order (at byte 11)"},
		{"unknown section", header + "\x0e\x00", "wasm: section 14: section out of order (at byte 8)"},
		{"bad LEB", header + "\x01\xff\xff\xff\xff\xff\x00", "wasm: section header: malformed LEB128 number (at byte 8)"},
		{"unknown instruction", header + "\x0a\x05\x01\x03\x00\xff\x0b", "wasm: code section: function 0: unknown instruction 0xff (at byte 13)"},
		{"GC instruction", header + "\x0a\x06\x01\x04\x00\xfb\x00\x0b", "wasm: code section: function 0: unknown instruction 0xfb (at byte 13)"},
		{"unknown SIMD instruction", header + "\x0a\x07\x01\x05\x00\xfd\xff\x03\x0b", "wasm: code section: function 0: unknown instruction 0xfd 511 (at byte 13)"},
		{"body without end", header + "\x0a\x04\x01\x02\x00\x01", "wasm: code section: function 0: unexpected end (at byte 14)"},
		{"bytes after end", header + "\x0a\x05\x01\x03\x00\x0b\x01", "wasm: code section: function 0: bytes left after the end of the function (at byte 14)"},
		{"bad import kind", header + "\x02\x04\x01\x00\x00\x09", "wasm: import section: unknown import kind 0x09 (at byte 13)"},
		{"the stop flag's name taken", header + "\x07\x15\x01\x11wasirun:interrupt\x00\x00", `wasm: export section: the module exports "wasirun:interrupt" itself (at byte 11)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Instrument([]byte(tt.wasm))
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("error %v (%T), want an *Error", err, err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error\n%s\nwant it to start with\n%s", err, tt.want)
			}
		})
	}
}

// TestInstrumentDropsDWARF: DWARF sections go (their code offsets would be
// wrong), other custom sections stay.
func TestInstrumentDropsDWARF(t *testing.T) {
	custom := func(name, body string) string {
		c := string(appendU32(nil, uint32(len(name)))) + name + body
		return "\x00" + string(appendU32(nil, uint32(len(c)))) + c
	}
	wasm := "\x00asm\x01\x00\x00\x00" + custom(".debug_info", "xyz") + custom("name", "") + custom("producers", "p")
	out, err := Instrument([]byte(wasm))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), ".debug_info") || !strings.Contains(string(out), "producers") || !strings.Contains(string(out), "name") {
		t.Errorf("custom sections after the rewrite: %q", out)
	}
}

// BenchmarkInstrument: the rewrite of the probe, which every run of a module
// pays before the compilation cache is consulted.
func BenchmarkInstrument(b *testing.B) {
	wasm, err := os.ReadFile(testguest.Build(b, "probe"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(wasm)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Instrument(wasm); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoop: a tight loop of 10^7 iterations, as compiled, with the rewrite,
// and with wazero's own termination checks (WithCloseOnContextDone).
func BenchmarkLoop(b *testing.B) {
	original := wat(b, "nomemory")
	rewritten, err := Instrument(original)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		name      string
		wasm      []byte
		terminate bool
	}{{"plain", original, false}, {"instrumented", rewritten, false}, {"close-on-context-done", original, true}} {
		b.Run(c.name, func(b *testing.B) {
			r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCloseOnContextDone(c.terminate))
			defer r.Close(ctx)
			mod := instantiateWithGlobal(b, ctx, r, c.wasm, false)
			fn := mod.ExportedFunction("count")
			b.ResetTimer()
			for b.Loop() {
				if _, err := fn.Call(ctx, 10_000_000); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestInstrumentShapes: module shapes the rewrite must keep valid.
func TestInstrumentShapes(t *testing.T) {
	header := "\x00asm\x01\x00\x00\x00"
	typeVoid := "\x01\x04\x01\x60\x00\x00"             // one type: [] -> []
	oneFunc := "\x03\x02\x01\x00"                      // one function of type 0
	loopBody := "\x0a\x07\x01\x05\x00\x03\x40\x0b\x0b" // one body: (loop)
	tests := []struct {
		name, wasm string
	}{
		// A memory section declaring no memory: the rewrite's memory goes in its
		// place, not in a second memory section.
		{"an empty memory section", header + typeVoid + oneFunc + "\x05\x01\x00" + loopBody},
		// A start function is exported instead, for the host to call.
		{"a start function", header + typeVoid + oneFunc + "\x08\x01\x00" + loopBody},
		{"nothing but a header", header},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRuntime(ctx)
			defer r.Close(ctx)
			if _, err := r.CompileModule(ctx, []byte(tt.wasm)); err != nil {
				t.Fatalf("the test module itself does not compile: %v", err)
			}
			out, err := Instrument([]byte(tt.wasm))
			if err != nil {
				t.Fatal(err)
			}
			compiled, err := r.CompileModule(ctx, out)
			if err != nil {
				t.Fatalf("the rewritten module does not compile: %v", err)
			}
			mod, err := r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
			if err != nil {
				t.Fatal(err)
			}
			if mod.ExportedGlobal(ExportName) == nil {
				t.Errorf("no %s export", ExportName)
			}
			hasStart := strings.Contains(tt.wasm, "\x08\x01\x00")
			if got := mod.ExportedFunction(StartExportName) != nil; got != hasStart {
				t.Errorf("%s exported: %v, want %v", StartExportName, got, hasStart)
			}
		})
	}
}

// TestInstrumentStartLoopStops: a start function that loops forever, run by the
// host through its export, stops when the flag is set.
func TestInstrumentStartLoopStops(t *testing.T) {
	// (module (func $s (loop (br 0))) (start $s))
	wasm := "\x00asm\x01\x00\x00\x00" + "\x01\x04\x01\x60\x00\x00" + "\x03\x02\x01\x00" +
		"\x08\x01\x00" + "\x0a\x09\x01\x07\x00\x03\x40\x0c\x00\x0b\x0b"
	out, err := Instrument([]byte(wasm))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := newRuntime(ctx)
	defer r.Close(ctx)
	mod := instantiateWithGlobal(t, ctx, r, out, false) // does not run the start function
	if err := stopAfterStart(t, ctx, mod, StartExportName); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("error %v, want a trap: unreachable", err)
	}
}

// TestInstrumentDelegate: a legacy try ended by delegate is one block, not two.
func TestInstrumentDelegate(t *testing.T) {
	// one function: try (empty) nop delegate 0 end
	wasm := "\x00asm\x01\x00\x00\x00" + "\x01\x04\x01\x60\x00\x00" + "\x03\x02\x01\x00" +
		"\x0a\x09\x01\x07\x00\x06\x40\x01\x18\x00\x0b"
	if _, err := Instrument([]byte(wasm)); err != nil {
		t.Fatalf("Instrument: %v", err)
	}
}
