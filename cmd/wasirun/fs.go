package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wasirun/wasirun/internal/fsprep"
	"github.com/wasirun/wasirun/internal/vfs"
	"github.com/wasirun/wasirun/internal/webc"
)

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
			"cat":  "  wasirun fs cat pkg.webc /settings/config.toml",
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
	}
	return cmd
}

// fsRun builds the guest root exactly as the runner will, and shows it.
func fsRun(verb string, opts *FsOptions) error {
	prep, err := opts.Mounts.options(opts.Cwd)
	if err != nil {
		return err
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
		b, err := root.ReadFile(opts.Path)
		if err != nil {
			return err
		}
		_, err = out.Write(b)
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

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeList prints one entry a line: the path, its source and the mount it sits
// under, or with -l its type, mode, size and modification time first.
func writeList(w io.Writer, entries []fsprep.Entry, long bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, e := range entries {
		name := e.Path
		if e.Target != "" {
			name += " -> " + e.Target
		}
		if long {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t(mount %s)\n", e.Type, e.Mode, e.Size, formatTime(e.Mtime), name, e.Source, e.Mount)
		} else {
			fmt.Fprintf(tw, "%s\t%s\t(mount %s)\n", name, e.Source, e.Mount)
		}
	}
	return tw.Flush()
}

func writeStat(w io.Writer, e fsprep.Entry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Path:\t%s\n", e.Path)
	fmt.Fprintf(tw, "Type:\t%s\n", e.Type)
	if e.Target != "" {
		fmt.Fprintf(tw, "Target:\t%s\n", e.Target)
	}
	fmt.Fprintf(tw, "Size:\t%d\n", e.Size)
	fmt.Fprintf(tw, "Mode:\t%s\n", e.Mode)
	fmt.Fprintf(tw, "Modified:\t%s\n", formatTime(e.Mtime))
	fmt.Fprintf(tw, "Source:\t%s\n", e.Source)
	fmt.Fprintf(tw, "Mount:\t%s\n", e.Mount)
	return tw.Flush()
}

// writeTree draws the entries (sorted by path, all below top) as a tree.
func writeTree(w io.Writer, top string, entries []fsprep.Entry) error {
	fmt.Fprintln(w, top)
	prefix := strings.TrimSuffix(top, "/") + "/"
	var lastAt []bool // lastAt[d]: the open ancestor at depth d was its parent's last child
	for i, e := range entries {
		rel := strings.TrimPrefix(e.Path, prefix)
		depth := strings.Count(rel, "/")
		name := rel[strings.LastIndexByte(rel, '/')+1:]
		// Whether this entry is the last child of its parent.
		last := true
		for _, later := range entries[i+1:] {
			lr := strings.TrimPrefix(later.Path, prefix)
			if strings.Count(lr, "/") < depth {
				break
			}
			if strings.Count(lr, "/") == depth {
				last = false
				break
			}
		}
		lastAt = append(lastAt[:min(depth, len(lastAt))], last)
		var indent strings.Builder
		for _, l := range lastAt[:depth] {
			if l {
				indent.WriteString("    ")
			} else {
				indent.WriteString("│   ")
			}
		}
		branch := "├── "
		if last {
			branch = "└── "
		}
		if e.Target != "" {
			name += " -> " + e.Target
		}
		fmt.Fprintf(w, "%s%s%s  [%s]\n", indent.String(), branch, name, e.Source)
	}
	return nil
}

// formatTime prints a time in UTC with nanoseconds; 0 is "-".
func formatTime(ns int64) string {
	if ns == 0 {
		return "-"
	}
	return time.Unix(0, ns).UTC().Format("2006-01-02T15:04:05.000000000Z")
}
