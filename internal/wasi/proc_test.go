package wasi

import (
	"bytes"
	"errors"
	"testing"
	"testing/iotest"

	"github.com/wasirun/wasirun/internal/vfs"
)

func TestProcExit(t *testing.T) {
	for _, module := range []string{modulePreview1, moduleUnstable} {
		for _, code := range []uint32{0, 1, 42, 255, 0xffffffff} {
			g := newGuest(t, Config{})
			res, err := g.callErr(module, "proc_exit", uint64(code))
			if got := exitCode(t, err); got != code {
				t.Errorf("%s proc_exit(%d): exit code %d (results %v)", module, code, got, res)
			}
			// The guest is closed: nothing runs after proc_exit.
			if _, err := g.callErr(module, "sched_yield"); err == nil {
				t.Errorf("%s: the guest still runs after proc_exit(%d)", module, code)
			}
		}
	}
}

func TestProcRaiseSchedYield(t *testing.T) {
	g := newGuest(t, Config{})
	for _, module := range []string{modulePreview1, moduleUnstable} {
		if errno := g.call(module, "proc_raise", 6); errno != vfs.ENOSYS {
			t.Errorf("%s proc_raise = %v, want ENOSYS", module, errno)
		}
		if errno := g.call(module, "sched_yield"); errno != vfs.ESUCCESS {
			t.Errorf("%s sched_yield = %v", module, errno)
		}
	}
}

func TestRandomGet(t *testing.T) {
	seq := make([]byte, 64)
	for i := range seq {
		seq[i] = byte(i + 1)
	}
	tests := []struct {
		name      string
		rand      func() []byte // nil: a failing source
		ptr, n    uint32
		want      []byte
		wantErrno vfs.Errno
	}{
		{name: "fill", rand: func() []byte { return seq }, ptr: 100, n: 16, want: seq[:16]},
		{name: "zero length", rand: func() []byte { return seq }, ptr: 100, n: 0},
		{name: "zero length at the end", rand: func() []byte { return seq }, ptr: memSize, n: 0},
		{name: "past the end", rand: func() []byte { return seq }, ptr: memSize - 8, n: 16, wantErrno: vfs.EFAULT},
		{name: "short source", rand: func() []byte { return seq[:4] }, ptr: 100, n: 16, wantErrno: vfs.EIO},
		{name: "failing source", ptr: 100, n: 16, wantErrno: vfs.EIO},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{rand: iotest.ErrReader(errors.New("no entropy"))}
			if tc.rand != nil {
				cfg.rand = bytes.NewReader(tc.rand())
			}
			g := newGuest(t, cfg)
			if errno := g.p1("random_get", uint64(tc.ptr), uint64(tc.n)); errno != tc.wantErrno {
				t.Fatalf("random_get = %v, want %v", errno, tc.wantErrno)
			}
			if tc.want != nil {
				if got := g.read(tc.ptr, tc.n); !bytes.Equal(got, tc.want) {
					t.Errorf("got % x, want % x", got, tc.want)
				}
				if b := g.read(tc.ptr+tc.n, 1); b[0] != 0 {
					t.Errorf("wrote past the buffer")
				}
			}
		})
	}
}

// TestRandomGetDefault: the system source fills the buffer.
func TestRandomGetDefault(t *testing.T) {
	g := newGuest(t, Config{})
	if errno := g.p1("random_get", 0, 64); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if bytes.Equal(g.read(0, 64), make([]byte, 64)) {
		t.Error("64 random bytes are all zero")
	}
}
