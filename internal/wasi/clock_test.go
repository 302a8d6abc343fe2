package wasi

import (
	"testing"
	"time"

	"github.com/wasirun/wasirun/internal/vfs"
)

const (
	fakeWall = int64(1_700_000_000_123_456_789)
	fakeMono = int64(5_000_000_042)
)

// fakeClocks is a Config with fixed clocks.
func fakeClocks() Config {
	return Config{
		walltime: func() int64 { return fakeWall },
		nanotime: func() int64 { return fakeMono },
	}
}

func TestClocks(t *testing.T) {
	tests := []struct {
		id        uint32
		wantRes   uint64
		wantTime  int64
		wantErrno vfs.Errno
	}{
		{id: 0, wantRes: 1000, wantTime: fakeWall},
		{id: 1, wantRes: 1, wantTime: fakeMono},
		{id: 2, wantRes: 1, wantTime: fakeMono},
		{id: 3, wantRes: 1, wantTime: fakeMono},
		{id: 4, wantErrno: vfs.EINVAL},
		{id: 0xffffffff, wantErrno: vfs.EINVAL},
	}
	for _, module := range []string{modulePreview1, moduleUnstable} {
		g := newGuest(t, fakeClocks())
		for _, tc := range tests {
			g.write(16, make([]byte, 16))
			if errno := g.call(module, "clock_res_get", uint64(tc.id), 16); errno != tc.wantErrno {
				t.Errorf("%s clock_res_get(%d) = %v, want %v", module, tc.id, errno, tc.wantErrno)
			} else if errno == vfs.ESUCCESS && g.u64(16) != tc.wantRes {
				t.Errorf("%s clock_res_get(%d) = %d, want %d", module, tc.id, g.u64(16), tc.wantRes)
			}
			if errno := g.call(module, "clock_time_get", uint64(tc.id), 1, 24); errno != tc.wantErrno {
				t.Errorf("%s clock_time_get(%d) = %v, want %v", module, tc.id, errno, tc.wantErrno)
			} else if errno == vfs.ESUCCESS && int64(g.u64(24)) != tc.wantTime {
				t.Errorf("%s clock_time_get(%d) = %d, want %d", module, tc.id, g.u64(24), tc.wantTime)
			}
		}
		if errno := g.call(module, "clock_res_get", 0, memSize-4); errno != vfs.EFAULT {
			t.Errorf("%s clock_res_get past the end = %v", module, errno)
		}
		if errno := g.call(module, "clock_time_get", 1, 0, memSize-7); errno != vfs.EFAULT {
			t.Errorf("%s clock_time_get past the end = %v", module, errno)
		}
	}
}

// TestClocksDefault checks the system's clocks: the wall clock is now, the
// monotonic one strictly increases between two calls (the suite's
// clock_gettime-monotonic).
func TestClocksDefault(t *testing.T) {
	g := newGuest(t, Config{})
	before := time.Now().UnixNano()
	if errno := g.p1("clock_time_get", 0, 0, 0); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	after := time.Now().UnixNano()
	if wall := int64(g.u64(0)); wall < before || wall > after {
		t.Errorf("realtime %d not within [%d, %d]", wall, before, after)
	}
	if errno := g.p1("clock_time_get", 1, 0, 8); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if errno := g.p1("clock_time_get", 1, 0, 16); errno != vfs.ESUCCESS {
		t.Fatal(errno)
	}
	if a, b := g.u64(8), g.u64(16); b <= a {
		t.Errorf("monotonic %d then %d", a, b)
	}
}
