package wasi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/wasirun/wasirun/internal/vfs"
)

// TestDefineSeveralSystemsRace runs two instances of one guest in one runtime at the
// same time, each over its own System: each sees its own arguments and
// environment and writes to its own stdout.
func TestDefineSeveralSystemsRace(t *testing.T) {
	r := newRuntime(t)
	var instances []*instance
	for _, name := range []string{"a", "bb"} {
		in := &instance{
			args:   []string{name, "--" + name},
			env:    []string{"NAME=" + name},
			stdout: &bytes.Buffer{},
		}
		in.g = instantiateGuest(t, r, name, Config{Args: in.args, Env: in.env, Stdout: in.stdout})
		instances = append(instances, in)
	}
	const rounds = 50
	errs := make([]error, len(instances))
	var wg sync.WaitGroup
	for i, in := range instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				if err := in.check(); err != nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for i, in := range instances {
		if errs[i] != nil {
			t.Errorf("instance %s: %v", in.args[0], errs[i])
		}
		if want := strings.Repeat("hello from "+in.args[0]+"\n", rounds); in.stdout.String() != want {
			t.Errorf("instance %s wrote %q", in.args[0], in.stdout.String())
		}
	}
}

// instance is one guest instance of TestDefineSeveralSystemsRace and what its
// System was given.
type instance struct {
	g         *guest
	args, env []string
	stdout    *bytes.Buffer
}

// check reads the instance's arguments and environment through the host
// functions, compares them with its own, and writes a line to its stdout.
func (in *instance) check() error {
	g := in.g
	for _, c := range []struct {
		module, sizes, get string
		want               []string
	}{
		{modulePreview1, "args_sizes_get", "args_get", in.args},
		{moduleUnstable, "environ_sizes_get", "environ_get", in.env},
	} {
		if err := callOK(g, c.module, c.sizes, 0x10, 0x14); err != nil {
			return err
		}
		want := strings.Join(c.want, "\x00") + "\x00"
		count, _ := g.mem.ReadUint32Le(0x10)
		size, _ := g.mem.ReadUint32Le(0x14)
		if int(count) != len(c.want) || int(size) != len(want) {
			return fmt.Errorf("%s: count %d size %d, want %d and %d", c.sizes, count, size, len(c.want), len(want))
		}
		if err := callOK(g, c.module, c.get, 0x100, 0x200); err != nil {
			return err
		}
		if b, _ := g.mem.Read(0x200, size); string(b) != want {
			return fmt.Errorf("%s: %q, want %q", c.get, b, want)
		}
	}
	msg := "hello from " + in.args[0] + "\n"
	g.mem.Write(0x400, []byte(msg))
	g.mem.WriteUint32Le(0x300, 0x400)
	g.mem.WriteUint32Le(0x304, uint32(len(msg)))
	if err := callOK(g, modulePreview1, "fd_write", 1, 0x300, 1, 0x10); err != nil {
		return err
	}
	return nil
}

// callOK calls module.name on g and fails unless it returns ESUCCESS; it may run
// on any goroutine.
func callOK(g *guest, module, name string, params ...uint64) error {
	res, err := g.mod.ExportedFunction(module+"."+name).Call(g.ctx, params...)
	switch {
	case err != nil:
		return fmt.Errorf("%s.%s: %w", module, name, err)
	case vfs.Errno(res[0]) != vfs.ESUCCESS:
		return fmt.Errorf("%s.%s: %v", module, name, vfs.Errno(res[0]))
	}
	return nil
}

// TestNoSystemInContext: a host call whose context carries no System traps the
// guest with a message that says so, and the host goes on.
func TestNoSystemInContext(t *testing.T) {
	g := newGuest(t, Config{Args: []string{"x"}})
	for _, c := range []struct {
		name   string
		ctx    context.Context
		module string
		fn     string
		params []uint64
	}{
		{"no value", context.Background(), modulePreview1, "args_sizes_get", []uint64{0, 4}},
		{"a nil System", WithSystem(context.Background(), nil), moduleUnstable, "fd_write", []uint64{1, 0, 0, 0}},
		{"no errno result", context.Background(), modulePreview1, "proc_exit", []uint64{3}},
	} {
		_, err := g.mod.ExportedFunction(c.module+"."+c.fn).Call(c.ctx, c.params...)
		if !errors.Is(err, errNoSystem) || !strings.Contains(err.Error(), "wasi: no process state in the call's context") {
			t.Errorf("%s: %s.%s = %v, want the no-System error", c.name, c.module, c.fn, err)
		}
	}
	// The instance still works with its System.
	if errno := g.p1("args_sizes_get", 0, 4); errno != vfs.ESUCCESS || g.u32(0) != 1 {
		t.Errorf("args_sizes_get after the traps = %v, argc %d", errno, g.u32(0))
	}
}

// TestDefineImported: Define narrows the modules to the functions imported
// admits, and leaves out a module of which it admits none.
func TestDefineImported(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	err := Define(ctx, r, func(module, name string) bool {
		return module == modulePreview1 && (name == "fd_write" || name == "proc_exit")
	})
	if err != nil {
		t.Fatal(err)
	}
	m := r.Module(modulePreview1)
	if m == nil {
		t.Fatalf("%s not defined", modulePreview1)
	}
	var names []string
	for name := range m.ExportedFunctionDefinitions() {
		names = append(names, name)
	}
	if slices.Sort(names); !slices.Equal(names, []string{"fd_write", "proc_exit"}) {
		t.Errorf("%s exports %v, want fd_write and proc_exit", modulePreview1, names)
	}
	if r.Module(moduleUnstable) != nil {
		t.Errorf("%s defined with none of its functions imported", moduleUnstable)
	}
}

// TestDefineTwice: the host modules are defined once per runtime; a second
// Define fails, naming the module.
func TestDefineTwice(t *testing.T) {
	r := newRuntime(t)
	err := Define(context.Background(), r, nil)
	if err == nil || !strings.Contains(err.Error(), modulePreview1) {
		t.Errorf("second Define = %v, want an error naming %s", err, modulePreview1)
	}
}
