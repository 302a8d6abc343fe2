package webc

import (
	"errors"
	"fmt"
	"strings"
)

// Runner URIs (spec 5.3). A runner is accepted by prefix, as Wasmer does.
const (
	RunnerWasi       = "https://webc.org/runner/wasi"
	RunnerWcgi       = "https://webc.org/runner/wcgi"
	RunnerEmscripten = "https://webc.org/runner/emscripten"
)

// Command is a command of the package with its atom resolved (spec 6.1).
type Command struct {
	Name   string
	Runner string
	// Atom names the atom that implements the command; "" when the runner is one
	// wasirun does not know (Wasmer skips such commands).
	Atom string
	// Dependency is the `use` alias of the package holding the atom; "" when the atom
	// is in this package.
	Dependency string
	// Wasi is the command's "wasi" annotation; nil when it has none.
	Wasi *WasiAnnotation
	// Spec is the command as the manifest stores it.
	Spec CommandSpec
}

// IsWasi reports whether the command runs on the WASI runner.
func (c *Command) IsWasi() bool { return strings.HasPrefix(c.Runner, RunnerWasi) }

// Commands returns the package's commands, sorted by name.
func (c *Container) Commands() []Command { return c.commands }

// resolveCommands applies spec 6.1 to every command of the manifest.
func (c *Container) resolveCommands() ([]Command, error) {
	atoms := c.Atoms()
	var out []Command
	for _, name := range sortedKeys(c.Manifest.Commands) {
		spec := c.Manifest.Commands[name]
		cmd := Command{Name: name, Runner: spec.Runner, Spec: spec}
		section := fmt.Sprintf("manifest: command %q", name)
		wasi, err := spec.Wasi()
		if err != nil {
			return nil, formatErr(section, "", err)
		}
		cmd.Wasi = wasi
		atomAnn, err := spec.AtomAnnotation()
		if err != nil {
			return nil, formatErr(section, "", err)
		}
		var emAtom string
		if wasi == nil {
			var em struct {
				Atom string `cbor:"atom"`
			}
			if _, err := annotation(spec.Annotations, "emscripten", &em); err != nil {
				return nil, formatErr(section, "", err)
			}
			emAtom = em.Atom
		}
		switch {
		case atomAnn != nil:
			cmd.Atom, cmd.Dependency = atomAnn.Name, atomAnn.Dependency
		case wasi != nil && wasi.Atom != "" || emAtom != "":
			ref := emAtom
			if wasi != nil {
				ref = wasi.Atom
			}
			dep, atom, found := strings.Cut(ref, ":")
			if !found {
				atom, dep = ref, ""
			} else if strings.Contains(atom, ":") {
				return nil, formatErr(section, "", fmt.Errorf("atom reference %q has more than one %q", ref, ":"))
			}
			cmd.Atom, cmd.Dependency = atom, dep
		case strings.HasPrefix(spec.Runner, RunnerWasi), strings.HasPrefix(spec.Runner, RunnerWcgi), strings.HasPrefix(spec.Runner, RunnerEmscripten):
			cmd.Atom = name
		}
		if cmd.Atom != "" && cmd.Dependency == "" {
			if _, ok := c.AtomEntry(cmd.Atom); !ok {
				if len(spec.Annotations) > 0 || len(atoms) == 0 {
					return nil, formatErr(section, "", fmt.Errorf("names atom %q, which is not in the package (atoms: %s)", cmd.Atom, listOrNone(atoms)))
				}
				// Wasmer's fallback for coreutils-style packages: a command with no
				// annotations whose atom is missing uses the first atom.
				cmd.Atom = atoms[0]
			}
		}
		out = append(out, cmd)
	}
	return out, nil
}

// CommandNotFoundError reports a command name the package does not have, or a
// package with no entrypoint and more than one command.
type CommandNotFoundError struct {
	// Name is the command asked for; "" when none was and there is no default.
	Name     string
	Commands []string
}

func (e *CommandNotFoundError) Error() string {
	if e.Name == "" {
		if len(e.Commands) == 0 {
			return "the package has no commands"
		}
		return fmt.Sprintf("the package has no entrypoint; choose a command with --command: %s", strings.Join(e.Commands, ", "))
	}
	return fmt.Sprintf("no command %q in the package (commands: %s)", e.Name, listOrNone(e.Commands))
}

// DependencyError reports a command whose atom lives in a dependency that is not in
// the file (wasirun does not fetch packages from a registry).
type DependencyError struct {
	Command, Atom, Dependency, Reference string
}

