package wasi

import (
	"bytes"
	"testing"

	"github.com/wasirun/wasirun/internal/vfs"
)

// memSize is the trampoline guest's memory: two pages.
const memSize = 2 * 65536

func TestArgsEnviron(t *testing.T) {
	lists := []struct {
		name string
		list []string
	}{
		{"empty", nil},
		{"one", []string{"prog"}},
		{"several", []string{"prog", "two words", "", "é=ü", "K=V"}},
	}
	funcs := []struct {
		get, sizes string
		cfg        func([]string) Config
	}{
		{"args_get", "args_sizes_get", func(l []string) Config { return Config{Args: l} }},
		{"environ_get", "environ_sizes_get", func(l []string) Config { return Config{Env: l} }},
	}
	for _, module := range []string{modulePreview1, moduleUnstable} {
		for _, f := range funcs {
			for _, tc := range lists {
				t.Run(module+"/"+f.get+"/"+tc.name, func(t *testing.T) {
					g := newGuest(t, f.cfg(tc.list))
					g.write(0, bytes.Repeat([]byte{0xff}, 4096))

					if errno := g.call(module, f.sizes, 8, 12); errno != vfs.ESUCCESS {
						t.Fatalf("%s = %v", f.sizes, errno)
					}
					var want []byte
					for _, s := range tc.list {
						want = append(append(want, s...), 0)
					}
					if n, size := g.u32(8), g.u32(12); n != uint32(len(tc.list)) || size != uint32(len(want)) {
						t.Fatalf("%s: count %d size %d, want %d %d", f.sizes, n, size, len(tc.list), len(want))
					}

					const ptrs, buf = 100, 1000
					if errno := g.call(module, f.get, ptrs, buf); errno != vfs.ESUCCESS {
						t.Fatalf("%s = %v", f.get, errno)
					}
					if got := g.read(buf, uint32(len(want))); !bytes.Equal(got, want) {
						t.Errorf("buffer %q, want %q", got, want)
					}
					if b := g.read(buf+uint32(len(want)), 1); b[0] != 0xff {
						t.Errorf("wrote past the buffer")
					}
					off := uint32(0)
					for i, s := range tc.list {
						if p := g.u32(ptrs + 4*uint32(i)); p != buf+off {
							t.Errorf("pointer %d = %d, want %d", i, p, buf+off)
						}
						off += uint32(len(s)) + 1
					}
					if p := g.u32(ptrs + 4*uint32(len(tc.list))); p != 0xffffffff {
						t.Errorf("wrote past the pointers")
					}
				})
			}
		}
	}
}

func TestArgsEnvironFault(t *testing.T) {
	list := []string{"prog", "arg"}
	for _, f := range []struct{ get, sizes string }{{"args_get", "args_sizes_get"}, {"environ_get", "environ_sizes_get"}} {
		g := newGuest(t, Config{Args: list, Env: list})
		g.write(0, bytes.Repeat([]byte{0xff}, 64))
		tests := []struct {
			name   string
			fn     string
			params []uint64
		}{
			{"pointers past the end", f.get, []uint64{memSize - 4, 0}},
			{"buffer past the end", f.get, []uint64{0, memSize - 8}},
			{"count past the end", f.sizes, []uint64{memSize - 2, 0}},
			{"size past the end", f.sizes, []uint64{0, memSize}},
		}
		for _, tc := range tests {
			if errno := g.p1(tc.fn, tc.params...); errno != vfs.EFAULT {
				t.Errorf("%s %s = %v, want EFAULT", tc.fn, tc.name, errno)
			}
		}
		// A fault writes nothing: the pointers are not written when the
		// buffer does not fit.
		if b := g.read(0, 8); !bytes.Equal(b, bytes.Repeat([]byte{0xff}, 8)) {
			t.Errorf("%s: memory changed by a faulting call: % x", f.get, b)
		}
	}
}
