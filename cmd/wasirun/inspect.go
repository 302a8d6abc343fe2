package main

import (
	"encoding/json"

	"github.com/spf13/cobra"

	"github.com/wasirun/wasirun/internal/inspect"
	"github.com/wasirun/wasirun/internal/webc"
)

// InspectOptions are the inputs of "wasirun inspect".
type InspectOptions struct {
	IO *IOStreams
	// Package is the package path: a .webc/.wasmer file, a .tar.gz, a directory
	// with wasmer.toml, or a .wasm module.
	Package string
	// JSON is --json: print the report as one JSON object.
	JSON bool
	// Verify is --verify: check every hash the package stores first.
	Verify bool
}

func newCmdInspect(f *factory, runF func(*InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "inspect [flags] PKG",
		Short: "Show a package's manifest, commands, atoms, volumes and mounts",
		Long: `Show what a package is and holds: its format, identity, entrypoint, commands
(with their atoms and WASI annotations), atoms (size, sha256, imported modules and
the ABI they imply), volumes and the mounts it asks for.

Stored hashes are checked when the bytes they cover are used; --verify checks
every one of them first (v1 whole-file checksum, v2/v3 section, file and directory
hashes, atom signatures). v1 signatures are kept but not checked. A package that
carries no hashes of its own (a .tar.gz, a directory, a bare module, a v1 file
with checksum none) is never reported verified: the report says why instead.`,
		Example: `  wasirun inspect pkg.webc
  wasirun inspect --json --verify pkg.wasmer
  wasirun inspect ./mypkg          # a directory with wasmer.toml`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Package = args[0]
			if runF != nil {
				return runF(opts)
			}
			return inspectRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the report as JSON (schema in the README)")
	cmd.Flags().BoolVar(&opts.Verify, "verify", false, "check every stored hash and signature digest first")
	return cmd
}

func inspectRun(opts *InspectOptions) error {
	c, err := webc.Open(opts.Package)
	if err != nil {
		return err
	}
	defer c.Close()
	r, err := inspect.Inspect(c, opts.Package, inspect.Options{Verify: opts.Verify})
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return r.WriteText(opts.IO.Out)
}
