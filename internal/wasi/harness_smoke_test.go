package wasi

import (
	"testing"

	"github.com/wasirun/wasirun/internal/vfs"
)

// TestHarness checks the trampoline guest itself: every function of both modules
// is callable, and a bad fd is refused rather than crashing the host.
func TestHarness(t *testing.T) {
	g := newGuest(t, Config{})
	for _, m := range modules {
		for f := range m.funcs() {
			if g.mod.ExportedFunction(m.name+"."+f.name) == nil {
				t.Errorf("%s.%s not exported", m.name, f.name)
			}
		}
	}
	if errno := g.p1("fd_close", 99); errno != vfs.EBADF && errno != vfs.ENOSYS {
		t.Errorf("fd_close(99) = %v", errno)
	}
}
