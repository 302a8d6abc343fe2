package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/wasirun/wasirun/internal/fsprep"
	"github.com/wasirun/wasirun/internal/vfs"
)

// The mount flags shared by "run" and "fs":
//
//	--volume HOST:GUEST[:ro|:rw]   docker's order, as current Wasmer uses it; HOST alone maps it at the same path
//	--mapdir GUEST:HOST            Wasmer's older order; also GUEST::HOST
//	--dir HOST[:ro]                the same path inside the guest
//
// A Windows drive letter starts a host path ("C:\data:/data" is C:\data at /data).
// Host paths are made absolute against the working directory and must exist.

// defaultMemoryFallback is the in-memory limit where the machine's memory is unknown.
const defaultMemoryFallback = 2 << 30

// mountFlags are the filesystem flags that "run" and "fs" share.
type mountFlags struct {
	Volumes     []string
	Mapdirs     []string
	Dirs        []string
	Conflict    string
	MemoryLimit string
}

// register adds the flags to fl.
func (m *mountFlags) register(fl *pflag.FlagSet) {
	stringListVar(fl, &m.Volumes, "volume", "map a host directory: `HOST:GUEST[:ro]` (HOST alone: the same path)")
	stringListVar(fl, &m.Mapdirs, "mapdir", "map a host directory, Wasmer's older order: `GUEST:HOST` or GUEST::HOST")
	stringListVar(fl, &m.Dirs, "dir", "map a host directory at the same path: `HOST[:ro]`")
	fl.StringVar(&m.Conflict, "mount-conflict", "override", "when two mounts claim a path: override (the later wins) or fail")
	fl.StringVar(&m.MemoryLimit, "fs-memory-limit", "", "bound on the in-memory filesystem: `SIZE` such as 512M or 1GiB (default: half the machine's memory)")
}

// options parses the flags into fsprep options; host paths are resolved against cwd.
func (m *mountFlags) options(cwd string) (fsprep.Options, error) {
	var opts fsprep.Options
	for _, set := range []struct {
		values []string
		parse  func(string) (fsprep.UserMount, error)
	}{{m.Volumes, parseVolume}, {m.Mapdirs, parseMapdir}, {m.Dirs, parseDir}} {
		for _, v := range set.values {
			um, err := set.parse(v)
			if err != nil {
				return opts, &usageError{err: err}
			}
			opts.User = append(opts.User, um)
		}
	}
	if err := resolveHostPaths(opts.User, cwd); err != nil {
		return opts, err
	}
	mode, err := fsprep.ParseConflictMode(m.Conflict)
	if err != nil {
		return opts, &usageError{err: fmt.Errorf("--mount-conflict: %w", err)}
	}
	opts.Conflict = mode
	limit := machineMemory() / 2
	if limit <= 0 {
		limit = defaultMemoryFallback
	}
	if m.MemoryLimit != "" {
		if limit, err = parseSize(m.MemoryLimit); err != nil {
			return opts, &usageError{err: fmt.Errorf("--fs-memory-limit: %w", err)}
		}
	}
	opts.Limiter = vfs.NewLimiter(limit)
	return opts, nil
}

// mountFlagError reports a mount flag that cannot be used; it names the flag and
// the value.
func mountFlagError(flag, value string, err error) error {
	return fmt.Errorf("--%s %q: %w", flag, value, err)
}

// parseVolume parses a --volume value.
func parseVolume(v string) (fsprep.UserMount, error) {
	host, rest, hasGuest := cutHost(v)
	if host == "" {
		return fsprep.UserMount{}, mountFlagError("volume", v, errors.New("the host directory is empty"))
	}
	m := fsprep.UserMount{Host: host, Guest: host}
	if !hasGuest {
		return m, nil
	}
	guest, opt, hasOpt := strings.Cut(rest, ":")
	if guest == "" {
		return fsprep.UserMount{}, mountFlagError("volume", v, errors.New("the guest path is empty"))
	}
	m.Guest = guest
	if hasOpt {
		ro, err := mountOption(opt)
		if err != nil {
			return fsprep.UserMount{}, mountFlagError("volume", v, err)
		}
		m.ReadOnly = ro
	}
	return m, nil
}

// parseMapdir parses a --mapdir value: GUEST:HOST or GUEST::HOST.
func parseMapdir(v string) (fsprep.UserMount, error) {
	guest, host, ok := strings.Cut(v, "::")
	if !ok {
		guest, host, ok = strings.Cut(v, ":")
	}
	switch {
	case !ok:
		return fsprep.UserMount{}, mountFlagError("mapdir", v, errors.New("want GUEST:HOST"))
	case guest == "":
		return fsprep.UserMount{}, mountFlagError("mapdir", v, errors.New("the guest path is empty"))
	case host == "":
		return fsprep.UserMount{}, mountFlagError("mapdir", v, errors.New("the host directory is empty"))
	}
	return fsprep.UserMount{Host: host, Guest: guest}, nil
}

// parseDir parses a --dir value: HOST[:ro], mounted at the same path.
func parseDir(v string) (fsprep.UserMount, error) {
	host, opt, hasOpt := cutHost(v)
	if host == "" {
		return fsprep.UserMount{}, mountFlagError("dir", v, errors.New("the host directory is empty"))
	}
	m := fsprep.UserMount{Host: host, Guest: host}
	if hasOpt {
		ro, err := mountOption(opt)
		if err != nil {
			return fsprep.UserMount{}, mountFlagError("dir", v, err)
		}
		m.ReadOnly = ro
	}
	return m, nil
}

// cutHost splits a value that starts with a host path at the first ":" that is
// not part of a Windows drive letter.
func cutHost(v string) (host, rest string, found bool) {
	skip := 0
	if len(v) >= 2 && v[1] == ':' && isDriveLetter(v[0]) {
		skip = 2
	}
	i := strings.IndexByte(v[skip:], ':')
	if i < 0 {
		return v, "", false
	}
	return v[:skip+i], v[skip+i+1:], true
}

func isDriveLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// mountOption reads the option after the guest path: ro or rw.
func mountOption(opt string) (readOnly bool, err error) {
	switch opt {
	case "ro":
		return true, nil
	case "rw":
		return false, nil
	}
	return false, fmt.Errorf("unknown option %q (want ro or rw)", opt)
}

// resolveHostPaths makes every mount's host path absolute against cwd and checks
// that it is an existing directory.
func resolveHostPaths(mounts []fsprep.UserMount, cwd string) error {
	for i := range mounts {
		h := mounts[i].Host
		abs := h
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(cwd, abs)
		}
		abs = filepath.Clean(abs)
		st, err := os.Stat(abs)
		switch {
		case err != nil:
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return fmt.Errorf("host directory %s: %w", describeHost(h, abs), err)
		case !st.IsDir():
			return fmt.Errorf("host directory %s: not a directory", describeHost(h, abs))
		}
		mounts[i].Host = abs
	}
	return nil
}

// describeHost names a host path as the user wrote it and, when different, as made
// absolute.
func describeHost(given, abs string) string {
	if given == abs {
		return abs
	}
	return fmt.Sprintf("%s (%s)", given, abs)
}
