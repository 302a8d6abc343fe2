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
//	--volume HOST:GUEST[:ro|:rw]   docker's order, as current Wasmer uses it; HOST alone is --dir HOST
//	--mapdir GUEST:HOST            Wasmer's older order; also GUEST::HOST
//	--dir HOST[:ro|:rw]            the host directory at its own absolute path inside the guest
//
// A Windows drive letter starts a host path ("C:\data:/data" is C:\data at /data).
// Host paths are made absolute against the working directory and must exist.
//
// --dir maps a directory at its absolute host path, as wasmtime and wazero give a
// guest the host's paths and as Wasmer does for an absolute --dir: `--dir .` in
// /home/me/proj is /home/me/proj in the guest, where the guest also starts (the
// runner starts it where the host's working directory is mapped), and writes
// reach the host. Wasmer maps `--dir .` at /mnt/host and refuses any other
// relative path; wasirun maps every --dir at its own path, which keeps absolute
// paths the same on both sides. The host's root directory is refused: at the
// guest's root it would be a copy-on-write layer whose writes stay in memory.

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
	stringListVar(fl, &m.Volumes, "volume", "map a host directory: `HOST:GUEST[:ro]` (HOST alone: as --dir HOST)")
	stringListVar(fl, &m.Mapdirs, "mapdir", "map a host directory, Wasmer's older order: `GUEST:HOST` or GUEST::HOST")
	stringListVar(fl, &m.Dirs, "dir", "map a host directory at its own absolute path, writes reaching it: `HOST[:ro]` (--dir . also starts the guest there)")
	fl.StringVar(&m.Conflict, "mount-conflict", "override", "when two mounts claim a path: override (the later wins) or fail")
	fl.StringVar(&m.MemoryLimit, "fs-memory-limit", "", "bound on the in-memory filesystem: `SIZE` such as 512M or 1GiB (default: half the machine's memory)")
}

// options parses the flags into fsprep options; host paths are resolved against cwd.
func (m *mountFlags) options(cwd string) (fsprep.Options, error) {
	var opts fsprep.Options
	var specs []mountSpec
	for _, set := range []struct {
		flag   string
		values []string
		parse  func(string) (mountSpec, error)
	}{{"volume", m.Volumes, parseVolume}, {"mapdir", m.Mapdirs, parseMapdir}, {"dir", m.Dirs, parseDir}} {
		for _, v := range set.values {
			spec, err := set.parse(v)
			if err != nil {
				return opts, &usageError{err: err}
			}
			spec.flag, spec.value = set.flag, v
			specs = append(specs, spec)
		}
	}
	if err := resolveHostPaths(specs, cwd); err != nil {
		return opts, err
	}
	for _, spec := range specs {
		opts.User = append(opts.User, spec.UserMount)
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

// mountSpec is one parsed mount flag.
type mountSpec struct {
	fsprep.UserMount
	// atHostPath maps the directory at its own absolute host path (--dir, and
	// --volume HOST): Guest is set when the host path is resolved.
	atHostPath bool
	// flag and value are the flag as given ("dir", "."), for errors.
	flag, value string
}

// mountFlagError reports a mount flag that cannot be used; it names the flag and
// the value.
func mountFlagError(flag, value string, err error) error {
	return fmt.Errorf("--%s %q: %w", flag, value, err)
}

// parseVolume parses a --volume value; HOST alone is mapped as --dir HOST.
func parseVolume(v string) (mountSpec, error) {
	host, rest, hasGuest := cutHost(v)
	if host == "" {
		return mountSpec{}, mountFlagError("volume", v, errors.New("the host directory is empty"))
	}
	if !hasGuest {
		return mountSpec{UserMount: fsprep.UserMount{Host: host}, atHostPath: true}, nil
	}
	guest, opt, hasOpt := strings.Cut(rest, ":")
	if guest == "" {
		return mountSpec{}, mountFlagError("volume", v, errors.New("the guest path is empty"))
	}
	m := mountSpec{UserMount: fsprep.UserMount{Host: host, Guest: guest}}
	if hasOpt {
		ro, err := mountOption(opt)
		if err != nil {
			return mountSpec{}, mountFlagError("volume", v, err)
		}
		m.ReadOnly = ro
	}
	return m, nil
}

// parseMapdir parses a --mapdir value: GUEST:HOST or GUEST::HOST.
func parseMapdir(v string) (mountSpec, error) {
	guest, host, ok := strings.Cut(v, "::")
	if !ok {
		guest, host, ok = strings.Cut(v, ":")
	}
	switch {
	case !ok:
		return mountSpec{}, mountFlagError("mapdir", v, errors.New("want GUEST:HOST"))
	case guest == "":
		return mountSpec{}, mountFlagError("mapdir", v, errors.New("the guest path is empty"))
	case host == "":
		return mountSpec{}, mountFlagError("mapdir", v, errors.New("the host directory is empty"))
	}
	return mountSpec{UserMount: fsprep.UserMount{Host: host, Guest: guest}}, nil
}

// parseDir parses a --dir value: HOST[:ro], mapped at its own absolute path.
func parseDir(v string) (mountSpec, error) {
	host, opt, hasOpt := cutHost(v)
	if host == "" {
		return mountSpec{}, mountFlagError("dir", v, errors.New("the host directory is empty"))
	}
	m := mountSpec{UserMount: fsprep.UserMount{Host: host}, atHostPath: true}
	if hasOpt {
		ro, err := mountOption(opt)
		if err != nil {
			return mountSpec{}, mountFlagError("dir", v, err)
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

// resolveHostPaths makes every mount's host path absolute against cwd, checks
// that it is an existing directory, and sets the guest path of a mount at its
// host path.
func resolveHostPaths(mounts []mountSpec, cwd string) error {
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
		if mounts[i].atHostPath {
			guest, err := hostGuestPath(abs)
			if err != nil {
				return mountFlagError(mounts[i].flag, mounts[i].value, err)
			}
			mounts[i].Guest = guest
		}
	}
	return nil
}

// hostGuestPath is the guest path of the absolute host directory abs mapped at
// its own path: abs with "/" separators. A Windows path (a drive letter or a UNC
// share) has no such guest path, and the host's root would be the guest's root,
// which is copy-on-write (its writes never reach the host): both are errors that
// say what to write instead.
func hostGuestPath(abs string) (string, error) {
	guest := filepath.ToSlash(abs)
	switch {
	case len(guest) >= 2 && guest[1] == ':' && isDriveLetter(guest[0]),
		strings.HasPrefix(guest, `\\`), strings.HasPrefix(guest, "//"):
		return "", fmt.Errorf("%s has a drive letter or a share name, which no guest path has: give the guest path with --volume HOST:GUEST", abs)
	case guest == "/":
		return "", errors.New("the host's root directory cannot be mapped at the guest's root, whose writes stay in memory: map it elsewhere (--volume /:/host), or give --volume /:/ for a copy-on-write view")
	}
	return guest, nil
}

// describeHost names a host path as the user wrote it and, when different, as made
// absolute.
func describeHost(given, abs string) string {
	if given == abs {
		return abs
	}
	return fmt.Sprintf("%s (%s)", given, abs)
}
