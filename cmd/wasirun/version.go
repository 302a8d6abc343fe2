package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// wazeroModule is the module path whose version "wasirun version" reports.
const wazeroModule = "github.com/tetratelabs/wazero"

// VersionOptions are the inputs of "wasirun version".
type VersionOptions struct {
	// IO are the streams to write to.
	IO *IOStreams
	// JSON is --json: print one JSON object instead of a line of text.
	JSON bool
	// Build is what to print; the command fills it from the binary's build info.
	Build buildInfo
}

// newCmdVersion returns the version command. runF, when not nil, replaces
// versionRun (tests pass a spy to check the flags it was given).
func newCmdVersion(f *factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the versions of wasirun, Go and wazero",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Build = f.Build()
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, `print {"version", "go", "wazero"} as JSON`)
	return cmd
}

// versionRun prints "wasirun <version> (<go version>, wazero <version>)", or the
// same as one JSON object.
func versionRun(opts *VersionOptions) error {
	b := opts.Build
	if opts.JSON {
		return json.NewEncoder(opts.IO.Out).Encode(b)
	}
	_, err := fmt.Fprintf(opts.IO.Out, "wasirun %s (%s, wazero %s)\n", b.Version, b.Go, b.Wazero)
	return err
}

// buildInfo describes a wasirun binary.
type buildInfo struct {
	// Version is wasirun's version: set at link time, else the main module's
	// version, else "(devel)".
	Version string `json:"version"`
	// Go is the version of the Go toolchain that built the binary.
	Go string `json:"go"`
	// Wazero is the version of the wazero module linked in, or "unknown" when the
	// binary does not link it.
	Wazero string `json:"wazero"`
}

// systemBuildInfo returns the build info of the running binary; linkVersion is
// main.version.
func systemBuildInfo(linkVersion string) buildInfo {
	bi, ok := debug.ReadBuildInfo()
	return readBuildInfo(linkVersion, bi, ok)
}

// readBuildInfo extracts a buildInfo from what debug.ReadBuildInfo returned. A
// non-empty linkVersion overrides the module version.
func readBuildInfo(linkVersion string, bi *debug.BuildInfo, ok bool) buildInfo {
	b := buildInfo{Version: "(devel)", Go: runtime.Version(), Wazero: "unknown"}
	if ok && bi != nil {
		if bi.GoVersion != "" {
			b.Go = bi.GoVersion
		}
		if bi.Main.Version != "" {
			b.Version = bi.Main.Version
		}
		for _, dep := range bi.Deps {
			if dep.Path != wazeroModule {
				continue
			}
			if dep.Replace != nil {
				dep = dep.Replace
			}
			if dep.Version != "" {
				b.Wazero = dep.Version
			} else {
				b.Wazero = "(devel)" // replaced by a local directory
			}
		}
	}
	if linkVersion != "" {
		b.Version = linkVersion
	}
	return b
}
