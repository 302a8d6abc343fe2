// Package clidoc renders a cobra command tree as a Markdown reference with
// cobra's own generator (spf13/cobra/doc): one page per command, named after its
// path (wasirun_fs_ls.md for "wasirun fs ls"), with its synopsis, usage,
// examples, flags as --help prints them, and links to its parent and
// subcommands. Only the tests and `make docs` use it; the wasirun binary does
// not link it.
//
// The pages depend on the tree alone: no date (cobra's "Auto generated ... on
// DATE" line is turned off), no machine, no environment.
package clidoc

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// FileName is the name of cmd's page, as cobra/doc names it: its command path
// with spaces as "_", and ".md".
func FileName(cmd *cobra.Command) string {
	return strings.ReplaceAll(cmd.CommandPath(), " ", "_") + ".md"
}

// Pages returns the page of root and of every command below it that --help
// lists (not hidden, deprecated or the help command), by file name. It adds
// cobra's default help flag, help command and completion command to the tree
// first, as executing it would, so the pages show what the binary has.
func Pages(root *cobra.Command) map[string][]byte {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	pages := map[string][]byte{}
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		cmd.InitDefaultHelpFlag()
		pages[FileName(cmd)] = Page(cmd)
		for _, c := range documented(cmd) {
			walk(c)
		}
	}
	walk(root)
	return pages
}

// documented returns cmd's subcommands that get a page, sorted by name.
func documented(cmd *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() && !c.IsAdditionalHelpTopicCommand() {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// Page renders one command's page with cobra/doc, links to other pages being
// their file names.
func Page(cmd *cobra.Command) []byte {
	cmd.Root().DisableAutoGenTag = true
	var b bytes.Buffer
	if err := doc.GenMarkdownCustom(cmd, &b, func(name string) string { return name }); err != nil {
		// GenMarkdownCustom fails only when writing to b fails, which it cannot.
		panic(err)
	}
	return b.Bytes()
}

// Write writes pages into dir (created if need be) and removes every other .md
// file there, so that a command that is gone loses its page.
func Write(dir string, pages map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return err
	}
	for _, p := range old {
		if _, keep := pages[filepath.Base(p)]; !keep {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	for name, page := range pages {
		if err := os.WriteFile(filepath.Join(dir, name), page, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Diff compares pages with the .md files in dir and returns one line per
// difference ("missing X", "extra X", "X differs"), sorted; none when dir is up
// to date. A dir that does not exist misses every page.
func Diff(dir string, pages map[string][]byte) ([]string, error) {
	var diffs []string
	have, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return nil, err
	}
	for _, p := range have {
		if _, ok := pages[filepath.Base(p)]; !ok {
			diffs = append(diffs, "extra "+filepath.Base(p))
		}
	}
	for name, want := range pages {
		got, err := os.ReadFile(filepath.Join(dir, name))
		switch {
		case os.IsNotExist(err):
			diffs = append(diffs, "missing "+name)
		case err != nil:
			return nil, err
		case !bytes.Equal(got, want):
			diffs = append(diffs, name+" differs")
		}
	}
	sort.Strings(diffs)
	return diffs, nil
}
