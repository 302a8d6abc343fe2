package testguest_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasirun/wasirun/internal/testguest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testguest.Cleanup()
	os.Exit(code)
}

// newRuntime returns a wazero runtime with its WASI, closed with the test.
func newRuntime(t *testing.T, cfg wazero.RuntimeConfig) (context.Context, wazero.Runtime) {
	t.Helper()
	ctx := context.Background()
	if cfg == nil {
		cfg = wazero.NewRuntimeConfig()
	}
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	t.Cleanup(func() { r.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	return ctx, r
}

func TestTrap(t *testing.T) {
	ctx, r := newRuntime(t, nil)
	_, err := r.Instantiate(ctx, testguest.Trap())
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("want an unreachable trap, got %v", err)
	}
}

func TestLoop(t *testing.T) {
	ctx, r := newRuntime(t, wazero.NewRuntimeConfig().WithCloseOnContextDone(true))
	ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err := r.Instantiate(ctx, testguest.Loop())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want the deadline to end the loop, got %v", err)
	}
	// The loop ended by the deadline, not by itself: the context is done. (Timing
	// the call from a clock read after the context's was made flaked by a
	// millisecond.)
	if ctx.Err() == nil {
		t.Fatal("the loop ended before the deadline")
	}
}

func TestAdd(t *testing.T) {
	ctx, r := newRuntime(t, nil)
	mod, err := r.Instantiate(ctx, testguest.Add())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		params []uint64
		want   []uint64
	}{
		{"add", []uint64{2, 3}, []uint64{5}},
		{"add", []uint64{api.EncodeI32(-1), api.EncodeI32(-2)}, []uint64{api.EncodeI32(-3)}},
		{"add", []uint64{api.EncodeU32(1<<32 - 1), 1}, []uint64{0}},
		{"add64", []uint64{1 << 40, 2}, []uint64{1<<40 + 2}},
		{"add64", []uint64{api.EncodeI64(-5), 2}, []uint64{api.EncodeI64(-3)}},
		{"div_f64", []uint64{api.EncodeF64(1), api.EncodeF64(4)}, []uint64{api.EncodeF64(0.25)}},
		{"pair", []uint64{21}, []uint64{21, 42}},
		{"nothing", nil, []uint64{}},
		{"_start", nil, []uint64{}},
	} {
		fn := mod.ExportedFunction(tc.name)
		if fn == nil {
			t.Fatalf("no export %s", tc.name)
		}
		got, err := fn.Call(ctx, tc.params...)
		if err != nil {
			t.Fatalf("%s%v: %v", tc.name, tc.params, err)
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%s%v = %v, want %v", tc.name, tc.params, got, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s%v = %v, want %v", tc.name, tc.params, got, tc.want)
			}
		}
	}
	if mod.Memory() == nil {
		t.Error("no exported memory")
	}
}

func TestUnsupported(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	cm, err := r.CompileModule(ctx, testguest.Unsupported())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, def := range cm.ImportedFunctions() {
		mod, name, _ := def.Import()
		got = append(got, mod+"."+name)
	}
	want := []string{"env.foo", "wasi_snapshot_preview1.fd_write", "wasix_32v1.fd_dup"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("imports %v, want %v", got, want)
	}
	if _, ok := cm.ExportedFunctions()["_start"]; !ok {
		t.Fatal("no _start")
	}
	// Without its imports it does not instantiate.
	if _, err := r.InstantiateModule(ctx, cm, wazero.NewModuleConfig()); err == nil {
		t.Fatal("instantiated without its imports")
	}
}

func TestExitCode(t *testing.T) {
	for _, n := range []uint32{0, 3, 255, 1<<31 + 1} {
		ctx, r := newRuntime(t, nil)
		_, err := r.Instantiate(ctx, testguest.ExitCode(n))
		var got uint32
		var exit *sys.ExitError
		switch {
		case errors.As(err, &exit):
			got = exit.ExitCode()
		case err != nil:
			t.Fatalf("ExitCode(%d): %v", n, err)
		}
		if got != n {
			t.Errorf("ExitCode(%d) exited with %d", n, got)
		}
	}
}

func TestHello(t *testing.T) {
	m := testguest.Hello()
	if len(m) >= 1024 {
		t.Errorf("Hello is %d bytes, want under 1 KiB", len(m))
	}
	ctx, r := newRuntime(t, nil)
	var out bytes.Buffer
	if _, err := r.InstantiateWithConfig(ctx, m, wazero.NewModuleConfig().WithStdout(&out)); err != nil {
		t.Fatal(err)
	}
	if out.String() != "hello\n" {
		t.Fatalf("stdout %q, want %q", out.String(), "hello\n")
	}
}

// Every call returns its own bytes: a caller may change them.
func TestFreshBytes(t *testing.T) {
	a := testguest.Add()
	a[0] = 'X'
	if testguest.Add()[0] != 0 {
		t.Fatal("Add returned shared bytes")
	}
}
