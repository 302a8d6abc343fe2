package main

// The "wasirun fs" commands: the verbs (ls, tree, cat, stat), their flags, and
// running one over the guest root that fsprep builds. The mount flags are in
// mountflags.go, the output forms in fs_render.go.

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/wasirun/wasirun/internal/fsprep"
	"github.com/wasirun/wasirun/internal/webc"
)

// FsOptions are the inputs of the "fs" commands.
type FsOptions struct {
	IO *IOStreams
	// Package is the package path (any form, a bare .wasm included).
	Package string
	// Path is the guest path ("/" when not given for ls and tree).
	Path string
	// Mounts are the mount flags.
	Mounts mountFlags
	// Long is ls -l; Recursive is ls -R; JSON is --json.
	Long, Recursive, JSON bool
	// MaxBytes is cat's --max-bytes: a size (parseSize) after which cat stops;
	// "" copies to the end, and refuses a device.
	MaxBytes string
	// Cwd is the directory host paths are relative to.
	Cwd string
}

// newCmdFs groups the commands that show the guest's filesystem.
func newCmdFs(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fs",
		Short: "Show the filesystem a package's guest would see, and where each entry comes from",
		Long: `Show the guest's root filesystem as wasirun run would build it — the package's
volumes, the host directories mapped with --volume, --mapdir and --dir, and the
in-memory base — with the source of every entry: host:/abs/path, volume:NAME, or
tmp (in memory), and the mount it sits under.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(
		newCmdFsVerb(f, "ls", "List a guest directory", false, nil),
		newCmdFsVerb(f, "tree", "Show a guest directory as a tree", false, nil),
		newCmdFsVerb(f, "cat", "Print a guest file", true, nil),
		newCmdFsVerb(f, "stat", "Show one guest path", true, nil),
	)
	return cmd
}

// newCmdFsVerb builds "fs VERB [flags] PKG [PATH]"; needPath makes PATH required.
func newCmdFsVerb(f *factory, verb, short string, needPath bool, runF func(string, *FsOptions) error) *cobra.Command {
	opts := &FsOptions{IO: f.IO}
	use := verb + " [flags] PKG [PATH]"
	args := cobra.RangeArgs(1, 2)
	if needPath {
		use, args = verb+" [flags] PKG PATH", cobra.ExactArgs(2)
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  usageArgs(args),
		Example: map[string]string{
			"ls":   "  wasirun fs ls pkg.webc /\n  wasirun fs ls -lR --volume ./data:/data pkg.webc /data\n  wasirun fs ls --json --volume .:/home app.wasm /home",
			"tree": "  wasirun fs tree pkg.webc /settings",
			"cat":  "  wasirun fs cat pkg.webc /settings/config.toml\n  wasirun fs cat --max-bytes 16 pkg.webc /dev/urandom",
			"stat": "  wasirun fs stat --json pkg.webc /settings/config.toml",
		}[verb],
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Package, opts.Path = args[0], "/"
			if len(args) == 2 {
				opts.Path = args[1]
			}
			if opts.Cwd == "" {
				cwd, err := os.Getwd()
				if err != nil {
					return err
				}
				opts.Cwd = cwd
			}
			if runF != nil {
				return runF(verb, opts)
			}
			return fsRun(verb, opts)
		},
	}
	opts.Mounts.register(cmd.Flags())
	switch verb {
	case "ls":
		cmd.Flags().BoolVarP(&opts.Long, "long", "l", false, "show type, mode, size, time and source")
		cmd.Flags().BoolVarP(&opts.Recursive, "recursive", "R", false, "list the whole subtree")
		cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON list of entries (schema in the README)")
	case "stat":
		cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the entry as JSON")
	case "cat":
		cmd.Flags().StringVar(&opts.MaxBytes, "max-bytes", "", "stop after `SIZE` bytes (1M, 4KiB); needed to read a device such as /dev/zero")
	}
	return cmd
}

// fsRun builds the guest root exactly as the runner will, and shows it.
func fsRun(verb string, opts *FsOptions) error {
	prep, err := opts.Mounts.options(opts.Cwd)
	if err != nil {
		return err
	}
	maxBytes := int64(-1)
	if opts.MaxBytes != "" {
		if maxBytes, err = parseSize(opts.MaxBytes); err != nil {
			return &usageError{err: fmt.Errorf("--max-bytes: %w", err)}
		}
	}
	c, err := webc.Open(opts.Package)
	if err != nil {
		return err
	}
	defer c.Close()
	prep.Container = c
	root, err := fsprep.Prepare(prep)
	if err != nil {
		return err
	}
	defer root.Close()

	out := opts.IO.Out
	switch verb {
	case "cat":
		_, err := root.Copy(out, opts.Path, maxBytes)
		var de *fsprep.DeviceError
		if errors.As(err, &de) {
			return fmt.Errorf("%w (give --max-bytes SIZE to read its first SIZE bytes)", err)
		}
		return err
	case "stat":
		e, err := root.Describe(opts.Path)
		if err != nil {
			return err
		}
		if opts.JSON {
			return writeJSON(out, e)
		}
		return writeStat(out, e)
	case "tree":
		entries, err := root.List(opts.Path, true)
		if err != nil {
			return err
		}
		return writeTree(out, opts.Path, entries)
	}
	entries, err := root.List(opts.Path, opts.Recursive)
	if err != nil {
		return err
	}
	if opts.JSON {
		if entries == nil {
			entries = []fsprep.Entry{}
		}
		return writeJSON(out, entries)
	}
	return writeList(out, entries, opts.Long)
}
