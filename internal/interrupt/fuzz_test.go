package interrupt

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/wasirun/wasirun/internal/testguest"
)

// FuzzInstrument: the rewrite never panics, and a module the engine compiles
// still compiles after it.
func FuzzInstrument(f *testing.F) {
	for _, m := range [][]byte{testguest.Loop(), testguest.Add(), testguest.Trap(), testguest.Hello()} {
		f.Add(m)
	}
	names, _ := filepath.Glob(filepath.Join("testdata", "*.wat"))
	for _, n := range names {
		f.Add(wat(f, strings.TrimSuffix(filepath.Base(n), ".wat")))
	}
	ctx := context.Background()
	r := newRuntime(ctx) // one per fuzzing process: each compiled module is closed
	f.Cleanup(func() { r.Close(ctx) })
	f.Fuzz(func(t *testing.T, wasm []byte) {
		out, err := Instrument(wasm)
		if !plausibleCounts(wasm) {
			return // wazero allocates by a section's declared count (gigabytes)
		}
		original, cerr, panicked := compile(ctx, r, wasm)
		if cerr != nil || panicked {
			return // the engine refuses the input (or fails on it): nothing to keep
		}
		original.Close(ctx)
		if err != nil {
			t.Fatalf("the engine compiles the module, the rewrite refuses it: %v", err)
		}
		rewritten, cerr := r.CompileModule(ctx, out)
		if cerr != nil {
			t.Fatalf("the rewritten module does not compile: %v", cerr)
		}
		rewritten.Close(ctx)
	})
}

// plausibleCounts reports whether every section of wasm that starts with a
// count declares no more entries than it has bytes. wazero v1.12 allocates by the
// declared count before reading the entries: a code section declaring 10^9
// functions in 15 bytes makes it allocate 8 GiB, which ends a fuzzing process.
func plausibleCounts(wasm []byte) bool {
	for off := 8; off < len(wasm); {
		id := wasm[off]
		size, n, err := readU32(wasm, off+1)
		if err != nil {
			return false
		}
		start := off + 1 + n
		if uint64(start)+uint64(size) > uint64(len(wasm)) {
			return false
		}
		if id != secCustom && id != secStart && id != secDataCnt && size > 0 {
			if count, _, err := readU32(wasm[start:start+int(size)], 0); err != nil || count > size {
				return false
			}
		}
		off = start + int(size)
	}
	return true
}

// compile compiles wasm, reporting a panic of the engine instead of dying of it:
// wazero v1.12 panics on some malformed modules (the runner recovers too).
func compile(ctx context.Context, r wazero.Runtime, wasm []byte) (c wazero.CompiledModule, err error, panicked bool) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	c, err = r.CompileModule(ctx, wasm)
	return c, err, false
}
