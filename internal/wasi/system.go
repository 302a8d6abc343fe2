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

// Root is the guest's filesystem as this package needs it: a filesystem over
// guest paths that resolves them itself (symbolic links followed across mounts,
// ".." clamped at "/"), which *vfs.MountTable is.
type Root interface {
	vfs.FS
	// Stat is Lstat following a last symbolic link.
	Stat(path string) (vfs.Stat, vfs.Errno)
	// Lutimens is Utimens on a last symbolic link itself (FS's Utimens follows
	// it).
	Lutimens(path string, atim, mtim int64) vfs.Errno
	// Resolve follows every symbolic link of path, the last included, and
	// returns the clean guest path it leads to, which need not exist.
	Resolve(path string) (string, vfs.Errno)
}

var _ Root = (*vfs.MountTable)(nil)

// Config is what one guest gets: its arguments, environment, filesystem and
// streams.
type Config struct {
	// Args is argv, argv[0] first.
	Args []string
	// Env holds "KEY=VALUE" entries in the order the guest sees them.
	Env []string
	// Root is the guest's filesystem. Nil means no filesystem: no preopens.
	Root Root
	// Preopens are opened in order as fds 3, 4, ...
	Preopens []Preopen
	// Stdin, Stdout and Stderr are fds 0, 1 and 2; nil is an empty input or a
	// discarding output. An *os.File keeps its terminal and readiness facts.
	Stdin          io.Reader
	Stdout, Stderr io.Writer

	// walltime returns nanoseconds since the Unix epoch, nanotime a monotonic
	// reading in nanoseconds, rand the bytes of random_get; nil picks the
	// system's (time.Now, a monotonic clock from the start of the guest,
	// crypto/rand). Only tests set them.
	walltime func() int64
	nanotime func() int64
	rand     io.Reader
}

// Preopen is a directory handed to the guest at start-up.
type Preopen struct {
	// Name is what fd_prestat_dir_name reports ("/", ".").
	Name string
	// Path is the guest path of the directory, clean and absolute.
	Path string
}

// System is the WASI state of one guest process: its fd table, arguments,
// environment and clocks. The host functions of Define find it in the context of
// each call (WithSystem). Its fd table is safe for concurrent use, as the threads
// of a process will share it; everything else is fixed at New.
type System struct {
	args, env []string
	root      Root
	fds       *fdTable

	walltime, nanotime func() int64
	rand               io.Reader
}

// New builds the state of one guest: fds 0-2 are its streams, then its preopens.
func New(cfg Config) (*System, error) {
	s := &System{
		args:     cfg.Args,
		env:      cfg.Env,
		root:     cfg.Root,
		fds:      &fdTable{},
		walltime: cfg.walltime,
		nanotime: cfg.nanotime,
		rand:     cfg.rand,
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
	s.fds.insert(newStdio(cfg.Stdin, nil))
	s.fds.insert(newStdio(nil, cfg.Stdout))
	s.fds.insert(newStdio(nil, cfg.Stderr))
	if len(cfg.Preopens) > 0 && cfg.Root == nil {
		return nil, errors.New("wasi: preopens without a root filesystem")
	}
	for _, p := range cfg.Preopens {
		f, errno := cfg.Root.OpenFile(p.Path, vfs.OFlagRead|vfs.OFlagDirectory, 0)
		if errno != vfs.ESUCCESS {
			s.Close()
			return nil, fmt.Errorf("preopen %q (%s): %w", p.Name, p.Path, errno)
		}
		s.fds.insert(descriptor{
			ofd:        &openFile{file: f, filetype: filetypeDirectory, path: p.Path, base: p.Path},
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

// systemKey is the context key under which WithSystem puts a System.
type systemKey struct{}

// WithSystem returns a copy of ctx carrying s. A guest instance runs over s when
// it is called with such a context: wazero hands the context given to
// api.Function.Call (and to InstantiateModule, for start functions) to every
// host function the call reaches.
func WithSystem(ctx context.Context, s *System) context.Context {
	return context.WithValue(ctx, systemKey{}, s)
}

// errNoSystem is the panic of a host function called with a context that
// carries no System: a bug of the host, not of the guest, which wazero turns
// into a trap of the call.
var errNoSystem = errors.New("wasi: no process state in the call's context")

// systemOf returns the System of a call's context. It does not allocate.
func systemOf(ctx context.Context) *System {
	s, _ := ctx.Value(systemKey{}).(*System)
	if s == nil {
		panic(errNoSystem)
	}
	return s
}
