package clidoc

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// tree is a small command tree: tool, with a persistent flag; tool get (runnable,
// with a long text, an example and a flag); tool get all; a hidden and a
// deprecated command.
func tree() *cobra.Command {
	noop := func(*cobra.Command, []string) {}
	root := &cobra.Command{Use: "tool", Short: "A tool"}
	root.PersistentFlags().String("config", "", "config `file`")
	get := &cobra.Command{
		Use:     "get [flags] NAME",
		Short:   "Get a thing",
		Long:    "Get writes OUT/<name>.\nFor example:\n\n\ttool get x > <file>",
		Example: "  tool get x\n",
		Aliases: []string{"fetch"},
		Run:     noop,
	}
	get.Flags().BoolP("all", "a", false, "get everything")
	get.AddCommand(&cobra.Command{Use: "all", Short: "Get all things", Run: noop})
	root.AddCommand(get,
		&cobra.Command{Use: "secret", Short: "hidden", Hidden: true, Run: noop},
		&cobra.Command{Use: "old", Short: "deprecated", Deprecated: "use get", Run: noop},
	)
	return root
}

func TestPages(t *testing.T) {
	pages := Pages(tree())
	var names []string
	for name := range pages {
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{
		"tool.md", "tool_completion.md", "tool_completion_bash.md", "tool_completion_fish.md",
		"tool_completion_powershell.md", "tool_completion_zsh.md", "tool_get.md", "tool_get_all.md",
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("pages %q\nwant %q", names, want)
	}

	get := string(pages["tool_get.md"])
	for _, want := range []string{
		"## tool get\n", "Get a thing", "tool get [flags] NAME", // heading, synopsis, usage
		"tool get x",                                                 // the example
		"-a, --all    get everything", "--config file   config file", // local and inherited flags
		"[tool](tool.md)", "[tool get all](tool_get_all.md)", // links to the parent and the subcommand
	} {
		if !strings.Contains(get, want) {
			t.Errorf("tool_get.md lacks %q:\n%s", want, get)
		}
	}
	root := string(pages["tool.md"])
	for _, s := range []string{"[tool completion](tool_completion.md)", "[tool get](tool_get.md)"} {
		if !strings.Contains(root, s) {
			t.Errorf("tool.md lacks %q:\n%s", s, root)
		}
	}
	for _, s := range []string{"secret", "old", "tool_help", "Auto generated"} {
		if strings.Contains(root, s) {
			t.Errorf("tool.md mentions %q:\n%s", s, root)
		}
	}
	if again := Pages(tree()); !reflect.DeepEqual(again, pages) {
		t.Error("two renderings of the same tree differ")
	}
}

func TestWriteAndDiff(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cli")
	pages := map[string][]byte{"a.md": []byte("a\n"), "b.md": []byte("b\n")}

	diffs, err := Diff(dir, pages)
	if err != nil || !reflect.DeepEqual(diffs, []string{"missing a.md", "missing b.md"}) {
		t.Errorf("Diff of an absent dir = %q, %v", diffs, err)
	}
	if err := Write(dir, pages); err != nil {
		t.Fatal(err)
	}
	if diffs, err := Diff(dir, pages); err != nil || len(diffs) != 0 {
		t.Errorf("Diff after Write = %q, %v", diffs, err)
	}

	// A stale page, a page of a command that is gone, and a file that is no page.
	for name, data := range map[string]string{"b.md": "old\n", "gone.md": "x\n", "notes.txt": "kept\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if diffs, err := Diff(dir, pages); err != nil || !reflect.DeepEqual(diffs, []string{"b.md differs", "extra gone.md"}) {
		t.Errorf("Diff = %q, %v", diffs, err)
	}
	if err := Write(dir, pages); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !reflect.DeepEqual(names, []string{"a.md", "b.md", "notes.txt"}) {
		t.Errorf("after Write: %q", names)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "b.md")); string(b) != "b\n" {
		t.Errorf("b.md = %q after Write", b)
	}
}