func (e *DependencyError) Error() string {
	ref := ""
	if e.Reference != "" && e.Reference != e.Dependency {
		ref = " (" + e.Reference + ")"
	}
	return fmt.Sprintf("command %q: atom %q is in the dependency %q%s, which is not in this file; wasirun does not fetch packages from a registry", e.Command, e.Atom, e.Dependency, ref)
}

// DefaultCommand returns the name of the command to run when the user names none
// (spec 6.2): the manifest's entrypoint, else the only command.
func (c *Container) DefaultCommand() (string, bool) {
	if ep := c.Manifest.Entrypoint; ep != "" {
		return ep, true
	}
	if len(c.commands) == 1 {
		return c.commands[0].Name, true
	}
	return "", false
}

// Command returns the command called name, or the default command when name is "".
func (c *Container) Command(name string) (*Command, error) {
	names := make([]string, len(c.commands))
	for i := range c.commands {
		names[i] = c.commands[i].Name
	}
	if name == "" {
		var ok bool
		if name, ok = c.DefaultCommand(); !ok {
			return nil, &CommandNotFoundError{Commands: names}
		}
	}
	for i := range c.commands {
		if c.commands[i].Name == name {
			return &c.commands[i], nil
		}
	}
	return nil, &CommandNotFoundError{Name: name, Commands: names}
}

// CommandAtom returns the bytes of the atom that implements cmd.
func (c *Container) CommandAtom(cmd *Command) ([]byte, error) {
	if cmd.Dependency != "" {
		ref, _ := c.Manifest.Dependency(cmd.Dependency)
		return nil, &DependencyError{Command: cmd.Name, Atom: cmd.Atom, Dependency: cmd.Dependency, Reference: ref}
	}
	if cmd.Atom == "" {
		return nil, fmt.Errorf("command %q uses the runner %q, which wasirun cannot run", cmd.Name, cmd.Runner)
	}
	return c.Atom(cmd.Atom)
}

// Mount is a volume the package asks to have mounted in the guest (spec 6.3).
type Mount struct {
	// Volume is the volume, or nil when it belongs to a dependency (From is set).
	Volume *Volume
	// VolumeName is the volume's name as the manifest gives it.
	VolumeName string
	// Path is the directory inside the volume that is mounted ("/" for its root).
	Path string
	// Guest is the guest path as the manifest gives it (normalised by the caller).
	Guest string
	// From is the `use` alias of the dependency that owns the volume, "" for this package.
	From string
}

// Mounts returns the volumes the package asks to mount, in manifest order: the "fs"
// annotation when present; otherwise the "atom" volume at / for v1 and v2, nothing
// for v3 and the other forms.
func (c *Container) Mounts() []Mount {
	m, _ := c.mounts() // checked when the container was parsed
	return m
}

func (c *Container) mounts() ([]Mount, error) {
	fsm, ok, err := c.Manifest.Fs()
	if err != nil {
		return nil, formatErr("manifest", "", fmt.Errorf("package annotation %q: %w", "fs", unwrapAnn(err)))
	}
	if !ok {
		if c.Format != FormatV1 && c.Format != FormatV2 {
			return nil, nil
		}
		if v, ok := c.Volume("atom"); ok {
			return []Mount{{Volume: v, VolumeName: "atom", Path: "/", Guest: "/"}}, nil
		}
		return nil, nil
	}
	out := make([]Mount, 0, len(fsm))
	for _, f := range fsm {
		mt := Mount{VolumeName: f.VolumeName, Path: f.HostPath, Guest: f.MountPath, From: f.From}
		if mt.Path == "" {
			mt.Path = "/"
		}
		if f.From == "" {
			v, ok := c.lookupMountVolume(f.VolumeName)
			if !ok {
				return nil, formatErr("manifest", "", fmt.Errorf("fs mapping for %q names volume %q, which is not in the package", f.MountPath, f.VolumeName))
			}
			mt.Volume = v
		}
		out = append(out, mt)
	}
	return out, nil
}

// lookupMountVolume finds a volume named in the fs annotation; v1 packages may
// qualify it with the package ("ns/name@1.0.0/atom"), spec 6.3.
func (c *Container) lookupMountVolume(name string) (*Volume, bool) {
	if c.Format == FormatV1 && c.Package.Name != "" {
		if v, ok := c.Volume(c.Package.Name + "@" + c.Package.Version + "/" + name); ok {
			return v, true
		}
	}
	return c.Volume(name)
}

func unwrapAnn(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}
