package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/wasirun/wasirun/internal/runner"
)

// CacheOptions are the inputs of "wasirun cache" and "wasirun cache clean".
type CacheOptions struct {
	IO *IOStreams
	// CacheDir is --cache-dir; "" is the default directory, as for run.
	CacheDir string
	// JSON is --json: print one JSON object.
	JSON bool
	// Getenv reads the host environment (for the default directory).
	Getenv func(string) string
	// Now is the current time (for telling a stale temporary file from a write
	// in progress).
	Now func() time.Time
}

// cacheDirUsage is the help of --cache-dir on both commands.
const cacheDirUsage = "the compilation cache `dir` (default $XDG_CACHE_HOME/wasirun, else ~/.cache/wasirun)"

// newCmdCache returns "wasirun cache" with its "clean" subcommand.
func newCmdCache(f *factory, runF func(*CacheOptions) error) *cobra.Command {
	opts := &CacheOptions{IO: f.IO, Getenv: f.Getenv, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "cache [flags]",
		Short: "Show the compilation cache: where it is, its size, its entries",
		Long: `Show the compilation cache that run keeps compiled modules in: its directory, its
size and the number of compiled modules in it. "wasirun cache clean" empties it.

The directory is --cache-dir (also WASIRUN_CACHE_DIR or cache-dir in the config
file), else $XDG_CACHE_HOME/wasirun, else ~/.cache/wasirun, as for run. Only the
files wazero writes there are counted: the directory may hold others.`,
		Example: `  wasirun cache
  wasirun cache --json --cache-dir /var/cache/wasirun
  wasirun cache clean`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return cacheRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.CacheDir, "cache-dir", "", cacheDirUsage)
	cmd.Flags().BoolVar(&opts.JSON, "json", false, `print {"dir", "bytes", "entries"} as JSON`)
	mustFlag(cmd.MarkFlagDirname("cache-dir"))
	cmd.AddCommand(newCmdCacheClean(f, nil))
	return cmd
}

// newCmdCacheClean returns "wasirun cache clean".
func newCmdCacheClean(f *factory, runF func(*CacheOptions) error) *cobra.Command {
	opts := &CacheOptions{IO: f.IO, Getenv: f.Getenv, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "clean [flags]",
		Short: "Remove the compiled modules from the compilation cache",
		Long: `Remove the compiled modules from the compilation cache and print what was freed.

Only files named as wazero names its entries, in directories named as wazero
names them (wazero-VERSION-ARCH-OS), are removed, for every wazero version
and platform; anything else in the directory is left alone. Those directories
stay, for a wasirun running meanwhile, and so do temporary files younger than
an hour, which may be entries being written.`,
		Example: `  wasirun cache clean
  wasirun cache clean --cache-dir /var/cache/wasirun`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return cacheCleanRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.CacheDir, "cache-dir", "", cacheDirUsage)
	cmd.Flags().BoolVar(&opts.JSON, "json", false, `print what was removed, {"dir", "bytes", "entries"}, as JSON`)
	mustFlag(cmd.MarkFlagDirname("cache-dir"))
	return cmd
}

// cacheDir is the directory the options name: --cache-dir, else the default.
func (opts *CacheOptions) cacheDir() (string, error) {
	if opts.CacheDir != "" {
		return opts.CacheDir, nil
	}
	if dir := runner.DefaultCacheDir(opts.Getenv); dir != "" {
		return dir, nil
	}
	return "", errors.New("no compilation cache directory: neither XDG_CACHE_HOME nor HOME is set; give --cache-dir")
}

// cacheRun prints the cache directory, its size and its number of entries.
func cacheRun(opts *CacheOptions) error {
	dir, err := opts.cacheDir()
	if err != nil {
		return err
	}
	u, err := runner.CacheSize(dir)
	if err != nil {
		return err
	}
	if opts.JSON {
		return writeCacheJSON(opts.IO.Out, u)
	}
	_, err = fmt.Fprintf(opts.IO.Out, "Directory:  %s\nSize:       %s\nEntries:    %s\n",
		dir, bytesText(u.Bytes), pluralNoun(u.Entries, "compiled module"))
	return err
}

// cacheCleanRun removes the compiled modules and prints what was freed; when a
// removal fails it prints what was freed all the same, then fails.
func cacheCleanRun(opts *CacheOptions) error {
	dir, err := opts.cacheDir()
	if err != nil {
		return err
	}
	freed, err := runner.CleanCache(dir, opts.Now())
	if freed.Bytes == 0 && freed.Entries == 0 && err != nil {
		return err
	}
	var werr error
	if opts.JSON {
		werr = writeCacheJSON(opts.IO.Out, freed)
	} else {
		_, werr = fmt.Fprintf(opts.IO.Out, "removed %s (%s) from %s\n", pluralNoun(freed.Entries, "compiled module"), bytesText(freed.Bytes), dir)
	}
	if err != nil {
		return err
	}
	return werr
}

func writeCacheJSON(w io.Writer, u runner.CacheUsage) error {
	return json.NewEncoder(w).Encode(u)
}

// bytesText writes a size in bytes, and in binary units from 1 KiB on:
// "512 bytes", "12582912 bytes, 12.0 MiB".
func bytesText(n int64) string {
	s := fmt.Sprintf("%d bytes", n)
	if n == 1 {
		s = "1 byte"
	}
	const unit = 1024
	if n < unit {
		return s
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%s, %.1f %ciB", s, float64(n)/float64(div), "KMGTPE"[exp])
}

// pluralNoun formats a count with its noun: "1 compiled module", "2 compiled
// modules".
func pluralNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
