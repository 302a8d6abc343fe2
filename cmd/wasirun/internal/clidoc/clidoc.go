// Package clidoc renders a cobra command tree as a Markdown reference: one page
// per command, named after its path (wasirun_fs_ls.md for "wasirun fs ls"), with
// its synopsis, usage, examples, flags as --help prints them, and links to its
// parent and subcommands.
//
// The pages depend on the tree alone: no date, no machine, no environment. It
// plays the part of spf13/cobra/doc's GenMarkdownTree without that package's
// dependencies (a man page renderer and a YAML encoder) in go.mod.
package clidoc

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

// FileName is the name of cmd's page: its command path with spaces as "_", and
// ".md".
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

// Page renders one command's page.
func Page(cmd *cobra.Command) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n", cmd.CommandPath())
	if cmd.Short != "" {
		fmt.Fprintf(&b, "%s\n\n", text(cmd.Short))
	}
	if cmd.Runnable() || cmd.HasAvailableSubCommands() {
		b.WriteString("```\n")
		if cmd.Runnable() {
			fmt.Fprintf(&b, "%s\n", cmd.UseLine())
		}
		if cmd.HasAvailableSubCommands() {
			fmt.Fprintf(&b, "%s [command]\n", cmd.CommandPath())
		}
		b.WriteString("```\n\n")
	}
	if len(cmd.Aliases) > 0 {
		fmt.Fprintf(&b, "Aliases: %s\n\n", strings.Join(cmd.Aliases, ", "))
	}
	if long := strings.TrimSpace(cmd.Long); long != "" {
		fmt.Fprintf(&b, "%s\n\n", text(long))
	}
	if cmd.Example != "" {
		fmt.Fprintf(&b, "## Examples\n\n```\n%s\n```\n\n", strings.TrimRight(cmd.Example, "\n"))
	}
	if fs := cmd.LocalFlags(); fs.HasAvailableFlags() {
		fmt.Fprintf(&b, "## Flags\n\n```\n%s```\n\n", fs.FlagUsages())
	}
	if fs := cmd.InheritedFlags(); fs.HasAvailableFlags() {
		fmt.Fprintf(&b, "## Global flags\n\n```\n%s```\n\n", fs.FlagUsages())
	}
	subs := documented(cmd)
	if cmd.HasParent() || len(subs) > 0 {
		b.WriteString("## See also\n\n")
		if p := cmd.Parent(); p != nil {
			fmt.Fprintf(&b, "- [%s](%s): %s\n", p.CommandPath(), FileName(p), text(p.Short))
		}
		for _, c := range subs {
			fmt.Fprintf(&b, "- [%s](%s): %s\n", c.CommandPath(), FileName(c), text(c.Short))
		}
		b.WriteString("\n")
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}

// text makes help text safe as Markdown prose: angle brackets (DIR/atoms/<atom>)
// become entities so that no word is taken for an HTML tag. Lines indented with a
// tab or four spaces are code in Markdown and are left alone.
func text(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "    ") {
			continue
		}
		l = strings.ReplaceAll(l, "<", "&lt;")
		lines[i] = strings.ReplaceAll(l, ">", "&gt;")
	}
	return strings.Join(lines, "\n")
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
