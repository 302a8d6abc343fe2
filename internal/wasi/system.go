package wasi

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/wasirun/wasirun/internal/vfs"
)

// Config is what one guest gets: its arguments, environment, filesystem and
// streams.
type Config struct {
	// Args is argv, argv[0] first.
	Args []string
	// Env holds "KEY=VALUE" entries in the order the guest sees them.
	Env []string
	// Root is the guest's filesystem: a resolving FS (a *vfs.MountTable) whose
	// paths are guest paths. Nil means no filesystem: no preopens.
	Root vfs.FS
	// Preopens are opened in order as fds 3, 4, ...
	Preopens []Preopen
	// Stdin, Stdout and Stderr are fds 0, 1 and 2; nil is an empty input or a
	// discarding output. An *os.File keeps its terminal and readiness facts.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Walltime returns nanoseconds since the Unix epoch, Nanotime a monotonic
	// reading in nanoseconds, Rand the bytes of random_get; nil picks the
	// system's (time.Now, a monotonic clock from the start of the guest,
	// crypto/rand).
	Walltime func() int64
	Nanotime func() int64
	Rand     io.Reader
}

// Preopen is a directory handed to the guest at start-up.
type Preopen struct {
	// Name is what fd_prestat_dir_name reports ("/", ".").
	Name string
	// Path is the guest path of the directory, clean and absolute.
	Path string
}

// System is the WASI state of one guest: its fd table, arguments, environment and
// clocks. It is not safe for concurrent use; a guest calls it from one thread.
type System struct {
	args, env []string
	root      vfs.FS
	fds       fdTable

	walltime, nanotime func() int64
	rand               io.Reader
}

// New builds the state of one guest: fds 0-2 are its streams, then its preopens.
func New(cfg Config) (*System, error) {
	s := &System{
		args:     cfg.Args,
		env:      cfg.Env,
		root:     cfg.Root,
		walltime: cfg.Walltime,
		nanotime: cfg.Nanotime,
		rand:     cfg.Rand,
	}
	if s.walltime == nil {
		s.walltime = func() int64 { return time.Now().UnixNano() }
	}
	if s.nanotime == nil {
		start := time.Now()
		s.nanotime = func() int64 { return int64(time.Since(start)) }
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	s.fds.insert(newStdio(cfg.Stdin, nil, "stdin"))
	s.fds.insert(newStdio(nil, cfg.Stdout, "stdout"))
	s.fds.insert(newStdio(nil, cfg.Stderr, "stderr"))
	if len(cfg.Preopens) > 0 && cfg.Root == nil {
		return nil, errors.New("wasi: preopens without a root filesystem")
	}
	for _, p := range cfg.Preopens {
		f, errno := cfg.Root.OpenFile(p.Path, vfs.OFlagRead|vfs.OFlagDirectory, 0)
		if errno != vfs.ESUCCESS {
			s.Close()
			return nil, fmt.Errorf("preopen %q (%s): %w", p.Name, p.Path, errno)
		}
		s.fds.insert(&fdEntry{
			file:       f,
			filetype:   filetypeDirectory,
			path:       p.Path,
			base:       p.Path,
			preopen:    p.Name,
			rights:     rightsDirBase,
			inheriting: rightsDirBase | rightsFileBase,
		})
	}
	return s, nil
}

// Close closes every fd the guest left open.
func (s *System) Close() error {
	s.fds.closeAll()
	return nil
}

// ModuleConfig is the configuration to instantiate the guest with. Its random
// source is the one random_get reads: the engine's default would seed a
// math/rand generator (kilobytes of state, microseconds) for every module of a
// run, none of which reads it.
func (s *System) ModuleConfig() wazero.ModuleConfig {
	return wazero.NewModuleConfig().WithRandSource(s.rand)
}

// Instantiate defines the host modules (wasi_snapshot_preview1, wasi_unstable)
// in r, bound to this guest; a runtime runs one guest. imported, when not nil,
// narrows them to the functions the guest imports (module, name): the engine
// builds a trampoline for every host function, so defining only the ones used
// shortens start-up.
func (s *System) Instantiate(ctx context.Context, r wazero.Runtime, imported func(module, name string) bool) error {
	for _, m := range modules {
		if err := s.instantiate(ctx, r, m, imported); err != nil {
			return err
		}
	}
	return nil
}
