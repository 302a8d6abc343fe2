package main

import (
	"encoding/json"
	"fmt"
	"io"
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
	cmd.Flags().BoolVar(&opts.JSON, "json", false, `print {"version", "go", "wazero", "commit", "commit_time", "modified"} as JSON`)
	return cmd
}

// versionRun prints versionText, or the same as one JSON object.
func versionRun(opts *VersionOptions) error {
	b := opts.Build
	if opts.JSON {
		return json.NewEncoder(opts.IO.Out).Encode(b)
	}
	_, err := io.WriteString(opts.IO.Out, versionText(b))
	return err
}

// versionText is the line "wasirun version" and "wasirun --version" print:
//
//	wasirun v1.2.3 (go1.26.8, wazero v1.12.0)
//	wasirun v1.2.3-4-g8db8498 (go1.26.8, wazero v1.12.0, commit 8db8498c1234 of 2026-05-01T12:00:00Z, modified)
//
// The commit part is there when the binary was built from a source tree that Go
// read the version control state of; "modified" when that tree had uncommitted
// changes.
func versionText(b buildInfo) string {
	var commit string
	if b.Commit != "" {
		commit = ", commit " + shortCommit(b.Commit)
		if b.CommitTime != "" {
			commit += " of " + b.CommitTime
		}
		if b.Modified {
			commit += ", modified"
		}
	}
	return fmt.Sprintf("wasirun %s (%s, wazero %s%s)\n", b.Version, b.Go, b.Wazero, commit)
}

// shortCommit shortens a revision to 12 characters, as Go's pseudo-versions do.
func shortCommit(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// buildInfo describes a wasirun binary. It is also the object "version --json"
// prints; fields may be added, never removed or changed in meaning.
type buildInfo struct {
	// Version is wasirun's version: set at link time (make build stamps git
	// describe's), else the main module's version (a release tag, or the
	// pseudo-version go build derives from the commit), else "(devel)".
	Version string `json:"version"`
	// Go is the version of the Go toolchain that built the binary.
	Go string `json:"go"`
	// Wazero is the version of the wazero module linked in, or "unknown" when the
	// binary does not link it.
	Wazero string `json:"wazero"`
	// Commit is the full revision of the commit the binary was built from, ""
	// when the build did not record one (go install of a module, go test, a
	// tree without version control or -buildvcs=false).
	Commit string `json:"commit"`
	// CommitTime is that commit's time, RFC 3339 in UTC, "" when not recorded.
	CommitTime string `json:"commit_time"`
	// Modified is true when the source tree had changes the commit does not hold.
	Modified bool `json:"modified"`
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
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.time":
				b.CommitTime = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if linkVersion != "" {
		b.Version = linkVersion
	}
	return b
}
