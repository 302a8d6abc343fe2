package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wasirun/wasirun/internal/webc"
)

// newCmdPackage groups the commands that make and take apart package files.
func newCmdPackage(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "package",
		Short: "Build WebC v3 packages and unpack packages of any form",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(newCmdPackageBuild(f, nil), newCmdPackageUnpack(f, nil))
	return cmd
}

// PackageBuildOptions are the inputs of "wasirun package build".
type PackageBuildOptions struct {
	IO *IOStreams
	// Dir is the directory holding wasmer.toml.
	Dir string
	// Output is -o: the file to write; "" means <name>-<version>.webc in the
	// current directory.
	Output string
}

func newCmdPackageBuild(f *factory, runF func(*PackageBuildOptions) error) *cobra.Command {
	opts := &PackageBuildOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "build [flags] DIR",
		Short: "Build a WebC v3 package from a directory with wasmer.toml",
		Long: `Build a WebC v3 package from a directory holding wasmer.toml: its [[module]]s
become atoms, its [[command]]s commands, each [fs] entry a volume.

The same input always gives the same bytes: entries are sorted and no clock is
read (file times are not recorded).`,
		Example: `  wasirun package build ./mypkg -o mypkg.webc`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if runF != nil {
				return runF(opts)
			}
			return packageBuildRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "the package `file` to write (default <name>-<version>.webc)")
	return cmd
}

func packageBuildRun(opts *PackageBuildOptions) error {
	src, err := webc.ReadDirSource(opts.Dir)
	if err != nil {
		return err
	}
	out := opts.Output
	if out == "" {
		out = defaultPackageFile(src.Package)
	}
	// Write next to the target and rename, so a failed build leaves no half file.
	// Errors name out, not the temporary file, whose name means nothing to the user.
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", out, pathErrCause(err))
	}
	defer os.Remove(tmp.Name())
	if err := webc.WriteV3(tmp, src); err != nil {
		tmp.Close()
		return fmt.Errorf("%s: %w", out, err)
	}
	// CreateTemp makes the file readable by its owner only; a package is not secret.
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", out, pathErrCause(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", out, pathErrCause(err))
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("writing %s: %w", out, pathErrCause(err))
	}
	st, err := os.Stat(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(opts.IO.Out, "wrote %s (%d bytes)\n", out, st.Size())
	return err
}

// pathErrCause returns the cause inside an *fs.PathError (or *os.LinkError), whose
// own message names an operation and a file the user did not ask about.
func pathErrCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// defaultPackageFile is "<name>-<version>.webc" with the namespace dropped
// ("wasmer/hello" 0.1.0 -> hello-0.1.0.webc), or "package.webc" when unnamed.
func defaultPackageFile(p webc.PackageInfo) string {
	name := p.Name[strings.LastIndex(p.Name, "/")+1:]
	if name == "" {
		return "package.webc"
	}
	if p.Version != "" {
		name += "-" + p.Version
	}
	return name + ".webc"
}

// PackageUnpackOptions are the inputs of "wasirun package unpack".
type PackageUnpackOptions struct {
	IO *IOStreams
	// Package is the package path, any form.
	Package string
	// Output is -o: the directory to write into.
	Output string
	// Overwrite is --overwrite: replace files that exist.
	Overwrite bool
}

func newCmdPackageUnpack(f *factory, runF func(*PackageUnpackOptions) error) *cobra.Command {
	opts := &PackageUnpackOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "unpack [flags] PKG -o DIR",
		Short: "Write a package's manifest, atoms and volumes out as files",
		Long: `Write a package out as files: DIR/manifest.json, DIR/atoms/ATOM and
DIR/volumes/VOLUME/... (a leading / of a volume name is dropped), and a
DIR/wasmer.toml (with the readme and license file beside it) from which
"wasirun package build DIR" rebuilds an equivalent package: the same commands,
atoms, mounts and identity. A rebuilt volume is named after its directory
("/data" becomes "/volumes/data"), mounted where it was. What a wasmer.toml
cannot say is printed after the "unpacked" line, and written at the top of
wasmer.toml.

Existing files are not overwritten: when one of the files would, nothing is
written and the first is named. --overwrite replaces them (other files in DIR
are left alone).`,
		Example: `  wasirun package unpack pkg.webc -o out/
  wasirun package build out/ -o rebuilt.webc`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Package = args[0]
			if opts.Output == "" {
				return commandUsageError(cmd, errors.New("-o DIR, the directory to write into, is missing"))
			}
			if runF != nil {
				return runF(opts)
			}
			return packageUnpackRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "the `directory` to write into (required)")
	cmd.Flags().BoolVar(&opts.Overwrite, "overwrite", false, "replace files that exist in the directory")
	mustFlag(cmd.MarkFlagDirname("output"))
	return cmd
}

func packageUnpackRun(opts *PackageUnpackOptions) error {
	c, err := webc.Open(opts.Package)
	if err != nil {
		return err
	}
	defer c.Close()
	notes, err := webc.Unpack(c, opts.Output, webc.UnpackOptions{Overwrite: opts.Overwrite})
	var exists *webc.ExistsError
	if errors.As(err, &exists) {
		return fmt.Errorf("%w (--overwrite replaces it)", err)
	}
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "unpacked %s into %s\n", opts.Package, opts.Output)
	if len(notes) > 0 {
		fmt.Fprintf(&b, "a package rebuilt from %s will differ:\n", filepath.Join(opts.Output, "wasmer.toml"))
		for _, n := range notes {
			fmt.Fprintf(&b, "  - %s\n", n)
		}
	}
	_, err = io.WriteString(opts.IO.Out, b.String())
	return err
}
